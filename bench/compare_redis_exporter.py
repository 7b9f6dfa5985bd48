#!/usr/bin/env python3
"""Side-by-side cost of a Redis scrape: vigia against Debian's
prometheus-redis-exporter (1.45), both scraping the same Redis 7.0.

Starts redis-server on a loopback port (tests/lib/redis_harness.py) with --keys
keys and --queues BullMQ-shaped queues, then both exporters (vigia: one
`redis:` target, only the redis collector, with bullmq on; redis_exporter:
-redis.addr). It warms them up, then for R rounds scrapes each N times,
alternating, and prints per exporter the process's CPU time per scrape, the
client's wall time, VmRSS/VmHWM/Pss after the rounds, the medians and the
ratios vigia/redis_exporter against the goals (CPU per scrape <= 1/5, RSS <=
1/3). It also prints the resident memory of vigia's vigia-redis.so, libhiredis,
libssl and libcrypto mappings (the module's cost: it brings OpenSSL for
rediss://). Beside them it scrapes the resident floors (bench/redis_floor.cc,
when built): the least a C++ exporter made of libmicrohttpd (or civetweb) and
hiredis holds, against the goal's budget.

Exit status: 0 when both exporters answered every scrape with redis_up 1,
1 otherwise, 77 when a binary or redis-server is missing. Timings never change
the exit status. See bench/README.md.
"""

import argparse
import os
import re
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tests", "lib"))
from compare_node_exporter import (CLK_TCK, SKIP, Exporter, cpu_ns, cpu_ticks, free_port,  # noqa: E402
                                   median, memory_kib, ratio, summarize)
from compare_postgres_exporter import pss_kib, series_count  # noqa: E402
import redis_harness as rh  # noqa: E402

GOAL_CPU_RATIO = 1.0 / 5
GOAL_RSS_RATIO = 1.0 / 3


def mapped_rss_kib(pid, name):
    """Rss of the mappings of files whose path contains name (smaps)."""
    total, inside = 0, False
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
                inside = name in line
            elif inside and line.startswith("Rss:"):
                total += int(line.split()[1])
    return total


def fill(server, keys, queues):
    pipe = []
    for i in range(keys):
        pipe.append(("SET", "key:%d" % i, str(i)))
    for q in range(queues):
        pipe.append(("SET", "bull:q%d:id" % q, "10"))
        pipe.append(("LPUSH", "bull:q%d:wait" % q, "1", "2"))
        pipe.append(("HSET", "bull:q%d:1" % q, "timestamp", str(int(time.time() * 1000))))
        pipe.append(("ZADD", "bull:q%d:failed" % q, "1", "3"))
    for c in pipe:
        server.cmd(*c)


# The resident floors (bench/redis_floor.cc): the least an exporter made of these libraries holds.
FLOORS = {"redis_floor": "libstdc++, libmicrohttpd with its GnuTLS, hiredis",
          "redis_floor_civetweb": "libstdc++, civetweb, hiredis"}


def run(args):
    vigia_bin = args.vigia or os.environ.get("VIGIA_BINARY") or os.path.join(HERE, "..", "build", "vigia")
    for b in (vigia_bin, args.redis_exporter, rh.REDIS_SERVER):
        if not os.access(b, os.X_OK):
            print(f"SKIP: {b} is not an executable", file=sys.stderr)
            return SKIP
    base = tempfile.mkdtemp(prefix="vigia-bench-redis-")
    server, exporters = None, []
    try:
        server = rh.start_redis("bench")
        fill(server, args.keys, args.queues)
        cfg = os.path.join(base, "vigia.yml")
        with open(cfg, "w") as f:
            f.write(f"redis:\n  - name: bench\n    address: 127.0.0.1:{server.port}\n    bullmq: {{}}\n")
        vp, rp = free_port(), free_port()
        vigia = Exporter("vigia", [vigia_bin, "exporter", f"--config.file={cfg}",
                                   f"--web.listen-address=127.0.0.1:{vp}", "--log.level=warn",
                                   "--collector.disable-defaults", "--collector.redis"],
                         vp, "redis_up", True, base)
        ref = Exporter("redis_exporter", [args.redis_exporter, f"-web.listen-address=127.0.0.1:{rp}",
                                          f"-redis.addr=redis://127.0.0.1:{server.port}"],
                       rp, "redis_up", True, base)
        exporters = [vigia, ref]
        floor_dir = args.floor_dir or os.path.join(os.path.dirname(os.path.abspath(vigia_bin)), "bench")
        for floor in FLOORS:
            floor_bin = os.path.join(floor_dir, floor)
            if not os.access(floor_bin, os.X_OK):
                print(f"note: {floor_bin} is not built; no such floor", file=sys.stderr)
                continue
            fp = free_port()
            exporters.append(Exporter(floor, [floor_bin, str(fp), "127.0.0.1", str(server.port)],
                                      fp, "redis_up 1", True, base))
        result = {"per_round": [], "median": {}, "memory": {}}
        for e in exporters:
            e.start()
        for _ in range(args.warmup):
            for e in exporters:
                e.scrape()
        for e in exporters:
            text = e.check()
            if not re.search(r"^redis_up(\{[^}]*\})? 1$", text, re.M):
                raise RuntimeError(f"{e.name}: redis_up is not 1")
            print(f"{e.name}: {series_count(text)} series, {len(text.encode())} bytes")
        for r in range(args.rounds):
            t0 = {e.name: (cpu_ticks(e.proc.pid), cpu_ns(e.proc.pid)) for e in exporters}
            walls = {e.name: 0.0 for e in exporters}
            for _ in range(args.scrapes):
                for e in exporters:
                    start = time.perf_counter()
                    e.scrape()
                    walls[e.name] += time.perf_counter() - start
            row = {}
            for e in exporters:
                row[e.name] = {"cpu_ms_per_scrape": 1000.0 * (cpu_ticks(e.proc.pid) - t0[e.name][0]) / CLK_TCK / args.scrapes,
                               "sched_ms_per_scrape": (cpu_ns(e.proc.pid) - t0[e.name][1]) / 1e6 / args.scrapes,
                               "wall_ms_per_scrape": 1000.0 * walls[e.name] / args.scrapes}
                e.check()
            result["per_round"].append(row)
        for e in exporters:
            result["memory"][e.name] = memory_kib(e.proc.pid)
            result["memory"][e.name]["Pss"] = pss_kib(e.proc.pid)
            result["median"][e.name] = {k: median([row[e.name][k] for row in result["per_round"]])
                                        for k in ("cpu_ms_per_scrape", "sched_ms_per_scrape", "wall_ms_per_scrape")}
        libs = {n: mapped_rss_kib(vigia.proc.pid, n) for n in ("vigia-redis.so", "libhiredis", "libssl", "libcrypto")}
    except (OSError, RuntimeError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        for e in exporters:
            if e.proc is not None:
                print(f"--- {e.name} log:\n{e.log_tail()}", file=sys.stderr)
        return 1
    finally:
        for e in exporters:
            e.stop()
        if server is not None:
            server.stop()
        shutil.rmtree(base, ignore_errors=True)
    ratios = summarize(result, "redis_exporter", "vigia/reference", ("VmRSS", "VmHWM", "Pss"), args.rounds,
                       args.scrapes, GOAL_CPU_RATIO, GOAL_RSS_RATIO)
    g = result["goals"]
    print(f"goal CPU per scrape <= 1/5 x redis_exporter: {'met' if g['cpu_met'] else 'NOT met'} "
          f"({ratios['cpu_per_scrape']:.3f})")
    print(f"goal RSS <= 1/3 x redis_exporter: {'met' if g['rss_met'] else 'NOT met'} ({ratios['vmrss']:.3f})")
    print("vigia's mappings, KiB resident: " + ", ".join(f"{n} {k}" for n, k in libs.items()))
    rr = result["memory"]["redis_exporter"]["VmRSS"]
    for floor, what in FLOORS.items():
        if floor in result["memory"]:
            fr = result["memory"][floor]["VmRSS"]
            result["ratios"][floor + "_vmrss"] = ratio(fr, rr)
            print(f"floor {floor} ({what}, INFO ALL per GET): VmRSS {fr} KiB, {ratio(fr, rr):.3f} of "
                  f"redis_exporter's; the goal's budget is {rr // 3} KiB")
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--floor-dir", help="where redis_floor and redis_floor_civetweb are (default: bench/ beside the vigia binary)")
    p.add_argument("--vigia", help="vigia binary (default: $VIGIA_BINARY or build/vigia)")
    p.add_argument("--redis-exporter", default=rh.REDIS_EXPORTER)
    p.add_argument("--keys", type=int, default=1000)
    p.add_argument("--queues", type=int, default=20)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--scrapes", type=int, default=100)
    p.add_argument("--warmup", type=int, default=10)
    p.add_argument("--quick", action="store_true", help="smoke run: 1 round of 10 scrapes")
    args = p.parse_args()
    if args.quick:
        args.keys, args.queues, args.rounds, args.scrapes, args.warmup = 100, 3, 1, 10, 2
    return run(args)


if __name__ == "__main__":
    sys.exit(main())

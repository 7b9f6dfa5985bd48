#!/usr/bin/env python3
"""Side-by-side cost of a PostgreSQL scrape: vigia against Debian's
prometheus-postgres-exporter (0.11.1), both scraping the same server.

Starts a PostgreSQL 15 in a temporary directory (tests/lib/pg_harness.py) with
--databases databases (default 50), a monitoring role in pg_monitor, then both
exporters on loopback ports with their default PostgreSQL metrics and one DSN
each (vigia: one `postgres:` target, only the postgres collector;
postgres_exporter: DATA_SOURCE_NAME). It warms them up, then for R rounds
scrapes each N times, alternating, one request at a time, and measures per
round and exporter the process's CPU time per scrape (utime + stime from
/proc/<pid>/stat; and the sum of /proc/<pid>/task/*/schedstat), the client's
wall time, and after the rounds VmRSS and VmHWM. It prints the medians over
rounds and the ratios vigia/postgres_exporter against the goals (CPU per
scrape <= 1/5, RSS <= 1/3). Beside them it runs libpq_floor (bench/libpq_floor.c,
a C program that links only libpq) on the same server: the resident memory of
libpq alone, before and after one connection, against the RSS goal's budget.

Exit status: 0 when both exporters answered every scrape with a well-formed
exposition reporting pg_up 1, 1 otherwise, 2 on bad usage, 77 when a binary or
PostgreSQL 15 is missing (CTest's skip). Timings never change the exit status.

See bench/README.md.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tests", "lib"))
from compare_node_exporter import (CLK_TCK, SKIP, Exporter, cpu_ns, cpu_ticks, free_port,  # noqa: E402
                                   median, memory_kib, ratio, summarize)
import pg_harness  # noqa: E402

GOAL_CPU_RATIO = 1.0 / 5   # vigia CPU per scrape <= 1/5 of postgres_exporter's
GOAL_RSS_RATIO = 1.0 / 3   # vigia RSS <= 1/3 of postgres_exporter's
PASSWORD = "bench-pw-91"


def pss_kib(pid):
    """Proportional set size: shared library pages divided among the processes
    mapping them (vigia maps libpq, OpenSSL, GnuTLS... that other processes share)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def series_count(text):
    return sum(1 for line in text.splitlines() if line and not line.startswith("#"))


def libpq_floor(binary, port):
    """Runs libpq_floor against the bench server; returns {start, connected, closed} in KiB."""
    conninfo = f"host=127.0.0.1 port={port} user=vigia dbname=postgres sslmode=disable"
    env = dict(os.environ, PGPASSWORD=PASSWORD)
    try:
        out = subprocess.run([binary, conninfo], env=env, capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        raise RuntimeError("libpq_floor did not finish within 30 s") from None
    if out.returncode != 0:
        raise RuntimeError(f"libpq_floor failed: {out.stderr.strip()}")
    kib = {k: int(v) for k, v in (line.split() for line in out.stdout.splitlines())}
    for key in ("start", "connected", "closed"):
        if kib.get(key, 0) <= 0:
            raise RuntimeError(f"libpq_floor printed no {key}: {out.stdout!r}")
    return kib


def setup_server(base, databases):
    server = pg_harness.start_monitored(base, "pg", free_port(), PASSWORD)
    for i in range(1, databases + 1):
        server.psql("CREATE DATABASE app%02d" % i)
    return server


def run(args):
    vigia_bin = args.vigia or os.environ.get("VIGIA_BINARY") or os.path.join(HERE, "..", "build", "vigia")
    for b in (vigia_bin, args.postgres_exporter):
        if not os.access(b, os.X_OK):
            print(f"SKIP: {b} is not an executable", file=sys.stderr)
            return SKIP
    if not pg_harness.available():
        print("SKIP: PostgreSQL 15 is not installed", file=sys.stderr)
        return SKIP

    base = pg_harness.make_tempdir("vigia-bench-pg-")
    server = None
    exporters = []
    try:
        server = setup_server(base, args.databases)
        logdir = os.path.join(base, "logs")
        os.makedirs(logdir)
        cfg = os.path.join(base, "vigia.yml")
        with open(cfg, "w") as f:
            f.write("postgres:\n  - name: bench\n"
                    f"    dsn: postgresql://vigia@127.0.0.1:{server.port}/postgres?sslmode=disable\n"
                    "    password_env: VIGIA_BENCH_PG_PASSWORD\n")
        os.environ["VIGIA_BENCH_PG_PASSWORD"] = PASSWORD
        os.environ["DATA_SOURCE_NAME"] = "postgresql://vigia:%s@127.0.0.1:%d/postgres?sslmode=disable" % (
            urllib.parse.quote(PASSWORD, safe=""), server.port)
        vp, rp = free_port(), free_port()
        vigia = Exporter("vigia", [vigia_bin, "exporter", f"--config.file={cfg}",
                                   f"--web.listen-address=127.0.0.1:{vp}", "--log.level=warn",
                                   "--collector.disable-defaults", "--collector.postgres"],
                         vp, "vigia_collector_success", not args.no_gzip, logdir)
        ref = Exporter("postgres_exporter", [args.postgres_exporter, f"--web.listen-address=127.0.0.1:{rp}",
                                             "--log.level=warn"],
                       rp, "pg_up", not args.no_gzip, logdir)
        exporters = [vigia, ref]
        result = {"databases": args.databases, "rounds": args.rounds, "scrapes": args.scrapes,
                  "gzip": not args.no_gzip, "clk_tck": CLK_TCK, "argv": {e.name: e.argv for e in exporters},
                  "per_round": [], "median": {}, "memory": {}}
        for e in exporters:
            e.start()
        for _ in range(args.warmup):
            for e in exporters:
                e.scrape()
        info = {}
        for e in exporters:
            text = e.check()
            if not re.search(r"^pg_up(\{[^}]*\})? 1$", text, re.M):
                raise RuntimeError(f"{e.name}: pg_up is not 1")
            sizes = len(re.findall(r"^pg_database_size_bytes\{", text, re.M))
            if sizes < args.databases:
                raise RuntimeError(f"{e.name}: {sizes} pg_database_size_bytes series for {args.databases} databases")
            info[e.name] = {"series": series_count(text), "bytes": len(text.encode()),
                            "wire_bytes": len(e.last_body)}
        print(f"PostgreSQL 15 with {args.databases} databases (+ postgres, template0, template1); "
              f"rounds: {args.rounds} x {args.scrapes} scrapes each, alternating; "
              f"gzip: {'yes' if not args.no_gzip else 'no'}; CLK_TCK={CLK_TCK}")
        for name, i in info.items():
            print(f"{name}: {i['series']} series, {i['bytes']} bytes ({i['wire_bytes']} on the wire)")
        result["exposition"] = info

        header = (f"{'round':>5} {'exporter':<18} {'ticks':>6} {'cpu ms/scrape':>14} "
                  f"{'sched ms/scrape':>16} {'wall ms/scrape':>15}")

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
                ticks = cpu_ticks(e.proc.pid) - t0[e.name][0]
                row[e.name] = {"ticks": ticks,
                               "cpu_ms_per_scrape": 1000.0 * ticks / CLK_TCK / args.scrapes,
                               "sched_ms_per_scrape": (cpu_ns(e.proc.pid) - t0[e.name][1]) / 1e6 / args.scrapes,
                               "wall_ms_per_scrape": 1000.0 * walls[e.name] / args.scrapes}
                e.check()
            result["per_round"].append(row)
            print(f"\n{header}")
            for name, m in row.items():
                print(f"{r + 1:>5} {name:<18} {m['ticks']:>6} {m['cpu_ms_per_scrape']:>14.4f} "
                      f"{m['sched_ms_per_scrape']:>16.4f} {m['wall_ms_per_scrape']:>15.4f}")
            print(f"{'':>5} {'vigia/reference':<18} {'':>6} "
                  f"{ratio(row['vigia']['cpu_ms_per_scrape'], row['postgres_exporter']['cpu_ms_per_scrape']):>14.3f} "
                  f"{ratio(row['vigia']['sched_ms_per_scrape'], row['postgres_exporter']['sched_ms_per_scrape']):>16.3f} "
                  f"{ratio(row['vigia']['wall_ms_per_scrape'], row['postgres_exporter']['wall_ms_per_scrape']):>15.3f}")
        for e in exporters:
            result["memory"][e.name] = memory_kib(e.proc.pid)
            result["memory"][e.name]["Pss"] = pss_kib(e.proc.pid)
            result["median"][e.name] = {k: median([row[e.name][k] for row in result["per_round"]])
                                        for k in ("cpu_ms_per_scrape", "sched_ms_per_scrape", "wall_ms_per_scrape")}
        floor_bin = args.libpq_floor or os.path.join(os.path.dirname(os.path.abspath(vigia_bin)), "bench", "libpq_floor")
        if os.access(floor_bin, os.X_OK):
            result["libpq_floor"] = libpq_floor(floor_bin, server.port)
        else:
            print(f"note: {floor_bin} is not built; no libpq floor", file=sys.stderr)
    except (OSError, RuntimeError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        for e in exporters:
            if e.proc is not None:
                print(f"--- {e.name} log ({e.log_path}):\n{e.log_tail()}", file=sys.stderr)
        return 1
    finally:
        for e in exporters:
            e.stop()
        if server is not None:
            server.stop()
        shutil.rmtree(base, ignore_errors=True)

    ratios = summarize(result, "postgres_exporter", "vigia/reference", ("VmRSS", "VmHWM", "Pss"), args.rounds,
                       args.scrapes, GOAL_CPU_RATIO, GOAL_RSS_RATIO)
    rr = result["memory"]["postgres_exporter"]
    g = result["goals"]
    print(f"goal CPU per scrape <= 1/5 x postgres_exporter: {'met' if g['cpu_met'] else 'NOT met'} "
          f"({ratios['cpu_per_scrape']:.3f})")
    print(f"goal RSS <= 1/3 x postgres_exporter: {'met' if g['rss_met'] else 'NOT met'} ({ratios['vmrss']:.3f})")
    if "libpq_floor" in result:
        f, budget = result["libpq_floor"], rr.get("VmRSS", 0) / 3
        print(f"libpq floor (C, libpq only), VmRSS KiB: start {f['start']}, after one connection and query "
              f"{f['connected']}, closed {f['closed']}; the RSS goal's budget (reference / 3): {budget:.0f}; "
              f"floor / reference: {ratio(f['connected'], rr.get('VmRSS', 0)):.3f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2, default=str)
            f.write("\n")
        print(f"wrote {args.json}")
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--vigia", help="vigia binary (default: $VIGIA_BINARY or build/vigia)")
    p.add_argument("--postgres-exporter", default="/usr/bin/prometheus-postgres-exporter",
                   help="postgres_exporter binary (default: %(default)s)")
    p.add_argument("--libpq-floor", help="libpq_floor binary (default: bench/libpq_floor beside the vigia binary)")
    p.add_argument("--databases", type=int, default=50, help="databases to create (default: %(default)s)")
    p.add_argument("--rounds", type=int, default=5, help="rounds (default: %(default)s)")
    p.add_argument("--scrapes", type=int, default=100, help="scrapes per exporter per round (default: %(default)s)")
    p.add_argument("--warmup", type=int, default=10, help="untimed scrapes of each first (default: %(default)s)")
    p.add_argument("--no-gzip", action="store_true", help="do not send Accept-Encoding: gzip")
    p.add_argument("--json", help="write the results to this JSON file")
    p.add_argument("--quick", action="store_true",
                   help="smoke run: 5 databases, 1 round of 10 scrapes (checks the script, not the speed)")
    args = p.parse_args()
    if args.quick:
        args.databases, args.rounds, args.scrapes, args.warmup = 5, 1, 10, 2
    if args.rounds < 1 or args.scrapes < 1 or args.warmup < 0 or args.databases < 0:
        p.error("--rounds and --scrapes must be >= 1, --warmup and --databases >= 0")
    return run(args)


if __name__ == "__main__":
    sys.exit(main())

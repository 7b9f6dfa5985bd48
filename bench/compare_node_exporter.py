#!/usr/bin/env python3
"""Side-by-side cost of a host scrape: vigia against prometheus-node-exporter.

Starts both exporters on loopback ports with the same collectors, warms them
up, then for R rounds scrapes each N times, alternating, one request at a time.
Per round and exporter it measures the process's CPU time per scrape (utime +
stime from /proc/<pid>/stat, in clock ticks; and, at nanosecond resolution, the
sum of /proc/<pid>/task/*/schedstat), and the client's wall time per scrape.
After the rounds it reads VmRSS and VmHWM from /proc/<pid>/status. It prints a
table per round, the medians over rounds and the ratios vigia/node_exporter.

Exit status: 0 when both exporters answered every scrape with a well-formed
exposition, 1 otherwise, 2 on bad usage, 77 when an exporter binary is missing
(CTest's skip). Timings never change the exit status: the machine is shared.

See bench/README.md.
"""

import argparse
import gzip
import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "lib"))
from ports import free_port  # noqa: E402  (tests/lib/ports.py: outside the ephemeral range)

CLK_TCK = os.sysconf("SC_CLK_TCK")
GOAL_CPU_RATIO = 0.1       # vigia CPU per scrape <= 1/10 of node_exporter's
GOAL_RSS_RATIO = 1.0 / 3   # vigia RSS <= 1/3 of node_exporter's
SKIP = 77

# Collectors vigia has that node_exporter lacks (vigia's own process metrics).
VIGIA_ONLY = {"process"}


def cpu_ticks(pid):
    """utime + stime of the whole process, in clock ticks."""
    with open(f"/proc/{pid}/stat") as f:
        stat = f.read()
    fields = stat[stat.rindex(")") + 2:].split()
    return int(fields[11]) + int(fields[12])  # fields 14 and 15 of proc(5)


def cpu_ns(pid):
    """Sum over the live threads of their time on CPU (schedstat), in ns.
    Time of threads that exited between two reads is lost; both exporters keep
    their threads, so this is the finer-grained cross-check of cpu_ticks."""
    total = 0
    base = f"/proc/{pid}/task"
    for tid in os.listdir(base):
        try:
            with open(f"{base}/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            pass
    return total


def memory_kib(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0])
    return out


class Exporter:
    """One exporter process on a loopback port, scraped over one keep-alive
    connection with the headers Prometheus sends."""

    def __init__(self, name, argv, port, marker, gzip_ok, logdir):
        self.name = name
        self.argv = argv
        self.port = port
        self.marker = marker  # a series every good exposition contains
        self.gzip_ok = gzip_ok
        self.log_path = os.path.join(logdir, name + ".log")
        self.proc = None
        self.log = None
        self.conn = None
        self.reconnects = 0
        self.last_body = b""
        self.last_encoding = "identity"

    def start(self, timeout=15.0):
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(self.argv, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}: {self.log_tail()}")
            try:
                self.scrape()
                return
            except (OSError, http.client.HTTPException, RuntimeError):
                self.close_conn()
                time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not answer on port {self.port} within {timeout}s: "
                           f"{self.log_tail()}")

    def log_tail(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read()[-2000:].decode(errors="replace").strip()
        except OSError:
            return ""

    def close_conn(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def scrape(self):
        """One GET /metrics; returns the (possibly gzipped) body. Retries once on
        a connection the server closed between two scrapes."""
        headers = {"Accept": "text/plain;version=0.0.4;q=1,*/*;q=0.1",
                   "X-Prometheus-Scrape-Timeout-Seconds": "10",
                   "User-Agent": "vigia-bench"}
        if self.gzip_ok:
            headers["Accept-Encoding"] = "gzip"
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                self.conn.request("GET", "/metrics", headers=headers)
                resp = self.conn.getresponse()
                body = resp.read()
            except (ConnectionError, http.client.RemoteDisconnected, BrokenPipeError):
                self.close_conn()
                if attempt:
                    raise
                self.reconnects += 1
                continue
            if resp.status != 200:
                raise RuntimeError(f"{self.name}: HTTP {resp.status}: {body[:200]!r}")
            self.last_encoding = resp.getheader("Content-Encoding") or "identity"
            self.last_body = body
            return body

    def text(self):
        body = self.last_body
        if self.last_encoding == "gzip":
            body = gzip.decompress(body)
        return body.decode("utf-8")

    def check(self):
        """Raises unless the last scrape is a well-formed exposition with the marker."""
        text = self.text()
        if self.marker not in text:
            raise RuntimeError(f"{self.name}: exposition lacks {self.marker!r}")
        for line in text.splitlines():
            if line and not line.startswith("#") and not re.match(r"^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? \S+( \d+)?$", line):
                raise RuntimeError(f"{self.name}: malformed line {line[:200]!r}")
        return text

    def stop(self):
        self.close_conn()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.log is not None:
            self.log.close()


def series_values(text, family, label):
    """{label value: sample value} of one family's series in an exposition."""
    out = {}
    pat = re.compile(r"^" + re.escape(family) + r"\{(.*)\} (\S+)$")
    for line in text.splitlines():
        m = pat.match(line)
        if not m:
            continue
        lm = re.search(label + r'="([^"]*)"', m.group(1))
        if lm:
            out[lm.group(1)] = float(m.group(2))
    return out


def node_exporter_collectors(binary):
    """Collector names node_exporter knows, from its --help."""
    res = subprocess.run([binary, "--help"], capture_output=True, text=True, timeout=30)
    names = set(re.findall(r"--(?:\[no-\])?collector\.([a-z0-9_]+)(?=[\s=]|$)",
                           res.stdout + res.stderr, re.M))
    return names


def vigia_default_collectors(binary, logdir):
    """Collectors vigia runs by default, with their success, from one scrape."""
    port = free_port()
    exp = Exporter("vigia-discovery", [binary, "exporter", f"--web.listen-address=127.0.0.1:{port}",
                                       "--log.level=error"], port, "vigia_collector_success", False, logdir)
    try:
        exp.start()
        return series_values(exp.check(), "vigia_collector_success", "collector")
    finally:
        exp.stop()


def floor_plan(pid, scrape, plan_path):
    """Writes bench/host_floor's PLAN: the files, directories, statfs calls,
    rtnetlink dump and uname of one of pid's scrapes, from its system calls
    (strace -ff, one file per thread). Files vigia keeps open are named from
    /proc/<pid>/fd. Returns the number of entries, 0 when strace failed."""
    trace = plan_path + ".strace"
    st = subprocess.Popen(["strace", "-ff", "-qq", "-p", str(pid), "-o", trace, "-e",
                           "trace=openat,pread64,read,statfs,getdents64,sendto,uname"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)  # attaching to every thread
    scrape()
    time.sleep(0.3)
    st.terminate()
    st.wait()
    plan, seen = [], set()

    def add(entry):
        if entry not in seen:
            seen.add(entry)
            plan.append(entry)

    for name in sorted(os.listdir(os.path.dirname(plan_path))):
        if not name.startswith(os.path.basename(trace) + "."):
            continue
        opened = {}
        with open(os.path.join(os.path.dirname(plan_path), name)) as f:
            for line in f:
                m = re.match(r'openat\(AT_FDCWD, "([^"]+)", ([A-Z_|]+)\) = (\d+)', line)
                if m:
                    opened[m.group(3)] = m.group(1)
                    add(("d " if "O_DIRECTORY" in m.group(2) else "r ") + m.group(1))
                    continue
                m = re.match(r"(?:pread64|read)\((\d+),", line)
                if m and m.group(1) not in opened:
                    try:
                        target = os.readlink(f"/proc/{pid}/fd/{m.group(1)}")
                    except OSError:
                        continue
                    if target.startswith("/"):
                        add("r " + re.sub(r"^/proc/\d+/", "/proc/self/", target))
                    continue
                m = re.match(r'statfs\("([^"]+)"', line)
                if m:
                    add("s " + m.group(1))
                elif line.startswith("sendto(") and "RTM_GETLINK" in line:
                    add("n")
                elif line.startswith("uname("):
                    add("u")
        os.unlink(os.path.join(os.path.dirname(plan_path), name))
    with open(plan_path, "w") as f:
        f.write("".join(e + "\n" for e in plan))
    return len(plan)


def start_floor(args, vigia_bin, vigia, logdir):
    """Starts bench/host_floor with the plan of one of vigia's scrapes and
    vigia's exposition as its body; None (with a note) when it cannot run."""
    if args.no_floor or args.quick or args.no_gzip:
        return None
    binary = args.host_floor or os.path.join(os.path.dirname(os.path.abspath(vigia_bin)), "bench", "host_floor")
    if not os.access(binary, os.X_OK) or not shutil.which("strace"):
        print(f"note: no floor ({binary} not built or strace missing)")
        return None
    plan = os.path.join(logdir, "floor.plan")
    if floor_plan(vigia.proc.pid, vigia.scrape, plan) == 0:
        print("note: no floor (strace saw no system call of vigia's scrape)")
        return None
    body = os.path.join(logdir, "floor.body")
    with open(body, "wb") as f:
        f.write(vigia.text().encode())
    port = free_port()
    floor = Exporter("floor", [binary, plan, body, str(port)], port, "vigia_collector_success", True, logdir)
    floor.start()
    with open(plan) as f:
        kinds = [line.split(" ", 1)[0].strip() for line in f]
    print(f"floor: {kinds.count('r')} files, {kinds.count('d')} directories, {kinds.count('s')} statfs, "
          f"{kinds.count('n')} netlink dump, {kinds.count('u')} uname per scrape")
    return floor


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def ratio(a, b):
    return a / b if b else float("nan")


def summarize(result, ref, label, memory_keys, rounds, scrapes, goal_cpu, goal_rss):
    """Puts the ratios vigia/ref of the medians and of memory_keys (from
    result["memory"]: VmRSS, VmHWM, Pss...; ratio keys in lower case) and the
    goals into result, prints the table of medians, and returns the ratios."""
    mv, mr = result["median"]["vigia"], result["median"][ref]
    rv, rr = result["memory"]["vigia"], result["memory"][ref]
    ratios = {"cpu_per_scrape": ratio(mv["cpu_ms_per_scrape"], mr["cpu_ms_per_scrape"]),
              "sched_cpu_per_scrape": ratio(mv["sched_ms_per_scrape"], mr["sched_ms_per_scrape"]),
              "wall_per_scrape": ratio(mv["wall_ms_per_scrape"], mr["wall_ms_per_scrape"])}
    for k in memory_keys:
        ratios[k.lower()] = ratio(rv.get(k, 0), rr.get(k, 0))
    result["ratios"] = ratios
    result["goals"] = {"cpu_per_scrape_max_ratio": goal_cpu, "rss_max_ratio": goal_rss,
                       "cpu_met": ratios["cpu_per_scrape"] <= goal_cpu,
                       "rss_met": ratios["vmrss"] <= goal_rss}
    w = max(len(label), len(ref)) + 1
    print(f"\nmedians over {rounds} round(s) of {scrapes} scrapes:")
    print(f"{'':<{w}} {'cpu ms/scrape':>14} {'sched ms/scrape':>16} {'wall ms/scrape':>15}"
          + "".join(f" {k + ' KiB':>10}" for k in memory_keys))
    for name in ("vigia", ref):
        m, mem = result["median"][name], result["memory"][name]
        print(f"{name:<{w}} {m['cpu_ms_per_scrape']:>14.4f} {m['sched_ms_per_scrape']:>16.4f} "
              f"{m['wall_ms_per_scrape']:>15.4f}" + "".join(f" {mem.get(k, 0):>10}" for k in memory_keys))
    print(f"{label:<{w}} {ratios['cpu_per_scrape']:>14.3f} {ratios['sched_cpu_per_scrape']:>16.3f} "
          f"{ratios['wall_per_scrape']:>15.3f}" + "".join(f" {ratios[k.lower()]:>10.3f}" for k in memory_keys))
    return ratios


def run(args):
    vigia_bin = args.vigia or os.environ.get("VIGIA_BINARY") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "build", "vigia")
    for b in (vigia_bin, args.node_exporter):
        if not os.access(b, os.X_OK):
            print(f"SKIP: {b} is not an executable", file=sys.stderr)
            return SKIP

    logdir = tempfile.mkdtemp(prefix="vigia-bench-")
    node_known = node_exporter_collectors(args.node_exporter)
    vp, np_ = free_port(), free_port()
    vigia_argv = [vigia_bin, "exporter", f"--web.listen-address=127.0.0.1:{vp}", "--log.level=warn"]
    node_argv = [args.node_exporter, f"--web.listen-address=127.0.0.1:{np_}", "--log.level=warn"]

    if args.defaults:
        collectors = None
        mode = "defaults"
    else:
        mode = "same-collectors"
        if args.collectors:
            collectors = sorted({c.strip() for c in args.collectors.split(",") if c.strip()})
        else:
            success = vigia_default_collectors(vigia_bin, logdir)
            failing = sorted(c for c, v in success.items() if v != 1)
            if failing:
                print(f"note: vigia collectors failing here, left out: {', '.join(failing)}")
            collectors = sorted(c for c, v in success.items()
                                if v == 1 and c in node_known and c not in VIGIA_ONLY)
            only_vigia = sorted(c for c in success if c not in node_known and c not in VIGIA_ONLY)
            if only_vigia:
                print(f"note: vigia collectors node_exporter lacks, left out: {', '.join(only_vigia)}")
        unknown = [c for c in collectors if c not in node_known]
        if unknown:
            print(f"error: node_exporter has no collector {', '.join(unknown)}", file=sys.stderr)
            return 2
        if not collectors:
            print("error: no collector in common", file=sys.stderr)
            return 1
        switches = ["--collector.disable-defaults"] + [f"--collector.{c}" for c in collectors]
        if "textfile" in collectors:
            # The same directory for both (their defaults differ: none vs Debian's), holding
            # what a cron job typically leaves there, unless --textfile-dir names one.
            tdir = args.textfile_dir
            if not tdir:
                tdir = os.path.join(logdir, "textfile")
                os.makedirs(tdir)
                with open(os.path.join(tdir, "backup.prom"), "w") as f:
                    f.write("# HELP backup_last_success_timestamp_seconds Last successful backup.\n"
                            "# TYPE backup_last_success_timestamp_seconds gauge\n"
                            'backup_last_success_timestamp_seconds{job="db"} 1.7e+09\n'
                            'backup_last_success_timestamp_seconds{job="files"} 1.7e+09\n'
                            'deploy_info{version="1.2.3"} 1\n')
            switches.append(f"--collector.textfile.directory={tdir}")
        vigia_argv += switches
        # Its go_*/process_*/promhttp_* series are work vigia does not do here.
        node_argv += switches + ["--web.disable-exporter-metrics"]

    vigia = Exporter("vigia", vigia_argv, vp, "vigia_collector_success", not args.no_gzip, logdir)
    node = Exporter("node_exporter", node_argv, np_, "node_scrape_collector_success",
                    not args.no_gzip, logdir)
    exporters = [vigia, node]
    result = {"mode": mode, "collectors": collectors, "rounds": args.rounds, "scrapes": args.scrapes,
              "gzip": not args.no_gzip, "clk_tck": CLK_TCK,
              "argv": {e.name: e.argv for e in exporters}, "per_round": [], "median": {}, "memory": {}}
    try:
        for e in exporters:
            e.start()
        print(f"mode: {mode}; collectors: {', '.join(collectors) if collectors else '(each its defaults)'}")
        print(f"rounds: {args.rounds} x {args.scrapes} scrapes each, alternating; "
              f"gzip: {'yes' if not args.no_gzip else 'no'}; CLK_TCK={CLK_TCK}")

        for _ in range(args.warmup):
            for e in exporters:
                e.scrape()
        info = {}
        for e in exporters:
            text = e.check()
            info[e.name] = {"series": sum(1 for l in text.splitlines() if l and not l.startswith("#")),
                            "bytes": len(text.encode()), "wire_bytes": len(e.last_body)}
        failed = series_values(node.text(), "node_scrape_collector_success", "collector")
        bad = sorted(c for c, v in failed.items() if v != 1)
        if bad:
            print(f"note: node_exporter collectors failing here: {', '.join(bad)}")
        for name, i in info.items():
            print(f"{name}: {i['series']} series, {i['bytes']} bytes ({i['wire_bytes']} on the wire)")
        result["exposition"] = info
        floor = start_floor(args, vigia_bin, vigia, logdir)
        if floor is not None:
            exporters.append(floor)
            for _ in range(args.warmup):
                floor.scrape()
            floor.check()

        header = (f"{'round':>5} {'exporter':<14} {'ticks':>6} {'cpu ms/scrape':>14} "
                  f"{'sched ms/scrape':>16} {'wall ms/scrape':>15} {'wall p50 ms':>12}")
        for r in range(args.rounds):
            t0 = {e.name: (cpu_ticks(e.proc.pid), cpu_ns(e.proc.pid)) for e in exporters}
            walls = {e.name: [] for e in exporters}
            for _ in range(args.scrapes):
                for e in exporters:
                    start = time.perf_counter()
                    e.scrape()
                    walls[e.name].append(time.perf_counter() - start)
            row = {}
            for e in exporters:
                ticks = cpu_ticks(e.proc.pid) - t0[e.name][0]
                ns = cpu_ns(e.proc.pid) - t0[e.name][1]
                row[e.name] = {
                    "ticks": ticks,
                    "cpu_ms_per_scrape": 1000.0 * ticks / CLK_TCK / args.scrapes,
                    "sched_ms_per_scrape": ns / 1e6 / args.scrapes,
                    "wall_ms_per_scrape": 1000.0 * sum(walls[e.name]) / args.scrapes,
                    "wall_p50_ms": 1000.0 * median(walls[e.name]),
                }
            for e in exporters:  # the last body of each round must still be good
                e.check()
            result["per_round"].append(row)
            print(f"\n{header}")
            for name, m in row.items():
                print(f"{r + 1:>5} {name:<14} {m['ticks']:>6} {m['cpu_ms_per_scrape']:>14.4f} "
                      f"{m['sched_ms_per_scrape']:>16.4f} {m['wall_ms_per_scrape']:>15.4f} "
                      f"{m['wall_p50_ms']:>12.4f}")
            print(f"{'':>5} {'vigia/node':<14} {'':>6} "
                  f"{ratio(row['vigia']['cpu_ms_per_scrape'], row['node_exporter']['cpu_ms_per_scrape']):>14.3f} "
                  f"{ratio(row['vigia']['sched_ms_per_scrape'], row['node_exporter']['sched_ms_per_scrape']):>16.3f} "
                  f"{ratio(row['vigia']['wall_ms_per_scrape'], row['node_exporter']['wall_ms_per_scrape']):>15.3f} "
                  f"{ratio(row['vigia']['wall_p50_ms'], row['node_exporter']['wall_p50_ms']):>12.3f}")
            if "floor" in row:
                print(f"{'':>5} {'floor/node':<14} {'':>6} "
                      f"{ratio(row['floor']['cpu_ms_per_scrape'], row['node_exporter']['cpu_ms_per_scrape']):>14.3f} "
                      f"{ratio(row['floor']['sched_ms_per_scrape'], row['node_exporter']['sched_ms_per_scrape']):>16.3f}")

        for e in exporters:
            result["memory"][e.name] = memory_kib(e.proc.pid)
            result["median"][e.name] = {
                k: median([row[e.name][k] for row in result["per_round"]])
                for k in ("cpu_ms_per_scrape", "sched_ms_per_scrape", "wall_ms_per_scrape", "wall_p50_ms")}
            result["median"][e.name]["reconnects"] = e.reconnects
    except (OSError, RuntimeError, http.client.HTTPException, UnicodeDecodeError) as err:
        print(f"error: {err}", file=sys.stderr)
        for e in exporters:
            if e.proc is not None:
                print(f"--- {e.name} log ({e.log_path}):\n{e.log_tail()}", file=sys.stderr)
        return 1
    finally:
        for e in exporters:
            e.stop()

    ratios = summarize(result, "node_exporter", "vigia/node", ("VmRSS", "VmHWM"), args.rounds, args.scrapes,
                       GOAL_CPU_RATIO, GOAL_RSS_RATIO)
    if "floor" in result["median"]:
        mf, mn = result["median"]["floor"], result["median"]["node_exporter"]
        result["ratios"]["floor_cpu_per_scrape"] = ratio(mf["cpu_ms_per_scrape"], mn["cpu_ms_per_scrape"])
        result["ratios"]["floor_sched_cpu_per_scrape"] = ratio(mf["sched_ms_per_scrape"], mn["sched_ms_per_scrape"])
        result["ratios"]["vigia_over_floor_sched"] = ratio(result["median"]["vigia"]["sched_ms_per_scrape"],
                                                           mf["sched_ms_per_scrape"])
        print(f"floor (bench/host_floor: the same reads, gzip level 1 of vigia's exposition, one HTTP answer): "
              f"{mf['cpu_ms_per_scrape']:.4f} ms/scrape (sched {mf['sched_ms_per_scrape']:.4f}); "
              f"floor/node {result['ratios']['floor_cpu_per_scrape']:.3f} "
              f"(sched {result['ratios']['floor_sched_cpu_per_scrape']:.3f}); "
              f"vigia/floor (sched) {result['ratios']['vigia_over_floor_sched']:.2f}")
    total_ticks = sum(row["vigia"]["ticks"] for row in result["per_round"])
    if total_ticks < 10 * args.rounds:
        print(f"note: vigia used only {total_ticks} clock ticks in all; the tick-based figure is coarse, "
              "see the schedstat column or raise --scrapes")
    if mode == "defaults":
        sv, sn = result["exposition"]["vigia"]["series"], result["exposition"]["node_exporter"]["series"]
        print(f"note: --defaults compares different collector sets ({sv} vs {sn} series); "
              "the goals apply to the same-collectors mode")
    g = result["goals"]
    print(f"goal CPU per scrape <= {GOAL_CPU_RATIO:g} x node_exporter: "
          f"{'met' if g['cpu_met'] else 'NOT met'} ({ratios['cpu_per_scrape']:.3f})")
    print(f"goal RSS <= 1/3 x node_exporter: {'met' if g['rss_met'] else 'NOT met'} ({ratios['vmrss']:.3f})")

    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2, default=str)
            f.write("\n")
        print(f"wrote {args.json}")
    shutil.rmtree(logdir, ignore_errors=True)  # kept when a run fails, for its logs
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--vigia", help="vigia binary (default: $VIGIA_BINARY or build/vigia)")
    p.add_argument("--node-exporter", default="/usr/bin/prometheus-node-exporter",
                   help="node_exporter binary (default: %(default)s)")
    p.add_argument("--collectors", help="comma-separated collectors to run in both "
                   "(default: vigia's default collectors that node_exporter also has)")
    p.add_argument("--defaults", action="store_true",
                   help="run each exporter with its own default collectors instead")
    p.add_argument("--rounds", type=int, default=5, help="rounds (default: %(default)s)")
    p.add_argument("--scrapes", type=int, default=200, help="scrapes per exporter per round (default: %(default)s)")
    p.add_argument("--warmup", type=int, default=20, help="untimed scrapes of each first (default: %(default)s)")
    p.add_argument("--textfile-dir", help="--collector.textfile.directory for both (default: a "
                   "temporary one holding one small .prom file)")
    p.add_argument("--no-gzip", action="store_true", help="do not send Accept-Encoding: gzip")
    p.add_argument("--host-floor", help="bench/host_floor binary (default: beside the vigia binary)")
    p.add_argument("--no-floor", action="store_true", help="do not run bench/host_floor beside the exporters")
    p.add_argument("--json", help="write the results to this JSON file")
    p.add_argument("--quick", action="store_true",
                   help="smoke run: 1 round of 20 scrapes, 5 warm-up (checks the script, not the speed)")
    args = p.parse_args()
    if args.quick:
        args.rounds, args.scrapes, args.warmup = 1, 20, 5
    if args.rounds < 1 or args.scrapes < 1 or args.warmup < 0:
        p.error("--rounds and --scrapes must be >= 1, --warmup >= 0")
    if args.defaults and args.collectors:
        p.error("--defaults and --collectors exclude each other")
    return run(args)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Scrapes under hostile connections: vigia against prometheus-node-exporter.

Each exporter in turn (never both at once: the machine has 2 cores) is started on
a loopback port and given, for --seconds:
  - --scrapers concurrent scrapers, each a keep-alive connection that scrapes
    /metrics with Prometheus's headers (gzip, a 10 s scrape timeout), then waits
    --interval seconds (starts spread over the first interval);
  - --slow slow connections, opened before the scrapers start and kept open for
    the whole run (reopened when the server closes one): a quarter send nothing,
    a quarter half a request's headers, a quarter a request and never read the
    answer, a quarter trickle a header one byte a second.
A scrape fails on a status other than 200, a connection error, or no answer within
10 s. Every second the exporter's VmRSS and thread count are sampled. Printed per
exporter: scrapes, failures by kind, latency median/p99, RSS median/max, threads
max, CPU seconds, slow connections reopened. --json writes the same.

Exit status: 0 when both exporters ran (failures are reported, not judged: the
machine is shared), 1 when one could not be started, 77 when a binary is missing.
See bench/README.md.
"""

import argparse
import http.client
import json
import os
import random
import resource
import selectors
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "lib"))
from ports import free_port  # noqa: E402  (tests/lib/ports.py: outside the ephemeral range)

SKIP = 77
TCP_CLOSE, TCP_CLOSE_WAIT = 7, 8  # tcp_info.tcpi_state
CLK_TCK = os.sysconf("SC_CLK_TCK")
HEADERS = {"Accept": "text/plain;version=0.0.4;q=1,*/*;q=0.1", "Accept-Encoding": "gzip",
           "X-Prometheus-Scrape-Timeout-Seconds": "10", "User-Agent": "vigia-bench"}


def proc_status(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "Threads"):
                out[key] = int(value.split()[0])
    return out


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        stat = f.read()
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


class Scraper(threading.Thread):
    def __init__(self, port, interval, stop_at, delay):
        super().__init__(daemon=True)
        self.port, self.interval, self.stop_at, self.delay = port, interval, stop_at, delay
        self.latencies = []
        self.failures = {}

    def fail(self, kind):
        self.failures[kind] = self.failures.get(kind, 0) + 1

    def run(self):
        time.sleep(self.delay)
        conn = None
        while time.monotonic() < self.stop_at:
            start = time.monotonic()
            for attempt in (0, 1):
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                try:
                    conn.request("GET", "/metrics", headers=HEADERS)
                    resp = conn.getresponse()
                    resp.read()
                    if resp.status == 200:
                        self.latencies.append(time.monotonic() - start)
                    else:
                        self.fail(f"http {resp.status}")
                    break
                except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as e:
                    # A kept-alive connection the server closed between scrapes: once more
                    # on a new one, as Prometheus does.
                    conn.close()
                    conn = None
                    if attempt:
                        self.fail(type(e).__name__)
                except (OSError, http.client.HTTPException) as e:
                    conn.close()
                    conn = None
                    self.fail("timeout" if isinstance(e, socket.timeout) else type(e).__name__)
                    break
            left = self.interval - (time.monotonic() - start)
            if left > 0:
                time.sleep(min(left, max(0.0, self.stop_at - time.monotonic())))
        if conn is not None:
            conn.close()


class SlowConnections(threading.Thread):
    """n hostile connections on one thread, reopened when the server closes them."""

    KINDS = ("idle", "half", "noread", "trickle")

    def __init__(self, port, n, stop_at):
        super().__init__(daemon=True)
        self.port, self.n, self.stop_at = port, n, stop_at
        self.sel = selectors.DefaultSelector()
        self.reopened = 0
        self.open_errors = 0
        self.ready = threading.Event()
        self.noread = []

    def open_one(self, kind):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if kind == "noread":
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        try:
            s.connect(("127.0.0.1", self.port))
            if kind == "half":
                s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
            elif kind == "noread":
                s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nAccept-Encoding: identity\r\n\r\n")
            elif kind == "trickle":
                s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        except OSError:
            s.close()
            self.open_errors += 1
            return
        s.setblocking(False)
        if kind == "noread":
            self.noread.append(s)  # watched through TCP_INFO: reading would drain the answer
        else:
            self.sel.register(s, selectors.EVENT_READ, kind)

    def run(self):
        for i in range(self.n):
            self.open_one(self.KINDS[i % 4])
        self.ready.set()
        next_second = time.monotonic() + 1
        while time.monotonic() < self.stop_at:
            for key, _ in self.sel.select(timeout=0.2):
                s, kind = key.fileobj, key.data
                try:
                    if s.recv(65536):
                        continue
                except BlockingIOError:
                    continue
                except OSError:
                    pass
                self.sel.unregister(s)
                s.close()
                self.reopened += 1
                self.open_one(kind)
            if time.monotonic() < next_second:
                continue
            next_second += 1
            for key in list(self.sel.get_map().values()):
                if key.data == "trickle":
                    try:
                        key.fileobj.send(b"a")
                    except OSError:
                        pass
            old, self.noread = self.noread, []
            for s in old:
                if s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 1)[0] in (TCP_CLOSE, TCP_CLOSE_WAIT):
                    s.close()
                    self.reopened += 1
                    self.open_one("noread")  # appends to self.noread
                else:
                    self.noread.append(s)
        for s in self.noread:
            s.close()
        for key in list(self.sel.get_map().values()):
            key.fileobj.close()


def run_one(name, argv, port, args, logdir):
    log = open(os.path.join(logdir, name + ".log"), "wb")
    proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start: {argv}")
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                c.request("GET", "/metrics")
                if c.getresponse().status == 200:
                    c.close()
                    break
            except OSError:
                time.sleep(0.1)
        cpu0 = cpu_seconds(proc.pid)
        end = time.monotonic() + args.warmup_slow + args.seconds
        slow = SlowConnections(port, args.slow, end)
        slow.start()
        slow.ready.wait(60)
        time.sleep(args.warmup_slow)
        stop_at = time.monotonic() + args.seconds
        scrapers = [Scraper(port, args.interval, stop_at, random.uniform(0, args.interval))
                    for _ in range(args.scrapers)]
        for s in scrapers:
            s.start()
        samples = []
        while time.monotonic() < stop_at:
            samples.append(proc_status(proc.pid))
            time.sleep(1)
        for s in scrapers:
            s.join(15)
        slow.join(5)
        samples.append(proc_status(proc.pid))
        cpu = cpu_seconds(proc.pid) - cpu0
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
    lat = sorted(x for s in scrapers for x in s.latencies)
    failures = {}
    for s in scrapers:
        for k, v in s.failures.items():
            failures[k] = failures.get(k, 0) + v
    rss = [x["VmRSS"] for x in samples]
    return {"ok": len(lat), "failed": sum(failures.values()), "failures": failures,
            "latency_p50_ms": 1000 * statistics.median(lat) if lat else None,
            "latency_p99_ms": 1000 * lat[int(0.99 * (len(lat) - 1))] if lat else None,
            "rss_median_mib": statistics.median(rss) / 1024, "rss_max_mib": max(rss) / 1024,
            "threads_max": max(x["Threads"] for x in samples), "cpu_seconds": cpu,
            "slow_reopened": slow.reopened, "slow_open_errors": slow.open_errors}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--vigia", help="vigia binary (default: $VIGIA_BINARY or build/vigia)")
    ap.add_argument("--node-exporter", default="/usr/bin/prometheus-node-exporter")
    ap.add_argument("--scrapers", type=int, default=200)
    ap.add_argument("--interval", type=float, default=1.0, help="seconds between a scraper's scrapes")
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--slow", type=int, default=1000)
    ap.add_argument("--warmup-slow", type=float, default=2.0,
                    help="seconds the slow connections are open before scraping starts")
    ap.add_argument("--vigia-args", default="", help="extra vigia flags, space-separated")
    ap.add_argument("--quick", action="store_true", help="smoke run: 20 scrapers, 100 slow, 5 s")
    ap.add_argument("--json", help="write the results here")
    args = ap.parse_args()
    if args.quick:
        args.scrapers, args.slow, args.seconds, args.warmup_slow = 20, 100, 5, 1
    if min(args.scrapers, args.slow) < 0 or args.seconds <= 0 or args.seconds > 3600:
        ap.error("bad sizes")
    vigia_bin = args.vigia or os.environ.get("VIGIA_BINARY") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "build", "vigia")
    for b in (vigia_bin, args.node_exporter):
        if not os.access(b, os.X_OK):
            print(f"SKIP: {b} is not an executable", file=sys.stderr)
            return SKIP
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = args.slow + args.scrapers + 100
    if hard < need:
        print(f"SKIP: RLIMIT_NOFILE hard limit {hard} < {need}", file=sys.stderr)
        return SKIP
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # inherited by both exporters

    logdir = tempfile.mkdtemp(prefix="vigia-httpload-")
    vp, np_ = free_port(), free_port()
    runs = [("vigia", [vigia_bin, "exporter", f"--web.listen-address=127.0.0.1:{vp}", "--log.level=warn"]
             + args.vigia_args.split(), vp),
            ("node_exporter", [args.node_exporter, f"--web.listen-address=127.0.0.1:{np_}", "--log.level=warn"],
             np_)]
    print(f"{args.scrapers} scrapers every {args.interval:g} s for {args.seconds:g} s, "
          f"{args.slow} slow connections (idle, half-sent, never-read, trickling); logs in {logdir}")
    results = {}
    for name, argv, port in runs:
        try:
            results[name] = run_one(name, argv, port, args, logdir)
        except RuntimeError as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
    cols = [("ok", "scrapes ok", "{:d}"), ("failed", "failed", "{:d}"),
            ("latency_p50_ms", "p50 ms", "{:.1f}"), ("latency_p99_ms", "p99 ms", "{:.1f}"),
            ("rss_median_mib", "RSS p50 MiB", "{:.1f}"), ("rss_max_mib", "RSS max MiB", "{:.1f}"),
            ("threads_max", "threads max", "{:d}"), ("cpu_seconds", "CPU s", "{:.1f}"),
            ("slow_reopened", "slow reopened", "{:d}")]
    print(f"{'':<14}" + "".join(f"{label:>14}" for _, label, _ in cols))
    for name, r in results.items():
        cells = [("-" if r[k] is None else fmt.format(r[k])) for k, _, fmt in cols]
        print(f"{name:<14}" + "".join(f"{c:>14}" for c in cells))
        if r["failures"]:
            print(f"  {name} failures: {r['failures']}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"args": vars(args), "results": results}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())

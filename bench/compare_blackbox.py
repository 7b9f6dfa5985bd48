#!/usr/bin/env python3
"""Side-by-side cost of HTTPS probes: vigia against Debian's
prometheus-blackbox-exporter (0.23), probing the same 20 HTTPS targets with the
same module.

Starts one nginx (tests/lib/nginx_harness.py) listening with TLS on --targets
loopback ports, serving a chain generated with openssl (tests/lib/tls_certs.py),
then both exporters reading the same blackbox.yml (vigia: `probe_modules: {file:
blackbox.yml}`): module http_tls, an http prober that trusts the test root CA.
After a warm-up, for R rounds it requests /probe?target=https://localhost:PORT/ok
&module=http_tls of every target N times, alternating the exporters, and prints
per exporter the process's CPU time per probe (utime+stime and schedstat), the
client's wall time per probe, VmRSS/VmHWM after the rounds, the medians and the
ratios vigia/blackbox_exporter against the goals (CPU per probe <= 1/3, RSS <=
1/3).

In the same rounds it runs bench/tls_floor (C, OpenSSL only: a new connection,
a verified TLS handshake and GET /ok per probe, nothing else) over the same
targets, with a new SSL_CTX per probe as libcurl makes, and with one shared
SSL_CTX: the CPU and memory any OpenSSL-based prober needs at the least,
printed beside the goals' budgets (blackbox_exporter's figures / 3); and
bench/tls_floor_gnutls, the same on GnuTLS (new credentials per probe, as
libcurl's GnuTLS backend makes, and shared ones).

Exit status: 0 when both exporters answered every probe with probe_success 1, 1
otherwise, 77 when a binary is missing. Timings never change the exit status.
"""

import argparse
import http.client
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tests", "lib"))
from compare_node_exporter import SKIP, CLK_TCK, cpu_ns, cpu_ticks, free_port, median, memory_kib, ratio  # noqa: E402
import harness as h  # noqa: E402
import nginx_harness as nh  # noqa: E402
import tls_certs  # noqa: E402

BLACKBOX = "/usr/bin/prometheus-blackbox-exporter"
GOAL_CPU_RATIO = 1.0 / 3
GOAL_RSS_RATIO = 1.0 / 3


class Prober:
    def __init__(self, name, server):
        self.name, self.server, self.conn = name, server, None

    def probe(self, target):
        path = "/probe?target=%s&module=http_tls" % target
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
            try:
                self.conn.request("GET", path, headers={"X-Prometheus-Scrape-Timeout-Seconds": "10"})
                resp = self.conn.getresponse()
                body = resp.read().decode()
            except (ConnectionError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
                continue
            if resp.status != 200 or not re.search(r"^probe_success 1$", body, re.M):
                raise RuntimeError("%s: %s: status %d\n%s" % (self.name, target, resp.status, body[-1500:]))
            return body


FLOORS = (("OpenSSL", "tls_floor"), ("GnuTLS", "tls_floor_gnutls"))


def tls_floor(binary, cafile, probes, mode, ports):
    """Runs bench/tls_floor or tls_floor_gnutls; returns {cpu_ms_per_probe, rss_kib, hwm_kib}."""
    out = subprocess.run([binary, cafile, "localhost", str(probes), mode] + [str(p) for p in ports],
                         capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        raise RuntimeError("tls_floor %s failed: %s" % (mode, out.stderr.strip()))
    vals = dict(line.split() for line in out.stdout.splitlines())
    return {"cpu_ms_per_probe": float(vals["cpu_ms_per_probe"]), "rss_kib": int(vals["rss_kib"]),
            "hwm_kib": int(vals["hwm_kib"])}


def run(args):
    vigia_bin = args.vigia or os.environ.get("VIGIA_BINARY") or os.path.join(HERE, "..", "build", "vigia")
    for b in (vigia_bin, BLACKBOX, nh.NGINX, tls_certs.OPENSSL):
        if not os.access(b, os.X_OK):
            print("SKIP: %s is not an executable" % b, file=sys.stderr)
            return SKIP
    certs = h.new_tmpdir("certs")
    tls_certs.make_chain(certs, stale_days=None)
    ports = [h.free_port() for _ in range(args.targets)]
    servers = "".join("""
  server {{
    listen 127.0.0.1:%d ssl;
    ssl_certificate %s;
    ssl_certificate_key %s;
    location = /ok {{ default_type text/plain; return 200 "status: healthy\\n"; }}
  }}""" % (p, os.path.join(certs, "bundle.pem"), os.path.join(certs, "leaf.key")) for p in ports)
    # The harness's server block gets a location; the TLS servers follow it.
    web = nh.start_nginx("bench", 'location = /ok {{ return 200 "ok\\n"; }}\n  }}' + servers[:-4] + "\n")
    for p in ports:
        h.Process.wait_tcp(web, "127.0.0.1", p)
    d = h.new_tmpdir("blackbox")
    bbfile = os.path.join(d, "blackbox.yml")
    with open(bbfile, "w") as f:
        json.dump({"modules": {"http_tls": {"prober": "http", "timeout": "5s",
                                            "http": {"tls_config": {"ca_file": os.path.join(certs, "root.pem")}}}}},
                  f)
    bport = free_port()
    bb = h.Server("blackbox_exporter", [BLACKBOX, "--config.file=" + bbfile, "--log.level=warn",
                                        "--web.listen-address=127.0.0.1:%d" % bport], "127.0.0.1", bport)
    bb.wait_http(bb.url + "/-/healthy")
    vigia = h.Vigia(mode="exporter", config=json.dumps({"probe_modules": {"file": bbfile}}),
                    collectors=[], args=["--log.level=warn"])
    probers = [Prober("vigia", vigia), Prober("blackbox_exporter", bb)]
    targets = ["https://localhost:%d/ok" % p for p in ports]
    floor_dir = args.tls_floor_dir or os.path.join(os.path.dirname(os.path.abspath(vigia_bin)), "bench")
    floor_bins = {}
    for lib, name in FLOORS:
        b = os.path.join(floor_dir, name)
        if os.access(b, os.X_OK):
            floor_bins[lib] = b
        else:
            print("note: %s is not built; no %s floor" % (b, lib), file=sys.stderr)
    floors = {(lib, mode): [] for lib in floor_bins for mode in ("fresh", "shared")}
    for _ in range(args.warmup):
        for p in probers:
            for t in targets:
                p.probe(t)
    rows = []
    for _ in range(args.rounds):
        row = {}
        for p in probers:
            pid = p.server.pid
            t0, n0, w0 = cpu_ticks(pid), cpu_ns(pid), time.perf_counter()
            for _ in range(args.probes):
                for t in targets:
                    p.probe(t)
            n = args.probes * len(targets)
            row[p.name] = {"cpu_ms_per_probe": 1000.0 * (cpu_ticks(pid) - t0) / CLK_TCK / n,
                           "sched_ms_per_probe": (cpu_ns(pid) - n0) / 1e6 / n,
                           "wall_ms_per_probe": 1000.0 * (time.perf_counter() - w0) / n}
        rows.append(row)
        for (lib, mode), runs in floors.items():
            runs.append(tls_floor(floor_bins[lib], os.path.join(certs, "root.pem"),
                                  args.probes * len(targets), mode, ports))
    result = {"per_round": rows, "median": {}, "memory": {}}
    for p in probers:
        result["memory"][p.name] = memory_kib(p.server.pid)
        result["median"][p.name] = {k: median([r[p.name][k] for r in rows])
                                    for k in ("cpu_ms_per_probe", "sched_ms_per_probe", "wall_ms_per_probe")}
    mv, mr = result["median"]["vigia"], result["median"]["blackbox_exporter"]
    ratios = {k: ratio(mv[k], mr[k]) for k in mv}
    for k in ("VmRSS", "VmHWM"):
        ratios[k] = ratio(result["memory"]["vigia"][k], result["memory"]["blackbox_exporter"][k])
    result["ratios"] = ratios
    print("medians over %d round(s) of %d probes of %d HTTPS targets:" % (args.rounds, args.probes, len(targets)))
    print("%-18s %14s %16s %15s %10s %10s" % ("", "cpu ms/probe", "sched ms/probe", "wall ms/probe",
                                             "VmRSS KiB", "VmHWM KiB"))
    for name in ("vigia", "blackbox_exporter"):
        m, mem = result["median"][name], result["memory"][name]
        print("%-18s %14.3f %16.3f %15.3f %10d %10d" % (name, m["cpu_ms_per_probe"], m["sched_ms_per_probe"],
                                                         m["wall_ms_per_probe"], mem["VmRSS"], mem["VmHWM"]))
    print("%-18s %14.3f %16.3f %15.3f %10.3f %10.3f" % ("vigia/reference", ratios["cpu_ms_per_probe"],
                                                         ratios["sched_ms_per_probe"], ratios["wall_ms_per_probe"],
                                                         ratios["VmRSS"], ratios["VmHWM"]))
    print("goal CPU per probe <= 1/3 x blackbox_exporter: %s (%.3f)"
          % ("met" if ratios["cpu_ms_per_probe"] <= GOAL_CPU_RATIO else "NOT met", ratios["cpu_ms_per_probe"]))
    print("goal RSS <= 1/3 x blackbox_exporter: %s (%.3f)"
          % ("met" if ratios["VmRSS"] <= GOAL_RSS_RATIO else "NOT met", ratios["VmRSS"]))
    if floors:
        bb_cpu, bb_rss = mr["cpu_ms_per_probe"], result["memory"]["blackbox_exporter"]["VmRSS"]
        result["tls_floor"] = {}
        print("TLS floors (C, the TLS library only), medians; budget = blackbox_exporter / 3 = %.3f ms/probe, %d KiB:"
              % (bb_cpu / 3, bb_rss / 3))
        for (lib, mode), runs in floors.items():
            f = {"cpu_ms_per_probe": median([r["cpu_ms_per_probe"] for r in runs]),
                 "rss_kib": median([r["rss_kib"] for r in runs]), "hwm_kib": median([r["hwm_kib"] for r in runs])}
            result["tls_floor"].setdefault(lib, {})[mode] = f
            print("  %-7s %-6s context: %.3f ms/probe (%.3f of blackbox_exporter's), VmRSS %d KiB (%.3f), VmHWM %d KiB"
                  % (lib, mode, f["cpu_ms_per_probe"], ratio(f["cpu_ms_per_probe"], bb_cpu), f["rss_kib"],
                     ratio(f["rss_kib"], bb_rss), f["hwm_kib"]))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--vigia", help="vigia binary (default: $VIGIA_BINARY or build/vigia)")
    p.add_argument("--targets", type=int, default=20)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--probes", type=int, default=10, help="probes of every target per round and exporter")
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--json", help="write the result here")
    p.add_argument("--tls-floor-dir", help="where tls_floor and tls_floor_gnutls are (default: bench/ beside the vigia binary)")
    args = p.parse_args()
    try:
        return run(args)
    except h.Skip as e:
        print("SKIP: %s" % e, file=sys.stderr)
        return SKIP
    except (OSError, RuntimeError, h.HarnessError) as e:
        print("error: %s" % e, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

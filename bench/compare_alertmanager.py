#!/usr/bin/env python3
"""Side-by-side cost of the notifier: vigia (`vigia alerts`, notify: section) against
Debian's Alertmanager 0.25 (prometheus-alertmanager), both given the same
alertmanager.yml and the same alerts.

Each round starts both afresh (AM: its own --storage.path, no cluster; vigia: its own
directory, so its outbox and notification log start empty), then POSTs --alerts alerts
in --groups groups (alertname x 10, instance x groups/10, a `series` label telling the
alerts of a group apart) to both /api/v2/alerts in batches of 64, as Prometheus sends
them (labels, annotations, startsAt = the time of the batch, endsAt = that + 4 x max(1m
resend, 1m eval), generatorURL), batch by batch alternating vigia, Alertmanager. The route groups by
[alertname, instance] (so --groups groups) with a small group_wait, to one webhook
receiver on loopback (this script) that only counts the notifications and alerts it
receives per system. When every group's webhook arrived from both (each group once,
with all its alerts), the round reads per process:
  - CPU: utime+stime of the whole process from /proc/PID/stat, delta from just before
    the first POST to the last webhook (intake + flush of every group); also the part
    up to the last POST's answer (intake, which overlaps the first flushes);
  - memory: VmHWM (peak) and VmRSS from /proc/PID/status once every webhook arrived,
    and VmRSS again --settle seconds later (steady), and before the first POST (idle).
Medians over the rounds and the ratios vigia / Alertmanager; goals: CPU <= 1/3,
RSS <= 1/4.

  python3 bench/compare_alertmanager.py                 # 10 000 alerts, 1 000 groups, 5 rounds
  python3 bench/compare_alertmanager.py --rounds 7 --alerts 20000 --groups 2000
  python3 bench/compare_alertmanager.py --smoke         # 1 round, 1 000 alerts in 100 groups (CTest)
  python3 bench/compare_alertmanager.py --json out.json

Exit status: 0 when every POST was accepted and both sent every group once with all its
alerts; 1 otherwise (with both logs); 77 when a binary is missing. Timings never change
the exit status. See bench/README.md.
"""

import argparse
import http.client
import http.server
import json
import os
import socketserver
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tests", "lib"))
from compare_node_exporter import CLK_TCK, SKIP, median, memory_kib, ratio  # noqa: E402
import harness as h  # noqa: E402

ALERTMANAGER = "/usr/bin/prometheus-alertmanager"
GOAL_CPU_RATIO = 1.0 / 3
GOAL_RSS_RATIO = 1.0 / 4
BATCH = 64  # Prometheus's maxBatchSize

CONFIG = """route:
  receiver: hook
  group_by: [alertname, instance]
  group_wait: %(group_wait)s
  group_interval: 10m
  repeat_interval: 4h
receivers:
  - name: hook
    webhook_configs: [{url: "%(url)s"}]
"""


def cpu_ticks(pid):
    """utime + stime of the whole process (its exited threads included), in clock ticks."""
    with open(f"/proc/{pid}/stat") as f:
        stat = f.read()
    fields = stat[stat.rindex(")") + 2:].split()
    return int(fields[11]) + int(fields[12])


class Counter:
    """The webhook receiver: per system (/am, /v) the groupKeys notified and the alerts
    in each notification; answers 200 with an empty body at once."""

    def __init__(self):
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.reset()
        rec = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802
                n = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(n))
                system = self.path.split("/")[1]
                with rec.cond:
                    rec.hooks[system].append((body.get("groupKey"), len(body.get("alerts", ())),
                                              body.get("status")))
                    rec.last[system] = time.monotonic()
                    rec.cond.notify_all()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True
            request_queue_size = 1024

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def reset(self):
        with self.lock:
            self.hooks = {"am": [], "v": []}
            self.last = {"am": None, "v": None}

    def groups(self, system):
        with self.lock:
            return len({k for k, _, _ in self.hooks[system]})


def rfc3339(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % (int(t * 1000) % 1000)


def make_alerts(n_alerts, n_groups):
    """n_alerts alerts in n_groups (alertname, instance) groups, as Prometheus sends them."""
    names = 10 if n_groups % 10 == 0 else 1
    per_group = n_alerts // n_groups
    out = []
    for g in range(n_groups):
        name, inst = "BenchAlert%d" % (g % names), "host-%04d.example.org:9100" % (g // names)
        for s in range(per_group):
            out.append({
                "labels": {"alertname": name, "instance": inst, "job": "node", "severity": "warning",
                           "series": "s%03d" % s, "mountpoint": "/srv/data%d" % s},
                "annotations": {"summary": "%s on %s" % (name, inst),
                                "description": "value %d above the threshold on %s" % (s * 7 + g, inst)},
                "generatorURL": "http://prometheus.example.org:9090/graph?g0.expr=node_load1+%%3E+%d&g0.tab=1" % s,
            })
    return out


def stamp(batch, now):
    """startsAt and endsAt as Prometheus sets them for alerts that became active just now:
    startsAt the rule's activeAt, endsAt now + 4 x max(evaluation interval, resend delay),
    both 1m. (An alert older than group_wait would flush its group at once, on both.)"""
    starts, ends = rfc3339(now), rfc3339(now + 4 * 60)
    for a in batch:
        a["startsAt"], a["endsAt"] = starts, ends


class Poster:
    """One keep-alive connection POSTing JSON to /api/v2/alerts, as Prometheus's notifier."""

    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.failures = []

    def post(self, batch):
        body = json.dumps(batch).encode()
        self.conn.request("POST", "/api/v2/alerts", body=body,
                          headers={"Content-Type": "application/json", "User-Agent": "Prometheus/2.42.0"})
        r = self.conn.getresponse()
        text = r.read()
        if r.status != 200:
            self.failures.append("status %d: %s" % (r.status, text[:200]))


def start_alertmanager(config):
    d = h.new_tmpdir("alertmanager")
    with open(os.path.join(d, "alertmanager.yml"), "w") as f:
        f.write(config)
    port = h.free_port()
    am = h.Server("alertmanager", [ALERTMANAGER, "--config.file=" + os.path.join(d, "alertmanager.yml"),
                                   "--storage.path=" + os.path.join(d, "data"),
                                   "--web.listen-address=127.0.0.1:%d" % port,
                                   "--cluster.listen-address=", "--log.level=warn"], "127.0.0.1", port, cwd=d)
    am.wait_http(am.url + "/-/ready", timeout=60)
    return am


def start_vigia(config):
    notify = "\n".join("  " + line for line in config.strip().splitlines())
    return h.Vigia(mode="alerts", config="alerting: {rule_files: []}\nnotify:\n" + notify + "\n",
                   args=["--log.level=warn"], timeout=60)


def one_round(args, counter, alerts, n, out):
    counter.reset()
    config = CONFIG % {"group_wait": args.group_wait, "url": counter.url + "/%s/hook"}
    v = start_vigia(config % "v")
    am = start_alertmanager(config % "am")
    procs = {"v": v, "am": am}
    time.sleep(1)  # both past their start-up
    idle = {s: memory_kib(p.pid)["VmRSS"] for s, p in procs.items()}
    posters = {s: Poster(p.port) for s, p in procs.items()}
    t0 = {s: cpu_ticks(p.pid) for s, p in procs.items()}
    start = time.monotonic()
    intake = {}
    for i in range(0, len(alerts), BATCH):
        batch = alerts[i:i + BATCH]
        stamp(batch, time.time())
        for s in ("v", "am"):
            posters[s].post(batch)
    for s, p in procs.items():
        intake[s] = cpu_ticks(p.pid) - t0[s]
    posted = time.monotonic() - start
    row = {"round": n}
    ok = True
    done = {}
    deadline = time.monotonic() + args.timeout
    # Read each process as soon as its last group arrived (it is idle after that).
    while len(done) < 2 and time.monotonic() < deadline:
        for s, p in procs.items():
            if s not in done and counter.groups(s) >= args.groups:
                done[s] = (cpu_ticks(p.pid), memory_kib(p.pid), counter.last[s] - start)
        time.sleep(0.05)
    time.sleep(args.settle)
    for s, p in procs.items():
        if s not in done:
            print("   %s: %d of %d groups notified in %ds" % (s, counter.groups(s), args.groups, args.timeout))
            ok = False
            continue
        ticks, mem, last = done[s]
        hooks = counter.hooks[s]
        per_key = {}
        for key, count, status in hooks:
            per_key.setdefault(key, []).append((count, status))
        alerts_notified = sum(c for c, _ in (v_[0] for v_ in per_key.values()))
        if len(hooks) != args.groups or alerts_notified != len(alerts):
            print("   %s: %d webhooks for %d groups, %d alerts in first notifications (want %d and %d)"
                  % (s, len(hooks), len(per_key), alerts_notified, args.groups, len(alerts)))
            ok = False
        if posters[s].failures:
            print("   %s: %d POSTs failed: %s" % (s, len(posters[s].failures), posters[s].failures[0]))
            ok = False
        row.update({
            s + "_cpu_ms": (ticks - t0[s]) * 1000.0 / CLK_TCK,
            s + "_intake_cpu_ms": intake[s] * 1000.0 / CLK_TCK,
            s + "_last_hook_s": last,
            s + "_hwm_kib": mem["VmHWM"], s + "_rss_kib": mem["VmRSS"],
            s + "_steady_kib": memory_kib(p.pid)["VmRSS"], s + "_idle_kib": idle[s],
        })
    row["post_s"] = posted
    for p in procs.values():
        p.stop()
    if not ok:
        h.dump_logs()
    out.append(row)
    if ok:
        print("   round %d: CPU %.0f vs %.0f ms (intake %.0f vs %.0f), peak RSS %.1f vs %.1f MiB, steady %.1f vs "
              "%.1f MiB, last webhook %.1f vs %.1f s, POSTs %.1f s"
              % (n, row["v_cpu_ms"], row["am_cpu_ms"], row["v_intake_cpu_ms"], row["am_intake_cpu_ms"],
                 row["v_hwm_kib"] / 1024, row["am_hwm_kib"] / 1024, row["v_steady_kib"] / 1024,
                 row["am_steady_kib"] / 1024, row["v_last_hook_s"], row["am_last_hook_s"], posted), flush=True)
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--alerts", type=int, default=10000)
    ap.add_argument("--groups", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--group-wait", default="5s")
    ap.add_argument("--settle", type=float, default=3.0, help="seconds after the last webhook for steady RSS")
    ap.add_argument("--timeout", type=int, default=180, help="seconds to wait for every group's webhook")
    ap.add_argument("--smoke", "--quick", action="store_true", help="1 round of 1 000 alerts in 100 groups")
    ap.add_argument("--json", help="write the rounds and medians here")
    a = ap.parse_args()
    if a.smoke:
        a.alerts, a.groups, a.rounds = 1000, 100, 1
    if a.groups <= 0 or a.alerts % a.groups:
        ap.error("--alerts must be a multiple of --groups")
    for b in (h.VIGIA_BINARY, ALERTMANAGER):
        if not os.path.exists(b):
            print("SKIP: %s is missing" % b)
            return SKIP
    counter = Counter()
    alerts = make_alerts(a.alerts, a.groups)
    print("== %d alerts in %d groups, batches of %d, group_wait %s, %d rounds"
          % (a.alerts, a.groups, BATCH, a.group_wait, a.rounds), flush=True)
    rows, ok = [], True
    for n in range(1, a.rounds + 1):
        ok = one_round(a, counter, alerts, n, rows) and ok
    good = [r for r in rows if "v_cpu_ms" in r and "am_cpu_ms" in r]
    if not good:
        return 1
    med = {k: median([r[k] for r in good]) for k in good[0] if k != "round"}
    cpu_ratio = ratio(med["v_cpu_ms"], med["am_cpu_ms"])
    hwm_ratio = ratio(med["v_hwm_kib"], med["am_hwm_kib"])
    rss_ratio = ratio(med["v_steady_kib"], med["am_steady_kib"])
    print("== medians over %d rounds (vigia / Alertmanager)" % len(good))
    print("   CPU, intake + flush:  %7.0f ms  %7.0f ms  ratio %.3f  (goal <= %.3f: %s)"
          % (med["v_cpu_ms"], med["am_cpu_ms"], cpu_ratio, GOAL_CPU_RATIO,
             "met" if cpu_ratio <= GOAL_CPU_RATIO else "NOT met"))
    print("   CPU, intake only:     %7.0f ms  %7.0f ms  ratio %.3f"
          % (med["v_intake_cpu_ms"], med["am_intake_cpu_ms"], ratio(med["v_intake_cpu_ms"], med["am_intake_cpu_ms"])))
    print("   VmHWM (peak):         %7.1f MiB %7.1f MiB ratio %.3f  (goal <= %.3f: %s)"
          % (med["v_hwm_kib"] / 1024, med["am_hwm_kib"] / 1024, hwm_ratio, GOAL_RSS_RATIO,
             "met" if hwm_ratio <= GOAL_RSS_RATIO else "NOT met"))
    print("   VmRSS (steady):       %7.1f MiB %7.1f MiB ratio %.3f  (goal <= %.3f: %s)"
          % (med["v_steady_kib"] / 1024, med["am_steady_kib"] / 1024, rss_ratio, GOAL_RSS_RATIO,
             "met" if rss_ratio <= GOAL_RSS_RATIO else "NOT met"))
    print("   VmRSS (idle, before): %7.1f MiB %7.1f MiB ratio %.3f"
          % (med["v_idle_kib"] / 1024, med["am_idle_kib"] / 1024, ratio(med["v_idle_kib"], med["am_idle_kib"])))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"args": vars(a), "rounds": rows, "medians": med,
                       "ratios": {"cpu": cpu_ratio, "hwm": hwm_ratio, "rss": rss_ratio}}, f, indent=1)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""The notifier's engine against a running Alertmanager 0.25 (Debian's prometheus-alertmanager):
the same alerts are posted to Alertmanager (its webhook receivers pointing at a recorder started
here) and put in vigia's Dispatcher (through the test-only notify_engine_tool); each first flush of
every aggregation group must match: the receiver, the group key (route key with its escaped matchers,
":", the group labels as Go prints a LabelSet), the group labels, and the alerts in Alertmanager's
order (job, instance, then the label sets). Label values and matchers carry quotes, backslashes,
tabs, newlines and non-ASCII text, so both escapings are exercised. Timing, as an order of events:
a group whose alert started long before is flushed at once (Alertmanager's rule for an alert older
than group_wait), before a group of fresh alerts with a 15 s group_wait; vigia's dispatcher has the
same group, and only that one among these, due at the instant of the put."""

import http.server
import json
import os
import sys
import threading
import time
import urllib.request
from datetime import datetime, timezone

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness as h  # noqa: E402

ALERTMANAGER = "/usr/bin/prometheus-alertmanager"
TOOL = os.environ.get("VIGIA_NOTIFY_TOOL", os.path.join(h.SOURCE_DIR, "build", "tests", "notify_engine_tool"))

CONFIG = r"""
route:
  receiver: default
  group_by: [alertname, cluster]
  group_wait: 1s
  group_interval: 1h
  repeat_interval: 4h
  routes:
    - matchers: ['alertname=~"Old|Fresh"']
      receiver: timing
      group_wait: 15s
    - matchers: ['severity="page"', 'team=~"db|web"']
      receiver: pager
      continue: true
    - match: {team: db}
      match_re: {service: "pg.*"}
      receiver: db
      group_by: ['...']
    - matchers: ['alertname="Quote\"d"', 'path="C:\\dir"']
      receiver: odd
      group_by: [path, alertname]
    - matchers: ["note=\"tab\there\""]
      receiver: odd
      group_by: [note]
    - matchers: ['team!=""']
      receiver: teams
      group_by: [team]
      routes:
        - matchers: ['env=~"prod|staging"']
          receiver: teams
          continue: true
        - matchers: ['env="prod"']
          receiver: pager
receivers:
  - name: default
    webhook_configs: [{url: 'URL/default'}]
  - name: pager
    webhook_configs: [{url: 'URL/pager'}]
  - name: db
    webhook_configs: [{url: 'URL/db'}]
  - name: odd
    webhook_configs: [{url: 'URL/odd'}]
  - name: teams
    webhook_configs: [{url: 'URL/teams'}]
  - name: timing
    webhook_configs: [{url: 'URL/timing'}]
"""

ALERTS = [
    {"alertname": "HighLoad", "cluster": "a", "instance": "h2", "job": "node"},
    {"alertname": "HighLoad", "cluster": "a", "instance": "h1", "job": "node"},
    {"alertname": "HighLoad", "cluster": "a", "instance": "h3"},
    {"alertname": "HighLoad", "cluster": "b", "job": "api"},
    {"alertname": "HighLoad", "cluster": "a", "zone": "z1"},
    {"alertname": "HighLoad", "cluster": "a", "a": "1"},
    {"alertname": "DiskFull", "severity": "page", "team": "db", "service": "pgbouncer", "instance": "d1"},
    {"alertname": "DiskFull", "severity": "page", "team": "db", "service": "mysql", "instance": "d2"},
    {"alertname": "DiskFull", "severity": "page", "team": "web", "env": "prod"},
    {"alertname": "Down", "team": "web", "env": "staging", "job": "b"},
    {"alertname": "Down", "team": "web", "env": "staging", "job": "a"},
    {"alertname": "Down", "team": "ops", "env": "dev"},
    {"alertname": "Quote\"d", "path": "C:\\dir", "cluster": "x"},
    {"alertname": "Uni", "note": "tab\there", "cluster": "é✓"},
    {"alertname": "Uni", "note": "line\nbreak", "cluster": "\u00e9"},
    {"alertname": "Empty", "cluster": ""},
    {"alertname": "Fresh", "cluster": "t"},
]
# Alerts that started an hour before they are posted.
OLD_ALERTS = [{"alertname": "Old", "cluster": "t"}]


class Recorder(http.server.BaseHTTPRequestHandler):
    received = []
    lock = threading.Lock()

    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with Recorder.lock:
            Recorder.received.append(json.loads(body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def canonical(receiver, group_key, group_labels, alerts):
    return json.dumps([receiver, group_key, group_labels, alerts], sort_keys=True, ensure_ascii=False)


def body(c):
    h.need(ALERTMANAGER)
    if not os.path.exists(TOOL):
        raise h.HarnessError("%s is not built (cmake --build build --target notify_engine_tool)" % TOOL)
    recorder = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=recorder.serve_forever, daemon=True).start()
    d = h.new_tmpdir("alertmanager")
    cfg = os.path.join(d, "alertmanager.yml")
    with open(cfg, "w") as f:
        f.write(CONFIG.replace("URL", "http://127.0.0.1:%d" % recorder.server_address[1]))

    # vigia's flushes for the same alerts.
    lines = [json.dumps({"labels": a}) for a in ALERTS]
    lines += [json.dumps({"labels": a, "startsAgoMs": 3600 * 1000}) for a in OLD_ALERTS]
    vg = h.run([TOOL, "groups", cfg], timeout=60, input="".join(line + "\n" for line in lines))
    c.check(vg.returncode == 0, "vigia's dispatcher ran", vg.stderr)
    flushes = [json.loads(line) for line in vg.stdout.splitlines()]
    want = sorted(canonical(j["receiver"], j["groupKey"], j["groupLabels"], j["alerts"]) for j in flushes)
    c.eq(sorted(j["groupLabels"].get("alertname", "") for j in flushes if j["immediate"]), ["Old"],
         "vigia: only the group of the old alert is due at once")

    port = h.free_port()
    am = h.Server("alertmanager", [ALERTMANAGER, "--config.file=" + cfg, "--storage.path=" + os.path.join(d, "data"),
                                   "--web.listen-address=127.0.0.1:%d" % port, "--cluster.listen-address="],
                  "127.0.0.1", port, cwd=d)
    with am:
        am.wait_http(am.url + "/-/ready", timeout=60)
        started = datetime.fromtimestamp(time.time() - 3600, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        payload = json.dumps([{"labels": a} for a in ALERTS] +
                             [{"labels": a, "startsAt": started} for a in OLD_ALERTS]).encode()
        req = urllib.request.Request(am.url + "/api/v2/alerts", data=payload, method="POST",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            c.eq(r.status, 200, "Alertmanager took the alerts")
        # Every group's first flush comes group_wait (1 s, 15 s) later; the next only after 1 h.
        h.wait_for(lambda: len(Recorder.received) >= len(want), 90, "%d webhooks" % len(want))
        time.sleep(3)  # slack for a webhook vigia would not have sent
    recorder.shutdown()
    order = [p["groupLabels"].get("alertname") for p in Recorder.received if p["receiver"] == "timing"]
    c.eq(order, ["Old", "Fresh"], "Alertmanager: the old alert's group is flushed before the fresh one's")
    got = sorted(canonical(p["receiver"], p["groupKey"], p["groupLabels"], [a["labels"] for a in p["alerts"]])
                 for p in Recorder.received)
    c.check(len(want) >= 10, "the alerts make many groups", "%d" % len(want))
    same = len([g for g in got if g in want])
    for g in got:
        if g not in want:
            c.check(False, "Alertmanager's flush %s" % g, "not among vigia's")
    for w in want:
        if w not in got:
            c.check(False, "vigia's flush %s" % w, "not among Alertmanager's")
    c.check(got == want, "flushes: %d of Alertmanager's %d match vigia's %d (receiver, group key, group labels, "
            "alert order)" % (same, len(got), len(want)))


if __name__ == "__main__":
    h.main("notify engine vs a running Alertmanager (group keys, grouping, alert order)", body)

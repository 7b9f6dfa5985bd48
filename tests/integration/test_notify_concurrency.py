#!/usr/bin/env python3
"""The notifier's deliveries run concurrently, one pipeline per aggregation group as in
Alertmanager: vigia run as a user runs it (vigia alerts with a notify: section), alerts
POSTed to its /api/v2/alerts, one real HTTP webhook receiver on loopback.

- Two groups of the same webhook integration (group_by alertname): the receiver hangs on
  group Hang's payload and answers group Fast's at once. Fast is delivered while Hang's
  delivery is still in flight: before vigia records any outcome of it (its 30 s timeout
  would record a retry), i.e. Hang does not hold the integration.
- A third group for another receiver is delivered meanwhile too.
- Once Hang is released, every group was delivered exactly once (the notification log's
  dedup still holds across the concurrent deliveries: nothing is sent again over several
  group intervals), and the audit log shows one delivery per group.
"""

import http.server
import json
import os
import sys
import threading
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness as h  # noqa: E402


class Receiver:
    """A webhook receiver: hangs (until `release`) on payloads whose groupLabels.alertname
    starts with Hang; records events in order: ("start", group) on arrival and
    ("done", group) when answered."""

    def __init__(self):
        self.lock = threading.Lock()
        self.events = []
        self.release = threading.Event()
        rec = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                payload = json.loads(self.rfile.read(n))
                group = payload.get("groupLabels", {}).get("alertname", "?")
                with rec.lock:
                    rec.events.append(("start", self.path, group))
                if group.startswith("Hang"):
                    rec.release.wait(120)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()
                with rec.lock:
                    rec.events.append(("done", self.path, group))

            def log_message(self, *a):
                pass

        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.srv.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.srv.server_address[1]
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def seen(self, kind, group):
        with self.lock:
            return [e for e in self.events if e[0] == kind and e[2] == group]


def post(url, body):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status


def deliveries(v):
    return h.http_get_json(v.url + "/api/v1/notifications?limit=1000")["data"]["deliveries"]


def body(c):
    rec = Receiver()
    cfg = """alerting: {rule_files: []}
notify:
  route:
    receiver: hook
    group_by: [alertname]
    group_wait: 1s
    group_interval: 2s
    routes:
      - {matchers: ['alertname="Other"'], receiver: other}
  receivers:
    - {name: hook, webhook_configs: [{url: "%(u)s/hook"}]}
    - {name: other, webhook_configs: [{url: "%(u)s/other"}]}
""" % {"u": rec.url}
    v = h.Vigia(mode="alerts", config=cfg)
    try:
        c.eq(post(v.url + "/api/v2/alerts", [{"labels": {"alertname": "Hang"}}]), 200, "alert Hang accepted")
        h.wait_for(lambda: rec.seen("start", "Hang"), 30, "group Hang's delivery under way (and hanging)")
        c.eq(post(v.url + "/api/v2/alerts", [{"labels": {"alertname": "Fast"}},
                                             {"labels": {"alertname": "Other"}}]), 200, "alerts Fast, Other accepted")
        # No time limit is asserted: an outbox that let Hang hold the integration would
        # deliver Fast after Hang's 30 s timeout, and the order check below fails.
        h.wait_for(lambda: rec.seen("done", "Fast") and rec.seen("done", "Other"), 60,
                   "groups Fast and Other delivered")
        # The order of events: Hang's delivery is still in flight (no answer, and vigia
        # has recorded no outcome of it: its timeout would have recorded a retry).
        c.eq(rec.seen("done", "Hang"), [], "the receiver has not answered Hang yet")
        hang_recs = [r for r in deliveries(v) if r["groupKey"].endswith('{alertname="Hang"}')]
        c.eq(hang_recs, [], "vigia recorded no outcome of Hang's delivery yet: it is in flight")
        fast = [r for r in deliveries(v) if r["groupKey"].endswith('{alertname="Fast"}')]
        c.eq([r["status"] for r in fast], ["delivered"], "Fast's delivery recorded as delivered")
        c.eq(fast[0]["receiver"] if fast else "", "hook", "by the same integration as Hang")
        rec.release.set()
        h.wait_for(lambda: rec.seen("done", "Hang"), 30, "Hang answered once released")
        h.wait_for(lambda: any(r["status"] == "delivered" and r["groupKey"].endswith('{alertname="Hang"}')
                               for r in deliveries(v)), 30, "Hang's delivery recorded")
        time.sleep(6)  # three group intervals: nothing is sent again
        for g in ("Hang", "Fast", "Other"):
            c.eq(len(rec.seen("start", g)), 1, "group %s delivered exactly once" % g)
        recs = deliveries(v)
        c.eq(sorted(r["groupKey"].split("{")[-1] for r in recs if r["status"] == "delivered"),
             sorted('alertname="%s"}' % g for g in ("Fast", "Hang", "Other")),
             "the audit log shows one delivery per group")
        c.check(v.running(), "vigia still runs")
    finally:
        rec.release.set()
        v.stop()


if __name__ == "__main__":
    h.main("notifier: concurrent deliveries per group, a hanging group does not hold the others", body)

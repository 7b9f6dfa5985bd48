#!/usr/bin/env python3
"""The notifier's delivery under faults, vigia run as a user runs it (vigia alerts with a
notify: section), alerts POSTed to its /api/v2/alerts:

- a webhook that answers 500, then 200: retried until delivered, one Idempotency-Key;
- a webhook that answers 400: not retried;
- a webhook that hangs: the other receivers of the same alert get theirs meanwhile;
- the SMTP server down for a while, vigia kill -9'ed in between: once both are back
  every mail arrives, exactly once (the alert POSTed again after the restart, as
  Prometheus does, sends nothing more);
- the outbox's filesystem full (a small tmpfs): the error is logged and counted, the
  notification is still delivered, and the files catch up when space is back;
- reload: SIGHUP and POST /-/reload take a new notify section and rule files without
  losing state; a bad one is refused with its error and the old one keeps running.
"""

import email
import email.policy
import glob
import http.server
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness as h  # noqa: E402

SERVERS = os.path.join(h.SOURCE_DIR, "tests", "lib", "notify_servers.py")
PY = "/usr/bin/python3"


class Hooks:
    """Webhook endpoints on loopback: /ok, /flaky (500 until `healed`), /bad (400), /hang."""

    def __init__(self):
        self.lock = threading.Lock()
        self.got = []
        self.healed = False
        self.release = threading.Event()
        hooks = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                payload = json.loads(self.rfile.read(n))
                path = self.path
                status = 200
                if path == "/flaky" and not hooks.healed:
                    status = 500
                elif path == "/bad":
                    status = 400
                elif path == "/hang":
                    hooks.release.wait(120)
                with hooks.lock:
                    hooks.got.append((time.monotonic(), path, status, self.headers.get("Idempotency-Key"), payload))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.srv.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.srv.server_address[1]
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def of(self, path):
        with self.lock:
            return [g for g in self.got if g[1] == path]


def post(url, body):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def metric(v, name):
    total = None
    for fam in v.scrape().values():
        for n, _labels, value in fam["samples"]:
            if n == name:
                total = (total or 0) + value
    return total


def deliveries(v):
    return h.http_get_json(v.url + "/api/v1/notifications?limit=1000")["data"]["deliveries"]


def webhooks(c):
    hooks = Hooks()
    cfg = """alerting: {rule_files: []}
notify:
  route:
    receiver: flaky
    group_wait: 1s
    group_interval: 2s
    routes:
      - {matchers: ['alertname="Bad"'], receiver: bad}
      - {matchers: ['alertname="Slow"'], receiver: hang, continue: true}
      - {matchers: ['alertname="Slow"'], receiver: ok}
  receivers:
    - {name: flaky, webhook_configs: [{url: "%(u)s/flaky"}]}
    - {name: bad, webhook_configs: [{url: "%(u)s/bad"}]}
    - {name: hang, webhook_configs: [{url: "%(u)s/hang"}]}
    - {name: ok, webhook_configs: [{url: "%(u)s/ok"}]}
""" % {"u": hooks.url}
    v = h.Vigia(mode="alerts", config=cfg)
    st, _ = post(v.url + "/api/v2/alerts", [{"labels": {"alertname": "Flaky"}}, {"labels": {"alertname": "Bad"}},
                                             {"labels": {"alertname": "Slow"}}])
    c.eq(st, 200, "alerts accepted")
    h.wait_for(lambda: len(hooks.of("/flaky")) >= 3, 60, "three attempts at the flaky webhook")
    h.wait_for(lambda: len(hooks.of("/ok")) >= 1, 30, "the fast receiver of the hanging alert")
    c.check(len(hooks.of("/hang")) == 0, "the hanging webhook has not answered yet, and did not hold up /ok")
    hooks.healed = True
    h.wait_for(lambda: any(g[2] == 200 for g in hooks.of("/flaky")), 60, "the flaky webhook's 200")
    flaky = hooks.of("/flaky")
    c.eq(len({g[3] for g in flaky}), 1, "one Idempotency-Key over %d attempts" % len(flaky))
    c.eq([g[2] for g in flaky][-1], 200, "retried until accepted")
    time.sleep(5)  # two group intervals: nothing is sent again
    c.eq(len(hooks.of("/flaky")), len(flaky), "nothing sent again once delivered")
    c.eq(len(hooks.of("/bad")), 1, "a 400 is not retried")
    recs = deliveries(v)
    bad = [r for r in recs if r["receiver"] == "bad"]
    c.eq([r["status"] for r in bad], ["failed"], "the audit log shows the 400 as failed")
    c.contains(bad[0]["error"] if bad else "", "400", "with its status")
    ok = [r for r in recs if r["receiver"] == "flaky" and r["status"] == "delivered"]
    c.check(ok and ok[0]["attempts"] >= 3, "the audit log counts the attempts", json.dumps(ok))
    c.check(metric(v, "alertmanager_notifications_failed_total") is not None, "notification metrics exported")
    hooks.release.set()
    h.wait_for(lambda: len(hooks.of("/hang")) >= 1, 60, "the hanging webhook at last")

    # Reload: a bad config is refused, the old one keeps running; a good one is taken.
    with open(v.config_file) as f:
        good = f.read()
    with open(v.config_file, "w") as f:
        f.write(good.replace("receiver: bad}", "receiver: nosuch}"))
    r = h.http_get(v.url + "/-/reload", method="POST")
    c.eq(r.status, 500, "POST /-/reload refuses a route to an unknown receiver")
    c.contains(r.body, "nosuch", "and names it")
    c.contains(r.body, "vigia.yml:", "with the file's line and column")
    with open(v.config_file, "w") as f:
        f.write(good.replace("/bad\"", "/ok\""))
    os.kill(v.pid, signal.SIGHUP)
    time.sleep(1.5)
    n_ok = len(hooks.of("/ok"))
    post(v.url + "/api/v2/alerts", [{"labels": {"alertname": "Bad", "n": "2"}}])
    h.wait_for(lambda: len(hooks.of("/ok")) > n_ok, 30, "after SIGHUP, receiver bad posts to /ok")
    c.eq(len(hooks.of("/bad")), 1, "the old URL is not used after the reload")
    c.check(v.running(), "vigia still runs after the reloads")
    v.stop()


def smtp_kill9(c):
    port = h.free_port()
    mails = h.new_tmpdir("mails")
    cfg = """alerting: {rule_files: []}
notify:
  global: {smtp_from: vigia@example.org, smtp_require_tls: false}
  route: {receiver: mail, group_wait: 1s, group_interval: 2s}
  receivers:
    - name: mail
      email_configs: [{to: ops@example.org, smarthost: "127.0.0.1:%d", send_resolved: true}]
""" % port
    v = h.Vigia(mode="alerts", config=cfg)
    cwd = v.cwd
    alert = [{"labels": {"alertname": "DiskFull", "instance": "db1"}, "annotations": {"summary": "disk 91%"}}]
    c.eq(post(v.url + "/api/v2/alerts", alert)[0], 200, "alert accepted with the SMTP server down")
    h.wait_for(lambda: any(r["status"] == "retrying" for r in deliveries(v)), 30, "a failed attempt")
    c.check(metric(v, "vigia_notify_outbox_notifications") == 1, "the notification waits in the outbox")
    os.kill(v.pid, signal.SIGKILL)
    v.stop()
    smtp = h.Process("smtp", [PY, SERVERS, "smtp", str(port), mails])
    h.wait_for(lambda: _port_open(port), 30, "the SMTP server")
    time.sleep(1)
    c.eq(len(glob.glob(os.path.join(mails, "*.eml"))), 0, "no mail while vigia is down")
    v2 = h.Vigia(mode="alerts", config=cfg, cwd=cwd)
    h.wait_for(lambda: len(glob.glob(os.path.join(mails, "*.eml"))) >= 1, 60, "the mail after the restart")
    # Prometheus sends the alert again every minute: nothing more to send.
    c.eq(post(v2.url + "/api/v2/alerts", alert)[0], 200, "the alert again")
    time.sleep(6)
    v2.stop()
    v3 = h.Vigia(mode="alerts", config=cfg, cwd=cwd)
    post(v3.url + "/api/v2/alerts", alert)
    time.sleep(6)
    emls = sorted(glob.glob(os.path.join(mails, "*.eml")))
    c.eq(len(emls), 1, "exactly one mail after kill -9, restarts and the alert sent again")
    if emls:
        with open(emls[0], "rb") as f:
            msg = email.message_from_binary_file(f, policy=email.policy.default)
        c.contains(str(msg["Subject"]), "[FIRING:1]", "its subject")
        c.contains(str(msg["Subject"]), "DiskFull", "names the alert")
    # Resolved: one more mail (send_resolved), once.
    resolved = [dict(alert[0], endsAt=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 1)))]
    post(v3.url + "/api/v2/alerts", resolved)
    h.wait_for(lambda: len(glob.glob(os.path.join(mails, "*.eml"))) >= 2, 60, "the resolved mail")
    time.sleep(5)
    emls = sorted(glob.glob(os.path.join(mails, "*.eml")))
    c.eq(len(emls), 2, "the resolution mailed once")
    with open(emls[-1], "rb") as f:
        msg = email.message_from_binary_file(f, policy=email.policy.default)
    c.contains(str(msg["Subject"]), "[RESOLVED]", "its subject")
    v3.stop()
    smtp.stop()


def _port_open(port):
    import socket
    s = socket.socket()
    try:
        s.settimeout(0.5)
        s.connect(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def full_disk(c):
    if os.geteuid() != 0:
        raise h.Skip("mounting a small tmpfs needs root")
    hooks = Hooks()
    mnt = h.new_tmpdir("smalldisk")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", mnt], capture_output=True, text=True)
    if r.returncode != 0:
        raise h.Skip("cannot mount a tmpfs: " + r.stderr.strip())
    try:
        cfg = """alerting: {rule_files: [], state_file: "%s/state.json"}
notify:
  route: {receiver: ok, group_wait: 1s, group_interval: 2s}
  receivers: [{name: ok, webhook_configs: [{url: "%s/ok"}]}]
""" % (mnt, hooks.url)
        v = h.Vigia(mode="alerts", config=cfg)
        filler = os.path.join(mnt, "filler")
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            while True:
                os.write(fd, b"x" * 4096)
        except OSError:
            pass
        os.close(fd)
        labels = {"alertname": "Big", "blob": "y" * 8000}
        c.eq(post(v.url + "/api/v2/alerts", [{"labels": labels}])[0], 200, "alert accepted on a full disk")
        h.wait_for(lambda: len(hooks.of("/ok")) >= 1, 30, "delivered anyway")
        h.wait_for(lambda: (metric(v, "vigia_notify_outbox_write_errors_total") or 0) > 0, 30, "the write error counted")
        c.eq(metric(v, "vigia_notify_outbox_write_pending"), 1, "the files lag memory")
        c.check(v.running(), "no crash on a full disk")
        with open(v.path("vigia.log")) as f:
            c.contains(f.read(), "No space left on device", "the error is logged")
        os.unlink(filler)
        post(v.url + "/api/v2/alerts", [{"labels": {"alertname": "Small"}}])
        h.wait_for(lambda: metric(v, "vigia_notify_outbox_write_pending") == 0, 60, "the files caught up")
        with open(os.path.join(mnt, "notify", "nflog.jsonl")) as f:
            c.check(len(f.read().splitlines()) >= 1, "the notification log is on disk again")
        v.stop()
    finally:
        subprocess.run(["umount", "-l", mnt])


def body(c):
    h.need(PY)
    webhooks(c)
    smtp_kill9(c)
    full_disk(c)


if __name__ == "__main__":
    h.main("notifier delivery under faults: retries, 4xx, a hanging receiver, kill -9, full disk, reload", body)

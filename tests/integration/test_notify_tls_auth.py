#!/usr/bin/env python3
"""The notifier's TLS server_name and SMTP AUTH choice, against real servers on loopback
(tests/lib/notify_servers.py: an HTTPS recorder, aiosmtpd), through the test tool that
drives the integrations (VIGIA_NOTIFY_DELIVER_TOOL).

- tls_config.server_name (Go's tls.Config.ServerName): a certificate whose only name is
  alerts.example.test, served on 127.0.0.1. Without server_name the webhook and the mail
  (STARTTLS) fail verification; with it both are delivered, the server saw that name as
  SNI, and the webhook's Host header still names 127.0.0.1:port.
- SMTP AUTH as Alertmanager 0.25's email.go chooses it: the first mechanism of the
  server's advertised list the config can do (CRAM-MD5 with auth_secret, PLAIN with a
  password and auth_identity as its authorization identity, LOGIN with a password);
  servers advertising different lists; the mechanism vigia used is the one the server
  recorded. CRAM-MD5 alone without a secret: a failed notification naming the missing
  secret, no mail. A wrong password: a failed notification with the server's refusal,
  the password in no output.
- Differential: Debian's Alertmanager 0.25 sends the same four cases to the same servers;
  each server records the mechanism Alertmanager used, which must be vigia's.
"""

import email
import email.policy
import glob
import json
import os
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness as h  # noqa: E402
import tls_certs  # noqa: E402

TOOL = os.environ.get("VIGIA_NOTIFY_DELIVER_TOOL",
                      os.path.join(h.SOURCE_DIR, "build", "tests", "notify_deliver_tool"))
SERVERS = os.path.join(h.SOURCE_DIR, "tests", "lib", "notify_servers.py")
PY = "/usr/bin/python3"  # Debian's, where python3-aiosmtpd is installed
ALERTMANAGER = "/usr/bin/prometheus-alertmanager"
NAME = "alerts.example.test"
PASSWORD = "s3cr3t-Pa55"


def notification():
    return {"receiver": "r", "group_key": '{}:{alertname="Disk"}', "group_labels": {"alertname": "Disk"},
            "now_ms": 1700000000000, "external_url": "http://vigia.example:9093", "idempotency_key": "k1",
            "alerts": [{"labels": {"alertname": "Disk", "instance": "a"}, "starts_at_ms": 1699999990000}],
            "timeout_ms": 10000}


class Deliverer:
    def __init__(self, d):
        self.d = d
        self.n = 0

    def __call__(self, receiver_yaml):
        self.n += 1
        cfg = os.path.join(self.d, "c%d.yml" % self.n)
        with open(cfg, "w") as f:
            f.write("receiver:\n  name: r\n" + receiver_yaml)
        nf = os.path.join(self.d, "n%d.json" % self.n)
        with open(nf, "w") as f:
            json.dump(notification(), f)
        r = h.run([TOOL, cfg, nf], timeout=60)
        out = [json.loads(x) for x in r.stdout.splitlines() if x.strip()]
        return r, (out[0] if out else {})


def records(d, ext):
    return sorted(glob.glob(os.path.join(d, "*" + ext)))


def last_meta(d):
    files = records(d, ".json")
    return json.load(open(files[-1])) if files else {}


def auth_log(d):
    p = os.path.join(d, "auth.jsonl")
    return [json.loads(x) for x in open(p)] if os.path.exists(p) else []


def server_name(c, d, deliver):
    certs = h.new_tmpdir("certs-named")
    tls_certs.make_chain(certs, leaf_san="DNS:" + NAME)
    bundle, key, ca = (os.path.join(certs, x) for x in ("bundle.pem", "leaf.key", "root.pem"))

    hport = h.free_port()
    hooks = os.path.join(d, "hooks")
    p = h.Process("https-named", [PY, SERVERS, "https", hport, hooks, bundle, key])
    p.wait_tcp("127.0.0.1", hport)
    hook = "  webhook_configs:\n    - url: https://127.0.0.1:%d/hook\n      http_config:\n" \
           "        tls_config: {ca_file: %s%s}\n"
    r, out = deliver(hook % (hport, ca, ""))
    c.eq(out.get("ok"), False, "webhook: a certificate for another name fails verification")
    c.contains(out.get("error", ""), "127.0.0.1", "the error names the host (%s)" % out.get("error"))
    c.eq(records(hooks, ".json"), [], "no request reached the handler")
    r, out = deliver(hook % (hport, ca, ", server_name: " + NAME))
    c.eq(out.get("ok"), True, "webhook: with server_name the certificate verifies (%s)" % out.get("error"))
    got = [json.load(open(f)) for f in records(hooks, ".json")]
    c.eq(len(got), 1, "one request received")
    if got:
        c.eq(got[0]["sni"], NAME, "server_name sent as SNI")
        c.eq(got[0]["headers"].get("Host"), "127.0.0.1:%d" % hport, "the Host header names the URL's host")
        c.eq(got[0]["path"], "/hook", "the URL's path")

    sport = h.free_port()
    mails = os.path.join(d, "mails-named")
    p = h.Process("smtp-named", [PY, SERVERS, "smtp", sport, mails, "--cert", bundle, "--key", key])
    p.wait_tcp("127.0.0.1", sport)
    mail = "  email_configs:\n    - {to: ops@example.org, from: vigia@example.org, smarthost: '127.0.0.1:%d',\n" \
           "       tls_config: {ca_file: %s%s}}\n"
    r, out = deliver(mail % (sport, ca, ""))
    c.eq(out.get("ok"), False, "STARTTLS: a certificate for another name fails verification")
    c.eq(records(mails, ".eml"), [], "no mail sent")
    r, out = deliver(mail % (sport, ca, ", server_name: " + NAME))
    c.eq(out.get("ok"), True, "STARTTLS: with server_name the certificate verifies (%s)" % out.get("error"))
    c.eq(len(records(mails, ".eml")), 1, "the mail arrived")
    meta = last_meta(mails)
    c.eq(meta.get("tls"), True, "over TLS")
    c.eq(meta.get("sni"), NAME, "server_name sent as SNI in STARTTLS")


def auth_order(c, d, deliver):
    certs = h.new_tmpdir("certs-auth")
    tls_certs.make_chain(certs)
    bundle, key, ca = (os.path.join(certs, x) for x in ("bundle.pem", "leaf.key", "root.pem"))
    servers = {}
    for mechs in ("CRAM-MD5 PLAIN LOGIN", "LOGIN PLAIN", "PLAIN LOGIN", "CRAM-MD5"):
        port = h.free_port()
        md = os.path.join(d, "mails-" + mechs.replace(" ", "_"))
        p = h.Process("smtp-" + mechs.replace(" ", "_"),
                      [PY, SERVERS, "smtp", port, md, "--cert", bundle, "--key", key,
                       "--auth", "alice:" + PASSWORD, "--mechs", mechs])
        p.wait_tcp("127.0.0.1", port)
        servers[mechs] = (port, md)

    def mail(mechs, extra):
        port, _ = servers[mechs]
        return ("  email_configs:\n    - {to: ops@example.org, from: vigia@example.org, smarthost: 'localhost:%d',\n"
                "       auth_username: alice, tls_config: {ca_file: %s}%s}\n" % (port, ca, extra))

    # (server's list, config, the mechanism Alertmanager 0.25's Email.auth picks)
    cases = [
        ("CRAM-MD5 PLAIN LOGIN", ", auth_secret: %s, auth_password: %s" % (PASSWORD, PASSWORD), "CRAM-MD5"),
        ("CRAM-MD5 PLAIN LOGIN", ", auth_password: %s" % PASSWORD, "PLAIN"),  # no secret: skipped
        ("LOGIN PLAIN", ", auth_password: %s" % PASSWORD, "LOGIN"),  # the server's order
        ("PLAIN LOGIN", ", auth_password: %s, auth_identity: ops-id" % PASSWORD, "PLAIN"),
    ]
    vigia_used = {}
    for i, (mechs, extra, want) in enumerate(cases):
        _, md = servers[mechs]
        n_before = len(records(md, ".eml"))
        r, out = deliver(mail(mechs, extra))
        what = "server offers %s, config%s" % (mechs, extra.replace(PASSWORD, "...").replace(",", ""))
        c.eq(out.get("ok"), True, "%s: delivered (%s)" % (what, out.get("error")))
        c.eq(len(records(md, ".eml")), n_before + 1, "%s: the mail arrived" % what)
        meta = last_meta(md)
        c.eq(meta.get("auth_mechanism"), want, "%s: AUTH %s, as Alertmanager" % (what, want))
        vigia_used[i] = meta.get("auth_mechanism")
        c.eq(meta.get("authenticated"), True, "%s: authenticated" % what)
        if "auth_identity" in extra:
            c.eq(meta.get("auth_identity"), "ops-id", "auth_identity sent as PLAIN's authorization identity")

    # Only CRAM-MD5 offered, no secret: Alertmanager's error, no attempt, no mail.
    _, md = servers["CRAM-MD5"]
    r, out = deliver(mail("CRAM-MD5", ", auth_password: %s" % PASSWORD))
    c.eq(out.get("ok"), False, "CRAM-MD5 only, no auth_secret: failed")
    c.contains(out.get("error", ""), "missing secret for CRAM-MD5 auth mechanism", "the error says why")
    c.eq(auth_log(md), [], "no AUTH attempted")
    c.eq(records(md, ".eml"), [], "no mail")

    # A wrong password: the server refuses it; a failed (retryable) notification with a
    # clear error, and the password in no output.
    _, md = servers["PLAIN LOGIN"]
    n_before = len(records(md, ".eml"))
    wrong = "wr0ng-" + PASSWORD
    r, out = deliver(mail("PLAIN LOGIN", ", auth_password: %s" % wrong))
    c.eq(out.get("ok"), False, "a wrong password: failed")
    c.eq(out.get("retryable"), True, "retried, as Alertmanager does")
    err = out.get("error", "")
    c.contains(err, "PLAIN auth", "the error names the mechanism (%s)" % err)
    c.contains(err, "535", "and the server's refusal")
    c.check(wrong not in r.stdout + r.stderr and PASSWORD not in r.stdout + r.stderr,
            "the password is in no output", r.stdout + r.stderr)
    c.eq(auth_log(md)[-1], {"mechanism": "PLAIN", "success": False}, "the server saw one failed AUTH PLAIN")
    c.eq(len(records(md, ".eml")), n_before, "no mail")
    differential(c, servers, cases, ca, vigia_used)


def differential(c, servers, cases, ca, vigia_used):
    """The same cases through Alertmanager 0.25: one receiver per case, one group each."""
    h.need(ALERTMANAGER)
    am_port = h.free_port()
    am_dir = h.new_tmpdir("alertmanager-auth")
    routes, receivers = [], []
    for i, (mechs, extra, _want) in enumerate(cases):
        routes.append("    - {matchers: ['case=\"%d\"'], receiver: c%d}" % (i, i))
        receivers.append("  - name: c%d\n    email_configs:\n      - {to: ops@example.org, from: am@example.org, "
                         "smarthost: 'localhost:%d', auth_username: alice, tls_config: {ca_file: %s}%s}"
                         % (i, servers[mechs][0], ca, extra))
    with open(os.path.join(am_dir, "am.yml"), "w") as f:
        f.write("route:\n  receiver: c0\n  group_by: [case]\n  group_wait: 1s\n  routes:\n" + "\n".join(routes) +
                "\nreceivers:\n" + "\n".join(receivers) + "\n")
    am = h.Process("alertmanager", [ALERTMANAGER, "--config.file=" + os.path.join(am_dir, "am.yml"),
                                    "--storage.path=" + os.path.join(am_dir, "data"),
                                    "--web.listen-address=127.0.0.1:%d" % am_port,
                                    "--cluster.listen-address=", "--log.level=debug"], cwd=am_dir)
    am.wait_http("http://127.0.0.1:%d/-/ready" % am_port, timeout=60)
    alerts = [{"labels": {"alertname": "AuthOrder", "case": str(i)}} for i in range(len(cases))]
    req = urllib.request.Request("http://127.0.0.1:%d/api/v2/alerts" % am_port, data=json.dumps(alerts).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    urllib.request.urlopen(req, timeout=10).read()

    def am_mails():
        """case -> the mechanism of Alertmanager's session (its mails: From am@)."""
        got = {}
        for _port, md in servers.values():
            for eml in records(md, ".eml"):
                msg = email.message_from_bytes(open(eml, "rb").read(), policy=email.policy.default)
                if "am@example.org" not in str(msg["From"]):
                    continue
                case = str(msg["Subject"]).split()[1]  # "[FIRING:1] <case> (AuthOrder)"
                got[int(case)] = json.load(open(eml[:-4] + ".json")).get("auth_mechanism")
        return got
    h.wait_for(lambda: len(am_mails()) >= len(cases), 90, "Alertmanager's %d mails" % len(cases))
    got = am_mails()
    for i, (mechs, extra, _want) in enumerate(cases):
        c.eq(vigia_used.get(i), got.get(i), "server offers %s, config%s: vigia used AUTH %s, Alertmanager %s"
             % (mechs, extra.replace(PASSWORD, "...").replace(",", ""), vigia_used.get(i), got.get(i)))
    am.stop()


def body(c):
    h.need(TOOL, PY)
    if h.run([PY, "-c", "import aiosmtpd"]).returncode != 0:
        raise h.Skip("python3-aiosmtpd is not installed")
    d = h.new_tmpdir("notify-tls-auth")
    deliver = Deliverer(d)
    server_name(c, d, deliver)
    auth_order(c, d, deliver)


if __name__ == "__main__":
    h.main("notifier: TLS server_name (webhook, STARTTLS) and SMTP AUTH as Alertmanager chooses it", body)

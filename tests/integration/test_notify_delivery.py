#!/usr/bin/env python3
"""The notifier's integrations (alerting/notify/) against real servers on loopback,
driven through tests/tools/notify_deliver_tool.cc:

- email: an aiosmtpd server (python3-aiosmtpd) with STARTTLS over a self-signed chain
  (tests/lib/tls_certs.py) and AUTH required receives vigia's mails; they are parsed
  with Python's email package (headers, the text and HTML parts, the subject's shape);
  implicit TLS on a second port; require_tls refused by a plain server; a wrong
  password refused without the password in the error.
- webhook: a recording server gets the payload, Idempotency-Key, basic auth; 500 is
  retryable, 400 is not.
- slack, telegram, discord: recording endpoints get their JSON; the bot token is never
  in an error.
- differential: Alertmanager 0.25 (prometheus-alertmanager) gets the same alerts on
  /api/v2/alerts and sends its webhook; its payload and vigia's are compared field by
  field (externalURL aside), with and without max_alerts.
"""

import datetime
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
ALERTMANAGER = "/usr/bin/prometheus-alertmanager"
# Debian's Python, where python3-aiosmtpd is installed (not a python3 of a user's PATH).
PY = "/usr/bin/python3"

NOW = int(time.time() * 1000)
STARTS = NOW - 600000 + 123  # millisecond precision, as Prometheus sends


def records(d, ext=".json", at_least=0, timeout=20):
    h.wait_for(lambda: len(glob.glob(os.path.join(d, "*" + ext))) >= at_least, timeout,
               "%d records in %s" % (at_least, d))
    return [json.load(open(p)) if ext == ".json" else open(p, "rb").read()
            for p in sorted(glob.glob(os.path.join(d, "*" + ext)))]


def alerts_input(now=None, starts=None):
    """Three alerts of one group: two firing, one resolved (at `now`)."""
    now = now or NOW
    starts = starts or STARTS
    return [
        {"labels": {"alertname": "HighLoad", "instance": "a:9100", "severity": "page", "job": "node"},
         "annotations": {"summary": "load is high", "value": "4.5"},
         "starts_at_ms": starts, "generator_url": "http://prom:9090/graph?g0.expr=load1"},
        {"labels": {"alertname": "HighLoad", "instance": "b:9100", "severity": "page", "job": "node"},
         "annotations": {"summary": "load is high", "value": "7"},
         "starts_at_ms": starts + 1000, "generator_url": "http://prom:9090/graph?g0.expr=load1"},
        {"labels": {"alertname": "HighLoad", "instance": "c:9100", "severity": "warn", "job": "node"},
         "annotations": {"summary": "load was high <b>&</b>"},
         "starts_at_ms": starts + 2000, "ends_at_ms": now - 500,
         "generator_url": "http://prom:9090/graph?g0.expr=load1"},
    ]


def notification(alerts, receiver="ops", extra=None, now=None):
    n = {"receiver": receiver, "group_key": '{}:{alertname="HighLoad"}', "group_labels": {"alertname": "HighLoad"},
         "now_ms": now or NOW, "external_url": "http://vigia.example:9093", "idempotency_key": "idem-123",
         "alerts": alerts, "timeout_ms": 10000}
    n.update(extra or {})
    return n


def deliver(d, name, config_yaml, notif):
    cfg = os.path.join(d, name + ".yml")
    with open(cfg, "w") as f:
        f.write(config_yaml)
    nf = os.path.join(d, name + ".json")
    with open(nf, "w") as f:
        json.dump(notif, f)
    r = h.run([TOOL, cfg, nf], timeout=60)
    lines = [json.loads(x) for x in r.stdout.splitlines() if x.strip()]
    return r, lines


def iso_ms(ms):
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def body(c):
    h.need(TOOL, PY)
    if h.run([PY, "-c", "import aiosmtpd"]).returncode != 0:
        raise h.Skip("python3-aiosmtpd is not installed")
    d = h.new_tmpdir("notify")
    certs = h.new_tmpdir("certs")
    tls_certs.make_chain(certs)

    # --- email ---------------------------------------------------------------
    smtp_port, smtps_port, plain_port = h.free_port(), h.free_port(), h.free_port()
    mails, mails465, mails_plain = (os.path.join(d, x) for x in ("mails", "mails465", "mailsplain"))
    for port, md, extra in ((smtp_port, mails, []), (smtps_port, mails465, ["--implicit-tls"]),
                            (plain_port, mails_plain, None)):
        args = [PY, SERVERS, "smtp", port, md]
        if extra is not None:
            args += ["--cert", os.path.join(certs, "bundle.pem"), "--key", os.path.join(certs, "leaf.key"),
                     "--auth", "alice:pa55-w0rd"] + extra
        p = h.Process("smtp-%d" % port, args)
        p.wait_tcp("127.0.0.1", port)
    ca = os.path.join(certs, "root.pem")
    pwfile = os.path.join(d, "smtp_password")
    with open(pwfile, "w") as f:
        f.write("pa55-w0rd\n")
    email_cfg = """receiver:
  name: mail
  email_configs:
    - to: "Ops Team <ops@example.org>, oncall@example.org"
      from: vigia@example.org
      smarthost: localhost:%d
      hello: vigia.test
      auth_username: alice
      auth_password_file: %s
      send_resolved: true
      headers: {X-Vigia-Test: "{{ .Status }}", Reply-To: noreply@example.org}
      tls_config: {ca_file: %s}
""" % (smtp_port, pwfile, ca)
    r, out = deliver(d, "email", email_cfg, notification(alerts_input(), receiver="mail"))
    c.eq(r.returncode, 0, "email over STARTTLS with AUTH: delivered (%s %s)" % (out, r.stderr))
    raw = records(mails, ".eml", 1)
    meta = records(mails, ".json", 1)
    msg = email.message_from_bytes(raw[0], policy=email.policy.default)
    c.eq(meta[0]["tls"], True, "the session used STARTTLS")
    c.eq(meta[0]["authenticated"], True, "the session was authenticated")
    c.eq(meta[0]["auth_login"], "alice", "AUTH login")
    c.eq(meta[0]["host_name"], "vigia.test", "EHLO name from hello")
    c.eq(meta[0]["mail_from"], "vigia@example.org", "envelope sender")
    c.eq(sorted(meta[0]["rcpt_tos"]), ["oncall@example.org", "ops@example.org"], "envelope recipients")
    c.eq(msg["Subject"], "[FIRING:2] HighLoad (node)", "subject in Alertmanager's shape")
    c.eq(msg["X-Vigia-Test"], "firing", "a templated user header")
    c.eq(msg["Reply-To"], "noreply@example.org", "a user header")
    c.contains(msg["To"], "ops@example.org", "To header")
    c.eq(msg["From"], "vigia@example.org", "From header")
    c.check(msg["Date"] is not None and msg["Message-Id"] is not None, "Date and Message-Id headers")
    c.eq(msg.get_content_type(), "multipart/alternative", "multipart/alternative")
    parts = {p.get_content_type(): p.get_content() for p in msg.iter_parts()}
    c.eq(sorted(parts), ["text/html", "text/plain"], "a text and an HTML part")
    text, html = parts.get("text/plain", ""), parts.get("text/html", "")
    for inst in ("a:9100", "b:9100", "c:9100"):
        c.contains(text, inst, "text part lists %s" % inst)
        c.contains(html, inst, "HTML part lists %s" % inst)
    c.contains(html, "load was high &lt;b&gt;&amp;&lt;/b&gt;", "HTML part escapes annotation values")
    c.contains(text, "load was high <b>&</b>", "text part keeps annotation values")
    c.contains(html, 'href="http://vigia.example:9093"', "HTML part links the external URL")

    resolved = [dict(a, ends_at_ms=NOW - 1000) for a in alerts_input()]
    r, out = deliver(d, "email_resolved", email_cfg, notification(resolved, receiver="mail"))
    raw = records(mails, ".eml", 2)
    msg = email.message_from_bytes(raw[1], policy=email.policy.default)
    c.eq(msg["Subject"], "[RESOLVED] HighLoad (node)", "resolved subject")

    # STARTTLS against an implicit-TLS server fails (retryable).
    cfg_wrong = email_cfg.replace("localhost:%d" % smtp_port, "localhost:%d" % smtps_port)
    r, out = deliver(d, "email_wrong_mode", cfg_wrong, notification(alerts_input(), receiver="mail"))
    c.check(r.returncode == 1 and out and out[0]["retryable"], "STARTTLS against an implicit-TLS server fails",
            str(out))
    # Implicit TLS is chosen, as in Alertmanager, by the smarthost's port 465: a
    # privileged port, so this part needs root (CI runs the suite as root).
    if os.geteuid() == 0:
        m465 = os.path.join(d, "mails_465")
        p = h.Process("smtp-465", [PY, SERVERS, "smtp", 465, m465, "--cert", os.path.join(certs, "bundle.pem"),
                                   "--key", os.path.join(certs, "leaf.key"), "--auth", "alice:pa55-w0rd",
                                   "--implicit-tls"])
        p.wait_tcp("127.0.0.1", 465)
        cfg465 = email_cfg.replace("localhost:%d" % smtp_port, "localhost:465")
        r, out = deliver(d, "email_465", cfg465, notification(alerts_input(), receiver="mail"))
        c.eq(r.returncode, 0, "implicit TLS on port 465 (%s)" % out)
        meta = records(m465, ".json", 1)
        c.check(meta[0]["tls"] and meta[0]["authenticated"], "port 465: TLS from the start, authenticated")
    else:
        c.note("implicit TLS on port 465 not checked: not root")

    plain_cfg = email_cfg.replace("localhost:%d" % smtp_port, "localhost:%d" % plain_port)
    r, out = deliver(d, "email_plain", plain_cfg, notification(alerts_input(), receiver="mail"))
    c.check(r.returncode == 1 and out and "STARTTLS" in out[0]["error"],
            "require_tls (default true) refuses a server without STARTTLS", str(out))
    c.eq(len(glob.glob(os.path.join(mails_plain, "*.eml"))), 0, "nothing sent in plain text")
    plain_ok = plain_cfg.replace("      send_resolved: true\n", "      send_resolved: true\n      require_tls: false\n")
    plain_ok = plain_ok.replace("      auth_username: alice\n      auth_password_file: %s\n" % pwfile, "")
    r, out = deliver(d, "email_plain_ok", plain_ok, notification(alerts_input(), receiver="mail"))
    c.eq(r.returncode, 0, "require_tls: false sends to a plain local relay (%s)" % out)

    # The server's certificate is verified: without the CA it is refused, and
    # insecure_skip_verify lets it through.
    no_ca = email_cfg.replace("      tls_config: {ca_file: %s}\n" % ca, "")
    n_before = len(glob.glob(os.path.join(mails, "*.eml")))
    r, out = deliver(d, "email_no_ca", no_ca, notification(alerts_input(), receiver="mail"))
    c.check(r.returncode == 1 and out and out[0]["retryable"], "an untrusted certificate is refused", str(out))
    r, out = deliver(d, "email_insecure", no_ca.replace("      send_resolved: true\n",
                                                        "      send_resolved: true\n"
                                                        "      tls_config: {insecure_skip_verify: true}\n"),
                     notification(alerts_input(), receiver="mail"))
    c.eq(r.returncode, 0, "insecure_skip_verify accepts it (%s)" % out)
    c.eq(len(records(mails, ".eml", n_before + 1)), n_before + 1, "one more mail, from the insecure send only")

    bad_pw = email_cfg.replace("auth_password_file: %s" % pwfile, "auth_password: wrong-secret-42")
    r, out = deliver(d, "email_badpw", bad_pw, notification(alerts_input(), receiver="mail"))
    c.check(r.returncode == 1 and out and not out[0]["ok"], "a wrong password fails", str(out))
    c.check("wrong-secret-42" not in r.stdout + r.stderr, "the password is in no error")

    # --- webhook -------------------------------------------------------------
    hport = h.free_port()
    hooks = os.path.join(d, "hooks")
    hp = h.Process("http-recorder", [PY, SERVERS, "http", hport, hooks])
    hp.wait_tcp("127.0.0.1", hport)
    base = "http://127.0.0.1:%d" % hport
    wh_cfg = """receiver:
  name: ops
  webhook_configs:
    - url: %s/hook
      http_config: {basic_auth: {username: bob, password: hunter2-pw}}
    - url: %s/status/500
    - url: %s/status/400
""" % (base, base, base)
    r, out = deliver(d, "webhook", wh_cfg, notification(alerts_input()))
    c.eq([o.get("ok") for o in out], [True, False, False], "webhook outcomes 2xx / 500 / 400")
    c.eq([o.get("retryable") for o in out], [False, True, False], "5xx retryable, 4xx not")
    recs = records(hooks, ".json", 3)
    first = [x for x in recs if x["path"] == "/hook"][0]
    c.eq(first["headers"].get("Idempotency-Key"), "idem-123", "Idempotency-Key header")
    c.eq(first["headers"].get("Authorization"), "Basic Ym9iOmh1bnRlcjItcHc=", "basic auth header")
    c.eq(first["headers"].get("Content-Type"), "application/json", "JSON content type")
    c.check("hunter2-pw" not in r.stdout + r.stderr, "the basic auth password is in no output")
    cred = "receiver:\n  name: ops\n  webhook_configs:\n    - url: http://u:t0ps3cret@127.0.0.1:1/x\n"
    r, out = deliver(d, "webhook_down", cred, notification(alerts_input()))
    c.check(out and out[0]["retryable"] and "t0ps3cret" not in r.stdout, "unreachable: retryable, no password",
            str(out))

    # https with the http_config's CA and a bearer token; without the CA the
    # certificate is refused.
    sport = h.free_port()
    shooks = os.path.join(d, "shooks")
    sp = h.Process("https-recorder", [PY, SERVERS, "https", sport, shooks, os.path.join(certs, "bundle.pem"),
                                      os.path.join(certs, "leaf.key")])
    sp.wait_tcp("127.0.0.1", sport)
    tls_cfg = """receiver:
  name: ops
  webhook_configs:
    - url: https://localhost:%d/secure
      http_config: {authorization: {credentials: tok-3141}, tls_config: {ca_file: %s}}
    - url: https://localhost:%d/untrusted
""" % (sport, ca, sport)
    r, out = deliver(d, "webhook_tls", tls_cfg, notification(alerts_input()))
    c.eq([o.get("ok") for o in out], [True, False], "https webhook: trusted with ca_file, refused without")
    c.check(len(out) > 1 and out[1].get("retryable"), "an untrusted certificate is a retryable network error")
    srec = records(shooks, ".json", 1)
    c.eq([x["path"] for x in srec], ["/secure"], "only the trusted request arrived")
    c.eq(srec[0]["headers"].get("Authorization"), "Bearer tok-3141", "bearer credentials")
    c.check("tok-3141" not in r.stdout + r.stderr, "the bearer token is in no output")

    # --- chat ----------------------------------------------------------------
    chat_cfg = """receiver:
  name: chat
  slack_configs:
    - api_url: %s/services/T000/B000/slacksecret123
      channel: "#ops"
  telegram_configs:
    - api_url: %s
      bot_token: 123456:telegram-secret-token
      chat_id: -1001234
  discord_configs:
    - webhook_url: %s/api/webhooks/42/discordsecret99
""" % (base, base, base)
    before = len(records(hooks))
    r, out = deliver(d, "chat", chat_cfg, notification(alerts_input(), receiver="chat"))
    c.eq([o.get("ok") for o in out], [True, True, True], "slack, telegram, discord delivered (%s)" % out)
    recs = records(hooks, ".json", before + 3)[before:]
    by = {}
    for x in recs:
        key = "slack" if "/services/" in x["path"] else "telegram" if "/bot" in x["path"] else "discord"
        by[key] = x
    s = json.loads(by["slack"]["body"])
    c.eq(s.get("channel"), "#ops", "slack channel")
    c.eq(len(s.get("attachments", [])), 1, "slack: one attachment")
    att = (s.get("attachments") or [{}])[0]
    c.eq(att.get("color"), "danger", "slack color for firing")
    c.eq(att.get("title"), "[FIRING:2] HighLoad (node)", "slack title")
    c.eq(att.get("mrkdwn_in"), ["fallback", "pretext", "text"], "slack mrkdwn_in default")
    c.check("a:9100" in att.get("text", ""), "slack text lists the alerts")
    c.check({"text", "fallback", "callback_id", "footer"} <= set(att), "slack attachment always has "
            "text/fallback/callback_id/footer as Alertmanager's")
    c.eq(by["telegram"]["path"], "/bot123456:telegram-secret-token/sendMessage", "telegram path")
    t = json.loads(by["telegram"]["body"])
    c.eq(t.get("chat_id"), "-1001234", "telegram chat_id")
    c.eq(t.get("parse_mode"), "HTML", "telegram parse_mode default")
    c.contains(t.get("text", ""), "&lt;b&gt;", "telegram HTML message escapes values")
    dj = json.loads(by["discord"]["body"])
    emb = (dj.get("embeds") or [{}])[0]
    c.eq(emb.get("color"), 0x992D22, "discord red for firing")
    c.eq(emb.get("title"), "[FIRING:2] HighLoad (node)", "discord title")
    bad_chat = chat_cfg.replace(base + "\n      bot_token", base + "/status/400\n      bot_token")
    bad_chat = bad_chat.replace("/services/T000", "/status/500/services/T000")
    r, out = deliver(d, "chat_bad", bad_chat, notification(alerts_input(), receiver="chat"))
    c.eq([o.get("ok") for o in out], [False, False, True], "slack 500 and telegram 400 fail")
    c.check("telegram-secret-token" not in r.stdout and "slacksecret123" not in r.stdout,
            "bot token and slack URL are in no error", r.stdout)

    # --- differential with Alertmanager 0.25 ---------------------------------
    # A server offering only AUTH PLAIN for the differential (Alertmanager takes the
    # first mechanism offered, and its LOGIN does not understand aiosmtpd's challenge).
    plain_auth_port = h.free_port()
    mails_diff = os.path.join(d, "mails_diff")
    p = h.Process("smtp-plain-auth", [PY, SERVERS, "smtp", plain_auth_port, mails_diff, "--cert",
                                      os.path.join(certs, "bundle.pem"), "--key", os.path.join(certs, "leaf.key"),
                                      "--auth", "alice:pa55-w0rd", "--plain-only"])
    p.wait_tcp("127.0.0.1", plain_auth_port)
    # Alertmanager 0.25 sends a password file's content as it is (a trailing newline
    # included); vigia drops the trailing newline. This file has none.
    pwfile_am = os.path.join(d, "smtp_password_am")
    with open(pwfile_am, "w") as f:
        f.write("pa55-w0rd")
    differential(c, d, base, hooks, {"port": plain_auth_port, "mails": mails_diff, "ca": ca, "pwfile": pwfile_am})


def differential(c, d, base, hooks, smtp):
    h.need(ALERTMANAGER)
    am_port, cl_port = h.free_port(), h.free_port()
    am_dir = h.new_tmpdir("alertmanager")
    with open(os.path.join(am_dir, "am.yml"), "w") as f:
        f.write("""route:
  receiver: ops.team
  group_by: [alertname]
  group_wait: 10s
  group_interval: 1h
  repeat_interval: 4h
receivers:
  - name: ops.team
    webhook_configs:
      - url: %s/am
      - url: %s/am-max
        max_alerts: 2
    email_configs:
      - to: ops@example.org
        from: alertmanager@example.org
        smarthost: localhost:%d
        auth_username: alice
        auth_password_file: %s
        tls_config: {ca_file: %s}
""" % (base, base, smtp["port"], smtp["pwfile"], smtp["ca"]))
    mails_before = len(glob.glob(os.path.join(smtp["mails"], "*.eml")))
    am = h.Process("alertmanager", [ALERTMANAGER, "--config.file=" + os.path.join(am_dir, "am.yml"),
                                    "--storage.path=" + os.path.join(am_dir, "data"),
                                    "--web.listen-address=127.0.0.1:%d" % am_port,
                                    "--cluster.listen-address=", "--log.level=debug"], cwd=am_dir)
    am.wait_http("http://127.0.0.1:%d/-/ready" % am_port, timeout=60)
    # Alertmanager flushes a new group at once when an alert started more than
    # group_wait ago: these start within it, so that the three arrive in one group.
    now = int(time.time() * 1000)
    diff_alerts = alerts_input(now=now, starts=now - 4000 + 123)
    post = []
    for a in diff_alerts:
        x = {"labels": a["labels"], "annotations": a["annotations"], "startsAt": iso_ms(a["starts_at_ms"]),
             "generatorURL": a["generator_url"]}
        if a.get("ends_at_ms"):
            x["endsAt"] = iso_ms(a["ends_at_ms"])
        post.append(x)
    req = urllib.request.Request("http://127.0.0.1:%d/api/v2/alerts" % am_port, data=json.dumps(post).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    urllib.request.urlopen(req, timeout=10).read()

    def am_payloads():
        return [x for x in records(hooks) if x["path"] in ("/am", "/am-max")]
    h.wait_for(lambda: len(am_payloads()) >= 2, 60, "Alertmanager's two webhooks")
    got = {x["path"]: json.loads(x["body"]) for x in am_payloads()}
    # Alertmanager orders a group's alerts by instance (types.AlertSlice); the
    # dispatcher (not this part) does the same: give them in that order.
    alerts = sorted(diff_alerts, key=lambda a: a["labels"]["instance"])
    group_key = '{}:{alertname="HighLoad"}'  # the dispatcher's key of the root route's group
    nf = os.path.join(d, "diff.json")
    compared = 0
    for path, max_alerts in (("/am", 0), ("/am-max", 2)):
        theirs = got[path]
        n = notification(alerts, receiver="ops.team", extra={"group_key": group_key}, now=int(time.time() * 1000))
        with open(nf, "w") as f:
            json.dump(n, f)
        r = h.run([TOOL, "--payload", nf, str(max_alerts)])
        ours = json.loads(r.stdout)
        c.eq(sorted(ours), sorted(theirs), "%s: the same top-level fields" % path)
        for k in ("receiver", "status", "groupLabels", "commonLabels", "commonAnnotations", "version",
                  "groupKey", "truncatedAlerts"):
            c.eq(ours.get(k), theirs.get(k), "%s: %s as Alertmanager's" % (path, k))
            compared += 1
        c.eq(len(ours["alerts"]), len(theirs["alerts"]), "%s: alert count" % path)
        for i, (o, t) in enumerate(zip(ours["alerts"], theirs["alerts"])):
            c.eq(sorted(o), sorted(t), "%s alert %d: the same fields" % (path, i))
            for k in t:
                c.eq(o.get(k), t[k], "%s alert %d: %s as Alertmanager's" % (path, i, k))
                compared += 1
    c.note("differential: %d fields equal to Alertmanager 0.25's webhook payloads" % compared)

    # Email: Alertmanager's mail (send_resolved false by default: only the two
    # firing alerts) and vigia's for the same group; the subjects must agree.
    raw = records(smtp["mails"], ".eml", mails_before + 1, timeout=60)
    theirs = email.message_from_bytes(raw[mails_before], policy=email.policy.default)
    cfg = """receiver:
  name: ops.team
  email_configs:
    - to: ops@example.org
      from: vigia@example.org
      smarthost: localhost:%d
      auth_username: alice
      auth_password_file: %s
      tls_config: {ca_file: %s}
""" % (smtp["port"], smtp["pwfile"], smtp["ca"])
    r, out = deliver(d, "email_diff", cfg, notification(alerts, receiver="ops.team",
                                                         extra={"group_key": group_key},
                                                         now=int(time.time() * 1000)))
    c.eq(r.returncode, 0, "vigia's mail for the differential sent (%s)" % out)
    raw = records(smtp["mails"], ".eml", mails_before + 2)
    ours = email.message_from_bytes(raw[mails_before + 1], policy=email.policy.default)
    c.eq(str(ours["Subject"]), str(theirs["Subject"]), "email subject as Alertmanager's (%r)" % str(theirs["Subject"]))
    c.eq(ours.get_content_type(), theirs.get_content_type(), "email content type as Alertmanager's")
    c.check("text/html" in [p.get_content_type() for p in ours.iter_parts()] and
            "text/html" in [p.get_content_type() for p in theirs.iter_parts()], "both mails have an HTML part")


if __name__ == "__main__":
    h.main("notify delivery (email, webhook, chat; Alertmanager 0.25 differential)", body)

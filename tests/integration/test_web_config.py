#!/usr/bin/env python3
"""--web.config.file (exporter-toolkit's web-config.yml) on vigia, side by side with Debian's
prometheus-node-exporter 1.5 started with THE SAME file: each curl case must get the same
outcome from both (an HTTP status, or a failed TLS handshake). Cases: TLS with certificate and
key, basic auth (right, wrong, unknown user, missing), the configured headers (also on 401),
min_version TLS13 against a TLS 1.2 client, client certificates required and verified (none, one
from the CA, a self-signed one). Then vigia's /metrics counts each failure
(vigia_http_auth_failures_total{reason}, vigia_http_tls_handshake_failures_total), its log (at
debug level) never holds a password or hash, `vigia check config` accepts the files and refuses
a broken one with file:line:column, and a real Prometheus scrapes vigia through TLS with a client
certificate and basic auth: its target is up."""

import crypt
import os
import subprocess
import sys
import warnings

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness as h  # noqa: E402
import tls_certs  # noqa: E402

CURL = "/usr/bin/curl"
USER, PASSWORD = "prom", "correct-horse-battery"
WRONG = "not-the-password-42"
HEADERS = {"X-Frame-Options": "deny", "X-Content-Type-Options": "nosniff",
           "Strict-Transport-Security": "max-age=31536000"}


def bcrypt_hash(password):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=256))


def write(d, name, text):
    path = os.path.join(d, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def curl(d, url, user=None, password=None, cert=None, tls_max=None):
    """(status, headers): status is the HTTP code as a string, or "handshake failed"."""
    argv = [CURL, "-sS", "-o", "/dev/null", "-D", "-", "-w", "\n%{http_code}", "--max-time", "20",
            "--cacert", os.path.join(d, "root.pem")]
    if user is not None:
        argv += ["-u", "%s:%s" % (user, password)]
    if cert:
        argv += ["--cert", os.path.join(d, cert + ".pem"), "--key", os.path.join(d, cert + ".key")]
    if tls_max:
        argv += ["--tls-max", tls_max]
    r = h.run(argv + [url], timeout=30)
    lines = r.stdout.strip().splitlines()
    code = lines[-1] if lines else "000"
    if r.returncode != 0 or code == "000":
        return "handshake failed", {}
    headers = {}
    for line in lines[:-1]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    return code, headers


def start_node_exporter(web_config):
    h.need(h.NODE_EXPORTER)
    port = h.free_port()
    argv = [h.NODE_EXPORTER, "--web.listen-address=127.0.0.1:%d" % port, "--web.config.file=" + web_config,
            "--collector.disable-defaults", "--collector.loadavg"]
    s = h.Server("node_exporter", argv, "127.0.0.1", port)
    s.wait_tcp("127.0.0.1", port)
    return s


def start_vigia(web_config):
    v = h.Vigia("exporter", collectors=["process"], ready_path=None,
                args=["--web.config.file=" + web_config, "--log.level=debug"])
    v.wait_tcp("127.0.0.1", v.port)
    return v


def side_by_side(c, d, web_config, cases):
    """Runs each (name, path, curl kwargs, expected) against vigia and node_exporter; both must give
    `expected` (and the configured headers where the config sets them). Returns vigia."""
    ne = start_node_exporter(web_config)
    v = start_vigia(web_config)
    for name, path, kw, want in cases:
        got_v, hv = curl(d, "https://127.0.0.1:%d%s" % (v.port, path), **kw)
        got_n, hn = curl(d, "https://127.0.0.1:%d%s" % (ne.port, path), **kw)
        c.eq(got_n, want, "%s: node_exporter" % name)
        c.eq(got_v, want, "%s: vigia (node_exporter: %s)" % (name, got_n))
        if want == "401":
            c.eq(hv.get("www-authenticate"), hn.get("www-authenticate"), "%s: WWW-Authenticate as node_exporter's" % name)
            c.eq(hv.get("www-authenticate"), "Basic", "%s: WWW-Authenticate" % name)
        if "headers" in web_config_text(web_config) and want in ("200", "401"):
            for k, val in HEADERS.items():
                c.eq(hv.get(k.lower()), val, "%s: vigia's %s header" % (name, k))
                c.eq(hn.get(k.lower()), val, "%s: node_exporter's %s header" % (name, k))
    ne.stop()
    return v


def handshake_failures(fam):
    values = h.find(fam, "vigia_http_tls_handshake_failures_total")
    return values[0] if values else -1


def web_config_text(path):
    with open(path) as f:
        return f.read()


def body(c):
    h.need(CURL, h.NODE_EXPORTER, h.PROMETHEUS)
    d = h.new_tmpdir("webcfg")
    tls_certs.make_chain(d, stale_days=None)
    tls_certs.make_client_certs(d)
    hashed = bcrypt_hash(PASSWORD)
    headers_yaml = "".join("    %s: %s\n" % kv for kv in HEADERS.items())
    # Relative paths: from the file's directory, as exporter-toolkit reads them.
    tls = "tls_server_config:\n  cert_file: bundle.pem\n  key_file: leaf.key\n"
    auth = "basic_auth_users:\n  %s: %s\n" % (USER, hashed)
    f_auth = write(d, "web-auth.yml", tls + "  min_version: TLS12\nhttp_server_config:\n  headers:\n" +
                   headers_yaml + auth)
    f_tls13 = write(d, "web-tls13.yml", tls + "  min_version: TLS13\n")
    f_mtls = write(d, "web-mtls.yml", tls + "  client_auth_type: RequireAndVerifyClientCert\n"
                   "  client_ca_file: clientca.pem\n" + auth)
    f_any = write(d, "web-any.yml", tls + "  client_auth_type: RequireAnyClientCert\n")

    ok = {"user": USER, "password": PASSWORD}
    v = side_by_side(c, d, f_auth, [
        ("TLS, right password", "/metrics", ok, "200"),
        ("TLS, right password, landing page", "/", ok, "200"),
        ("TLS, wrong password", "/metrics", {"user": USER, "password": WRONG}, "401"),
        ("TLS, unknown user", "/metrics", {"user": "intruder", "password": WRONG}, "401"),
        ("TLS, no credentials", "/metrics", {}, "401"),
        ("TLS, unknown path needs auth too", "/nothing-here", {}, "401"),
        ("TLS 1.2 client", "/metrics", dict(ok, tls_max="1.2"), "200"),
    ])
    # Counted by reason (vigia's own scrape below is authorised).
    fam = h.parse_exposition(h.run([CURL, "-sS", "--cacert", os.path.join(d, "root.pem"), "-u",
                                    "%s:%s" % (USER, PASSWORD), "https://127.0.0.1:%d/metrics" % v.port]).stdout)
    failures = {labels.get("reason"): value for name, labels, value in fam.samples()
                if name == "vigia_http_auth_failures_total"}
    c.eq(failures, {"missing": 2.0, "unknown_user": 1.0, "wrong_password": 1.0}, "auth failures counted by reason")
    log = v.log()
    c.check(PASSWORD not in log and WRONG not in log, "no password in vigia's log")
    c.check(hashed not in log and hashed[7:29] not in log, "no hash in vigia's log")
    c.contains(log, "intruder", "the failed user name is logged (debug)")
    c.contains(log, "TLS is enabled.", "vigia logs that TLS is on")
    v.stop()

    v = side_by_side(c, d, f_tls13, [
        ("min TLS13, TLS 1.3 client", "/metrics", {}, "200"),
        ("min TLS13, TLS 1.2 client", "/metrics", {"tls_max": "1.2"}, "handshake failed"),
    ])
    fam = h.parse_exposition(h.run([CURL, "-sS", "--cacert", os.path.join(d, "root.pem"),
                                    "https://127.0.0.1:%d/metrics" % v.port]).stdout)
    hs = handshake_failures(fam)
    c.check(hs >= 1, "TLS handshake failure counted", "vigia_http_tls_handshake_failures_total = %s" % hs)
    v.stop()

    v = side_by_side(c, d, f_mtls, [
        ("client cert required, none", "/metrics", ok, "handshake failed"),
        ("client cert from the CA", "/metrics", dict(ok, cert="client"), "200"),
        ("client cert from the CA, wrong password", "/metrics", {"user": USER, "password": WRONG, "cert": "client"},
         "401"),
        ("self-signed client cert", "/metrics", dict(ok, cert="rogue"), "handshake failed"),
    ])
    fam = h.parse_exposition(h.run([CURL, "-sS", "--cacert", os.path.join(d, "root.pem"), "--cert",
                                    os.path.join(d, "client.pem"), "--key", os.path.join(d, "client.key"),
                                    "-u", "%s:%s" % (USER, PASSWORD),
                                    "https://127.0.0.1:%d/metrics" % v.port]).stdout)
    hs = handshake_failures(fam)
    c.check(hs >= 2, "both refused client certificates counted", "counted %s" % hs)

    # A real Prometheus scraping vigia through TLS, a client certificate and basic auth.
    prom = h.start_prometheus(
        "global:\n  scrape_interval: 2s\n  scrape_timeout: 2s\nscrape_configs:\n"
        "  - job_name: vigia\n    scheme: https\n"
        "    tls_config:\n      ca_file: %s\n      cert_file: %s\n      key_file: %s\n"
        "    basic_auth:\n      username: %s\n      password: %s\n"
        "    static_configs:\n      - targets: ['127.0.0.1:%d']\n" % (
            os.path.join(d, "root.pem"), os.path.join(d, "client.pem"), os.path.join(d, "client.key"),
            USER, PASSWORD, v.port))

    def target_up():
        r = h.http_get_json(prom.url + "/api/v1/targets")
        ts = [t for t in r["data"]["activeTargets"] if t["labels"].get("job") == "vigia"]
        return ts and ts[0]["health"] == "up" and ts[0]
    t = h.wait_for(target_up, 60, "Prometheus's vigia target up through TLS + basic auth")
    c.passed("Prometheus scrapes vigia through TLS + client certificate + basic auth (%s)" % t["scrapeUrl"])
    r = h.http_get_json(prom.url + "/api/v1/query?query=scrape_samples_scraped%7Bjob%3D%22vigia%22%7D")
    res = r["data"]["result"]
    c.check(len(res) == 1 and float(res[0]["value"][1]) > 0, "Prometheus stored vigia's samples", str(r["data"]))
    prom.stop()
    v.stop()

    side_by_side(c, d, f_any, [
        ("any client cert required, none", "/metrics", {}, "handshake failed"),
        ("any client cert required, self-signed", "/metrics", {"cert": "rogue"}, "200"),
    ]).stop()

    # vigia check config reads the file as `vigia run` does; node_exporter accepts the same files (above).
    for f in (f_auth, f_tls13, f_mtls, f_any):
        r = h.run([h.VIGIA_BINARY, "check", "config", "--web.config.file=" + f])
        c.eq(r.returncode, 0, "vigia check config accepts %s (%s)" % (os.path.basename(f), r.stderr.strip()))
    bad = write(d, "web-bad.yml", tls + "  client_auth: RequireAnyClientCert\n")
    r = h.run([h.VIGIA_BINARY, "check", "config", "--web.config.file=" + bad])
    c.eq(r.returncode, 2, "vigia check config refuses an unknown key")
    c.contains(r.stderr, "web-bad.yml:4:3: unknown key 'client_auth' in tls_server_config", "file:line:column")
    nokey = write(d, "web-nokey.yml", "tls_server_config:\n  cert_file: bundle.pem\n  key_file: root.pem\n")
    r = h.run([h.VIGIA_BINARY, "check", "config", "--web.config.file=" + nokey])
    c.eq(r.returncode, 2, "vigia check config refuses a key file that holds no key")
    badhash = write(d, "web-badhash.yml", "basic_auth_users:\n  %s: %s\n" % (USER, PASSWORD))
    r = h.run([h.VIGIA_BINARY, "check", "config", "--web.config.file=" + badhash])
    c.check(r.returncode == 2 and PASSWORD not in r.stderr, "a plain password instead of a hash is refused, not shown",
            r.stderr)
    ne = subprocess.run([h.NODE_EXPORTER, "--web.listen-address=127.0.0.1:%d" % h.free_port(),
                         "--web.config.file=" + badhash], capture_output=True, text=True, timeout=30)
    c.check(ne.returncode != 0, "node_exporter refuses that file too", ne.stderr[-300:])


if __name__ == "__main__":
    h.main("web config: TLS, client certificates, basic auth, headers (vigia vs node_exporter)", body)

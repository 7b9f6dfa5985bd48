#!/usr/bin/env python3
"""Integration test of the probe exporter: a real nginx (tests/lib/nginx_harness.py) on
loopback with 200, 500, a slow location, a redirect chain, a 1 GB body, and two HTTPS
servers (TLS 1.2 only, TLS 1.3) serving a chain generated here with openssl: a leaf
(50 days), an intermediate (20 days), a stale extra certificate in the served bundle
(5 days) and a root CA (100 days) that is not served. Debian's
prometheus-blackbox-exporter 0.23 and vigia read the same blackbox.yml (vigia through
`probe_modules: {file: blackbox.yml}`) and probe the same targets with the same
modules, side by side: same family names and label names, equal values for status
code, success, redirects, certificate expiry (earliest and last chain), TLS version and
the rest that does not depend on timing; tcp with an expect/send dialogue and TLS; icmp
(raw socket: the test runs as root) to 127.0.0.1, ::1 and a TEST-NET address. Bad input (refused port, DNS failure, a server
that accepts and never answers, a 1 GB body, an untrusted certificate) gives
probe_success 0 within the timeout. Configured probes run on their own schedule: a
scrape of /metrics answers at once while a probe waits on a silent server, and
consecutive failures are counted."""

import json
import os
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness as h  # noqa: E402
import nginx_harness as nh  # noqa: E402
from tls_certs import OPENSSL, make_chain, not_after  # noqa: E402
from harness import find, one  # noqa: E402

BLACKBOX = "/usr/bin/prometheus-blackbox-exporter"
DNSMASQ = "/usr/sbin/dnsmasq"
DAY = 86400
# Values that depend on the moment or the clock, not on the semantics.
TIMING = {"probe_duration_seconds", "probe_dns_lookup_time_seconds", "probe_http_duration_seconds",
          "probe_icmp_duration_seconds", "probe_dns_duration_seconds"}
# Equal in value between the two (every other family: equal names and labels).
COMPARED = ["probe_success", "probe_http_status_code", "probe_http_redirects", "probe_http_ssl",
            "probe_http_version", "probe_http_content_length", "probe_http_uncompressed_body_length",
            "probe_failed_due_to_regex", "probe_ip_protocol", "probe_ip_addr_hash",
            "probe_ssl_earliest_cert_expiry", "probe_ssl_last_chain_expiry_timestamp_seconds",
            "probe_tls_version_info", "probe_ssl_last_chain_info", "probe_http_last_modified_timestamp_seconds"]


def start_silent_server():
    """A socket that accepts (the kernel's backlog) and never answers."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    return s, s.getsockname()[1]


def start_dnsmasq():
    """Debian's dnsmasq on 127.0.0.1:<free port>, authoritative-like for example.test
    (--local: other names there are NXDOMAIN), no upstream."""
    port = h.free_port()
    argv = [DNSMASQ, "--keep-in-foreground", "--no-daemon", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
            "--pid-file=", "--user=root", "--bind-interfaces", "--listen-address=127.0.0.1", "--port=%d" % port,
            "--local=/example.test/",
            "--host-record=www.example.test,192.0.2.10,2001:db8::10",
            "--cname=alias.example.test,www.example.test",
            "--mx-host=example.test,mail.example.test,10",
            "--txt-record=example.test,v=spf1 -all,second \\\"quoted\\\"",  # dnsmasq keeps the backslashes
            "--srv-host=_http._tcp.example.test,www.example.test,80,1,5"]
    d = h.Process("dnsmasq", argv)
    d.wait_tcp("127.0.0.1", port)
    return d, port


def dns(name, qtype, **extra):
    m = {"prober": "dns", "timeout": "5s", "dns": {"query_name": name, "query_type": qtype}}
    m["dns"].update(extra)
    return m


def blackbox_modules(certs):
    ca = os.path.join(certs, "root.pem")
    tls = {"ca_file": ca}
    return {"modules": {
        "http_2xx": {"prober": "http", "timeout": "5s"},
        "http_500_ok": {"prober": "http", "timeout": "5s", "http": {"valid_status_codes": [500]}},
        "http_nofollow": {"prober": "http", "timeout": "5s", "http": {"no_follow_redirects": True}},
        "http_body_ok": {"prober": "http", "timeout": "5s",
                         "http": {"fail_if_body_not_matches_regexp": ["status: (healthy|ok)"]}},
        "http_body_bad": {"prober": "http", "timeout": "5s",
                          "http": {"fail_if_body_matches_regexp": ["healthy"]}},
        "http_header": {"prober": "http", "timeout": "5s",
                        "http": {"fail_if_header_not_matches": [{"header": "X-Probe", "regexp": "^yes$"}]}},
        "http_post": {"prober": "http", "timeout": "5s", "http": {"method": "POST", "body": "{}",
                                                                   "headers": {"Content-Type": "application/json"}}},
        "http_auth": {"prober": "http", "timeout": "5s", "http": {"basic_auth": {
            "username": nh.AUTH_USER, "password": nh.AUTH_PASSWORD}}},
        "http_auth_wrong": {"prober": "http", "timeout": "5s", "http": {"basic_auth": {
            "username": nh.AUTH_USER, "password": "not-it"}}},
        "http_head": {"prober": "http", "timeout": "5s", "http": {"method": "HEAD"}},
        "http_tls": {"prober": "http", "timeout": "5s", "http": {"tls_config": tls, "fail_if_not_ssl": True}},
        "http_tls_insecure": {"prober": "http", "timeout": "5s",
                              "http": {"tls_config": {"insecure_skip_verify": True}}},
        "http_tls_untrusted": {"prober": "http", "timeout": "5s"},
        "http_short": {"prober": "http", "timeout": "2s"},
        "tcp_connect": {"prober": "tcp", "timeout": "5s"},
        "tcp_dialogue": {"prober": "tcp", "timeout": "5s", "tcp": {"query_response": [
            {"send": "GET /ok HTTP/1.0\n"}, {"expect": "^HTTP/1\\.1 (\\d+)"}, {"expect": "status: (\\w+)"}]}},
        "tcp_expect_fail": {"prober": "tcp", "timeout": "5s", "tcp": {"query_response": [
            {"send": "GET /ok HTTP/1.0\n"}, {"expect": "^no such line"}]}},
        "tcp_tls": {"prober": "tcp", "timeout": "5s", "tcp": {"tls": True, "tls_config": tls,
                                                             "query_response": [
            {"send": "GET /ok HTTP/1.0\n"}, {"expect": "^HTTP/1\\.1 200"}]}},
        "icmp": {"prober": "icmp", "timeout": "5s"},
        "dns_a": dns("www.example.test", "A", validate_answer_rrs={
            "fail_if_not_matches_regexp": ["^www\\.example\\.test\\.\\t\\d+\\tIN\\tA\\t192\\.0\\.2\\.10$"]}),
        "dns_aaaa_tcp": dns("www.example.test", "AAAA", transport_protocol="tcp", validate_answer_rrs={
            "fail_if_none_matches_regexp": ["\\tAAAA\\t2001:db8::10$"]}),
        "dns_cname": dns("alias.example.test", "A", validate_answer_rrs={
            "fail_if_none_matches_regexp": ["\\tCNAME\\twww\\.example\\.test\\.$"]}),
        "dns_mx": dns("example.test", "MX", validate_answer_rrs={
            "fail_if_not_matches_regexp": ["\\tMX\\t10 mail\\.example\\.test\\.$"]}),
        "dns_txt": dns("example.test", "TXT", validate_answer_rrs={
            "fail_if_not_matches_regexp": ['\\tTXT\\t"v=spf1 -all" "second [\\\\]{3}"quoted[\\\\]{3}""$']}),
        "dns_srv": dns("_http._tcp.example.test", "SRV", validate_answer_rrs={
            "fail_if_not_matches_regexp": ["\\tSRV\\t1 5 80 www\\.example\\.test\\.$"]}),
        "dns_any": dns("www.example.test", "ANY"),
        "dns_wrong_rr": dns("www.example.test", "A", validate_answer_rrs={
            "fail_if_matches_regexp": ["192\\.0\\.2\\."]}),
        "dns_nx": dns("nope.example.test", "A"),
        "dns_nx_ok": dns("nope.example.test", "A", valid_rcodes=["NXDOMAIN"]),
        "icmp_ip4": {"prober": "icmp", "timeout": "2s", "icmp": {"preferred_ip_protocol": "ip4", "ttl": 32,
                                                                 "payload_size": 100}},
    }}


def compare(c, name, ref, vig):
    """Families, label names, and COMPARED values equal; returns the number of values compared."""
    rn, vn = set(ref), set(vig)
    assert rn == vn, (name, "only blackbox: %s" % sorted(rn - vn), "only vigia: %s" % sorted(vn - rn))
    n = 0
    for fam in sorted(rn):
        assert ref[fam]["type"] == vig[fam]["type"], (name, fam)
        assert ref[fam].label_names() == vig[fam].label_names(), (name, fam, ref[fam].label_names(),
                                                                   vig[fam].label_names())
        if fam in TIMING:
            continue
        rs, vs = ref[fam].series(), vig[fam].series()
        assert rs == vs, (name, fam, rs, vs)
        n += len(rs)
    return n


def body(c):
    h.need(BLACKBOX, OPENSSL, nh.NGINX, DNSMASQ)
    certs = h.new_tmpdir("certs")
    make_chain(certs)
    www = h.new_tmpdir("www")
    for path in (h.session_tmpdir(), www):
        os.chmod(path, 0o711)
    with open(os.path.join(www, "slow.txt"), "w") as f:
        f.write("x" * 200000)
    with open(os.path.join(www, "page.txt"), "w") as f:
        f.write("status: healthy\n" * 400)
    with open(os.path.join(www, "big.bin"), "wb") as f:
        f.truncate(1 << 30)  # sparse: 1 GB served, nothing on disk
    for name in ("slow.txt", "big.bin", "page.txt"):
        os.chmod(os.path.join(www, name), 0o644)
    tls_port12, tls_port13 = h.free_port(), h.free_port()
    bundle, key = os.path.join(certs, "bundle.pem"), os.path.join(certs, "leaf.key")
    locations = """
    root %(www)s;
    location = /ok {{ default_type text/plain; add_header X-Probe yes; return 200 "status: healthy\\n"; }}
    location = /error {{ return 500 "boom\\n"; }}
    location = /stub_status {{ stub_status; }}
    location = /private {{ auth_basic "probe"; auth_basic_user_file {htpasswd}; default_type text/plain;
                           return 200 "private ok\\n"; }}
    location = /slow.txt {{ limit_rate 20k; }}
    location = /big.bin {{ }}
    location = /page.txt {{ default_type text/plain; gzip on; gzip_min_length 1; gzip_types text/plain; }}
    location = /r1 {{ return 302 /r2; }}
    location = /r2 {{ return 301 /r3; }}
    location = /r3 {{ return 302 /ok; }}
    location = /post {{ if ($request_method = POST) {{ return 200 "posted\\n"; }} return 405; }}
  }}
  server {{
    listen 127.0.0.1:%(p12)d ssl;
    ssl_certificate %(bundle)s;
    ssl_certificate_key %(key)s;
    ssl_protocols TLSv1.2;
    location = /ok {{ default_type text/plain; return 200 "status: healthy\\n"; }}
    location = /r1 {{ return 302 /ok; }}
  }}
  server {{
    listen 127.0.0.1:%(p13)d ssl;
    ssl_certificate %(bundle)s;
    ssl_certificate_key %(key)s;
    ssl_protocols TLSv1.3;
    location = /ok {{ default_type text/plain; return 200 "status: healthy\\n"; }}
""" % {"www": www, "p12": tls_port12, "p13": tls_port13, "bundle": bundle, "key": key}
    web = nh.start_nginx("web", locations)
    h.Process.wait_tcp(web, "127.0.0.1", tls_port12)
    h.Process.wait_tcp(web, "127.0.0.1", tls_port13)
    http = web.url
    https12, https13 = "https://localhost:%d" % tls_port12, "https://localhost:%d" % tls_port13

    modules = blackbox_modules(certs)
    cfgdir = h.new_tmpdir("blackbox")
    bbfile = os.path.join(cfgdir, "blackbox.yml")
    with open(bbfile, "w") as f:
        f.write(json.dumps(modules, indent=1) + "\n")
    bport = h.free_port()
    bb = h.Server("blackbox_exporter", [BLACKBOX, "--config.file=" + bbfile,
                                        "--web.listen-address=127.0.0.1:%d" % bport], "127.0.0.1", bport)
    bb.wait_http(bb.url + "/-/healthy")

    silent, silent_port = start_silent_server()
    _dnsmasq, dns_port = start_dnsmasq()
    closed = h.free_port()
    config = json.dumps({
        "probe_modules": {"file": bbfile},
        "probes": [
            {"name": "site", "target": http + "/ok", "module": "http_2xx", "interval": "1s"},
            {"name": "down", "target": http + "/error", "module": "http_2xx", "interval": "1s", "retries": 3},
            {"name": "hung", "target": "http://127.0.0.1:%d/" % silent_port, "module": "http_2xx",
             "interval": "6s"},
        ],
        "nginx": [{"name": "lb", "url": web.page("/stub_status")}],
    })
    vigia = h.Vigia(config=config, collectors=["probe", "nginx"], args=["--log.level=debug"])

    # Side by side: the same targets and modules.
    cases = [
        ("200", http + "/ok", "http_2xx"),
        ("500", http + "/error", "http_2xx"),
        ("500 valid", http + "/error", "http_500_ok"),
        ("redirect chain", http + "/r1", "http_2xx"),
        ("static file, gzip on at the server", http + "/page.txt", "http_2xx"),
        ("redirect not followed", http + "/r1", "http_nofollow"),
        ("body regex matches", http + "/ok", "http_body_ok"),
        ("body regex fails", http + "/ok", "http_body_bad"),
        ("header regex", http + "/ok", "http_header"),
        ("header regex missing", http + "/error", "http_header"),
        ("POST", http + "/post", "http_post"),
        ("HEAD", http + "/page.txt", "http_head"),
        ("basic auth", http + "/private", "http_auth"),
        ("basic auth, wrong password", http + "/private", "http_auth_wrong"),
        ("no scheme", "127.0.0.1:%d/ok" % web.port, "http_2xx"),
        ("fail_if_not_ssl on http", http + "/ok", "http_tls"),
        ("TLS 1.2 chain", https12 + "/ok", "http_tls"),
        ("TLS 1.3 chain", https13 + "/ok", "http_tls"),
        ("TLS redirect", https12 + "/r1", "http_tls"),
        ("TLS insecure", https13 + "/ok", "http_tls_insecure"),
        ("TLS untrusted", https13 + "/ok", "http_tls_untrusted"),
        ("refused port", "http://127.0.0.1:%d/" % closed, "http_2xx"),
        ("tcp connect", "127.0.0.1:%d" % web.port, "tcp_connect"),
        ("tcp refused", "127.0.0.1:%d" % closed, "tcp_connect"),
        ("tcp dialogue", "127.0.0.1:%d" % web.port, "tcp_dialogue"),
        ("tcp expect fails", "127.0.0.1:%d" % web.port, "tcp_expect_fail"),
        ("tcp TLS port", "localhost:%d" % tls_port13, "tcp_tls"),
        ("tcp TLS 1.2 port", "localhost:%d" % tls_port12, "tcp_tls"),
        ("dns A, answer regex", "127.0.0.1:%d" % dns_port, "dns_a"),
        ("dns AAAA over tcp", "127.0.0.1:%d" % dns_port, "dns_aaaa_tcp"),
        ("dns CNAME", "127.0.0.1:%d" % dns_port, "dns_cname"),
        ("dns MX", "127.0.0.1:%d" % dns_port, "dns_mx"),
        ("dns TXT, quoted strings", "127.0.0.1:%d" % dns_port, "dns_txt"),
        ("dns SRV", "127.0.0.1:%d" % dns_port, "dns_srv"),
        ("dns ANY", "127.0.0.1:%d" % dns_port, "dns_any"),
        ("dns RR regex fails", "127.0.0.1:%d" % dns_port, "dns_wrong_rr"),
        ("dns NXDOMAIN", "127.0.0.1:%d" % dns_port, "dns_nx"),
        ("dns NXDOMAIN valid", "127.0.0.1:%d" % dns_port, "dns_nx_ok"),
        ("dns closed port", "127.0.0.1:%d" % closed, "dns_a"),
        ("icmp 127.0.0.1", "127.0.0.1", "icmp"),
        ("icmp localhost (ip6 preferred)", "localhost", "icmp"),
        ("icmp ip4, ttl 32, 100 bytes", "localhost", "icmp_ip4"),
        ("icmp DNS failure", "no-such-host.invalid", "icmp"),
        ("icmp no answer", "192.0.2.1", "icmp_ip4"),
    ]
    values = 0
    for name, target, module in cases:
        q = "/probe?target=%s&module=%s" % (target, module)
        ref, vig = bb.scrape(q), vigia.scrape(q)
        try:
            values += compare(c, name, ref, vig)
        except AssertionError:
            c.note("blackbox:\n" + bb.get(q).body + "\nvigia:\n" + vigia.get(q).body)
            raise
    # The comparisons above cover both outcomes: probes that must succeed do.
    for target, module in ((http + "/ok", "http_2xx"), (https13 + "/ok", "http_tls"), ("127.0.0.1", "icmp"),
                           ("127.0.0.1:%d" % dns_port, "dns_txt"), ("127.0.0.1:%d" % dns_port, "dns_aaaa_tcp"),
                           ("localhost:%d" % tls_port12, "tcp_tls"), ("127.0.0.1:%d" % web.port, "tcp_dialogue")):
        v = vigia.scrape("/probe?target=%s&module=%s" % (target, module))
        assert one(v, "probe_success") == 1, (target, module, v)
    assert one(vigia.scrape("/probe?target=127.0.0.1&module=icmp"), "probe_icmp_reply_hop_limit") == 64
    c.passed("%d cases side by side with blackbox_exporter 0.23: same families and labels, "
             "%d values equal" % (len(cases), values))

    # The chosen dates: the earliest over what the server sent (the stale 5-day
    # certificate), the last chain's over leaf, intermediate and root (the 20-day
    # intermediate).
    v = vigia.scrape("/probe?target=%s/ok&module=http_tls" % https13)
    earliest, chain = one(v, "probe_ssl_earliest_cert_expiry"), one(v, "probe_ssl_last_chain_expiry_timestamp_seconds")
    assert abs(earliest - not_after(certs, "stale")) < 2, (earliest, not_after(certs, "stale"))
    assert abs(chain - not_after(certs, "inter")) < 2, (chain, not_after(certs, "inter"))
    now = time.time()
    assert 4 * DAY < earliest - now < 6 * DAY and 19 * DAY < chain - now < 21 * DAY
    c.passed("certificate expiry: earliest = the stale bundle certificate (%.1f d), last chain = the "
             "intermediate (%.1f d)" % ((earliest - now) / DAY, (chain - now) / DAY))

    # Bad input: probe_success 0 within the module's timeout (2 s) plus slack.
    bad = [
        ("DNS failure", "http://no-such-host.invalid/", "http_2xx"),
        ("accepts, never answers", "http://127.0.0.1:%d/" % silent_port, "http_short"),
        ("slow body past the timeout", http + "/slow.txt", "http_short"),
        ("1 GB body", http + "/big.bin", "http_2xx"),
        ("tcp silent server expecting a line", "127.0.0.1:%d" % silent_port, "tcp_expect_fail"),
        ("untrusted certificate", https13 + "/ok", "http_tls_untrusted"),
    ]
    for name, target, module in bad:
        t0 = time.monotonic()
        p = vigia.scrape("/probe?target=%s&module=%s" % (target, module), timeout_header=10)
        took = time.monotonic() - t0
        assert one(p, "probe_success") == 0, (name, p)
        assert took < 6 + 1, (name, took)
        if name == "1 GB body":
            got = one(p, "probe_http_uncompressed_body_length")
            assert got <= 10 << 20, got
            assert one(p, "probe_http_status_code") == 200
    log = vigia.log()
    for reason in ("no-such-host.invalid", "body too large", "timed out"):
        assert reason in log, (reason, log[-3000:])
    assert nh.AUTH_PASSWORD not in log, "the basic_auth password in the log"
    c.passed("bad input: %s -> probe_success 0, each within its timeout; 1 GB body read no further "
             "than the 10 MiB cap; reasons in the debug log, no password" % ", ".join(n for n, _, _ in bad))

    # Service targets still answer /probe?target=NAME; a configured probe's name too.
    p = vigia.scrape("/probe?target=lb")
    assert one(p, "nginx_up") == 1
    h.wait_for(lambda: find(vigia.scrape("/probe?target=site"), "probe_success") == [1], 10, "site probed")
    p = vigia.scrape("/probe?target=site")
    assert all("probe" not in labels for _, labels, _ in p.samples())
    c.passed("/probe?target=lb (nginx service target) and /probe?target=site (configured probe) "
             "without a module")

    # Configured probes: on their own schedule, the scrape never waits for them.
    h.wait_for(lambda: (find(vigia.scrape(), "vigia_probe_consecutive_failures", probe="down") or [0])[0] >= 3,
               15, "three consecutive failures of 'down'")
    t0 = time.monotonic()
    s = vigia.scrape()
    took = time.monotonic() - t0
    assert took < 1.5, took  # the hung probe waits 5 s on its server
    assert one(s, "probe_success", probe="site") == 1
    assert one(s, "vigia_probe_consecutive_failures", probe="site") == 0
    assert one(s, "probe_success", probe="down") == 0
    assert one(s, "probe_http_status_code", probe="down") == 500
    assert one(s, "vigia_probe_retries", probe="down") == 3
    c.passed("configured probes: site up, down failed %d times in a row (retries 3), /metrics in "
             "%.2f s while 'hung' waits on a silent server"
             % (one(s, "vigia_probe_consecutive_failures", probe="down"), took))
    silent.close()

    # Shutdown is not held up by a probe in flight.
    t0 = time.monotonic()
    vigia.terminate(timeout=10)
    c.passed("SIGTERM with probes in flight: stopped in %.1f s" % (time.monotonic() - t0))


if __name__ == "__main__":
    h.main("probe exporter", body)

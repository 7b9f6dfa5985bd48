#!/usr/bin/env python3
"""Integration test of the nginx exporter: two real nginx servers (Debian 12's 1.22,
tests/lib/nginx_harness.py), a load balancer proxying to a backend, each with a
stub_status page, scraped by vigia side by side with Debian's
prometheus-nginx-exporter 0.11 on the load balancer's page: same families, HELP,
TYPE and label names, and values within the requests made in between. Bad input:
a 500 location, a page that is not stub_status, a port nothing listens on and a
wrong password each give nginx_up 0 for that target only."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness as h  # noqa: E402
import nginx_harness as nh  # noqa: E402
from harness import find, one  # noqa: E402

COUNTERS = ["nginx_connections_accepted", "nginx_connections_handled", "nginx_http_requests_total"]
GAUGES = ["nginx_connections_active", "nginx_connections_reading", "nginx_connections_writing",
          "nginx_connections_waiting"]
# The reference's own build info; vigia's /probe adds its collector bookkeeping.
REFERENCE_ONLY = {"nginxexporter_build_info"}
DOWN = ["error", "html", "closed", "badpassword"]


def nginx_families(fams):
    return {n: f for n, f in fams.items() if n.startswith("nginx_")}


def requests(url, n):
    for _ in range(n):
        r = h.http_get(url)
        assert r.status == 200, (url, r.status, r.body)


def body(c):
    backend = nh.start_nginx("backend")
    lb = nh.start_nginx("lb", nh.STUB_STATUS_LOCATIONS + """
    location = /app {{ proxy_pass %s; }}
""" % backend.page("/hello"))
    ref = nh.start_nginx_exporter(lb.page("/stub_status"))
    closed = h.free_port()
    config = h.service_yaml({"nginx": [
        {"name": "lb", "url": lb.page("/stub_status")},
        {"name": "backend", "url": backend.page("/auth_status"), "username": nh.AUTH_USER,
         "password_env": "VIGIA_TEST_NGINX_PW"},
        {"name": "error", "url": backend.page("/error")},
        {"name": "html", "url": backend.page("/html")},
        {"name": "closed", "url": "http://127.0.0.1:%d/stub_status" % closed},
        {"name": "badpassword", "url": backend.page("/auth_status"), "username": nh.AUTH_USER,
         "password_env": "VIGIA_TEST_NGINX_BAD_PW"},
    ]})
    vigia = h.Vigia(config=config, collectors=["nginx"], args=["--log.level=debug"],
                    env={"VIGIA_TEST_NGINX_PW": nh.AUTH_PASSWORD, "VIGIA_TEST_NGINX_BAD_PW": "not-the-password"})

    # Several targets in one scrape; the bad ones cost the good ones nothing.
    s = vigia.scrape()
    assert one(s, "nginx_up", target="lb") == 1, vigia.log()[-1500:]
    assert one(s, "nginx_up", target="backend") == 1, vigia.log()[-1500:]
    for t in DOWN:
        assert one(s, "nginx_up", target=t) == 0, (t, vigia.log()[-1500:])
        for name in COUNTERS + GAUGES:
            assert not find(s, name, target=t), (t, name)
    for name in COUNTERS + GAUGES:
        assert len(find(s, name, target="lb")) == 1 and len(find(s, name, target="backend")) == 1, name
    c.passed("lb and backend up (backend behind basic auth); 500, html page, closed port, "
             "wrong password: nginx_up 0 and nothing else")

    # Traffic through the load balancer reaches both counters.
    before = vigia.scrape()
    requests(lb.page("/app"), 20)
    after = vigia.scrape()
    for t in ("lb", "backend"):
        grew = one(after, "nginx_http_requests_total", target=t) - one(before, "nginx_http_requests_total", target=t)
        # 20 proxied requests, and the scrape's own request to the page.
        assert grew >= 21, (t, grew)
    assert one(after, "nginx_connections_accepted", target="lb") - \
        one(before, "nginx_connections_accepted", target="lb") >= 20
    c.passed("20 requests through lb count on lb and on its backend")

    # Side by side on lb's page: the reference's readings before and after vigia's.
    requests(lb.page("/app"), 5)
    ref.scrape()
    vigia.scrape("/probe?target=lb")  # both clients' keep-alive connections are open now
    r1 = ref.scrape()
    v = vigia.scrape("/probe?target=lb")
    r2 = ref.scrape()
    rf, vf = nginx_families(r1), nginx_families(v)
    assert set(rf) == set(vf), (sorted(rf), sorted(vf))
    extra = set(v) - set(vf)
    assert all(n.startswith("vigia_") for n in extra), sorted(extra)
    assert set(r1) - set(rf) == REFERENCE_ONLY, sorted(set(r1) - set(rf))
    for name, f in rf.items():
        assert vf[name]["help"] == f["help"], (name, vf[name]["help"], f["help"])
        assert vf[name]["type"] == f["type"], (name, vf[name]["type"], f["type"])
        assert vf[name].label_names() == f.label_names() == set(), (name, vf[name].label_names())
        assert len(vf[name]["samples"]) == len(f["samples"]) == 1, name
    c.passed("%d families: same names, HELP, TYPE, no labels on /probe; only the reference: %s"
             % (len(rf), ", ".join(sorted(REFERENCE_ONLY))))
    for name in COUNTERS:
        lo, got, hi = one(r1, name), one(v, name), one(r2, name)
        assert lo <= got <= hi, (name, lo, got, hi)
        assert hi - lo <= 3, (name, lo, hi)  # two page reads in between, nothing else
    assert one(v, "nginx_http_requests_total") > one(r1, "nginx_http_requests_total"), "vigia's read counts"
    for name in GAUGES:
        # Each exporter's own read is the one request being written; the other's
        # keep-alive connection is idle: the same picture from either side.
        got, want = one(v, name), (one(r1, name), one(r2, name))
        assert got in want, (name, got, want)
    assert one(v, "nginx_up") == one(r1, "nginx_up") == 1
    c.passed("values: counters between the reference's readings before and after, gauges equal: %s"
             % ", ".join("%s=%g" % (n[6:], one(v, n)) for n in COUNTERS + GAUGES))

    # /probe of a target that is down: nginx_up 0, without the label.
    p = vigia.scrape("/probe?target=html")
    assert one(p, "nginx_up") == 0 and not find(p, "nginx_http_requests_total")
    assert all("target" not in labels for _, labels, _ in p.samples())
    c.passed("/probe?target=html: nginx_up 0 and nothing else")

    log = vigia.log()
    assert nh.AUTH_PASSWORD not in log and "not-the-password" not in log
    assert "401" in log, log[-2000:]  # the wrong password's reason, logged
    c.passed("passwords never in vigia's log; the failures' reasons are")


if __name__ == "__main__":
    h.main("nginx exporter", body)

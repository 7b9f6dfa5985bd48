#!/usr/bin/env python3
"""`vigia query` against a real Prometheus 2.42 scraping vigia and Debian's node_exporter.

Remote (--query.url, through alerting::RemoteQuerier): for the same expressions at the same
--time, vigia prints exactly what `promtool query instant` prints (vector, scalar, string,
matrix), and passes the API's errors on. Credentials in the URL never reach the output.
Local (the embedded store): vigia scrapes the same targets (store::ScrapeTarget) and holds
the same series, label for label, as Prometheus does; `up`, the scrape_* series and a
rate() over its two collections are there; a bad expression exits 1 with its position."""
import os
import re
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness as h  # noqa: E402

PROM_CONFIG = """
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: scrape
    static_configs:
      - targets: ['127.0.0.1:%d', '127.0.0.1:%d']
"""


def vigia_query(args, timeout=60):
    return h.run([h.VIGIA_BINARY, "query"] + args, timeout=timeout)


def prom_series(prom, expr, t):
    url = prom.url + "/api/v1/query?" + urllib.parse.urlencode({"query": expr, "time": t})
    j = h.http_get_json(url)
    if j.get("status") != "success":
        raise h.HarnessError("query %s: %r" % (expr, j))
    return j["data"]["result"]


def label_sets_prom(result):
    return sorted("{" + ", ".join('%s="%s"' % kv for kv in sorted(r["metric"].items())) + "}" for r in result)


def label_sets_vigia(stdout):
    # Lines 'name{a="1", b="2"} => v @[t]': back to a sorted label set with __name__.
    out = []
    for line in stdout.splitlines():
        m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)?(\{.*\})? => ', line)
        if not m:
            continue
        labels = re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', m.group(2) or "")
        if m.group(1):
            labels.append(("__name__", m.group(1)))
        out.append("{" + ", ".join('%s="%s"' % kv for kv in sorted(labels)) + "}")
    return sorted(out)


def main(c):
    # The scraped vigia is an exporter: `vigia run` would add ALERTS series
    # that come and go between Prometheus's scrape and vigia query's.
    vigia = h.start_vigia(["exporter"])
    node = h.start_node_exporter([])
    prom = h.start_prometheus(PROM_CONFIG % (vigia.port, node.port))
    h.wait_for(lambda: len(prom_series(prom, 'up == 1', time.time())) == 2, 60, "both targets up in Prometheus")
    time.sleep(3)  # a few scrapes, so rate() has points
    t = "%.3f" % (time.time() - 1)

    # Remote: the same text as promtool for the same query at the same time.
    exprs = ['up', 'count by (job) (up)', 'scalar(count(up))', '1 + 1', '"a string"',
             'up{instance="127.0.0.1:%d"}[3s]' % node.port,
             'sum by (mode) (rate(node_cpu_seconds_total[5s]))', 'node_load1',
             'topk(3, node_filesystem_avail_bytes)', 'absent(nothing_here)', 'nothing_here']
    for e in exprs:
        ours = vigia_query(["--query.url=" + prom.url, "--time=" + t, e])
        ref = h.run([h.PROMTOOL, "query", "instant", "--time=" + t, prom.url, e])
        c.eq(ours.returncode, 0, "remote %s: exit 0" % e)
        if 'unexpected value type "string"' in ref.stderr:
            # promtool 2.42 cannot decode a string result (client_golang); ask the API.
            want = h.http_get_json(prom.url + "/api/v1/query?" + urllib.parse.urlencode(
                {"query": e, "time": t}))["data"]["result"][1] + "\n"
            c.eq(ours.stdout, want, "remote %s: the API's string (promtool cannot print it)" % e)
            continue
        c.eq(ref.returncode, 0, "remote %s: promtool exit 0" % e)
        c.eq(ours.stdout, ref.stdout, "remote %s: same output as promtool query instant (%d lines)" % (
            e, ref.stdout.count("\n")))
    bad = vigia_query(["--query.url=" + prom.url, "sum(rate(x[5m])"])
    ref = h.run([h.PROMTOOL, "query", "instant", prom.url, "sum(rate(x[5m])"])
    c.eq(bad.returncode, 1, "remote parse error: exit 1")
    api_err = ref.stderr.strip().split("query error: ", 1)[-1] if ref.stderr else ""
    c.check(api_err.startswith("bad_data: ") and api_err in bad.stderr,
            "remote parse error: the API's error is passed on (%s)" % api_err, bad.stderr)
    port = h.free_port()
    creds = vigia_query(["--query.url=http://admin:s3cr3t@127.0.0.1:%d" % port, "--query.timeout=2s", "up"])
    c.eq(creds.returncode, 1, "unreachable API: exit 1")
    c.check("s3cr3t" not in creds.stdout + creds.stderr, "the password is not printed", creds.stderr)
    c.contains(creds.stderr, "admin:xxxxx@127.0.0.1", "the URL is printed redacted")

    # Local: the store scrapes the same two targets and holds the same series as Prometheus.
    for name, port in (("node_exporter", node.port), ("vigia", vigia.port)):
        target = "127.0.0.1:%d" % port
        sel = '{job="scrape", instance="%s"}' % target
        ours = vigia_query(["--scrape.url=http://%s/metrics" % target, "--no-collector.cpu", sel])
        c.check(ours.returncode == 0, "local %s: exit 0" % name, ours.stderr)
        now = time.time()
        theirs = label_sets_prom(prom_series(prom, sel, now))
        mine = label_sets_vigia(ours.stdout)
        only_mine = sorted(set(mine) - set(theirs))
        only_theirs = sorted(set(theirs) - set(mine))
        c.check(not only_mine and not only_theirs and len(mine) == len(theirs),
                "local %s: the store holds the series Prometheus holds (%d series)" % (name, len(mine)),
                "only in vigia: %r; only in Prometheus: %r" % (only_mine[:5], only_theirs[:5]))
        # The report series' values too (the exposition's size is steady between scrapes).
        for rep in ("up", "scrape_samples_scraped", "scrape_series_added"):
            expr = '%s{job="scrape", instance="%s"}' % (rep, target)
            m = re.search(r"=> (\S+) @", vigia_query(["--scrape.url=http://%s/metrics" % target, expr]).stdout)
            ref = prom_series(prom, expr, time.time())
            c.eq(m.group(1) if m else None, ref[0]["value"][1] if ref else None,
                 "local %s: %s as in Prometheus" % (name, rep))
    # Queries over values that do not move between scrapes answer as Prometheus's.
    node_t = "127.0.0.1:%d" % node.port
    for e in ['count by (__name__) ({job="scrape", instance="%s"})' % node_t,
              'sum by (job) (node_filesystem_size_bytes{instance="%s"})' % node_t,
              'node_memory_MemTotal_bytes{instance="%s"} / 2^20' % node_t,
              'count(node_cpu_seconds_total{instance="%s"}) > bool 0' % node_t]:
        ours = vigia_query(["--scrape.url=http://%s/metrics" % node_t, e])
        got = {}
        for line in ours.stdout.splitlines():
            m = re.match(r"^(.*) => (\S+) @", line)
            if m:
                got[label_sets_vigia(line)[0]] = float(m.group(2))
        want = {}
        for r in prom_series(prom, e, time.time()):
            want[label_sets_prom([r])[0]] = float(r["value"][1])
        c.check(got == want and got, "local %s: the same answer as Prometheus (%d series)" % (e, len(got)),
                "vigia %r, Prometheus %r" % (sorted(got.items())[:3], sorted(want.items())[:3]))
    local = vigia_query(["up"])
    c.check(re.search(r'^up\{instance="localhost:9910", job="vigia"\} => 1 @\[\d+(\.\d+)?\]$', local.stdout, re.M),
            "local: vigia's own collectors give up 1", local.stdout)
    rate = vigia_query(['sum(rate(node_cpu_seconds_total[1m])) > 0'])
    c.check(rate.returncode == 0 and " => " in rate.stdout, "local: rate() over the two collections has a value",
            rate.stdout + rate.stderr)
    bad = vigia_query(["sum(rate(node_cpu_seconds_total[1m])"])
    c.eq(bad.returncode, 1, "local parse error: exit 1")
    c.contains(bad.stderr, "1:37: parse error: unclosed left parenthesis", "local parse error: names line and column, as Prometheus does")


h.main("vigia query, remote and local, against Prometheus", main)

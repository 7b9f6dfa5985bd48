#!/usr/bin/env python3
"""A real Prometheus scrapes vigia every second: the target is up, queries return vigia's
series; and `promtool check metrics` finds nothing in vigia's output that it does not also
find in node_exporter's (the reference's lint problems are accepted, nothing else)."""
import math
import os
import sys
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness as h  # noqa: E402

PROM_CONFIG = """
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: vigia
    static_configs:
      - targets: ['127.0.0.1:%d']
"""


def query(prom, expr):
    url = prom.url + "/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    j = h.http_get_json(url)
    if j.get("status") != "success":
        raise h.HarnessError("query %s: %r" % (expr, j))
    return j["data"]["result"]


def vigia_target(prom):
    j = h.http_get_json(prom.url + "/api/v1/targets")
    for t in j["data"]["activeTargets"]:
        if t["labels"].get("job") == "vigia":
            return t
    return None


def main(c):
    vigia = h.start_vigia([])
    text = h.http_get(vigia.url + "/metrics").body
    vigia_fams = h.parse_exposition(text)

    prom = h.start_prometheus(PROM_CONFIG % vigia.port)
    try:
        t = h.wait_for(lambda: (vigia_target(prom) or {}).get("health") == "up" and vigia_target(prom),
                       30, "Prometheus target vigia to be up")
        c.check(True, "Prometheus reports target %s health=up" % t["scrapeUrl"])
        c.eq(t.get("lastError", ""), "", "last scrape of vigia has no error")
    except h.HarnessError as e:
        t = vigia_target(prom)
        c.check(False, "Prometheus reports target vigia health=up", "%s; target: %r" % (e, t))
        return

    wanted = ["node_load1", "up{job=\"vigia\"}", "vigia_collector_success"]
    if "node_memory_MemAvailable_bytes" in vigia_fams:
        wanted.append("node_memory_MemAvailable_bytes")
    else:
        c.note("vigia does not export node_memory_MemAvailable_bytes yet; not queried")
    for expr in wanted:
        try:
            res = h.wait_for(lambda: query(prom, expr), 15, "query %s to return data" % expr)
        except h.HarnessError as e:
            c.check(False, "query %s returns a series" % expr, str(e))
            continue
        v = float(res[0]["value"][1])
        c.check(math.isfinite(v), "query %s returns a value (%s = %g, %d series)" % (
            expr, res[0]["metric"].get("__name__", expr), v, len(res)))
    up = query(prom, 'up{job="vigia"}')
    c.check(up and float(up[0]["value"][1]) == 1, "up{job=\"vigia\"} is 1")
    samples = query(prom, 'scrape_samples_scraped{job="vigia"}')
    n_local = sum(len(f["samples"]) for f in vigia_fams.values())
    c.check(samples and float(samples[0]["value"][1]) > 0,
            "Prometheus ingests vigia's samples (%s scraped, %d in one local scrape)" % (
                samples[0]["value"][1] if samples else "none", n_local))

    node = h.start_node_exporter([])
    ref_text = h.http_get(node.url + "/metrics").body
    mine = h.promtool_check_metrics(text)
    ref = h.promtool_check_metrics(ref_text)
    c.note("promtool: %d problems in vigia's output, %d in node_exporter's" % (len(mine), len(ref)))
    ref_problems = {p for _, p in ref}
    for metric, problem in sorted(mine):
        if (metric, problem) in ref:
            c.note("%s: %s (node_exporter has the same)" % (metric, problem))
    extra = sorted(p for p in mine if p not in ref)
    for metric, problem in extra:
        kind = "a kind node_exporter also has" if problem in ref_problems else "a kind node_exporter never has"
        c.note("%s: %s (%s)" % (metric, problem, kind))
    c.check(not extra, "promtool check metrics: every problem in vigia's output is also in node_exporter's",
            "%d more: %s" % (len(extra), "; ".join("%s %s" % p for p in extra)))


if __name__ == "__main__":
    h.main("Prometheus scrapes vigia", main)

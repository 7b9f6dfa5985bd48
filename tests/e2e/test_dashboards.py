#!/usr/bin/env python3
"""Every dashboards/*.json against a real Prometheus scraping one vigia that watches the
real servers the harness starts (tests/lib/stack.py), for both scrape layouts ("metrics":
Prometheus scrapes /metrics; "probe": one job per service area scraping /probe?target=NAME).

For each dashboard and layout: the variables are resolved as Grafana resolves them
(tests/lib/grafana.py: label_values / query_result through the Prometheus API, All ->
allValue), the macros ($__rate_interval, $__interval, $__range...) and the variables are
substituted, and every panel target runs as a range query over the dashboard's own time
range (now-6h..now: the stack's data is the last minute of it). A target fails on an error,
an empty result, a NaN or an infinite value, or a `$` left in the query. Prints how many
targets returned data per dashboard and layout."""
import json
import math
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness as h  # noqa: E402
import grafana as g  # noqa: E402
import stack  # noqa: E402

def min_scrapes():
    """Successful scrapes each Prometheus must have taken of vigia before the queries run.
    Grafana aligns a range query's end down to a step ($__interval: 20 s for 6 h), and a
    rate at that last step needs two samples in the $__rate_interval before it: the data
    must span a step plus a rate interval, and a couple of scrapes more."""
    now = time.time()
    mac, step = g.macros(now - 6 * 3600, now, stack.SCRAPE_INTERVAL)
    rate_s = int(mac["__rate_interval_ms"]) / 1000.0
    return int(math.ceil((step + rate_s) / stack.SCRAPE_INTERVAL)) + 3


def parse_relative(text, now):
    """Grafana's `now-6h` / `now` (s, m, h, d, w) -> Unix seconds."""
    m = re.match(r"^now(?:-(\d+)([smhdw]))?$", text or "now")
    if not m:
        raise ValueError("time %r not handled" % text)
    if not m.group(1):
        return now
    return now - int(m.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[m.group(2)]


def scrapes(prom_url):
    """Successful scrapes of vigia's /metrics so far (a timed-out scrape records up 0)."""
    data = g.api(prom_url, "/api/v1/query", {"query": 'sum_over_time(up{job="vigia"}[5m])'})
    return int(float(data["result"][0]["value"][1])) if data["result"] else 0


def scrape_health(prom_url):
    """'job: n failed of m, slowest x s' per job (printed: a loaded machine shows here)."""
    q = ('count_over_time(up[10m]) - sum_over_time(up[10m])', 'count_over_time(up[10m])',
         'max_over_time(scrape_duration_seconds[10m])')
    res = [{r["metric"].get("job", "") + "/" + r["metric"].get("instance", ""): float(r["value"][1])
            for r in g.api(prom_url, "/api/v1/query", {"query": "sum by (job, instance) (%s)" % e})["result"]}
           for e in q[:2]]
    slow = {r["metric"].get("job", "") + "/" + r["metric"].get("instance", ""): float(r["value"][1])
            for r in g.api(prom_url, "/api/v1/query", {"query": q[2]})["result"]}
    return "; ".join("%s: %d failed of %d, slowest %.2f s" % (k, res[0].get(k, 0), res[1][k], slow.get(k, 0))
                     for k in sorted(res[1]))


def check_series(result):
    """A problem text, or None: no series, or a NaN/infinite value."""
    if not result:
        return "empty result"
    for s in result:
        for _, v in s.get("values", []) or ([s["value"]] if "value" in s else []):
            f = float(v)
            if math.isnan(f) or math.isinf(f):
                return "value %s in series %s" % (v, s.get("metric"))
    return None


def run_dashboard(c, path, layout, prom_url, d=None):
    """Runs every target of one dashboard; one check; returns (with data, targets, problems)."""
    d = d if d is not None else g.load(path)
    name = os.path.basename(path)
    now = time.time()
    start = parse_relative((d.get("time") or {}).get("from", "now-6h"), now)
    end = parse_relative((d.get("time") or {}).get("to", "now"), now)
    problems = []
    n_targets = n_data = 0
    # Variables see the dashboard-wide macros (panel-independent: max data points 1000).
    mac, _ = g.macros(start, end, stack.SCRAPE_INTERVAL)
    values, var_problems = g.resolve_variables(d, prom_url, start, end, mac)
    problems += var_problems
    if c is not None:
        c.note("%s [%s] variables: %s" % (name, layout, ", ".join(
            "%s=%s" % (k, v.interpolate()) + (" (All of %d)" % len(v.values) if v.all else "")
            for k, v in values.items() if isinstance(v, g.Value))))
    for p in g.panels(d):
        for t in g.targets(p):
            n_targets += 1
            mac, step = g.macros(start, end, stack.SCRAPE_INTERVAL, p.get("maxDataPoints") or 1000)
            vals = dict(values)
            vals.update(mac)
            expr = g.interpolate(t["expr"], vals)
            where = "panel %r (id %s) target %s" % (p.get("title"), p.get("id"), t.get("refId"))
            if "$" in expr:
                problems.append("%s: leftover $ in %s" % (where, expr))
                continue
            # Grafana aligns the range to the step.
            q_start, q_end = math.floor(start / step) * step, math.floor(end / step) * step
            try:
                data = g.query_range(prom_url, expr, q_start, q_end, step)
            except (g.PromError, OSError) as e:
                problems.append("%s: %s" % (where, e))
                continue
            bad = check_series(data.get("result"))
            if bad:
                problems.append("%s: %s: %s" % (where, bad, expr))
                continue
            n_data += 1
    shown = "; ".join(problems[:12]) + (" ... (%d more)" % (len(problems) - 12) if len(problems) > 12 else "")
    if c is not None:
        c.check(not problems and n_targets > 0,
                "%s [%s]: %d/%d targets return data" % (name, layout, n_data, n_targets),
                shown or "no targets")
    return n_data, n_targets, problems


# Targets each of which must fail (the test is known to catch what it claims to).
BROKEN = [
    ("empty result", 'vigia_no_such_metric_total{job=~"$job",instance=~"$instance"}'),
    ("NaN", 'sum(up{job=~"$job",instance=~"$instance"}) * 0 / 0'),
    ("value +Inf", 'sum(up{job=~"$job",instance=~"$instance"}) / 0'),
    ("leftover $", 'up{job=~"$job",instance=~"$no_such_variable"}'),
    ("bad_data", 'sum(rate(up{job=~"$job"}[$__rate_interval])'),
    ("variable instance", None),  # a variable whose query finds nothing and has no allValue
]


def check_broken(c, layout, prom_url, base):
    for what, expr in BROKEN:
        d = json.loads(json.dumps(base))
        panel = {"type": "timeseries", "id": 999, "title": "broken", "datasource": {"type": "prometheus",
                 "uid": "${datasource}"}, "targets": [{"refId": "A", "expr": expr or 'up{job=~"$job"}'}]}
        d["panels"] = [panel]
        if expr is None:
            for v in g.variables(d):
                if v.get("name") == "instance":
                    v["query"] = {"query": "label_values(vigia_no_such_metric, instance)"}
                    v["allValue"] = None
        _, _, problems = run_dashboard(None, "broken.json", layout, prom_url, d)
        c.check(any(what in p for p in problems), "[%s] a target with %s fails" % (layout, what), repr(problems))


def body(c):
    files = g.dashboard_files()
    c.check(files, "dashboards/*.json exist (%d)" % len(files))
    if not files:
        return
    t0 = time.monotonic()
    s = stack.start_stack()
    c.note("stack started in %.1f s (%s)" % (time.monotonic() - t0, ", ".join(
        "%s %.1f" % kv for kv in sorted(s.timings.items()))))
    need = min_scrapes()
    for layout, prom in sorted(s.prometheus.items()):
        h.wait_for(lambda: scrapes(prom.url) >= need, 180,
                   "%d scrapes of vigia by the %s Prometheus" % (need, layout), interval=1)
    # Every target of the "probe" layout is up (a /probe scrape of each name answers).
    down = g.api(s.prometheus["probe"].url, "/api/v1/query", {"query": "up == 0"})["result"]
    c.check(not down, "layout probe: every scrape job is up", repr(down))
    c.note("waited for %d scrapes: %.1f s since the start" % (need, time.monotonic() - t0))
    # The two layouts are what they claim: service series carry `target` (and vigia's
    # instance) under "metrics", and none under "probe" (instance = the target's name).
    def q(layout, expr):
        return g.api(s.prometheus[layout].url, "/api/v1/query", {"query": expr})["result"]
    names = sorted(t for ts in s.targets().values() for t in ts)
    for area_metric in ("pg_up", "pgbouncer_up", "redis_up", "rabbitmq_up", "nginx_up"):
        m = sorted(r["metric"].get("target", "") for r in q("metrics", area_metric))
        p = sorted(r["metric"].get("instance", "") for r in q("probe", area_metric))
        c.check(m and m == p and all(x in names for x in p) and not q("probe", '%s{target!=""}' % area_metric),
                "%s: target=%s under layout metrics, instance=%s and no target label under layout probe"
                % (area_metric, m, p))
    totals = {}
    for layout in ("metrics", "probe"):
        check_broken(c, layout, s.prometheus[layout].url, g.load(files[0]))
        for path in files:
            n, total, _ = run_dashboard(c, path, layout, s.prometheus[layout].url)
            a, b = totals.get(layout, (0, 0))
            totals[layout] = (a + n, b + total)
    for layout, (n, total) in sorted(totals.items()):
        c.note("layout %s: %d/%d targets return data over %d dashboards" % (layout, n, total, len(files)))
    for layout, prom in sorted(s.prometheus.items()):
        c.note("layout %s scrapes: %s" % (layout, scrape_health(prom.url)))
    c.note("notifications received by the webhook: %d" % len(s.webhook.received))
    # Every server is still running at the end (none died with the thread that started it).
    dead = [p.name for p in (s.docker, s.rabbit, s.redis_primary, s.redis_replica, s.nginx, s.vigia)
            + tuple(s.prometheus.values()) if not p.running()]
    c.check(not dead, "every server of the stack still runs at the end", ", ".join(dead))
    c.note("total %.1f s" % (time.monotonic() - t0))


if __name__ == "__main__":
    h.main("dashboards against a real Prometheus, both scrape layouts", body)

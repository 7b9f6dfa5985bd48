#!/usr/bin/env python3
"""The structure of every dashboards/*.json, without servers (a few seconds): the checks of
grafana/dashboard-linter that matter and the conventions of issue #14 (tests/lib/grafana_lint.py),
every PromQL expression parsed by promtool (target-promql-rule, template-label-promql-rule:
each written into a rule file that `promtool check rules` parses), and the provisioning
files. A broken copy of a dashboard must fail each check, so the checks are known to look."""
import copy
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness as h  # noqa: E402
import grafana as g  # noqa: E402
import grafana_lint as gl  # noqa: E402

PROVISIONING = os.path.join(g.DASHBOARD_DIR, "provisioning")


def promtool_parse(exprs):
    """{where: error} for the expressions promtool cannot parse (one rule file, one rule each)."""
    d = h.new_tmpdir("promql")
    path = os.path.join(d, "exprs.yml")
    rules = [{"record": "dashboard:expr_%d" % i, "expr": e} for i, (_, e) in enumerate(exprs)]
    with open(path, "w") as f:
        f.write(json.dumps({"groups": [{"name": "dashboard", "rules": rules}]}, indent=1))
    r = h.run([h.PROMTOOL, "check", "rules", path], timeout=60)
    if r.returncode == 0:
        return {}
    out = r.stdout + r.stderr
    errors = {}
    for i, (where, e) in enumerate(exprs):
        # promtool names the failing rule by its 1-based index in the group ("rule N:" or "group ..., rule N").
        if ("rule %d:" % (i + 1)) in out or ("rule %d," % (i + 1)) in out:
            errors[where] = e
    if not errors:
        errors["promtool"] = out[-800:]
    return errors


def check_provisioning(c):
    try:
        import yaml
    except ImportError:
        raise h.Skip("python3-yaml is not installed")
    ds_file = os.path.join(PROVISIONING, "datasources", "vigia.yml")
    db_file = os.path.join(PROVISIONING, "dashboards", "vigia.yml")
    for f in (ds_file, db_file):
        c.check(os.path.exists(f), "%s exists" % os.path.relpath(f, h.SOURCE_DIR))
        if not os.path.exists(f):
            return
    ds = yaml.safe_load(open(ds_file))
    proms = [d for d in ds.get("datasources", []) if d.get("type") == "prometheus"]
    c.check(ds.get("apiVersion") == 1 and len(proms) == 1 and proms[0].get("url") and proms[0].get("uid"),
            "datasources/vigia.yml: apiVersion 1, one Prometheus datasource with a url and uid", repr(ds))
    db = yaml.safe_load(open(db_file))
    provs = db.get("providers", [])
    c.check(db.get("apiVersion") == 1 and len(provs) == 1 and provs[0].get("type") == "file" and
            (provs[0].get("options") or {}).get("path"),
            "dashboards/vigia.yml: apiVersion 1, one file provider with options.path", repr(db))


def check_interpolation(c):
    """tests/lib/grafana.py against Grafana's documented behaviour (variables' formatting in a
    Prometheus query, macros) on fixed cases."""
    multi = {"name": "v", "multi": True, "includeAll": True, "allValue": ".*"}
    no_all = {"name": "w", "multi": True, "includeAll": True}
    plain = {"name": "p"}
    vals = {"v": g.Value(multi, ["a.b", "c"], False), "a": g.Value(multi, ["x"], True),
            "w": g.Value(no_all, ["x", "y"], True), "p": g.Value(plain, ["it's"], False),
            "one": g.Value(multi, ["a.b"], False)}
    cases = [('up{x=~"$v"}', 'up{x=~"(a\\.b|c)"}'), ('up{x=~"${a}"}', 'up{x=~".*"}'),
             ('up{x=~"$w"}', 'up{x=~"(x|y)"}'), ("$p", "it\\'s"), ("${v:csv}", "a.b,c"), ("[[v]]", "(a\\.b|c)"),
             ("${v:pipe}", "a.b|c"), ("${v:regex}", "(a\\.b|c)"), ("$one", "a\\.b"), ("$unknown", "$unknown")]
    for text, want in cases:
        c.eq(g.interpolate(text, vals), want, "interpolate %s" % text)
    mac, step = g.macros(0, 6 * 3600, 15)
    c.eq((mac["__interval"], mac["__rate_interval"], mac["__range"], mac["__range_s"], step),
         ("20s", "1m", "21600s", "21600", 20.0), "macros for 6 h, 15 s scrapes: $__interval 20s, $__rate_interval "
         "max(20s + 15s, 4 x 15s) = 1m")
    mac, step = g.macros(0, 3600, 1)
    c.eq((mac["__interval"], mac["__rate_interval"], mac["__interval_ms"]), ("5s", "6s", "5000"),
         "macros for 1 h, 1 s scrapes: $__interval 5s (3.6 s rounded), $__rate_interval 6s")
    c.eq(g.apply_regex("/job-(.*)/", ["job-a", "x", "job-b"]), ["a", "b"], "a variable's regex keeps its capture")


def mutations(base):
    """(what, broken dashboard, rule expected in the problems)."""
    out = []

    def mut(what, rule, fn):
        d = copy.deepcopy(base)
        fn(d)
        out.append((what, d, rule))

    def first_query_panel(d):
        return next(p for p in g.panels(d) if g.targets(p))

    mut("no datasource variable", "template-datasource-rule",
        lambda d: d["templating"].__setitem__("list", [v for v in g.variables(d) if v["type"] != "datasource"]))
    mut("job not multi", "template-job-rule", lambda d: gl._var(d, "job").__setitem__("multi", False))
    mut("instance allValue .+", "template-instance-rule",
        lambda d: gl._var(d, "instance").__setitem__("allValue", ".+"))
    mut("panel with a fixed datasource", "panel-datasource-rule",
        lambda d: first_query_panel(d).__setitem__("datasource", {"type": "prometheus", "uid": "abc"}))
    mut("panel without description", "panel-title-description-rule",
        lambda d: first_query_panel(d).__setitem__("description", ""))

    def no_unit(d):
        p = next(p for p in g.panels(d) if p["type"] in gl.UNIT_PANELS)
        p["fieldConfig"]["defaults"]["unit"] = ""
    mut("panel without unit", "panel-units-rule", no_unit)

    def fixed_range(d):
        t = g.targets(first_query_panel(d))[0]
        t["expr"] = 'rate(node_cpu_seconds_total{job=~"$job",instance=~"$instance"}[5m])'
    mut("rate over [5m]", "target-rate-interval-rule", fixed_range)

    def no_job(d):
        g.targets(first_query_panel(d))[0]["expr"] = 'up{instance=~"$instance"}'
    mut("selector without job", "target-job-rule", no_job)

    def no_instance(d):
        g.targets(first_query_panel(d))[0]["expr"] = 'sum(rate(x_total{job=~"$job"}[$__rate_interval]))'
    mut("selector without instance", "target-instance-rule", no_instance)
    mut("an Angular graph panel", "not allowed", lambda d: first_query_panel(d).__setitem__("type", "graph"))
    mut("uid not vigia-<name>", "uid must be", lambda d: d.__setitem__("uid", "abc"))
    mut("links missing", "links must be", lambda d: d.__setitem__("links", []))
    return out


def body(c):
    h.need(h.PROMTOOL)
    files = g.dashboard_files()
    c.check(files, "dashboards/*.json exist (%d)" % len(files))
    for path in files:
        name = os.path.basename(path)
        problems = gl.lint(path)
        c.check(not problems, "%s: linter rules and issue #14 conventions" % name, "; ".join(problems[:15]))
        d = g.load(path)
        exprs = gl.promql_exprs(d)
        bad = promtool_parse(exprs)
        c.check(not bad, "%s: promtool parses its %d expressions (target-promql-rule)" % (name, len(exprs)),
                "; ".join("%s: %s" % kv for kv in list(bad.items())[:8]))
    check_provisioning(c)
    check_interpolation(c)

    # The checks catch what they claim to.
    if not files:
        return
    base_path = os.path.join(g.DASHBOARD_DIR, "overview.json")
    base = g.load(base_path if os.path.exists(base_path) else files[0])
    tmp = h.new_tmpdir("lint")
    for what, d, rule in mutations(base):
        p = os.path.join(tmp, "overview.json")
        with open(p, "w") as f:
            f.write(json.dumps(d, indent=2) + "\n")
        problems = gl.lint(p)
        c.check(any(rule in x for x in problems), "a dashboard with %s fails (%s)" % (what, rule), repr(problems))
    bad = promtool_parse([("broken", 'sum(rate(up{job=~"value"}[5m])')])
    c.check("broken" in bad, "promtool rejects a broken expression (target-promql-rule can fail)", repr(bad))


if __name__ == "__main__":
    h.main("dashboards: linter rules, issue #14 conventions, PromQL syntax", body)

"""Structural checks of dashboards/*.json: the rules of grafana/dashboard-linter that matter
here, written again in Python (template-datasource, template-job, template-instance,
template-label-promql, template-on-time-change-reload, panel-datasource,
panel-title-description, panel-units, panel-no-targets, target-rate-interval, target-promql,
target-job, target-instance), and the conventions of issue #14 (/work/notes/H14.md: fixed
uids, titles, tags, links, variables, panel types, ranges). lint(path, dashboard) returns a
list of problem texts; promql_exprs(dashboard) the expressions target-promql-rule parses
(with the linter's stand-in values for the macros), checked by promtool by the caller.

Where the convention of issue #14 and the linter differ, the convention wins: job/instance
`allValue` is ".*" (the linter wants ".+"), because in the /probe layout series have no
`target` label and `target=~".*"` must match them; and `$__range` is accepted in "over the
whole range" statistics (the linter only accepts $__rate_interval in rate/irate)."""

import json
import os
import re

import grafana as g

DS = {"type": "prometheus", "uid": "${datasource}"}
PANEL_TYPES = {"timeseries", "stat", "gauge", "bargauge", "table", "state-timeline", "text", "row"}
UNIT_PANELS = {"timeseries", "stat", "gauge", "bargauge"}
QUERY_PANELS = {"timeseries", "stat", "gauge", "bargauge", "table", "state-timeline"}
# Service dashboards carry a `target` variable and `target=~"$target"` in every selector.
SERVICE_DASHBOARDS = {"postgres", "pgbouncer", "redis", "rabbitmq"}
NAMES = {"overview", "host", "containers", "postgres", "pgbouncer", "redis", "rabbitmq", "probes", "backups",
         "capacity", "alerting"}
LINKS = [{"type": "dashboards", "tags": ["vigia"], "asDropdown": True, "title": "vigia", "includeVars": False,
          "keepTime": True}]
RANGES_OK = {"$__rate_interval", "${__rate_interval}", "$__range", "${__range}"}
# grafana/dashboard-linter's lint/rule_panel_units.go, the units Grafana knows, and newer ones.
VALID_UNITS = set("""none string short percent percentunit humidity dB hex0x hex sci locale pixel accMS2 accFS2
accG degree radian grad arcmin arcsec areaM2 areaF2 areaMI2 flops mflops gflops tflops pflops eflops zflops yflops
ppm conppb conngm3 conngNm3 conμgm3 conμgNm3 conmgm3 conmgNm3 congm3 congNm3 conmgdL conmmolL currencyUSD
currencyGBP currencyEUR currencyJPY currencyRUB currencyUAH currencyBRL currencyDKK currencyISK currencyNOK
currencySEK currencyCZK currencyCHF currencyPLN currencyBTC currencymBTC currencyμBTC currencyZAR currencyINR
currencyKRW currencyIDR currencyPHP currencyVND bytes decbytes bits decbits kbytes deckbytes mbytes decmbytes gbytes
decgbytes tbytes dectbytes pbytes decpbytes pps binBps Bps binbps bps KiBs Kibits KBs Kbits MiBs Mibits MBs Mbits
GiBs Gibits GBs Gbits TiBs Tibits TBs Tbits PiBs Pibits PBs Pbits dateTimeAsIso dateTimeAsIsoNoDateIfToday
dateTimeAsUS dateTimeAsUSNoDateIfToday dateTimeAsLocal dateTimeAsLocalNoDateIfToday dateTimeAsSystem
dateTimeFromNow watt kwatt megwatt gwatt mwatt Wm2 voltamp kvoltamp voltampreact kvoltampreact watth watthperkg
kwatth kwattm amph kamph mamph joule ev amp kamp mamp volt kvolt mvolt dBm ohm kohm Mohm farad µfarad nfarad
pfarad ffarad henry mhenry µhenry lumens flowgpm flowcms flowcfs flowcfm litreh flowlpm flowmlpm lux forceNm
forcekNm forceN forcekN Hs KHs MHs GHs THs PHs EHs massmg massg masslb masskg masst lengthmm lengthin lengthft
lengthm lengthkm lengthmi pressurembar pressurebar pressurekbar pressurepa pressurehpa pressurekpa pressurehg
pressurepsi radbq radci radgy radrad radsv radmsv radusv radrem radexpckg radr radsvh radmsvh radusvh rotrpm rothz
rotrads rotdegs celsius fahrenheit kelvin hertz ns µs ms s m h d dtdurationms dtdurations dthms dtdhms timeticks
clockms clocks cps ops reqps rps wps iops cpm opm rpm wpm mps mpm velocityms velocitykmh velocitymph velocityknot
mlitre litre m3 Nm3 dm3 gallons bool bool_yes_no bool_on_off""".split()) | {
    # Throughput units of current Grafana (packages/grafana-data/src/valueFormats/categories.ts)
    # newer than the linter's list.
    "eps", "mps", "recps", "rowsps", "reqpm", "epm", "mpm", "recpm", "rowspm"}
# The linter's stand-ins for the macros (lint/variables.go), so an expression parses.
MAGIC = {"__rate_interval": "8869990787ms", "__interval": "4867856611ms", "__interval_ms": "7781188786",
         "__range_ms": "6737667980", "__range_s": "9397795485", "__range": "6069770749ms",
         "__from": "1594671549254", "__to": "1594671549254"}


# ---------------------------------------------------------------------------
# A small PromQL scanner: selectors (name + matchers) and range brackets.

_KEYWORDS = {"and", "or", "unless", "bool", "offset", "atan2", "inf", "nan", "start", "end"}
_LABEL_LIST = {"by", "without", "on", "ignoring", "group_left", "group_right"}
_AGGREGATIONS = {"sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk",
                 "topk", "quantile", "limitk", "limit_ratio"}


def _skip_string(s, i):
    q = s[i]
    i += 1
    while i < len(s) and s[i] != q:
        i += 2 if s[i] == "\\" and q != "`" else 1
    return i + 1


def _next_nonspace(s, i):
    while i < len(s) and s[i].isspace():
        i += 1
    return i


def _matching(s, i, open_c, close_c):
    depth = 0
    while i < len(s):
        c = s[i]
        if c in "\"'`":
            i = _skip_string(s, i)
            continue
        if c == open_c:
            depth += 1
        elif c == close_c:
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise ValueError("unbalanced %s" % open_c)


def parse_matchers(text):
    """'{a="x",b=~"y"}' inside (without braces) -> [(name, op, value)]."""
    out = []
    for m in re.finditer(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*'
                         r'("(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`)\s*,?', text):
        out.append((m.group(1), m.group(2), m.group(3)[1:-1]))
    return out


def scan(expr):
    """(selectors, ranges): selectors as (metric name or "", [(label, op, value)]);
    ranges as the texts inside [ ] (subqueries' 'range:step' too)."""
    selectors, ranges = [], []
    i, n = 0, len(expr)
    while i < n:
        c = expr[i]
        if c in "\"'`":
            i = _skip_string(expr, i)
        elif c == "#":
            while i < n and expr[i] != "\n":
                i += 1
        elif c == "{":
            j = _matching(expr, i, "{", "}")
            selectors.append(("", parse_matchers(expr[i + 1:j])))
            i = j + 1
        elif c == "[":
            j = _matching(expr, i, "[", "]")
            ranges.append(expr[i + 1:j].strip())
            i = j + 1
        elif c.isalpha() or c in "_:":
            j = i
            while j < n and (expr[j].isalnum() or expr[j] in "_:"):
                j += 1
            word = expr[i:j]
            k = _next_nonspace(expr, j)
            prev = expr[:i].rstrip()
            if prev.endswith("$") or prev.endswith("${") or (i > 0 and (expr[i - 1].isdigit() or expr[i - 1] == ".")):
                i = j  # a variable's name or a duration's unit
            elif word in _LABEL_LIST:
                i = _matching(expr, k, "(", ")") + 1 if k < n and expr[k] == "(" else j
            elif (k < n and expr[k] == "(") or word in _AGGREGATIONS:
                i = j  # a function or an aggregation (`sum by (x) (...)`)
            elif word.lower() in _KEYWORDS:
                i = j
            else:
                if k < n and expr[k] == "{":
                    e = _matching(expr, k, "{", "}")
                    selectors.append((word, parse_matchers(expr[k + 1:e])))
                    i = e + 1
                else:
                    selectors.append((word, []))
                    i = j
        else:
            i += 1
    return selectors, ranges


# ---------------------------------------------------------------------------
# The checks


def _var(d, name):
    for v in g.variables(d):
        if v.get("name") == name:
            return v
    return None


def lint_variables(d, stem, problems):
    vs = g.variables(d)
    names = [v.get("name") for v in vs]
    want = ["datasource", "job", "instance"] + (["target"] if stem in SERVICE_DASHBOARDS else [])
    if names[:len(want)] != want:
        problems.append("variables: the first ones must be %s, are %s" % (want, names))
    ds = [v for v in vs if v.get("type") == "datasource"]
    if not ds:
        problems.append("template-datasource-rule: no templated data source")
    for v in ds:
        if v.get("name") != "datasource" or v.get("query") != "prometheus" or v.get("label") != "Data source":
            problems.append("template-datasource-rule: the datasource variable must be name datasource, "
                            "query prometheus, label 'Data source' (is %s/%s/%s)"
                            % (v.get("name"), v.get("query"), v.get("label")))
    for name in ("job", "instance", "target"):
        v = _var(d, name)
        if v is None:
            if name != "target":
                problems.append("template-%s-rule: is missing the %s template" % (name, name))
            continue
        q = g.var_query(v)
        rule = "template-%s-rule" % name
        if v.get("type") != "query":
            problems.append("%s: %s must be a query variable" % (rule, name))
        if v.get("datasource") != DS:
            problems.append("%s: %s must use datasource ${datasource}, uses %r" % (rule, name, v.get("datasource")))
        if not v.get("multi") or not v.get("includeAll"):
            problems.append("%s: %s must be multi and includeAll" % (rule, name))
        if v.get("allValue") != ".*":
            problems.append("%s: %s allValue must be '.*' (issue #14), is %r" % (rule, name, v.get("allValue")))
        m = re.match(r"^label_values\((.*),\s*%s\s*\)$" % name, q, re.S)
        if not m:
            problems.append("%s: %s query must be label_values(<metric>, %s), is %r" % (rule, name, name, q))
        else:
            need = {"job": [], "instance": ['job=~"$job"'], "target": ['job=~"$job"', 'instance=~"$instance"']}[name]
            for n in need:
                if n not in m.group(1).replace(" ", ""):
                    problems.append("%s: %s query must select %s: %r" % (rule, name, n, q))
        if name == "job" and (v.get("current") or {}).get("value") not in (["$__all"], "$__all"):
            problems.append("template-job-rule: job must be All by default")
    for v in vs:
        if v.get("type") != "query":
            continue
        q = g.var_query(v)
        if v.get("refresh") != 2:
            problems.append("template-on-time-change-reload-rule: %s refresh must be 2" % v.get("name"))
        if v.get("definition") != q:
            problems.append("variable %s: definition %r differs from its query %r" % (v.get("name"),
                                                                                     v.get("definition"), q))
        if not isinstance(v.get("query"), dict) or \
                v["query"].get("refId") != "PrometheusVariableQueryEditor-VariableQuery":
            problems.append("variable %s: query must be {query, refId: PrometheusVariableQueryEditor-VariableQuery}"
                            % v.get("name"))
        if not re.match(r"^\s*(label_values|label_names|metrics|query_result)\((.*)\)\s*$", q, re.S):
            problems.append("template-label-promql-rule: %s: invalid templated label %r" % (v.get("name"), q))


def lint_dashboard_fields(d, stem, problems):
    if stem not in NAMES:
        problems.append("file name %r is not one of the dashboards of issue #14 (%s)" % (stem, sorted(NAMES)))
    want = {"uid": "vigia-" + stem, "tags": ["vigia"], "schemaVersion": 39, "editable": True,
            "time": {"from": "now-6h", "to": "now"}, "refresh": "30s", "id": None, "links": LINKS}
    for k, v in want.items():
        if k not in d or d[k] != v:
            problems.append("%s must be %s, is %s" % (k, json.dumps(v), json.dumps(d.get(k, "<missing>"))))
    if not str(d.get("title", "")).startswith("vigia / ") or len(d.get("title", "")) <= len("vigia / "):
        problems.append("title must be 'vigia / <Title>', is %r" % d.get("title"))
    for k in ("__inputs", "__requires", "__elements"):
        if k in d:
            problems.append("%s present (provisioning style has none)" % k)


def lint_target(d, stem, p, t, problems):
    where = "panel %r target %s" % (p.get("title"), t.get("refId"))
    if t.get("datasource") != DS:
        problems.append("%s: datasource must be %s, is %r" % (where, json.dumps(DS), t.get("datasource")))
    expr = t.get("expr", "")
    if not expr.strip():
        problems.append("%s: empty expr" % where)
        return
    try:
        selectors, ranges = scan(expr)
    except ValueError as e:
        problems.append("target-promql-rule: %s: %s" % (where, e))
        return
    for r in ranges:
        rng = r.split(":", 1)[0].strip()
        if rng not in RANGES_OK:
            problems.append("target-rate-interval-rule: %s: range [%s] must be $__rate_interval (or $__range): %s"
                            % (where, r, expr))
    need = ["job", "instance"] + (["target"] if stem in SERVICE_DASHBOARDS else [])
    for name, matchers in selectors:
        have = {(lab, op, val) for lab, op, val in matchers}
        for lab in need:
            if (lab, "=~", "$" + lab) not in have and (lab, "=~", "${%s}" % lab) not in have:
                problems.append("target-%s-rule: %s: selector %s{...} lacks %s=~\"$%s\": %s"
                                % (lab, where, name, lab, lab, expr))


def lint_panels(d, stem, problems):
    ids = set()
    for p in g.panels(d):
        kind = p.get("type")
        title = p.get("title", "")
        where = "panel %r (id %s)" % (title, p.get("id"))
        if kind not in PANEL_TYPES:
            problems.append("%s: type %r is not allowed (only %s)" % (where, kind, sorted(PANEL_TYPES)))
        if p.get("id") in ids or not isinstance(p.get("id"), int):
            problems.append("%s: id missing or not unique" % where)
        ids.add(p.get("id"))
        gp = p.get("gridPos") or {}
        if not all(isinstance(gp.get(k), int) for k in ("h", "w", "x", "y")):
            problems.append("%s: gridPos {h, w, x, y} missing" % where)
        elif gp["x"] + gp["w"] > 24:
            problems.append("%s: gridPos wider than the 24 columns" % where)
        if kind == "row":
            if not title:
                problems.append("%s: a row without a title" % where)
            continue
        if not title or not p.get("description"):
            problems.append("panel-title-description-rule: %s has missing title or description" % where)
        if kind == "text":
            continue
        if p.get("datasource") != DS:
            problems.append("panel-datasource-rule: %s does not use the templated datasource: %r"
                            % (where, p.get("datasource")))
        if kind in UNIT_PANELS:
            unit = (((p.get("fieldConfig") or {}).get("defaults") or {}).get("unit")) or ""
            if unit not in VALID_UNITS and not re.match(r"^(suffix|prefix|si|count|currency|time):", unit):
                problems.append("panel-units-rule: %s has no or invalid units defined: %r" % (where, unit))
        ts = p.get("targets") or []
        if kind in QUERY_PANELS and not g.targets(p):
            problems.append("panel-no-targets-rule: %s has no targets" % where)
        for t in ts:
            lint_target(d, stem, p, t, problems)


def lint_format(path, text, problems):
    try:
        d = json.loads(text)
    except ValueError as e:
        problems.append("not JSON: %s" % e)
        return None
    if text not in (json.dumps(d, indent=2, ensure_ascii=False) + "\n", json.dumps(d, indent=2) + "\n"):
        # Another serializer (jq, an editor) may format numbers or escapes its own way: the
        # layout still has to be one key per line, indented by steps of 2 spaces, no tabs.
        lines = text.splitlines()
        indents = [len(x) - len(x.lstrip(" ")) for x in lines]
        if not text.endswith("\n") or len(lines) < 10 or "\t" in text or any(i % 2 for i in indents) or \
                len(lines) < sum(1 for _ in re.finditer(r'"\s*:', text)):
            problems.append("not pretty-printed with a 2-space indent (json.dumps(d, indent=2) + newline)")
    return d


def lint(path):
    """Problem texts of one dashboard file ([] when it passes)."""
    problems = []
    with open(path, encoding="utf-8") as f:
        text = f.read()
    d = lint_format(path, text, problems)
    if d is None:
        return problems
    stem = os.path.splitext(os.path.basename(path))[0]
    lint_dashboard_fields(d, stem, problems)
    lint_variables(d, stem, problems)
    lint_panels(d, stem, problems)
    return problems


def promql_exprs(d):
    """[(where, expr)] with the macros and variables replaced by the linter's stand-ins, for
    target-promql-rule and template-label-promql-rule (parsed by the caller with promtool)."""
    values = dict(MAGIC)
    for v in g.variables(d):
        values[v.get("name")] = "value"  # a plain value parses wherever a variable may stand
    out = []
    for v in g.variables(d):
        if v.get("type") != "query":
            continue
        m = re.match(r"^\s*(label_values|query_result)\((.*?)(,\s*[a-zA-Z_]\w*\s*)?\)\s*$", g.var_query(v), re.S)
        if m and m.group(2).strip():
            out.append(("variable %s" % v.get("name"), g.interpolate(m.group(2), values)))
    for p in g.panels(d):
        for t in p.get("targets") or []:
            if t.get("expr"):
                out.append(("panel %r target %s" % (p.get("title"), t.get("refId")), g.interpolate(t["expr"], values)))
    return out

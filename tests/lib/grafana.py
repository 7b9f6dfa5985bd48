"""Grafana's side of the dashboard tests, in Python (stdlib only): load dashboards/*.json,
walk their panels and targets, resolve template variables against a Prometheus as Grafana
does, and interpolate variables and macros into a query.

What Grafana does, and what is done here the same way:
  - datasource variable -> the one Prometheus of the test;
  - query variable: `label_values(metric, label)` (the label's values on series matching
    `metric`), `label_values(label)`, `query_result(expr)` (each result line as
    `{labels} value timestamp`), `metrics(regex)`; the variable's `regex` filters (and its
    first capture group extracts) as Grafana's;
  - custom (comma-separated), constant, textbox, interval variables;
  - the chosen value: includeAll -> All (the allValue if set, else every value), else the
    first option; a multi or includeAll variable interpolates into a query as Grafana's
    Prometheus datasource does: each value regex-escaped, several joined as `(a|b)`; the
    allValue verbatim; one value of a plain variable only has `\\` and `'` escaped;
  - `$var`, `${var}`, `[[var]]`, `${var:fmt}` (regex, pipe, csv, raw, text, glob, json,
    doublequote, singlequote, queryparam);
  - macros: $__interval = range / max data points, at least the scrape interval (the
    datasource's timeInterval), rounded as Grafana rounds; $__interval_ms; $__rate_interval =
    max($__interval + scrape interval, 4 x scrape interval) (Grafana's definition);
    $__range, $__range_s, $__range_ms; $__from / $__to."""

import glob
import json
import os
import re
import urllib.parse

import harness as h

# VIGIA_DASHBOARDS: another directory of dashboards to check (e.g. a branch's, before a merge).
DASHBOARD_DIR = os.environ.get("VIGIA_DASHBOARDS", os.path.join(h.SOURCE_DIR, "dashboards"))


def dashboard_files():
    return sorted(glob.glob(os.path.join(DASHBOARD_DIR, "*.json")))


def load(path):
    with open(path) as f:
        return json.load(f)


def panels(dashboard):
    """Every panel, rows' collapsed panels included (rows themselves too)."""
    out = []
    for p in dashboard.get("panels", []):
        out.append(p)
        for q in p.get("panels", []) or []:
            out.append(q)
    return out


def targets(panel):
    """The Prometheus targets of a panel that Grafana runs (hidden ones are not)."""
    return [t for t in panel.get("targets", []) or [] if not t.get("hide") and t.get("expr") is not None]


def variables(dashboard):
    return dashboard.get("templating", {}).get("list", [])


def var_query(v):
    """A query variable's query text (a string, or {"query": ...} in newer models)."""
    q = v.get("query")
    if isinstance(q, dict):
        return q.get("query", "")
    return q or ""


# ---------------------------------------------------------------------------
# Interpolation

_REGEX_SPECIAL = re.compile(r"([\\^$*+?.()|{}\[\]])")


def regex_escape(s):
    """Grafana's prometheusSpecialRegexEscape."""
    return _REGEX_SPECIAL.sub(r"\\\1", s)


def regular_escape(s):
    """Grafana's prometheusRegularEscape."""
    return s.replace("\\", "\\\\").replace("'", "\\'")


class Value:
    """A variable's chosen value: a list of values, or the All value (all=True, with
    allValue or None)."""

    def __init__(self, var, values, all_selected):
        self.var = var
        self.values = values
        self.all = all_selected
        self.all_value = var.get("allValue") if all_selected else None

    def text(self):
        return "All" if self.all else "+".join(self.values)

    def interpolate(self, fmt=None):
        v = self.var
        if self.all and self.all_value not in (None, ""):
            if fmt in (None, "regex", "pipe", "raw", "text", "glob"):
                return self.all_value
        vals = self.values
        if fmt is None:
            if not v.get("multi") and not v.get("includeAll"):
                return regular_escape(vals[0]) if vals else ""
            esc = [regex_escape(x) for x in vals]
            return esc[0] if len(esc) == 1 else "(" + "|".join(esc) + ")"
        if fmt == "regex":
            esc = [regex_escape(x) for x in vals]
            return esc[0] if len(esc) == 1 else "(" + "|".join(esc) + ")"
        if fmt == "pipe":
            return "|".join(vals)
        if fmt in ("csv", "raw"):
            return ",".join(vals)
        if fmt == "text":
            return self.text()
        if fmt == "glob":
            return vals[0] if len(vals) == 1 else "{" + ",".join(vals) + "}"
        if fmt == "json":
            return json.dumps(vals if len(vals) != 1 else vals[0])
        if fmt == "doublequote":
            return ",".join('"%s"' % x.replace('"', '\\"') for x in vals)
        if fmt == "singlequote":
            return ",".join("'%s'" % x.replace("'", "\\'") for x in vals)
        if fmt == "queryparam":
            return "&".join("var-%s=%s" % (v["name"], urllib.parse.quote(x)) for x in vals)
        raise ValueError("unknown format :%s" % fmt)


_VAR_RE = re.compile(r"\$(\w+)|\$\{(\w+)(?:\.([\w.]+))?(?::([^}]+))?\}|\[\[(\w+)(?::(\w+))?\]\]")


def interpolate(text, values):
    """Replaces $var, ${var}, ${var:fmt}, [[var]] of the known `values` ({name: Value or
    str}); unknown names are left as they are (a leftover `$` the caller reports)."""
    def repl(m):
        name = m.group(1) or m.group(2) or m.group(5)
        fmt = m.group(4) or m.group(6)
        if name not in values:
            return m.group(0)
        val = values[name]
        if isinstance(val, Value):
            return val.interpolate(fmt)
        return str(val)
    return _VAR_RE.sub(repl, text)


def round_interval(ms):
    """Grafana's rangeutil.roundInterval (ms -> ms)."""
    steps = [(15, 10), (35, 20), (75, 50), (150, 100), (350, 200), (750, 500), (1500, 1000),
             (3500, 2000), (7500, 5000), (12500, 10000), (17500, 15000), (25000, 20000),
             (45000, 30000), (90000, 60000), (210000, 120000), (450000, 300000),
             (750000, 600000), (1050000, 900000), (1500000, 1200000), (2700000, 1800000),
             (5400000, 3600000), (9000000, 7200000), (16200000, 10800000), (32400000, 21600000),
             (86400000, 43200000), (604800000, 86400000), (1814400000, 604800000),
             (3628800000, 2592000000)]
    for limit, value in steps:
        if ms <= limit:
            return value
    return 31536000000


def format_duration_ms(ms):
    """Grafana's secondsToHms-like short form as used in queries: 15s, 1m, 500ms."""
    ms = int(ms)
    if ms % 86400000 == 0:
        return "%dd" % (ms // 86400000)
    if ms % 3600000 == 0:
        return "%dh" % (ms // 3600000)
    if ms % 60000 == 0:
        return "%dm" % (ms // 60000)
    if ms % 1000 == 0:
        return "%ds" % (ms // 1000)
    return "%dms" % ms


def macros(start, end, scrape_interval_s, max_data_points=1000):
    """The built-in variables for a time range [start, end] (Unix seconds)."""
    range_ms = int(round((end - start) * 1000))
    interval_ms = max(round_interval(range_ms / max_data_points), int(scrape_interval_s * 1000))
    rate_ms = max(interval_ms + int(scrape_interval_s * 1000), 4 * int(scrape_interval_s * 1000))
    range_s = range_ms // 1000
    return {
        "__interval": format_duration_ms(interval_ms),
        "__interval_ms": str(interval_ms),
        "__rate_interval": format_duration_ms(rate_ms),
        "__rate_interval_ms": str(rate_ms),
        "__range": "%ds" % range_s,
        "__range_s": str(range_s),
        "__range_ms": str(range_ms),
        "__from": str(int(start * 1000)),
        "__to": str(int(end * 1000)),
    }, interval_ms / 1000.0


# ---------------------------------------------------------------------------
# Prometheus API

class PromError(Exception):
    pass


def api(prom_url, path, params):
    url = prom_url + path + "?" + urllib.parse.urlencode(params, doseq=True)
    r = h.http_get(url, timeout=30)
    try:
        j = json.loads(r.body)
    except ValueError:
        raise PromError("%s: status %d: %s" % (path, r.status, r.body[:300]))
    if j.get("status") != "success":
        raise PromError("%s %s: %s: %s" % (path, params.get("query", params.get("match[]", "")),
                                           j.get("errorType"), j.get("error")))
    return j["data"]


def query_range(prom_url, expr, start, end, step):
    return api(prom_url, "/api/v1/query_range", {"query": expr, "start": "%.3f" % start, "end": "%.3f" % end,
                                                  "step": "%g" % step})


_LV2 = re.compile(r"^\s*label_values\(\s*(.+)\s*,\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*$", re.S)
_LV1 = re.compile(r"^\s*label_values\(\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*$")
_QR = re.compile(r"^\s*query_result\(\s*(.+)\s*\)\s*$", re.S)
_METRICS = re.compile(r"^\s*metrics\(\s*(.*)\s*\)\s*$")
_LABEL_NAMES = re.compile(r"^\s*label_names\(\s*\)\s*$")


def run_variable_query(prom_url, query, start, end):
    """The option texts a query variable's query gives (before its regex)."""
    times = {"start": "%.3f" % start, "end": "%.3f" % end}
    m = _LV2.match(query)
    if m:
        return sorted(set(api(prom_url, "/api/v1/label/%s/values" % m.group(2),
                              dict(times, **{"match[]": m.group(1).strip()}))))
    m = _LV1.match(query)
    if m:
        return sorted(set(api(prom_url, "/api/v1/label/%s/values" % m.group(1), times)))
    m = _QR.match(query)
    if m:
        data = api(prom_url, "/api/v1/query", {"query": m.group(1), "time": "%.3f" % end})
        out = []
        res = data["result"]
        if data["resultType"] in ("scalar", "string"):
            res = [{"metric": {}, "value": res}]
        for s in res:
            labels = dict(s.get("metric", {}))
            name = labels.pop("__name__", "")
            lab = ", ".join('%s="%s"' % kv for kv in sorted(labels.items()))
            out.append("%s{%s} %s %s" % (name, lab, s["value"][1], int(float(s["value"][0]) * 1000)))
        return out
    m = _METRICS.match(query)
    if m:
        names = api(prom_url, "/api/v1/label/__name__/values", times)
        return [n for n in names if re.search(m.group(1), n)]
    if _LABEL_NAMES.match(query):
        return sorted(api(prom_url, "/api/v1/labels", times))
    # A bare expression: Grafana treats it as query_result.
    return run_variable_query(prom_url, "query_result(%s)" % query, start, end)


def apply_regex(regex, options):
    """Grafana's variable regex: /re/flags; keeps matching options, the first capture group
    (or the named group `value`) as the value."""
    if not regex:
        return options
    m = re.match(r"^/(.*)/([gimsuy]*)$", regex, re.S)
    pat, flags = (m.group(1), m.group(2)) if m else (regex, "")
    rx = re.compile(re.sub(r"\(\?<(\w+)>", r"(?P<\1>", pat), re.I if "i" in flags else 0)
    out = []
    for o in options:
        mm = rx.search(o)
        if not mm:
            continue
        if "value" in rx.groupindex:
            val = mm.group("value")
        elif mm.groups():
            val = next((g for g in mm.groups() if g is not None), "")
        else:
            val = o
        if val not in out:
            out.append(val)
    return out


def resolve_variables(dashboard, prom_url, start, end, macro_values):
    """{name: Value} for the dashboard's variables, in order (a variable's query sees the
    ones before it). Returns (values, problems) where problems are texts."""
    values = dict(macro_values)
    problems = []
    for v in variables(dashboard):
        name, kind = v.get("name"), v.get("type")
        if kind == "datasource":
            values[name] = "prometheus-under-test"
            continue
        if kind == "constant":
            values[name] = var_query(v)
            continue
        if kind in ("textbox",):
            values[name] = var_query(v) or (v.get("current") or {}).get("value", "")
            continue
        options = []
        if kind == "query":
            q = interpolate(var_query(v), values)
            if "$" in q:
                problems.append("variable %s: leftover $ in its query %r" % (name, q))
                continue
            try:
                options = run_variable_query(prom_url, q, start, end)
            except (PromError, OSError) as e:
                problems.append("variable %s: %s" % (name, e))
                continue
            options = apply_regex(v.get("regex"), options)
            if v.get("sort") in (1, 2, 3, 4, 5, 6):
                options.sort(reverse=v["sort"] in (2, 4, 6))
        elif kind == "custom":
            options = [o.strip() for o in re.split(r"(?<!\\),", var_query(v)) if o.strip()]
            options = [o.split(" : ", 1)[-1] for o in options]
        elif kind == "interval":
            options = [o.strip() for o in var_query(v).split(",") if o.strip()]
        else:
            problems.append("variable %s: type %r not handled by the test" % (name, kind))
            continue
        if v.get("includeAll"):
            if not options and v.get("allValue") in (None, ""):
                problems.append("variable %s: no values and no allValue" % name)
            values[name] = Value(v, options, True)
        else:
            if not options:
                problems.append("variable %s: no values (query %r)" % (name, var_query(v)))
                values[name] = Value(v, [""], False)
            else:
                values[name] = Value(v, options[:1], False)
    return values, problems

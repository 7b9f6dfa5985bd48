#!/usr/bin/env python3
"""The metric lint (issue #14 item 2): every metric name a rule or a dashboard uses must be
one vigia exports, i.e. a family of docs/metrics.md (a rule that can never fire, a panel that
can never show data, is a bug).

    metric_lint.py [--source DIR] [FILE...]    lint rules/*.yml and dashboards/*.json (or FILEs)
    metric_lint.py --self-test                 the tokenizer against known expressions

Where names are taken from:
  - rules/*.yml (not rules/tests/): every `expr:`; `record:` names are known names (recording
    rules' outputs);
  - dashboards/*.json: every "expr" string anywhere in the JSON (panel and annotation targets),
    and the query of every `query` variable: label_values(METRIC_EXPR, label) -> METRIC_EXPR,
    label_values(label) -> nothing, query_result(EXPR) -> EXPR, metrics()/label_names() -> nothing.
How an expression is read (a small PromQL tokenizer, no parser needed): strings, comments,
Grafana variables ($var, ${var}, [[var]], $__macros), label matchers {...}, ranges and subqueries
[...], and the label lists of by/without/on/ignoring/group_left/group_right (...) are dropped;
then each identifier is a metric name unless it is a keyword or aggregation operator, a function
(an identifier followed by `(`), or part of a number or duration (5m, 1e3, 0x1f, Inf, NaN).
Known names: docs/metrics.md's rows, their _bucket/_sum/_count series for histograms and
summaries, the recording rules' outputs, and the series Prometheus itself adds to every scrape
(up, scrape_*). Python 3 stdlib only (the rule files are read with a small YAML reader that
knows plain, quoted and block scalars, which is all `expr:` and `record:` use)."""
import glob
import json
import os
import re
import sys

SOURCE = os.environ.get("VIGIA_SOURCE_DIR",
                        os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

KEYWORDS = {
    "and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool",
    "atan2", "inf", "nan", "start", "end",
    # aggregation operators (may be followed by by/without before their parenthesis)
    "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk",
    "quantile", "limitk", "limit_ratio",
}
# Series Prometheus adds to every scrape target itself, not exported by vigia.
PROMETHEUS_SERIES = {"up", "scrape_duration_seconds", "scrape_samples_scraped", "scrape_samples_post_metric_relabeling",
                     "scrape_series_added", "scrape_timeout_seconds", "scrape_sample_limit", "scrape_body_size_bytes"}
LABEL_LIST_KEYWORDS = ("by", "without", "on", "ignoring", "group_left", "group_right")

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_GRAFANA_VAR = re.compile(r"\$\{[^}]*\}|\[\[[^\]]*\]\]|\$[A-Za-z_][A-Za-z0-9_]*")
_TOKEN = re.compile(r"(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[A-Za-z0-9_]*)"
                    r"|(?P<id>[A-Za-z_:][A-Za-z0-9_:]*)"
                    r"|(?P<other>\S)")


class LintError(Exception):
    pass


def _drop_balanced(text, open_ch, close_ch):
    out, depth = [], 0
    for ch in text:
        if ch == open_ch:
            depth += 1
            out.append(" ")
        elif ch == close_ch and depth:
            depth -= 1
            out.append(" ")
        elif depth:
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def metric_names(expr):
    """The metric names a PromQL expression (possibly with Grafana variables) selects."""
    s = _GRAFANA_VAR.sub(" ", expr)
    s = _STRING.sub(" ", s)
    s = re.sub(r"#[^\n]*", " ", s)
    s = _drop_balanced(s, "{", "}")
    s = _drop_balanced(s, "[", "]")
    # by (a, b) / on (x) / group_left (y): the label list after the keyword.
    s = re.sub(r"\b(%s)\s*\([^()]*\)" % "|".join(LABEL_LIST_KEYWORDS), r" \1 ", s)
    names = []
    toks = [(m.lastgroup, m.group(), m.end()) for m in _TOKEN.finditer(s)]
    for i, (kind, tok, end) in enumerate(toks):
        if kind != "id":
            continue
        if tok.lower() in KEYWORDS or tok in ("Inf", "NaN"):
            continue
        nxt = toks[i + 1][1] if i + 1 < len(toks) else ""
        if nxt == "(":
            continue  # a function
        prev = toks[i - 1][1] if i > 0 else ""
        if prev == "@":
            continue
        names.append(tok)
    return names


def variable_query_names(query):
    """Metric names of a Grafana Prometheus variable query."""
    q = query.strip()
    m = re.match(r"^(label_values|query_result|metrics|label_names)\s*\((.*)\)\s*$", q, re.S)
    if not m:
        return metric_names(q) if q else []
    fn, inner = m.group(1), m.group(2)
    if fn == "query_result":
        return metric_names(inner)
    if fn != "label_values":
        return []
    # label_values(expr, label): the last top-level comma splits them; one argument: a label only.
    depth, cut = 0, -1
    for i, ch in enumerate(inner):
        if ch in "({[":
            depth += 1
        elif ch in ")}]":
            depth -= 1
        elif ch == "," and depth == 0:
            cut = i
    return metric_names(inner[:cut]) if cut >= 0 else []


def rule_file_fields(path):
    """[(line, key, value)] of every `expr:` and `record:` of a Prometheus rule file."""
    lines = open(path).read().split("\n")
    out = []
    i = 0
    while i < len(lines):
        m = re.match(r"^(\s*)(?:-\s+)?(expr|record)\s*:\s*(.*)$", lines[i])
        if not m:
            i += 1
            continue
        indent, key, rest = len(m.group(1)), m.group(2), m.group(3).strip()
        start = i + 1
        if re.match(r"^[|>][-+0-9]*\s*(#.*)?$", rest):
            body = []
            i += 1
            while i < len(lines) and (not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > indent):
                body.append(lines[i])
                i += 1
            value = "\n".join(body)
        else:
            if rest[:1] in ("'", '"'):
                q = rest[0]
                end = rest.rfind(q)
                value = rest[1:end]
                value = value.replace("''", "'") if q == "'" else json.loads('"%s"' % value)
            else:
                value = re.sub(r"\s+#.*$", "", rest)
                # a plain scalar may go on over more indented lines
                i += 1
                while i < len(lines) and lines[i].strip() and len(lines[i]) - len(lines[i].lstrip()) > indent \
                        and not re.match(r"^\s*[A-Za-z_]+\s*:", lines[i]):
                    value += " " + lines[i].strip()
                    i += 1
                out.append((start, key, value))
                continue
            i += 1
        out.append((start, key, value))
    return out


def dashboard_exprs(path):
    """[(where, names)] of a dashboard JSON file."""
    with open(path) as f:
        doc = json.load(f)
    out = []

    def walk(node, where):
        if isinstance(node, dict):
            title = node.get("title")
            here = "%s > %s" % (where, title) if isinstance(title, str) and title else where
            if isinstance(node.get("expr"), str):
                out.append((here + " [%s]" % node.get("refId", "expr"), metric_names(node["expr"])))
            for k, v in node.items():
                if k != "templating":
                    walk(v, here)
        elif isinstance(node, list):
            for v in node:
                walk(v, where)

    walk({k: v for k, v in doc.items() if k != "templating"}, os.path.basename(path))
    for var in (doc.get("templating") or {}).get("list", []):
        if var.get("type") != "query":
            continue
        q = var.get("query")
        if isinstance(q, dict):
            q = q.get("query", "")
        if isinstance(q, str):
            out.append(("%s > variable %s" % (os.path.basename(path), var.get("name")), variable_query_names(q)))
    return out


def documented_names(doc_path):
    names = set()
    row = re.compile(r"^\|\s*`([a-zA-Z_:][a-zA-Z0-9_:]*)`\s*\|\s*([a-z]+)\s*\|")
    for line in open(doc_path):
        m = row.match(line.strip())
        if m:
            names.add(m.group(1))
            if m.group(2) in ("histogram", "summary"):
                names.update(m.group(1) + s for s in ("_bucket", "_sum", "_count"))
    if not names:
        raise LintError("%s lists no metric family" % doc_path)
    return names


def lint(source, files=None):
    """(problems, counts): problems are (file, where, name) of names not known."""
    known = documented_names(os.path.join(source, "docs", "metrics.md")) | PROMETHEUS_SERIES
    if files is None:
        files = sorted(glob.glob(os.path.join(source, "rules", "*.yml")) +
                       glob.glob(os.path.join(source, "rules", "*.yaml")) +
                       glob.glob(os.path.join(source, "dashboards", "*.json")))
    rule_files = [f for f in files if f.endswith((".yml", ".yaml"))]
    recorded = set()
    uses = []  # (file, where, name)
    for f in rule_files:
        for line, key, value in rule_file_fields(f):
            if key == "record":
                recorded.add(value.strip())
            else:
                uses += [(f, "line %d" % line, n) for n in metric_names(value)]
    for f in files:
        if f.endswith(".json"):
            for where, names in dashboard_exprs(f):
                uses += [(f, where, n) for n in names]
    known |= recorded
    problems = [(os.path.relpath(f, source), where, n) for f, where, n in uses if n not in known]
    counts = {"files": len(files), "uses": len(uses), "names": len({n for _, _, n in uses}),
              "recorded": len(recorded)}
    return problems, counts


SELF_TESTS = [
    ('100 * (1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes) > 80',
     ["node_memory_MemAvailable_bytes", "node_memory_MemTotal_bytes"]),
    ('100 * (1 - avg without (cpu, mode) (rate(node_cpu_seconds_total{mode="idle"}[5m]))) > 80',
     ["node_cpu_seconds_total"]),
    ('sum by (job, instance) (rate(pg_stat_database_xact_commit{job=~"$job",datname!~"template.*"}'
     '[$__rate_interval])) or vector(0)', ["pg_stat_database_xact_commit"]),
    ('a / on (instance) group_left (nodename) node_uname_info', ["a", "node_uname_info"]),
    ('count by (node) (vigia_rabbitmq_node_running == 0) > 0', ["vigia_rabbitmq_node_running"]),
    ('topk(5, redis_commands_total) offset 1h', ["redis_commands_total"]),
    ('max_over_time(x_y[1h:5m]) @ 1609746000 + 1e3 + 0x1f - Inf + 2h30m', ["x_y"]),
    ('{__name__="x", job="y"}', []),
    ('sum without (a) (b) and ignoring (c) d unless e', ["b", "d", "e"]),
    ('rate(x[${__rate_interval}]) * ${factor} + [[legacy]]', ["x"]),
    ('probe_ssl_earliest_cert_expiry - time() < 14 * 86400 # comment with metric_in_comment',
     ["probe_ssl_earliest_cert_expiry"]),
    ('histogram_quantile(0.9, sum by (le) (rate(vigia_http_request_duration_seconds_bucket[5m])))',
     ["vigia_http_request_duration_seconds_bucket"]),
    ('label_replace(up, "a", "$1", "instance", "(.*):.*")', ["up"]),
    ('vigia:threshold:ram_percent', ["vigia:threshold:ram_percent"]),
    ('sum(x) by (a)', ["x"]),
]
SELF_TESTS_VARIABLES = [
    ('label_values(node_uname_info{job=~"$job"}, instance)', ["node_uname_info"]),
    ('label_values(job)', []),
    ('query_result(topk(5, sum by (queue) (rabbitmq_queue_messages)))', ["rabbitmq_queue_messages"]),
    ('metrics(node_.*)', []),
    ('label_names()', []),
]


def self_test():
    failed = 0
    for expr, want in SELF_TESTS:
        got = metric_names(expr)
        if got != want:
            failed += 1
            print("FAIL metric_names(%r) = %r, want %r" % (expr, got, want))
    for q, want in SELF_TESTS_VARIABLES:
        got = variable_query_names(q)
        if got != want:
            failed += 1
            print("FAIL variable_query_names(%r) = %r, want %r" % (q, got, want))
    # A rule file with every scalar style, and a dashboard, through the file readers.
    import tempfile
    d = tempfile.mkdtemp(prefix="metric-lint-")
    os.makedirs(os.path.join(d, "docs"))
    os.makedirs(os.path.join(d, "rules"))
    os.makedirs(os.path.join(d, "dashboards"))
    with open(os.path.join(d, "docs", "metrics.md"), "w") as f:
        f.write("| name | type | labels | help |\n|---|---|---|---|\n| `known_a` | gauge | | a |\n"
                "| `known_h` | histogram | | h |\n")
    with open(os.path.join(d, "rules", "r.yml"), "w") as f:
        f.write("groups:\n  - name: g\n    rules:\n      - record: job:known_a:sum\n        expr: sum(known_a)\n"
                "      - alert: A\n        expr: >-\n          job:known_a:sum > 1\n          and unknown_block\n"
                "      - alert: B\n        expr: 'known_h_bucket > 0 or unknown_quoted'\n"
                "      - alert: C\n        expr: \"known_a{x=\\\"unknown_in_string\\\"} > 0\"\n"
                "      - alert: D\n        expr: |\n          known_a\n            > on (unknown_label) known_h_count\n")
    with open(os.path.join(d, "dashboards", "x.json"), "w") as f:
        json.dump({"panels": [{"title": "p", "targets": [{"refId": "A", "expr": "rate(unknown_panel[$__rate_interval])"}]},
                              {"type": "row", "panels": [{"title": "q", "targets": [{"expr": "known_a"}]}]}],
                   "templating": {"list": [{"type": "query", "name": "v",
                                            "query": {"query": "label_values(unknown_var, instance)"}},
                                           {"type": "custom", "name": "w", "query": "not_a_metric"}]}}, f)
    problems, counts = lint(d)
    bad = sorted(n for _, _, n in problems)
    want = ["unknown_block", "unknown_panel", "unknown_quoted", "unknown_var"]
    if bad != want:
        failed += 1
        print("FAIL lint of the sample tree: %r, want %r" % (bad, want))
    if counts["recorded"] != 1:
        failed += 1
        print("FAIL recorded names: %r" % counts)
    import shutil
    shutil.rmtree(d, ignore_errors=True)
    n = len(SELF_TESTS) + len(SELF_TESTS_VARIABLES) + 2
    print("%d passed, %d failed" % (n - failed, failed))
    return 1 if failed else 0


def main(argv):
    if argv[1:2] == ["--self-test"]:
        return self_test()
    source = SOURCE
    args = argv[1:]
    if args[:1] == ["--source"]:
        source, args = args[1], args[2:]
    files = [os.path.abspath(a) for a in args] or None
    try:
        problems, counts = lint(source, files)
    except (LintError, OSError, ValueError) as e:
        print("metric_lint: %s" % e)
        return 1
    for f, where, n in problems:
        print("%s: %s: %s is not a metric vigia exports (not in docs/metrics.md)" % (f, where, n))
    print("metric_lint: %d files, %d metric uses of %d names (%d recording rules): %d unknown" % (
        counts["files"], counts["uses"], counts["names"], counts["recorded"], len(problems)))
    if counts["files"] == 0:
        print("metric_lint: no rules/*.yml or dashboards/*.json found")
        return 1
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

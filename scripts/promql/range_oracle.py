#!/usr/bin/env python3
"""Asks a real Prometheus 2.42 what range queries (/api/v1/query_range) return.

usage: range_oracle.py SERIES_FILE CASES_FILE
  e.g. (d=tests/fixtures/promql_range; range_oracle.py $d/series.txt $d/cases.txt > $d/expected.txt)
SERIES_FILE: lines "metric{labels} values" (input_series notation, 1m step from
t=0; "stale" is not supported: OpenMetrics cannot carry a staleness marker).
CASES_FILE: lines "<start s>\t<end s>\t<step s>\t<expr>".
Loads the series into a TSDB with `promtool tsdb create-blocks-from openmetrics`,
starts Prometheus on it (loopback, free port, stopped at exit) and prints
"<start>\t<end>\t<step>\t<expr>\t<result>", the result rendered as
tests/unit/promql_range_test.cc renders evaluate_range(): series sorted by
labels, each "{labels} v@t,v@t,..." (%.12g, t in seconds), joined by " | ";
"nil" for no series; "error: <the API's error>".
"""
import json
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "lib"))
import harness as h  # noqa: E402


def expand(values):
    """input_series values -> [(t_seconds, value)] at a 1m step."""
    out, t = [], 0
    for tok in values.split():
        if tok == "_":
            t += 60
            continue
        if tok == "stale":
            raise SystemExit("stale values cannot be loaded into a TSDB through OpenMetrics")
        m = re.fullmatch(r"([-+]?[^-+x]+)(?:([-+][^x]+))?x(\d+)", tok)
        if not m:
            out.append((t, float(tok)))
            t += 60
            continue
        start, inc, n = float(m.group(1)), float(m.group(2) or 0), int(m.group(3))
        for i in range(n + 1):
            out.append((t, start + inc * i))
            t += 60
    return out


def om_value(v):
    if v != v:
        return "NaN"
    if v in (float("inf"), float("-inf")):
        return "+Inf" if v > 0 else "-Inf"
    return repr(v)


def render(data):
    if data.get("status") != "success":
        return "error: " + data.get("error", "?")
    res = data["data"]["result"]
    if data["data"]["resultType"] != "matrix":
        return "??? " + data["data"]["resultType"]
    parts = []
    for s in res:
        labels = "{" + ", ".join("%s=%s" % (k, json.dumps(v)) for k, v in sorted(s["metric"].items())) + "}"
        pts = ",".join("%s@%d" % ("%.12g" % float(v), round(float(t))) for t, v in s["values"])
        parts.append(labels + " " + pts)
    return " | ".join(sorted(parts)) if parts else "nil"


def main():
    series = [l.split(None, 1) for l in open(sys.argv[1]) if l.strip()]
    d = h.new_tmpdir("range-oracle")
    om = os.path.join(d, "series.om")
    with open(om, "w") as f:
        for sel, values in series:
            for t, v in expand(values):
                f.write("%s %s %d\n" % (sel, om_value(v), t))
        f.write("# EOF\n")
    data = os.path.join(d, "data")
    r = h.run([h.PROMTOOL, "tsdb", "create-blocks-from", "openmetrics", om, data], timeout=120)
    if r.returncode != 0:
        raise SystemExit("promtool: " + r.stdout + r.stderr)
    port = h.free_port()
    cfg = os.path.join(d, "prometheus.yml")
    with open(cfg, "w") as f:
        f.write("global: {}\n")
    prom = h.Server("prometheus", [h.PROMETHEUS, "--config.file=" + cfg, "--storage.tsdb.path=" + data,
                                   "--storage.tsdb.retention.time=100y",
                                   "--web.listen-address=127.0.0.1:%d" % port], "127.0.0.1", port, cwd=d)
    prom.wait_http(prom.url + "/-/ready", timeout=60)
    for line in open(sys.argv[2]):
        line = line.rstrip("\n")
        if not line.strip():
            continue
        start, end, step, expr = line.split("\t")
        body = urllib.parse.urlencode({"query": expr, "start": start, "end": end, "step": step}).encode()
        try:
            with urllib.request.urlopen(prom.url + "/api/v1/query_range", body, timeout=30) as resp:
                out = json.load(resp)
        except urllib.error.HTTPError as e:
            out = json.load(e)
        print("\t".join([start, end, step, expr, render(out)]), flush=True)
    prom.stop()


if __name__ == "__main__":
    main()

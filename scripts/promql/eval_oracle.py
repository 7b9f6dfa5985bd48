#!/usr/bin/env python3
"""Asks Prometheus (promtool 2.42 test rules) what instant queries return.

usage: eval_oracle.py SERIES_FILE EXPR_FILE [REPEAT]
SERIES_FILE: lines "metric{labels} values" (input_series notation, 1m step).
EXPR_FILE: lines "<eval time in seconds>\t<expr>".
Prints "<time>\t<expr>\t<result>" with the result rendered as
tests/unit/promql_test_util.h renders it: sorted "{labels} %.12g" joined by
" | ", "nil" for nothing, "error: ..." for a runtime error.
Note: promtool loads samples only up to the evaluation time, so negative
offsets cannot be checked this way.
REPEAT (default 1) asks that many times and prints "UNSTABLE: a || b ..."
when the answers differ: the order in which promtool feeds series to an
aggregation varies from run to run, so e.g. a plain sum across series whose
values cancel gives 0, 1 or 2; such a case cannot be a table entry.
"""
import re
import subprocess
import sys
import tempfile

import yaml

series = []
for line in open(sys.argv[1]):
    line = line.strip()
    if line:
        name, values = line.split(None, 1)
        series.append({"series": name, "values": values})

def ask(t, expr):
    doc = {"rule_files": [], "evaluation_interval": "1m",
           "tests": [{"interval": "1m", "input_series": series,
                      "promql_expr_test": [{"expr": expr, "eval_time": t + "s",
                                            "exp_samples": [{"labels": "zzz_impossible", "value": -12345}]}]}]}
    with tempfile.NamedTemporaryFile("w", suffix=".yml") as f:
        yaml.safe_dump(doc, f)
        f.flush()
        r = subprocess.run(["promtool", "test", "rules", f.name], capture_output=True, text=True)
    out = r.stdout + r.stderr
    err = re.search(r", err: (.*?)\s*$", out, re.S)
    got = re.search(r"got: (.*?)\s*$", out, re.S)
    if err:
        res = "error: " + err.group(1).strip().split("\n")[0]
    elif got:
        g = got.group(1).strip()
        items = re.findall(r"(\{[^}]*\}) (\S+?)(?:,|$)", g)
        res = "nil" if g == "nil" else " | ".join(sorted(l + " " + ("%.12g" % float(v)) for l, v in items))
    else:
        res = "??? " + " ".join(out.split())[-300:]
    return res


for line in open(sys.argv[2]):
    line = line.rstrip("\n")
    if not line:
        continue
    t, expr = line.split("\t")
    answers = []
    for _ in range(int(sys.argv[3]) if len(sys.argv) > 3 else 1):
        answers.append(ask(t, expr))
    res = answers[0] if len(set(answers)) == 1 else "UNSTABLE: " + " || ".join(sorted(set(answers)))
    print(t + "\t" + expr + "\t" + res)

#!/usr/bin/env python3
"""Asks Prometheus's own parser (promtool 2.42) about PromQL expressions.

Reads one expression per line on stdin; prints "OK" or "ERR <promtool's
parse error>" per line. Used to record the expected results in
tests/unit/promql_parser_test.cc.
"""
import json
import re
import subprocess
import sys
import tempfile

for line in sys.stdin:
    expr = line.rstrip("\n")
    with tempfile.NamedTemporaryFile("w", suffix=".yml") as f:
        f.write("groups:\n- name: g\n  rules:\n  - record: x\n    expr: " + json.dumps(expr) + "\n")
        f.flush()
        r = subprocess.run(["promtool", "check", "rules", f.name], capture_output=True, text=True)
    m = re.search(r"could not parse expression: (.*)", r.stdout + r.stderr, re.S)
    if r.returncode == 0:
        print("OK")
    elif m:
        print("ERR " + m.group(1).strip().replace("\n", " | "))
    else:
        print("??? " + " ".join((r.stdout + r.stderr).split()))

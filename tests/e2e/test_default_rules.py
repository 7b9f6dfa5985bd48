#!/usr/bin/env python3
"""The rule files under rules/ (vigia's built-in defaults among them) against
Prometheus's own tooling: `promtool check rules` accepts every file and
`promtool test rules` passes every unit-test file under rules/tests/.

A copy of a test file with one expectation changed must fail, so the tests
are known to look at what they claim to check.
"""
import glob
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness as h  # noqa: E402

RULES_DIR = os.path.join(h.SOURCE_DIR, "rules")


def check_files(c, tool, binary, rule_files, test_files):
    for f in rule_files:
        r = h.run([binary, "check", "rules", f], timeout=60)
        c.check(r.returncode == 0 and "SUCCESS" in r.stdout, "%s check rules %s" % (tool, os.path.basename(f)),
                r.stdout + r.stderr)
    for f in test_files:
        r = h.run([binary, "test", "rules", f], timeout=240, cwd=os.path.dirname(f))
        c.check(r.returncode == 0 and "SUCCESS" in r.stdout, "%s test rules %s" % (tool, os.path.basename(f)),
                (r.stdout + r.stderr)[-1500:])


def body(c):
    rule_files = sorted(glob.glob(os.path.join(RULES_DIR, "*.yml")))
    test_files = sorted(glob.glob(os.path.join(RULES_DIR, "tests", "*_test.yml")))
    c.check(rule_files, "rules/ has rule files")
    c.check(test_files, "rules/tests/ has unit-test files")
    check_files(c, "promtool", h.PROMTOOL, rule_files, test_files)

    # Mutation: one expected annotation changed must make the file fail.
    src = os.path.join(RULES_DIR, "tests", "vigia-default_test.yml")
    work = h.new_tmpdir("rules")
    shutil.copytree(RULES_DIR, os.path.join(work, "rules"))
    bad = os.path.join(work, "rules", "tests", "vigia-default_test.yml")
    text = open(src).read()
    mutated = re.sub(r'description: "92 connections in use\."', 'description: "91 connections in use."', text)
    c.check(mutated != text, "mutation applied")
    with open(bad, "w") as f:
        f.write(mutated)
    r = h.run([h.PROMTOOL, "test", "rules", bad], timeout=240, cwd=os.path.dirname(bad))
    c.check(r.returncode != 0 and "PostgresConnectionsHigh" in r.stdout + r.stderr,
            "promtool test rules fails on a wrong expectation", (r.stdout + r.stderr)[-500:])
    # vigia's own test runner and rule checker give the same verdicts.
    check_files(c, "vigia", h.VIGIA_BINARY, rule_files, test_files)
    r = h.run([h.VIGIA_BINARY, "test", "rules", bad], timeout=240, cwd=os.path.dirname(bad))
    c.check(r.returncode != 0 and "PostgresConnectionsHigh" in r.stdout,
            "vigia test rules fails on the same wrong expectation", (r.stdout + r.stderr)[-500:])


if __name__ == "__main__":
    h.main("default rule files under promtool", body)

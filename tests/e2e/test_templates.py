#!/usr/bin/env python3
"""The template fixtures (tests/fixtures/templates/) are Prometheus's output.

tests/unit/template_test.cc checks that vigia expands the templates of
rules.yml to the strings in rules_test.yml, and that the templates of
parse_errors.yml fail to parse with the messages in parse_errors.expected.
This test checks those expectations against Prometheus itself:
  - `promtool test rules rules_test.yml` passes (every label and annotation
    promtool's rule evaluation expands equals the recorded one);
  - `promtool check rules parse_errors.yml` reports exactly the recorded
    message for each annotation;
  - a copy with one expected annotation changed fails, so promtool is known to
    look at the annotations.
"""
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness as h  # noqa: E402

DIR = os.path.join(h.FIXTURES, "templates")


def body(c):
    test_file = os.path.join(DIR, "rules_test.yml")
    r = h.run([h.PROMTOOL, "test", "rules", test_file], timeout=120, cwd=DIR)
    c.check(r.returncode == 0 and "SUCCESS" in r.stdout, "promtool test rules rules_test.yml",
            (r.stdout + r.stderr)[-3000:])
    text = open(test_file).read()
    c.check(len(re.findall(r"^\s{8}\w+: ", text, re.M)) >= 70, "rules_test.yml records at least 70 annotations")

    r = h.run([h.PROMTOOL, "check", "rules", os.path.join(DIR, "parse_errors.yml")], timeout=60, cwd=DIR)
    got = sorted(m.group(1) + "\t" + m.group(2)
                 for m in re.finditer(r'annotation "(\w+)": (.*)', r.stdout + r.stderr))
    want = [l for l in open(os.path.join(DIR, "parse_errors.expected")).read().split("\n") if l]
    c.check(r.returncode != 0, "promtool check rules rejects parse_errors.yml")
    c.eq(len(got), len(want), "one parse error per annotation")
    for g, w in zip(got, want):
        c.eq(g, w, "parse error %s" % w.split("\t")[0])

    # Mutation: a wrong expectation must fail.
    work = h.new_tmpdir("templates")
    shutil.copy(os.path.join(DIR, "rules.yml"), work)
    mutated = text.replace("humanize: 1.235M", "humanize: 1.234M")
    c.check(mutated != text, "mutation applied")
    with open(os.path.join(work, "rules_test.yml"), "w") as f:
        f.write(mutated)
    r = h.run([h.PROMTOOL, "test", "rules", "rules_test.yml"], timeout=120, cwd=work)
    c.check(r.returncode != 0 and "1.235M" in r.stdout + r.stderr, "promtool fails on a wrong expectation",
            (r.stdout + r.stderr)[-500:])


if __name__ == "__main__":
    h.main("alert templates: fixtures are Prometheus's expansions", body)

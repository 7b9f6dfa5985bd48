#!/usr/bin/env python3
"""Differential check of vigia's alert templates against Prometheus on many inputs.

  scripts/templates/diff_corpus.py [BUILD_DIR] CORPUS_DIR...

Every file of the corpus directories (e.g. the template_fuzz corpus,
build-fuzz/corpus/template_fuzz, or tests/fuzz/corpus/template) is a
template. Templates that YAML cannot carry (control characters, invalid
UTF-8) and those using query, externalURL or pathPrefix (promtool's test
harness has no external URL and another query engine) are skipped. The rest:
  - `promtool check rules` must reject exactly those that vigia's
    check_template rejects, with the same message;
  - for the others, the annotations `promtool test rules` expands for an alert
    (labels and value as in driver.cc) must equal vigia's expansions.
Mismatches are printed; the exit status is 1 if there is any. Needs promtool,
PyYAML, g++ and a configured build (default: build/) with vigia_alerting built.
"""
import os
import re
import subprocess
import sys
import tempfile

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "fixtures", "templates"))
import update  # noqa: E402  (the fixtures' series, external labels and promtool output parsing)

PROMTOOL = os.environ.get("PROMTOOL", "/usr/bin/promtool")


def carriable(s):
    return not any((ord(c) < 32 and c not in "\n\t") or 0x7f <= ord(c) < 0xa0 or ord(c) in (0xfeff, 0x2028, 0x2029)
                   for c in s)


def main():
    args = sys.argv[1:]
    build = "build"
    if args and os.path.exists(os.path.join(args[0], "libvigia_alerting.a")):
        build = args.pop(0)
    build = os.path.join(ROOT, build) if not os.path.isabs(build) else build
    if not args:
        sys.exit(__doc__)
    temps = set()
    for d in args:
        for f in os.listdir(d):
            try:
                s = open(os.path.join(d, f), "rb").read().decode("utf-8")
            except (UnicodeDecodeError, IsADirectoryError):
                continue
            if carriable(s) and not re.search(r"query|externalURL|pathPrefix", s):
                temps.add(s)
    temps = sorted(temps)
    tmp = tempfile.mkdtemp(prefix="template-diff-")
    driver = os.path.join(tmp, "driver")
    re2 = subprocess.run(["pkg-config", "--libs", "re2"], capture_output=True, text=True, check=True).stdout.split()
    subprocess.run(["g++", "-std=c++20", "-O1", "-I" + ROOT, os.path.join(ROOT, "scripts", "templates", "driver.cc"),
                    os.path.join(build, "libvigia_alerting.a"), os.path.join(build, "libvigia_core.a")] + re2 +
                   ["-o", driver], check=True)
    with open(os.path.join(tmp, "in.bin"), "wb") as f:
        f.write(b"\0".join(t.encode() for t in temps) + b"\0")
    out = subprocess.run([driver, os.path.join(tmp, "in.bin")], capture_output=True, check=True).stdout
    res = out.decode("utf-8", "replace").split("\0")[:-1]
    assert len(res) == len(temps)

    def rules_file(items):
        rules = {"groups": [{"name": "g", "rules": [{"alert": "Fz", "expr": 'tmpl_value{case="main"} + 0',
                                                     "annotations": dict(items)}]}]}
        with open(os.path.join(tmp, "rules.yml"), "w") as f:
            yaml.safe_dump(rules, f, allow_unicode=True, width=100000)

    keys = ["a%05d" % i for i in range(len(temps))]
    rules_file(zip(keys, temps))
    r = subprocess.run([PROMTOOL, "check", "rules", os.path.join(tmp, "rules.yml")], capture_output=True, text=True)
    prom_parse = {m.group(1): m.group(2) for m in re.finditer(r'annotation "(a\d+)": (.*)', r.stdout + r.stderr)}
    bad = 0
    for k, t, v in zip(keys, temps, res):
        vigia_err = v[1:] if v[0] == "P" else None
        if vigia_err != prom_parse.get(k):
            bad += 1
            print("PARSE %r\n  vigia: %r\n  prom:  %r" % (t, vigia_err, prom_parse.get(k)))
    good = [(k, t, v[1:]) for k, t, v in zip(keys, temps, res) if v[0] == "O" and k not in prom_parse]
    rules_file((k, t) for k, t, _ in good)
    test = update.test_file(["Fz"], {})
    with open(os.path.join(tmp, "t.yml"), "w") as f:
        yaml.safe_dump(test, f, sort_keys=False)
    r = subprocess.run([PROMTOOL, "test", "rules", os.path.join(tmp, "t.yml")], capture_output=True, text=True)
    m = re.search(r"Annotations:(\{.*?\})\n", r.stdout + r.stderr)
    got = update.parse_labels(m.group(1)) if m else {}
    if good and not m:
        print((r.stdout + r.stderr)[:2000])
        sys.exit(1)
    for k, t, v in good:
        if got.get(k, "") != v:
            bad += 1
            print("EXPAND %r\n  vigia: %r\n  prom:  %r" % (t, v[:500], got.get(k, "")[:500]))
    print("%d templates (%d parse, %d do not): %d mismatches" % (len(temps), len(good), len(temps) - len(good), bad))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()

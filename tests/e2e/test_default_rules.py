#!/usr/bin/env python3
"""The rule files under rules/ (vigia's built-in rules) against Prometheus's
own tooling and vigia's: `promtool check rules` and `vigia check rules` accept
every file, `promtool test rules` and `vigia test rules` pass every unit-test
file under rules/tests/ (one per rule file).

A copy of a test file with one expectation changed must fail, so the tests
are known to look at what they claim to check.

Structure: every alert has labels.severity (warning or critical) and the
annotations summary, description and runbook_url; every runbook_url is the
one base of docs/runbooks.md plus an anchor of a heading there; every alert
has a test that expects it to fire; every threshold a rule reads
(vigia_alert_threshold{threshold="x"}) is in docs/runbooks.md's table with
the rule's default and has a test overriding it or a default test.

Thresholds live: `vigia check config` refuses an alerting.thresholds name no
rule reads and a value that is not a number, with file:line:column; `vigia
run` with an override exports vigia_alert_threshold, feeds it to its own
evaluator (HostMemoryCritical pending at a 1 % threshold, not at the default)
and loads every rules/*.yml as a built-in file.
"""
import glob
import os
import re
import shutil
import sys

import yaml

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness as h  # noqa: E402

RULES_DIR = os.path.join(h.SOURCE_DIR, "rules")
RUNBOOKS = os.path.join(h.SOURCE_DIR, "docs", "runbooks.md")
THRESHOLD_RE = re.compile(r'vigia_alert_threshold\{threshold="([a-z_0-9]+)"\}\) or on\(\) vector\(([0-9.]+)\)')


def github_anchor(heading):
    """GitHub's anchor of a Markdown heading: lower case, punctuation dropped, spaces to '-'."""
    s = heading.strip().lower()
    s = re.sub(r"[^\w\- ]", "", s)
    return s.replace(" ", "-")


def check_structure(c, rule_files, test_files):
    text = open(RUNBOOKS).read()
    bases = re.findall(r"^    (https?://\S+)$", text, re.M)
    c.check(len(bases) == 1, "docs/runbooks.md names one base URL", bases)
    base = bases[0] if bases else ""
    anchors = {github_anchor(m) for m in re.findall(r"^#+ (.+)$", text, re.M)}
    table = dict(re.findall(r"^\| `([a-z_0-9]+)` \| ([0-9.]+) \|", text, re.M))
    alerts = {}
    thresholds = {}
    for f in rule_files:
        doc = yaml.safe_load(open(f))
        area = os.path.basename(f)[:-4]
        c.check(os.path.join(RULES_DIR, "tests", area + "_test.yml") in test_files,
                "%s has its test file rules/tests/%s_test.yml" % (area, area))
        for g in doc["groups"]:
            for r in g["rules"]:
                if "alert" not in r:
                    continue
                name = r["alert"]
                c.check(name not in alerts, "alert %s defined once" % name)
                alerts[name] = area
                labels, ann = r.get("labels", {}), r.get("annotations", {})
                c.check(labels.get("severity") in ("warning", "critical"), "%s: severity warning|critical" % name,
                        labels)
                for k in ("summary", "description", "runbook_url"):
                    c.check(ann.get(k), "%s: annotation %s" % (name, k))
                url = ann.get("runbook_url", "")
                c.check(url == base + "#" + name.lower(), "%s: runbook_url is the base + #%s" % (name, name.lower()),
                        url)
                c.check(name.lower() in anchors, "%s: docs/runbooks.md has its section" % name)
                for th, default in THRESHOLD_RE.findall(r["expr"]):
                    thresholds.setdefault(th, set()).add(float(default))
    c.check(len(alerts) >= 48, "at least 48 alerts (%d)" % len(alerts))
    # Every alert is expected to fire in some test.
    fired = set()
    overridden = set()
    for f in test_files:
        doc = yaml.safe_load(open(f))
        for case in doc.get("tests", []):
            for s in case.get("input_series", []):
                m = re.search(r'vigia_alert_threshold\{.*threshold="([a-z_0-9]+)"', s["series"])
                if m:
                    overridden.add(m.group(1))
            for a in case.get("alert_rule_test", []):
                if a.get("exp_alerts"):
                    fired.add(a["alertname"])
    c.check(not set(alerts) - fired, "every alert has a test where it fires", sorted(set(alerts) - fired))
    for th, defaults in sorted(thresholds.items()):
        c.check(len(defaults) == 1, "threshold %s has one default" % th, defaults)
        c.check(th in table and float(table[th]) in defaults,
                "threshold %s documented in docs/runbooks.md with its default %s" % (th, sorted(defaults)),
                table.get(th))
    c.check(set(table) <= set(thresholds), "docs/runbooks.md documents no threshold the rules do not read",
            sorted(set(table) - set(thresholds)))
    c.check(len(overridden & set(thresholds)) >= 8, "at least 8 thresholds overridden in tests",
            sorted(overridden))
    c.check(overridden <= set(thresholds), "tests override only thresholds rules read",
            sorted(overridden - set(thresholds)))
    return alerts


def check_thresholds_live(c, rule_files, alerts):
    work = h.new_tmpdir("thresholds")
    # vigia check config: a name no rule reads, a non-number, a bad name, each with file:line:column.
    cases = [
        ("alerting:\n  thresholds:\n    host_memory_critical_percent: 95\n    host_memroy_week_percent: 85\n",
         r"vigia\.yml:4:5: alerting\.thresholds: no rule reads threshold 'host_memroy_week_percent'"),
        ("alerting:\n  thresholds:\n    probe_slow_seconds: fast\n",
         r"vigia\.yml:3:25: alerting\.thresholds\.probe_slow_seconds: expected a number"),
        ("alerting:\n  thresholds:\n    \"a b\": 1\n",
         r"vigia\.yml:3:5: alerting\.thresholds: 'a b' is not a threshold name"),
        ("alerting:\n  thresholds: [1]\n", r"vigia\.yml:2:15: alerting\.thresholds: expected a mapping"),
    ]
    for i, (cfg, want) in enumerate(cases):
        path = os.path.join(work, "bad%d" % i, "vigia.yml")
        os.makedirs(os.path.dirname(path))
        with open(path, "w") as f:
            f.write(cfg)
        r = h.run([h.VIGIA_BINARY, "check", "config", "--config.file=" + path], timeout=60)
        out = (r.stdout + r.stderr).replace(path, "vigia.yml")
        c.check(r.returncode != 0 and re.search(want, out), "check config refuses case %d: %s" % (i, want), out)
    good = "alerting:\n  thresholds:\n    host_memory_critical_percent: 1\n    probe_slow_seconds: 0.5\n"
    path = os.path.join(work, "good.yml")
    with open(path, "w") as f:
        f.write(good)
    r = h.run([h.VIGIA_BINARY, "check", "config", "--config.file=" + path], timeout=60)
    c.check(r.returncode == 0 and "SUCCESS" in r.stdout, "check config accepts valid thresholds", r.stdout + r.stderr)

    # vigia run with an override: exported, in the embedded store, read by the built-in rules.
    v = h.Vigia(mode="run", config="alerting:\n  evaluation_interval: 1s\n  state_file: data/alerts.json\n"
                                   "  thresholds:\n    host_memory_critical_percent: 1\n",
                collectors=["meminfo"], args=["--log.level=warn"])
    try:
        text = h.http_get(v.url + "/metrics").body
        c.check('vigia_alert_threshold{threshold="host_memory_critical_percent"} 1' in text,
                "vigia_alert_threshold exported on /metrics", [l for l in text.splitlines() if "threshold" in l])

        def pending():
            alerts_now = h.http_get_json(v.url + "/api/v1/alerts")["data"]["alerts"]
            return [a for a in alerts_now if a["labels"].get("alertname") == "HostMemoryCritical"]
        got = h.wait_for(pending, 60, "HostMemoryCritical pending at a 1 % threshold")
        c.check(got and got[0]["state"] == "pending", "HostMemoryCritical pending under the override", got)
        rules = h.http_get_json(v.url + "/api/v1/rules")["data"]["groups"]
        files = {g["file"] for g in rules}
        want = {"<built-in>/" + os.path.basename(f) for f in rule_files}
        c.check(files == want, "vigia run loads every rules/*.yml as a built-in file", sorted(files ^ want))
        names = {r["name"] for g in rules for r in g["rules"]}
        c.check(names == set(alerts), "the built-in rules are the rule files' alerts", sorted(names ^ set(alerts)))
    finally:
        v.stop()
    # Without the override (the default 90 %), no HostMemoryCritical on this host unless it really is
    # above 90 % (then the test cannot tell, and says so).
    used = 0.0
    for line in open("/proc/meminfo"):
        k, val = line.split(":")[0], float(line.split()[1])
        if k == "MemTotal":
            total = val
        elif k == "MemAvailable":
            used = 100 * (1 - val / total)
    if used < 85:
        v = h.Vigia(mode="run", config="alerting:\n  evaluation_interval: 1s\n  state_file: data/alerts.json\n",
                    collectors=["meminfo"], args=["--log.level=warn"])
        try:
            text = h.http_get(v.url + "/metrics").body
            c.check("vigia_alert_threshold" not in text, "no vigia_alert_threshold without alerting.thresholds")

            def host_evaluated():
                groups = h.http_get_json(v.url + "/api/v1/rules")["data"]["groups"]
                return [g for g in groups if g["file"] == "<built-in>/host.yml"
                        and not g.get("lastEvaluation", "0001").startswith("0001")]
            h.wait_for(host_evaluated, 30, "a first evaluation of the host rules")
            alerts_now = h.http_get_json(v.url + "/api/v1/alerts")["data"]["alerts"]
            c.check(not [a for a in alerts_now if a["labels"].get("alertname") == "HostMemoryCritical"],
                    "no HostMemoryCritical at the default threshold (%.0f %% used)" % used, alerts_now)
        finally:
            v.stop()


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
    alerts = check_structure(c, rule_files, test_files)
    check_files(c, "promtool", h.PROMTOOL, rule_files, test_files)

    # Mutation: one expected annotation changed must make the file fail.
    src = os.path.join(RULES_DIR, "tests", "postgres_test.yml")
    work = h.new_tmpdir("rules")
    shutil.copytree(RULES_DIR, os.path.join(work, "rules"))
    bad = os.path.join(work, "rules", "tests", "postgres_test.yml")
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
    check_thresholds_live(c, rule_files, alerts)


if __name__ == "__main__":
    h.main("default rule files under promtool", body)

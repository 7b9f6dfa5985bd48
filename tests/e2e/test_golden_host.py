#!/usr/bin/env python3
"""Golden end-to-end test of the host exporter: vigia runs on the fixture tree
tests/fixtures/host (proc/, sys/, rootfs/) and its /metrics, minus what is inherently live,
must equal tests/fixtures/golden/host.txt line for line.

  python3 tests/e2e/test_golden_host.py            # check
  python3 tests/e2e/test_golden_host.py --update   # regenerate the golden file

Also checks that every collector succeeds on the fixture tree (a collector that fails there
is not tested by the golden file) and that two scrapes give the same filtered text (anything
that differs belongs in LIVE).
"""
import difflib
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness as h  # noqa: E402

TREE = os.path.join(h.FIXTURES, "host")
GOLDEN = os.path.join(h.FIXTURES, "golden", "host.txt")

# Flags beyond the fixture paths, e.g. collectors that are off by default.
EXTRA_FLAGS = []

# Families read from the live system rather than the fixture tree (vigia's own process,
# timings, the clock and time zone, adjtimex, statfs of real mount points), matched on
# metric and sample names.
LIVE = re.compile(r"^(process_|vigia_collector_duration_seconds|vigia_http_|node_time_seconds|node_time_zone_offset_seconds|"
                  r"node_timex_|node_filesystem_(size|free|avail)_bytes|node_filesystem_files(_free)?)")


def filtered(text):
    out = []
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.startswith("#"):
            parts = line.split(None, 3)
            name = parts[2] if len(parts) >= 3 and parts[1] in ("HELP", "TYPE") else ""
        else:
            name = re.match(r"[^{\s]+", line).group(0)
        if name and LIVE.match(name):
            continue
        out.append(line)
    return "\n".join(out) + "\n"


def scrape_tree():
    # The host exporter alone: `vigia run` adds the evaluator's series, which vary.
    args = ["exporter", "--path.procfs=" + os.path.join(TREE, "proc"), "--path.sysfs=" + os.path.join(TREE, "sys"),
            "--path.rootfs=" + os.path.join(TREE, "rootfs")] + EXTRA_FLAGS
    with h.start_vigia(args) as v:
        first = h.http_get(v.url + "/metrics")
        second = h.http_get(v.url + "/metrics")
    if first.status != 200 or second.status != 200:
        raise h.HarnessError("/metrics answered %d, %d" % (first.status, second.status))
    return first.body, second.body


def main(c, update):
    if not os.path.isdir(os.path.join(TREE, "proc")):
        raise h.HarnessError("fixture tree %s/proc is missing" % TREE)
    a, b = scrape_tree()
    got = filtered(a)
    fams = h.parse_exposition(a)
    for _, labels, value in fams["vigia_collector_success"]["samples"]:
        c.check(value == 1, "collector %s succeeds on the fixture tree" % labels["collector"])
    changing = [l for l in difflib.unified_diff(got.splitlines(), filtered(b).splitlines(), lineterm="", n=0)
                if l[:1] in "+-" and not l.startswith(("+++", "---"))]
    c.check(not changing, "two scrapes of the fixture tree give the same filtered text",
            "lines that change (add their families to LIVE): %s" % " | ".join(changing[:10]))

    if update:
        os.makedirs(os.path.dirname(GOLDEN), exist_ok=True)
        with open(GOLDEN, "w") as f:
            f.write(got)
        c.note("wrote %s (%d lines, %d families)" % (GOLDEN, got.count("\n"),
                                                     len([f for f in fams if not LIVE.match(f)])))
        return
    if not c.check(os.path.exists(GOLDEN), "golden file exists", "%s missing; run with --update" % GOLDEN):
        return
    with open(GOLDEN) as f:
        want = f.read()
    diff = list(difflib.unified_diff(want.splitlines(), got.splitlines(), "golden/host.txt", "vigia /metrics",
                                     lineterm=""))
    for line in diff[:200]:
        print("    " + line)
    if len(diff) > 200:
        print("    ... %d more diff lines" % (len(diff) - 200))
    c.check(not diff, "/metrics on the fixture tree equals golden/host.txt (%d lines)" % want.count("\n"),
            "differs; if the change is intended, run %s --update" % sys.argv[0])


if __name__ == "__main__":
    upd = "--update" in sys.argv[1:]
    h.main("host exporter golden output", lambda c: main(c, upd))

#!/usr/bin/env python3
"""Golden end-to-end test of the host exporter: vigia runs on the fixture tree
tests/fixtures/host (proc/, sys/, rootfs/) and its /metrics, minus what is inherently live,
must equal tests/fixtures/golden/host.txt line for line.

  python3 tests/e2e/test_golden_host.py            # check
  python3 tests/e2e/test_golden_host.py --update   # regenerate the golden file

Also checks that every collector succeeds on the fixture tree (a collector that fails there
is not tested by the golden file) and that two scrapes give the same filtered text (anything
that differs belongs in LIVE).

The golden file is vigia's own output, so it is checked against the reference: Debian's
node_exporter 1.5 runs on the same fixture tree (same paths, vigia's filter defaults, the
collectors both have) and every family of golden/host.txt it also exports must have its
type, label names, series and values (NOT_COMPARABLE lists the exceptions and why); what
only the golden file holds must be listed in VIGIA_ONLY.
"""
import difflib
import math
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness as h  # noqa: E402

TREE = os.path.join(h.FIXTURES, "host")
GOLDEN = os.path.join(h.FIXTURES, "golden", "host.txt")

# Flags beyond the fixture paths, e.g. collectors that are off by default.
EXTRA_FLAGS = []

# Families read from the live system rather than the fixture tree (vigia's own process and
# its instrumentation, timings, the clock and time zone, adjtimex, statfs of real mount
# points), matched on metric and sample names.
LIVE = re.compile(r"^(process_|vigia_http_|vigia_scrape_collection_|vigia_collector_duration_seconds|node_scrape_collector_duration_seconds|node_time_seconds|node_time_zone_offset_seconds|"
                  r"node_timex_|node_filesystem_(size|free|avail)_bytes|node_filesystem_files(_free)?)")


# Paths of the fixture tree, the same for vigia and node_exporter.
TREE_FLAGS = ["--path.procfs=" + os.path.join(TREE, "proc"), "--path.sysfs=" + os.path.join(TREE, "sys"),
              "--path.rootfs=" + os.path.join(TREE, "rootfs"),
              "--path.udev.data=" + os.path.join(TREE, "run", "udev", "data")]

# Golden families node_exporter does not export, and why.
VIGIA_ONLY = {
    "vigia_collector_success": "vigia's own instrumentation (node_exporter: node_scrape_collector_success)",
}

# Golden families node_exporter exports whose values cannot agree, and why; their type and
# label names are still compared.
NOT_COMPARABLE = {
    "node_uname_info": "node_exporter reads uname(2) of the machine it runs on; vigia reads the "
                       "fixture's proc/sys/kernel",
}

# Label values node_exporter 1.5 leaves as the kernel escapes them: /proc/mounts writes a
# space, tab, newline and backslash in a device or mount point as \040, \011, \012, \134;
# node_exporter 1.5 exports those escapes as they stand, vigia decodes them (the label is
# the real path). The reference's values are decoded before comparing.
MOUNTS_ESCAPED = {"node_filesystem_": ("device", "mountpoint")}


def decode_mounts_escapes(value):
    return re.sub(r"\\(040|011|012|134)", lambda m: chr(int(m.group(1), 8)), value)


def reference_series(fam, f):
    """f.series() of a node_exporter family, its /proc/mounts escapes decoded."""
    labels = next((ls for prefix, ls in MOUNTS_ESCAPED.items() if fam.startswith(prefix)), ())
    out = {}
    for (name, items), v in f.series().items():
        out[(name, tuple((k, decode_mounts_escapes(x) if k in labels else x) for k, x in items))] = v
    return out


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
    args = ["exporter"] + TREE_FLAGS + EXTRA_FLAGS
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
    check_against_node_exporter(c, want)
    for line in diff[:200]:
        print("    " + line)
    if len(diff) > 200:
        print("    ... %d more diff lines" % (len(diff) - 200))
    c.check(not diff, "/metrics on the fixture tree equals golden/host.txt (%d lines)" % want.count("\n"),
            "differs; if the change is intended, run %s --update" % sys.argv[0])


def node_exporter_on_tree(collectors):
    """node_exporter's families on the fixture tree: `collectors` only, netdev from
    /proc/net/dev (netlink cannot read a fixture), and vigia's defaults for every filter
    flag both have (Debian's package changes several)."""
    vigia_defaults = h.vigia_flag_defaults()
    filters = ["--%s=%s" % (flag, vigia_defaults[flag]) for flag, value in sorted(h.node_exporter_flag_defaults().items())
               if flag.split(".")[1] in collectors and flag in vigia_defaults and vigia_defaults[flag] != value]
    args = ["--collector.disable-defaults"] + ["--collector." + n for n in collectors] + \
        ["--no-collector.netdev.netlink"] + TREE_FLAGS + filters
    with h.start_node_exporter(args) as node:
        return h.scrape(node.url + "/metrics"), filters


def same_value(a, b):
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b or abs(a - b) <= 1e-12 * max(abs(a), abs(b))


def check_against_node_exporter(c, golden_text):
    golden = h.parse_exposition(golden_text)
    vigia_collectors = sorted(l["collector"] for _, l, _ in golden["vigia_collector_success"]["samples"])
    shared = sorted(set(vigia_collectors) & h.node_exporter_collectors())
    node, filters = node_exporter_on_tree(shared)
    c.note("node_exporter on the fixture tree: collectors %s; vigia's filter defaults: %s" % (
        " ".join(shared), " ".join(filters) or "none"))
    node_ok = {l["collector"]: v for _, l, v in node["node_scrape_collector_success"]["samples"]}
    for n in shared:
        c.check(node_ok.get(n) == 1, "node_exporter collector %s succeeds on the fixture tree" % n)
    only = sorted(set(golden) - set(node))
    c.eq(only, sorted(VIGIA_ONLY), "golden families node_exporter does not export are the VIGIA_ONLY list")
    compared = sorted(set(golden) & set(node))
    c.check(len(compared) >= 150, "golden/host.txt shares %d families with node_exporter" % len(compared))
    for fam in compared:
        g, n = golden[fam], node[fam]
        problems = []
        if g["type"] != n["type"]:
            problems.append("type %s, node_exporter %s" % (g["type"], n["type"]))
        if g.label_names() != n.label_names():
            problems.append("label names %s, node_exporter %s" % (sorted(g.label_names()), sorted(n.label_names())))
        if fam not in NOT_COMPARABLE:
            gs, ns = g.series(), reference_series(fam, n)
            for key in sorted(set(gs) ^ set(ns))[:5]:
                problems.append("series %s only in %s" % (key, "golden" if key in gs else "node_exporter"))
            for key in sorted(set(gs) & set(ns)):
                if not same_value(gs[key], ns[key]):
                    problems.append("%s = %r, node_exporter %r" % (key, gs[key], ns[key]))
            what = "%d series equal" % len(gs)
        else:
            what = "type and label names (values: %s)" % NOT_COMPARABLE[fam]
        c.check(not problems, "%s: as node_exporter 1.5 on the fixture tree: %s" % (fam, what),
                "; ".join(problems[:5]))


if __name__ == "__main__":
    upd = "--update" in sys.argv[1:]
    h.main("host exporter golden output", lambda c: main(c, upd))

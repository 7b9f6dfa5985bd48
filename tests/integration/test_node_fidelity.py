#!/usr/bin/env python3
"""vigia against prometheus-node-exporter on this machine, both restricted to the collectors
vigia implements (read from vigia's own vigia_collector_success series).

Checks, for every family both expose: same type, same label names, same series set (within
what changed between scrapes); values: constant gauges equal, counters and slow gauges of
vigia (scrape B) lie between two node_exporter scrapes (A before, A after). Every family
node_exporter has that vigia lacks fails the test unless ALLOW_MISSING gives a reason.
Value and series checks are repeated up to ROUNDS times and fail only if they fail every
time, so one unlucky tick on a busy machine is not a failure.
"""
import math
import os
import re
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness as h  # noqa: E402

ROUNDS = 3

# Families that are not about the host: each program's own instrumentation.
GENERIC = re.compile(r"^(go_|process_|promhttp_|node_scrape_collector_|node_exporter_build_info$|"
                     r"node_textfile_scrape_error$|vigia_)")

# node_exporter families vigia deliberately does not export: {family: reason}.
ALLOW_MISSING = {
}

# Families whose TYPE may differ from node_exporter's: {family: reason}.
ALLOW_TYPE_DIFF = {
}

# Families whose series set may differ from node_exporter's: {family: reason}.
ALLOW_SERIES_DIFF = {
    # Which processes are running (R) at the instant of a scrape depends on the observer: /proc/PID/stat
    # gives a process's main-thread state, and node_exporter's Go main thread is the one serving its
    # own scrape (on a quiet machine its one R process is itself), while vigia's main thread sleeps
    # as a worker thread scrapes. The states both show are still compared (loose values).
    "node_processes_state": "the scraping exporter's own process state (R) differs by design",
    # Threads in a rare state (Z, D) exist for milliseconds on a machine running other tests: a CI run
    # saw vigia count a Z thread that neither node_exporter scrape around it saw. Values still compared.
    "node_processes_threads_state": "short-lived thread states (Z, D) come and go between scrapes",
    # TCP sockets in passing states (syn_sent, fin_wait1, last_ack, time_wait of the scrapes themselves)
    # come and go between scrapes. Values of the states all three scrapes show are still compared
    # (loose), and IDLE_TCP below checks both see the sockets this test holds open.
    "node_tcp_connection_states": "sockets in passing TCP states come and go between scrapes",
}

# Idle loopback TCP sockets the test holds open while scraping (tcpstat): each exporter must count
# at least these per state. {state: count}
IDLE_TCP = {"listen": 1, "established": 6, "close_wait": 1, "fin_wait2": 1}

# Collectors that node_exporter 1.5 reports as failed (success 0, "no data") where the machine
# lacks what they read: {collector: path}. Where the path is absent, vigia must export none of
# their families either (the family comparison below checks that both sides have none).
NO_DATA_WITHOUT = {
    "dmi": "/sys/class/dmi/id", "hwmon": "/sys/class/hwmon", "mdadm": "/proc/mdstat", "nfs": "/proc/net/rpc/nfs",
    "nfsd": "/proc/net/rpc/nfsd", "nvme": "/sys/class/nvme", "powersupplyclass": "/sys/class/power_supply",
    "conntrack": "/proc/sys/net/netfilter/nf_conntrack_count",
    "schedstat": "/proc/schedstat",
}

# Gauges that do not change while the machine runs (plus every *_info gauge): equal values.
CONSTANT_GAUGES = {
    "node_memory_MemTotal_bytes", "node_memory_SwapTotal_bytes", "node_memory_HugePages_Total",
    "node_memory_Hugepagesize_bytes", "node_memory_VmallocTotal_bytes", "node_memory_CmaTotal_bytes",
    "node_memory_DirectMap4k_bytes", "node_memory_DirectMap2M_bytes", "node_memory_DirectMap1G_bytes",
    "node_filesystem_size_bytes", "node_filesystem_files", "node_filesystem_readonly",
    "node_filesystem_device_error",
    "node_boot_time_seconds", "node_filefd_maximum", "node_time_zone_offset_seconds",
    "node_entropy_pool_size_bits", "node_nf_conntrack_entries_limit",
    "node_cpu_scaling_frequency_max_hertz", "node_cpu_scaling_frequency_min_hertz",
    "node_cpu_frequency_max_hertz", "node_cpu_frequency_min_hertz",
    "node_network_mtu_bytes", "node_network_speed_bytes", "node_network_up",
    "node_network_address_assign_type", "node_network_device_id", "node_network_flags",
    "node_network_iface_id", "node_network_iface_link", "node_network_iface_link_mode",
    "node_network_net_dev_group", "node_network_protocol_type", "node_network_transmit_queue_length",
    "node_network_dormant", "node_network_carrier",
    "node_os_version", "node_disk_filesystem_info",
    "node_timex_loop_time_constant", "node_timex_pps_frequency_hertz", "node_timex_pps_jitter_seconds",
    "node_timex_pps_shift_seconds", "node_timex_pps_stability_hertz", "node_timex_status",
    "node_timex_sync_status", "node_timex_tai_offset_seconds", "node_timex_tick_seconds",
    "node_processes_max_processes", "node_processes_max_threads",
    "node_textfile_mtime_seconds", "job_last_success_seconds",
}

# Gauges that change at most once in a short window (load: every 5 s) or only grow
# (clocks): vigia's value must lie between the two node_exporter values.
BOUNDED_GAUGES = {
    "node_load1", "node_load5", "node_load15", "node_time_seconds",
    "node_timex_estimated_error_seconds", "node_timex_frequency_adjustment_ratio", "node_timex_maxerror_seconds",
    "node_timex_offset_seconds",
}

# Collectors whose data this machine may lack (node_exporter then reports success 0, vigia "no
# data"): {collector: the file whose absence explains it}.
# Gauges that may change by any amount between two scrapes (the current CPU frequency moves
# with the governor every few ms): type, labels and series are compared, values are not.
VOLATILE_GAUGES = {
    "node_cpu_frequency_hertz", "node_cpu_scaling_frequency_hertz",
    "node_hwmon_fan_rpm", "node_power_supply_current_ampere", "node_power_supply_power_watt",
}

REL_TOL = 1e-9

# Other gauges (memory, open files, running processes...) and untyped samples move between
# scrapes; vigia's value must be near the two node_exporter values: this catches wrong units,
# fields and scales, not small drifts.
LOOSE_REL = 0.10
LOOSE_ABS_BYTES = 8 << 20
LOOSE_ABS = 16


def tolerance(family, value):
    """Absolute slack for one sample: float formatting, plus one clock tick (USER_HZ=100)
    for families counted in seconds from tick counters."""
    tol = abs(value) * REL_TOL
    if "_seconds" in family and family != "node_time_seconds" and not family.startswith("node_timex_"):
        tol += 0.02
    return tol


def series_keys(fam):
    return set(fam.series())


def main(c):
    probe = h.start_vigia([])
    fams = h.scrape(probe.url + "/metrics")
    probe.stop()
    succ = fams.get("vigia_collector_success")
    if not c.check(succ is not None, "vigia exports vigia_collector_success"):
        return
    vigia_collectors = {l["collector"]: v for _, l, v in succ["samples"]}
    for name, v in sorted(vigia_collectors.items()):
        c.check(v == 1, "vigia collector %s succeeds on this machine" % name)
    known = h.node_exporter_collectors()
    c.check(len(known) > 20, "node_exporter --help lists its collectors", "got %d" % len(known))
    shared = sorted(n for n in vigia_collectors if n in known)
    for n in sorted(set(vigia_collectors) - set(shared)):
        c.note("vigia collector %s has no node_exporter counterpart; not compared" % n)
    if not c.check(shared, "vigia has collectors node_exporter also has", repr(sorted(vigia_collectors))):
        return
    print("  comparing collectors: %s" % " ".join(shared))

    only = ["--collector.disable-defaults"] + ["--collector." + n for n in shared]
    # Options that are off by default, compared too (node_network_address_info).
    only += ["--collector.netdev.address-info"] if "netdev" in shared else []
    # Give vigia node_exporter's (Debian-patched) filter defaults so the comparison is about the
    # collectors, not the defaults; say where the defaults differ.
    node_defaults = h.node_exporter_flag_defaults()
    vigia_defaults = h.vigia_flag_defaults()
    same_filters = []
    for flag, value in sorted(node_defaults.items()):
        if flag.split(".")[1] not in shared or flag not in vigia_defaults:
            continue
        if vigia_defaults[flag] != value:
            c.note("--%s: vigia's default %r differs from node_exporter's %r" % (flag, vigia_defaults[flag], value))
        same_filters.append("--%s=%s" % (flag, value))
    # The collectors and options that are off by default, and a textfile directory with a
    # file in it (same options for both).
    tdir = h.new_tmpdir("textfile")
    with open(os.path.join(tdir, "job.prom"), "w") as f:
        f.write('# HELP job_last_success_seconds Last success.\n# TYPE job_last_success_seconds gauge\n'
                'job_last_success_seconds{job="backup"} 1.7e+09\ncron_runs{job="a"} 3\n')
    with open(os.path.join(tdir, "job.prom.123"), "w") as f:
        f.write('partial_write{job="')
    off_by_default = ["processes", "interrupts", "tcpstat"]
    shared = sorted(shared + off_by_default)
    options = ["--collector.cpu.info", "--collector.cpu.info.flags-include=^(fpu|sse2?)$",
               "--collector.cpu.info.bugs-include=.", "--collector.stat.softirq",
               "--collector.textfile.directory=" + tdir]
    only += ["--collector." + n for n in off_by_default] + options
    mine = {o.split("=")[0] for o in options}
    same_filters = [f for f in same_filters if f.split("=")[0] not in mine]
    vigia = h.start_vigia(["exporter"] + only + same_filters)
    node = h.start_node_exporter(only)
    idle = open_idle_tcp()

    rounds = scrape_rounds(node, vigia)

    a1, b, a2 = rounds[0]
    node_ok = {l["collector"]: v for _, l, v in a1.get("node_scrape_collector_success", {"samples": []})["samples"]}
    for n in shared:
        if node_ok.get(n) != 1 and n in NO_DATA_WITHOUT and not os.path.exists(NO_DATA_WITHOUT[n]):
            c.note("%s: no %s on this machine; node_exporter reports no data, nothing to compare" %
                   (n, NO_DATA_WITHOUT[n]))
            continue
        c.check(node_ok.get(n) == 1, "node_exporter collector %s succeeds (reference is valid)" % n)
    got_vigia = {l["collector"] for _, l, _ in b["vigia_collector_success"]["samples"]}
    c.eq(sorted(got_vigia), shared, "vigia --collector.disable-defaults + --collector.X runs exactly those")
    got_node_meta = {l["collector"]: v for _, l, v in b.get("node_scrape_collector_success", {"samples": []})["samples"]}
    c.eq(got_node_meta, node_ok, "vigia's node_scrape_collector_success equals node_exporter's")
    durations = b.get("node_scrape_collector_duration_seconds", {"samples": []})["samples"]
    c.eq(sorted(l["collector"] for _, l, _ in durations), shared,
         "vigia has node_scrape_collector_duration_seconds for each collector")
    for fam in ("node_scrape_collector_success", "node_scrape_collector_duration_seconds"):
        c.eq(b.get(fam, {}).get("help"), a1[fam]["help"], "%s: same HELP as node_exporter" % fam)
    for fam in ("job_last_success_seconds", "cron_runs", "node_textfile_mtime_seconds", "node_cpu_info",
                "node_cpu_flag_info", "node_softirqs_total", "node_interrupts_total", "node_processes_pids"):
        c.check(fam in a1 and fam in b, "%s: served by both" % fam)
    for who, scrape in (("node_exporter", a1), ("vigia", b)):
        seen = {l["state"]: v for _, l, v in scrape.get("node_tcp_connection_states", {"samples": []})["samples"]}
        short = {st: seen.get(st) for st, n in IDLE_TCP.items() if (seen.get(st) or 0) < n}
        c.check(not short, "%s counts at least the %s idle loopback TCP sockets the test holds" % (who, IDLE_TCP),
                "too few: %r" % short)
    for s in idle:
        s.close()
    # The process limits (both inherit this test's): vigia's own process_* (a plain `vigia
    # exporter`: --collector.disable-defaults leaves them out) as node_exporter's Go client.
    plain = h.start_vigia(["exporter"])
    p = h.scrape(plain.url + "/metrics")
    plain.stop()
    for fam in ("process_max_fds", "process_virtual_memory_max_bytes"):
        c.eq(h.one(p, fam) if fam in p else None, h.one(a1, fam), "%s equals node_exporter's" % fam)

    node_fams = {n for n in set(a1) | set(a2) if not GENERIC.match(n)}
    vigia_fams = {n for n in b if not GENERIC.match(n)}
    missing = sorted(node_fams - vigia_fams)
    unexplained = [m for m in missing if m not in ALLOW_MISSING]
    for m in missing:
        if m in ALLOW_MISSING:
            c.note("vigia lacks %s (allowed: %s)" % (m, ALLOW_MISSING[m]))
        else:
            c.note("vigia lacks %s" % m)
    c.check(not unexplained, "every node_exporter family for %s is in vigia (or allow-listed)" % ",".join(shared),
            "%d missing: %s" % (len(unexplained), " ".join(unexplained)))
    for extra in sorted(vigia_fams - node_fams):
        c.note("vigia has %s, node_exporter does not" % extra)
    for m in sorted(set(ALLOW_MISSING) & vigia_fams):
        c.note("ALLOW_MISSING entry %s is no longer needed" % m)

    common = sorted(node_fams & vigia_fams)
    for fam in common:
        ref = a1.get(fam) or a2[fam]
        got = b[fam]
        if fam in ALLOW_TYPE_DIFF and ref["type"] != got["type"]:
            c.note("%s: type %s vs node_exporter %s (allowed: %s)" % (fam, got["type"], ref["type"], ALLOW_TYPE_DIFF[fam]))
        else:
            c.eq(got["type"], ref["type"], "%s: same type as node_exporter" % fam)
        ref_labels = (a1[fam].label_names() if fam in a1 else set()) | (a2[fam].label_names() if fam in a2 else set())
        c.eq(sorted(got.label_names()), sorted(ref_labels), "%s: same label names" % fam)
        if ref["help"] != got["help"]:
            c.note("%s: HELP differs: %r vs node_exporter %r" % (fam, got["help"], ref["help"]))

    persistent = persistent_problems(rounds)
    stats = classify_stats(*rounds[-1])
    for fam in common:
        mine = {k: v for k, v in persistent.items() if k[0] == fam}
        kinds = stats.get(fam, {})
        desc = ", ".join("%d %s" % (n, k) for k, n in sorted(kinds.items())) or "no samples"
        c.check(not mine, "%s: same series, values agree (%s)" % (fam, desc),
                "; ".join(v for _, v in sorted(mine.items()))[:2000])
    vigia.stop()
    node.stop()
    netclass_netlink(c)


def netclass_netlink(c):
    """netclass's netlink mode (off by default) with its statistics: the same families, types, HELP,
    label names, series and values as node_exporter's netlink mode on this machine's links."""
    flags = ["--collector.disable-defaults", "--collector.netclass", "--collector.netclass.netlink",
             "--collector.netclass_rtnl.with-stats"]
    vigia = h.start_vigia(["exporter"] + flags)
    node = h.start_node_exporter(flags)
    rounds = scrape_rounds(node, vigia)
    vigia.stop()
    node.stop()
    a1, b, _ = rounds[0]
    node_fams = sorted(n for n in a1 if n.startswith("node_network_"))
    vigia_fams = sorted(n for n in b if n.startswith("node_network_"))
    c.check(len(node_fams) > 30, "netlink mode: node_exporter writes its link properties and statistics",
            repr(node_fams))
    c.eq(vigia_fams, node_fams, "netlink mode: the same node_network_* families as node_exporter")
    for fam in sorted(set(node_fams) & set(vigia_fams)):
        c.eq((b[fam]["type"], b[fam]["help"], sorted(b[fam].label_names())),
             (a1[fam]["type"], a1[fam]["help"], sorted(a1[fam].label_names())),
             "netlink mode: %s: same type, HELP and label names" % fam)
    persistent = persistent_problems(rounds)
    n = sum(len(b[f]["samples"]) for f in vigia_fams)
    c.check(not persistent, "netlink mode: same series, values agree (%d samples)" % n,
            "; ".join(v for _, v in sorted(persistent.items()))[:2000])


def scrape_rounds(node, vigia):
    """Up to ROUNDS rounds of (node_exporter, vigia, node_exporter) scrapes, until one has no
    value or series problem."""
    rounds = []
    for _ in range(ROUNDS):
        a1 = h.scrape(node.url + "/metrics")
        b = h.scrape(vigia.url + "/metrics")
        a2 = h.scrape(node.url + "/metrics")
        rounds.append((a1, b, a2))
        if not value_problems(a1, b, a2) and not series_problems(a1, b, a2):
            break
    return rounds


def persistent_problems(rounds):
    """Series and value problems that show up in every round (one unlucky tick is not a failure)."""
    persistent = None
    for i, (a1, b, a2) in enumerate(rounds):
        probs = value_problems(a1, b, a2)
        probs.update(series_problems(a1, b, a2))
        persistent = probs if persistent is None else {k: v for k, v in probs.items() if k in persistent}
        print("  round %d: %d value/series problems" % (i + 1, len(probs)))
    return persistent


def open_idle_tcp():
    """Loopback TCP sockets in known states (IDLE_TCP): a listener, 3 idle connections (both ends
    established) and one the server closed (fin_wait2 / close_wait). Returns them to close later."""
    lst = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lst.bind(("127.0.0.1", 0))
    lst.listen(8)
    socks = [lst]
    for _ in range(3):
        socks.append(socket.create_connection(lst.getsockname()))
        socks.append(lst.accept()[0])
    socks.append(socket.create_connection(lst.getsockname()))
    lst.accept()[0].close()
    # The FIN is acked at once on loopback; wait for the states rather than for a time.
    for _ in range(100):
        with open("/proc/net/tcp") as f:
            states = [line.split()[3] for line in f.readlines()[1:]]
        if "08" in states and "05" in states:  # close_wait, fin_wait2
            break
        time.sleep(0.05)
    return socks


def classify(fam_name, fam_type, sample_name):
    if fam_type == "counter":
        return "counter"
    if fam_type == "gauge" and (fam_name in CONSTANT_GAUGES or fam_name.endswith("_info")):
        return "constant"
    if fam_type == "gauge" and fam_name in BOUNDED_GAUGES:
        return "bounded"
    if fam_type == "gauge" and fam_name in VOLATILE_GAUGES:
        return "unchecked"
    if fam_type in ("gauge", "untyped"):
        return "loose"
    return "unchecked"


def classify_stats(a1, b, a2):
    out = {}
    for fam, f in b.items():
        if fam not in a1:
            continue
        for name, _, _ in f["samples"]:
            k = classify(fam, a1[fam]["type"], name)
            out.setdefault(fam, {}).setdefault(k, 0)
            out[fam][k] += 1
    return out


def same(x, y, tol):
    if math.isnan(x) or math.isnan(y):
        return math.isnan(x) and math.isnan(y)
    return abs(x - y) <= tol


def value_problems(a1, b, a2):
    """{(family, series key): description} for vigia values outside what node_exporter allows."""
    probs = {}
    for fam, f in b.items():
        if GENERIC.match(fam) or fam not in a1 or fam not in a2:
            continue
        s1, s2 = a1[fam].series(), a2[fam].series()
        ftype = a1[fam]["type"]
        for key, v in f.series().items():
            if key not in s1 or key not in s2:
                continue
            x1, x2 = s1[key], s2[key]
            kind = classify(fam, ftype, key[0])
            tol = tolerance(fam, max(abs(x1), abs(x2)))
            if kind == "constant":
                ok = same(v, x1, tol) if same(x1, x2, tol) else (min(x1, x2) - tol <= v <= max(x1, x2) + tol)
                want = "%r" % x1
            elif kind in ("counter", "bounded"):
                lo, hi = min(x1, x2), max(x1, x2)
                ok = (math.isnan(v) and math.isnan(x1)) or (lo - tol <= v <= hi + tol)
                want = "in [%r, %r]" % (lo, hi)
            elif kind == "loose":
                lo, hi = min(x1, x2), max(x1, x2)
                slack = LOOSE_REL * max(abs(x1), abs(x2)) + (LOOSE_ABS_BYTES if "_bytes" in fam else LOOSE_ABS)
                ok = (math.isnan(v) and math.isnan(x1)) or (lo - slack <= v <= hi + slack)
                want = "near [%r, %r] (+-%g)" % (lo, hi, slack)
            else:
                continue
            if not ok:
                probs[(fam, key)] = "%s%s = %r, want %s" % (key[0], fmt_labels(key[1]), v, want)
    return probs


def series_problems(a1, b, a2):
    """Series vigia has that neither node_exporter scrape has, or lacks though both have it."""
    probs = {}
    for fam, f in b.items():
        if GENERIC.match(fam) or fam not in a1 or fam not in a2 or fam in ALLOW_SERIES_DIFF:
            continue
        k1, k2, kb = series_keys(a1[fam]), series_keys(a2[fam]), series_keys(f)
        for key in sorted((k1 & k2) - kb):
            probs[(fam, ("missing",) + key)] = "missing series %s%s" % (key[0], fmt_labels(key[1]))
        for key in sorted(kb - (k1 | k2)):
            probs[(fam, ("extra",) + key)] = "extra series %s%s" % (key[0], fmt_labels(key[1]))
    return probs


def fmt_labels(items):
    return "{" + ",".join('%s="%s"' % kv for kv in items) + "}" if items else ""


if __name__ == "__main__":
    h.main("node_exporter fidelity", main)

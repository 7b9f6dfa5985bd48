#!/usr/bin/env python3
"""Generates docs/metrics.md (the committed file is the product; this is how it was made).

    metrics_doc_gen.py LIVE.txt ALLHOST.txt > docs/metrics.md

To regenerate after a change of what vigia exports (a new family makes
tests/e2e/test_metrics_doc.py fail until this page lists it):

    VIGIA_BINARY=build/vigia python3 tests/e2e/test_metrics_doc.py --dump /tmp/live.txt
    build/vigia exporter --web.listen-address=127.0.0.1:39911 $(for c in $(grep -ho \
        'name() const override { return "[a-z_]*"' exporters/host/*_collector.h | cut -d'"' -f2); \
        do echo --collector.$c; done) --collector.cpu.info --collector.netdev.address-info \
        --collector.stat.softirq --collector.systemd.enable-task-metrics \
        --collector.systemd.enable-restarts-metrics --collector.systemd.enable-start-time-metrics &
    curl -s 127.0.0.1:39911/metrics > /tmp/allhost.txt; kill %1
    python3 tests/tools/metrics_doc_gen.py /tmp/live.txt /tmp/allhost.txt > docs/metrics.md

LIVE.txt: vigia's /metrics with every area configured against real servers
(tests/lib/stack.py: `python3 tests/e2e/test_metrics_doc.py --dump LIVE.txt`).
ALLHOST.txt: `vigia exporter` with every optional host collector on (their families are
listed as conditional: "collector X, off by default").
Families that only appear under conditions (errors, optional collectors, hardware, a
Docker Engine, alerts firing) are found in the sources: a string literal that is a metric
name followed by its help text (`sink.gauge("name", "help"...`, tables of
{"name", "help", MetricType::k...}); they are marked **conditional**, with the condition."""
import glob
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from exposition import parse_exposition  # noqa: E402

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")

AREAS = [  # (title, README, prefixes)
    ("Host (node_exporter names)", "exporters/host/README.md", ("node_",)),
    ("Containers (cAdvisor names)", "exporters/container/README.md", ("container_", "machine_", "vigia_container_")),
    ("PostgreSQL (postgres_exporter names)", "exporters/postgres/README.md", ("pg_", "vigia_postgres_")),
    ("PgBouncer (pgbouncer_exporter names)", "exporters/pgbouncer/README.md", ("pgbouncer_",)),
    ("Redis (redis_exporter names)", "exporters/redis/README.md", ("redis_", "vigia_bullmq_")),
    ("RabbitMQ (rabbitmq_prometheus names)", "exporters/rabbitmq/README.md", ("rabbitmq_", "vigia_rabbitmq_", "erlang_")),
    ("nginx (nginx-prometheus-exporter names)", "exporters/nginx/README.md", ("nginx_", "nginxexporter_")),
    ("Probes (blackbox_exporter names)", "exporters/probe/README.md", ("probe_", "vigia_probe_")),
    ("Backups", "exporters/backup/README.md", ("vigia_backup_",)),
    ("Transfer budget", "exporters/transfer/README.md", ("vigia_network_transfer_",)),
    ("Alerting and notifications", "alerting/notify/README.md",
     ("ALERTS", "alertmanager_", "vigia_notify_", "vigia_notifications_", "vigia_rule_", "vigia_store_", "vigia_scrape_", "vigia_alert")),
    ("vigia itself (HTTP server, collectors, process)", "docs/architecture.md", ("vigia_", "process_")),
]

# Families present in the live run that still depend on a condition.
LIVE_CONDITIONS = {
    "ALERTS": "while an alert is pending or firing",
    "ALERTS_FOR_STATE": "while an alert is pending or firing",
    "redis_key_size": "keys listed in `check_keys`/`check_single_keys`",
    "redis_key_value": "`check_single_keys`/`check_keys` keys holding a number",
    "vigia_bullmq_jobs": "`bullmq:` configured and a queue found",
    "vigia_bullmq_oldest_waiting_job_age_seconds": "`bullmq:` configured and a queue with waiting jobs",
    # The stack's container has a bridge interface only where the engine can make a bridge.
    **{"container_network_%s_%s_total" % (d, k): "a container with its own network interface "
       "(not `--network host`/`none`, not a service)"
       for d in ("receive", "transmit") for k in ("bytes", "errors", "packets", "packets_dropped")},
    "container_memory_max_usage_bytes": "cgroup v1, or cgroup v2 on Linux 5.19 or later (memory.peak)",
    # Measured in the background: from the scrape after the first measurement (`fs_usage_interval`).
    **{"container_fs_%s_bytes" % k: "a Docker container, once measured in the background (`fs_usage_interval`)"
       for k in ("usage", "limit")},
    "vigia_backup_newest_gzip_complete": "the newest backup file is named *.gz",
    "vigia_backup_newest_age_seconds": "a backup file matches",
    "vigia_backup_newest_mtime_seconds": "a backup file matches",
    "vigia_backup_newest_size_bytes": "a backup file matches",
}
# Conditions of families found in the sources, where the file name says too little.
CONDITION_OVERRIDES = {
    "vigia_postgres_database_up": "`auto_discover_databases: true`",
    "pg_stat_database_checksum_failures": "data checksums enabled (initdb -k)",
    "pgbouncer_stats_binds_total": "PgBouncer 1.21 or later (prepared statements)",
    "pgbouncer_stats_client_parses_total": "PgBouncer 1.21 or later (prepared statements)",
    "pgbouncer_stats_server_parses_total": "PgBouncer 1.21 or later (prepared statements)",
    "pgbouncer_stats_queries_total": "PgBouncer older than 1.8 (total_requests)",
    "redis_latency_spike_duration_seconds": "after a latency spike (latency-monitor-threshold set)",
    "redis_latency_spike_last": "after a latency spike (latency-monitor-threshold set)",
    "redis_db_keys_cached": "servers that report cached keys in INFO keyspace (KeyDB and forks)",
    "redis_key_value": "`check_keys`/`check_single_keys` keys holding a number",
    "probe_http_last_modified_timestamp_seconds": "a response with a Last-Modified header",
    **{"vigia_notifications_" + n: "`alerting.alertmanagers` configured"
       for n in ("alertmanagers_discovered", "dropped_total", "errors_total", "latency_seconds", "queue_capacity",
                 "queue_length", "sent_total")},
}
# Families whose name and help the patterns above cannot pair (names picked by an
# expression, help in a parallel array): (type, labels, help, condition).
MANUAL = {
    "container_fs_reads_bytes_total": ("counter", "`device`, `id`", "Cumulative count of bytes read",
                                       "block I/O accounted in the cgroup (io.stat / blkio)"),
    "container_fs_writes_bytes_total": ("counter", "`device`, `id`", "Cumulative count of bytes written",
                                        "block I/O accounted in the cgroup (io.stat / blkio)"),
    "container_fs_reads_total": ("counter", "`device`, `id`", "Cumulative count of reads completed",
                                 "block I/O accounted in the cgroup (io.stat / blkio)"),
    "container_fs_writes_total": ("counter", "`device`, `id`", "Cumulative count of writes completed",
                                  "block I/O accounted in the cgroup (io.stat / blkio)"),
    "node_cpu_isolated": ("gauge", "`cpu`", "Whether each core is isolated, information from "
                          "/sys/devices/system/cpu/isolated.", "isolated CPUs (isolcpus=)"),
    "redis_master_link_down_since_seconds": ("gauge", "`master_host`, `master_port`, `target`",
                                             "Seconds since the replica's link to its master went down",
                                             "a replica whose link to its master is down"),
}
# Families the generator's run does not switch on (a web configuration, alerting.thresholds).
MANUAL.update({
    "vigia_alert_threshold": ("gauge", "`threshold`", "A rule threshold set by alerting.thresholds: rules reading "
                              "it use this value instead of their default.", "`alerting.thresholds`"),
    "vigia_http_auth_failures_total": ("counter", "`reason`", "HTTP requests answered 401 by basic authentication "
                                       "(--web.config.file), by reason: missing (no or malformed credentials), "
                                       "unknown_user, wrong_password.",
                                       "`--web.config.file` with `basic_auth_users`"),
    "vigia_http_tls_handshake_failures_total": ("counter", "", "TLS connections closed before their handshake "
                                                "completed (no or a rejected client certificate, no common protocol "
                                                "version or cipher, not TLS, or closed early).",
                                                "`--web.config.file` with `tls_server_config`"),
})
for _n in ("frequency", "frequency_min", "frequency_max", "scaling_frequency", "scaling_frequency_min",
           "scaling_frequency_max"):
    MANUAL["node_cpu_%s_hertz" % _n] = ("gauge", "`cpu`", "CPU %s in hertz (cpufreq)." % _n.replace("_", " "),
                                       "collector `cpufreq` on a host with cpufreq in sysfs")
# hwmon, powersupplyclass and thermal_zone compose their names at run time (hwmon: one family per
# sensor file type and property) and this machine has none of the hardware: the common families.
_HWMON = "collector `hwmon` on a host with hwmon sensors in /sys/class/hwmon; the family set follows the sensor files"
for _n, _t, _h in [
        ("beep_enabled", "gauge", "Hardware beep enabled"),
        ("curr_amps", "gauge", "Hardware monitor for current (input)"),
        ("energy_joule_total", "counter", "Hardware monitor for joules used so far (input)"),
        ("fan_alarm", "gauge", "Hardware sensor alarm status (fan)"),
        ("fan_beep_enabled", "gauge", "Hardware monitor sensor has beeping enabled"),
        ("fan_max_rpm", "gauge", "Hardware monitor for fan revolutions per minute (max)"),
        ("fan_min_rpm", "gauge", "Hardware monitor for fan revolutions per minute (min)"),
        ("fan_rpm", "gauge", "Hardware monitor for fan revolutions per minute (input)"),
        ("fan_target_rpm", "gauge", "Hardware monitor for fan revolutions per minute (target)"),
        ("humidity", "gauge", "Hardware monitor for humidity, as a ratio (multiply with 100.0 to get the "
         "humidity as a percentage) (input)"),
        ("in_alarm", "gauge", "Hardware sensor alarm status (in)"),
        ("in_max_volts", "gauge", "Hardware monitor for voltage (max)"),
        ("in_min_volts", "gauge", "Hardware monitor for voltage (min)"),
        ("in_volts", "gauge", "Hardware monitor for voltage (input)"),
        ("intrusion_alarm", "gauge", "Hardware sensor alarm status (intrusion)"),
        ("power_average_watt", "gauge", "Hardware monitor for power usage in watts (average)"),
        ("pwm_enable", "gauge", "Hardware monitor pwm element enable"),
        ("temp_celsius", "gauge", "Hardware monitor for temperature (input)"),
        ("temp_crit_alarm_celsius", "gauge", "Hardware monitor for temperature (crit_alarm)"),
        ("temp_crit_celsius", "gauge", "Hardware monitor for temperature (crit)"),
        ("temp_crit_hyst_celsius", "gauge", "Hardware monitor for temperature (crit_hyst)"),
        ("temp_max_celsius", "gauge", "Hardware monitor for temperature (max)"),
        ("update_interval_seconds", "gauge", "Hardware monitor update interval"),
        ("voltage_regulator_version", "gauge", "Hardware voltage regulator")]:
    MANUAL["node_hwmon_" + _n] = (_t, "`chip`, `sensor`", _h, _HWMON)
MANUAL["node_hwmon_chip_names"] = ("gauge", "`chip`, `chip_name`", "Annotation metric for human-readable chip names",
                                   _HWMON)
MANUAL["node_hwmon_sensor_label"] = ("gauge", "`chip`, `label`, `sensor`", "Label for given chip and sensor", _HWMON)
for _n in ("authentic calibrate capacity capacity_alert_max capacity_alert_min cyclecount online present "
           "time_to_empty_seconds time_to_full_seconds current_boot current_max current_ampere energy_empty "
           "energy_empty_design energy_full energy_full_design energy_watthour voltage_boot voltage_max "
           "voltage_max_design voltage_min voltage_min_design voltage_volt voltage_ocv charge_control_limit "
           "charge_control_limit_max charge_counter charge_empty charge_empty_design charge_full "
           "charge_full_design charge_ampere charge_term_current constant_charge_current "
           "constant_charge_current_max constant_charge_voltage constant_charge_voltage_max precharge_current "
           "input_current_limit power_watt temp_celsius temp_alert_max_celsius temp_alert_min_celsius "
           "temp_ambient_celsius temp_ambient_max_celsius temp_ambient_min_celsius temp_max_celsius "
           "temp_min_celsius").split():
    MANUAL["node_power_supply_" + _n] = (
        "gauge", "`power_supply`", "%s value of /sys/class/power_supply/<power_supply>." % _n,
        "collector `powersupplyclass` on a host with /sys/class/power_supply and the file")
MANUAL["node_power_supply_info"] = (
    "gauge", ", ".join("`%s`" % _l for _l in (
        "power_supply capacity_level charge_type health manufacturer model_name scope serial_number status "
        "technology type usb_type").split()),
    "info of /sys/class/power_supply/<power_supply>. (the labels whose files are non-empty)",
    "collector `powersupplyclass` on a host with /sys/class/power_supply")
for _n, _l, _h in [("node_thermal_zone_temp", "`type`, `zone`", "Zone temperature in Celsius"),
                   ("node_cooling_device_cur_state", "`name`, `type`", "Current throttle state of the cooling device"),
                   ("node_cooling_device_max_state", "`name`, `type`", "Maximum throttle state of the cooling device")]:
    MANUAL[_n] = ("gauge", _l, _h, "collector `thermal_zone` on a host with /sys/class/thermal")
SKIP_LABELS = {"le", "quantile"}
# What an unconditional family needs besides its area being configured (the test's stack has
# all of it, so the test still requires these families): (name prefix, what).
NEEDS = [
    ("pg_stat_replication_", "a primary with a streaming replica"),
    ("pg_replication_slots_", "a replication slot"),
    ("pg_stat_wal_receiver_", "a streaming replica"),
    ("pg_stat_user_tables_", "`collect: [stat_user_tables]`"),
    ("pg_statio_user_tables_", "`collect: [statio_user_tables]`"),
    ("pg_stat_statements_", "`collect: [stat_statements]` and pg_stat_statements loaded"),
    ("redis_master_", "a replica"), ("redis_slave_", "a replica"),
    ("redis_connected_slave_", "a primary with a replica"),
    ("container_cpu_cfs_", "a container with a CPU quota"), ("container_spec_cpu_quota", "a container with a CPU quota"),
    ("vigia_container_health_status", "a container with a health check"),
    ("vigia_container_", "a Docker Engine (`containers.docker_socket`)"),
    ("rabbitmq_queue_", "queues (per queue with `per_object: true`)"),
    ("vigia_rabbitmq_queue_", "queues (per queue with `per_object: true`)"),
    ("probe_http_", "an `http` probe"), ("probe_icmp_", "an `icmp` probe"),
    ("probe_failed_due_to_regex", "an `http` or `tcp` probe"),
]
# Said once per area, under its heading (what the live run's labels cannot show).
AREA_NOTES = {
    "Containers (cAdvisor names)": "`name`, `image` and the two compose labels are on the series of Docker "
    "containers the engine knows; other cgroups (containerd, systemd services) have `id` only.",
    "Alerting and notifications": "`ALERTS` and `ALERTS_FOR_STATE` are the evaluator's own series, as "
    "Prometheus stores them.",
}


def area_of(name):
    for i, (_, _, prefixes) in enumerate(AREAS):
        if name.startswith(prefixes):
            return i
    return len(AREAS) - 1


def source_families():
    """{name: (type, help, file)} of metric names with a help literal in the sources."""
    out = {}
    files = [f for pat in ("exporters/**/*.cc", "exporters/**/*.h", "alerting/**/*.cc", "core/*.cc")
             for f in glob.glob(os.path.join(SRC, pat), recursive=True)]
    lit = re.compile(r'"((?:node|pg|pgbouncer|redis|rabbitmq|erlang|probe|nginx|container|machine|vigia|process|'
                     r'alertmanager)_[a-zA-Z0-9_]*[a-zA-Z0-9])"\s*,\s*((?:"(?:[^"\\]|\\.)*"\s*)+)')
    for f in sorted(files):
        text = open(f).read()
        for m in lit.finditer(text):
            name = m.group(1)
            help_ = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(2)))
            if " " not in help_:
                continue  # a label or a key, not a help text
            before = text[max(0, m.start() - 40):m.start()]
            after = text[m.end():m.end() + 300]
            t = "gauge"
            tm = re.search(r"MetricType::k(\w+)", after)
            if re.search(r"\.counter\($", before.rstrip()) or re.search(r"counter\s*\($", before):
                t = "counter"
            elif tm and not re.search(r'"[a-z]+_[a-z_]+"\s*,\s*"', after[:tm.start()]):
                t = tm.group(1).lower()
            out.setdefault(name, (t, help_.replace('\\"', '"'), os.path.relpath(f, SRC)))
        # const char* name = "metric"; ... sink.family(name, "help", MetricType::kX)
        for m in re.finditer(r'const char\*\s*(\w+)\s*=\s*"([a-z][a-z0-9_]*)";', text):
            f2 = re.search(r"family\(%s,\s*((?:\"(?:[^\"\\\\]|\\\\.)*\"\s*)+),\s*MetricType::k(\w+)" % m.group(1),
                           text[m.end():m.end() + 800])
            if f2:
                help_ = "".join(re.findall(r'"((?:[^"\\\\]|\\\\.)*)"', f2.group(1)))
                out.setdefault(m.group(2), (f2.group(2).lower(), help_, os.path.relpath(f, SRC)))
        # {"metric", "Property", "help"} tables: the help is the first literal with a space.
        for m in re.finditer(r'\{\s*"([a-z]+_[a-z0-9_]*)",\s*"[A-Za-z_]+",\s*"((?:[^"\\\\]|\\\\.)* (?:[^"\\\\]|\\\\.)*)"',
                             text):
            if m.group(1).startswith(("node_", "pg_", "redis_", "rabbitmq_", "probe_", "container_", "vigia_",
                                      "pgbouncer_", "nginx_")):
                t = "counter" if m.group(1).endswith("_total") else "gauge"
                out.setdefault(m.group(1), (t, m.group(2), os.path.relpath(f, SRC)))
        # Redis INFO field tables: {"info_field", "redis_metric", bool}.
        for m in re.finditer(r'\{"([a-z_0-9]+)",\s*"(redis_[a-z0-9_]+)",\s*(?:true|false)\}', text):
            t = "counter" if m.group(2).endswith("_total") else "gauge"
            out.setdefault(m.group(2), (t, "INFO field %s" % m.group(1), os.path.relpath(f, SRC),
                                        "INFO reports `%s` (depends on the Redis version and its configuration: "
                                        "AOF, cluster, threads)" % m.group(1)))
        # sink.gauge("name", kSomeHelp, ...): the help is a named constant of the file.
        for m in re.finditer(r'\.(gauge|counter|family)\("([a-z][a-z0-9_]*)",\s*(k[A-Z]\w*)', text):
            c = re.search(r"\b%s(?:\[\])?\s*=\s*((?:\"(?:[^\"\\\\]|\\\\.)*\"\s*)+)" % m.group(3), text)
            if c:
                help_ = "".join(re.findall(r'"((?:[^"\\\\]|\\\\.)*)"', c.group(1)))
                t = "counter" if m.group(1) == "counter" or m.group(2).endswith("_total") else "gauge"
                out.setdefault(m.group(2), (t, help_, os.path.relpath(f, SRC)))
    return out


def condition_for(name, f):
    if f.startswith("exporters/host/"):
        col = re.sub(r"_collector\.cc$|\.cc$", "", os.path.basename(f))
        return "collector `%s` (off by default, or only on hosts that have it)" % col
    if "docker" in f:
        return "a Docker Engine answering on `containers.docker_socket`"
    if "tls_info" in f:
        return "a probe over TLS"
    if "dns_probe" in f:
        return "a `dns` probe"
    if "pressure" in name:
        return "cgroup v2 with PSI"
    return "only in some server versions or states (%s)" % f


def esc(s):
    return s.replace("|", "\\|").replace("\n", " ")


def main():
    live = parse_exposition(open(sys.argv[1]).read())
    allhost = parse_exposition(open(sys.argv[2]).read())
    rows = {}
    for name, fam in live.items():
        labels = sorted(set(fam.label_names()) - SKIP_LABELS)
        if name.startswith("ALERTS"):
            labels = ["alertname"] + (["alertstate"] if name == "ALERTS" else []) + ["(the rule's labels)"]
        cond = LIVE_CONDITIONS.get(name)
        rows[name] = (fam["type"], labels, fam["help"], cond)
    for name, fam in allhost.items():
        if name not in rows:
            rows[name] = (fam["type"], sorted(set(fam.label_names()) - SKIP_LABELS), fam["help"],
                          "an optional collector or flag (off by default)")
    for name, (t, labels, help_, cond) in MANUAL.items():
        rows.setdefault(name, (t, [labels], help_, cond))
    for name, v in source_families().items():
        t, help_, f = v[:3]
        if name in rows or name + "_total" in rows or re.sub(r"_total$", "", name) in rows:
            continue
        if name.endswith("_total"):
            t = "counter"  # the tables' types are not always next to the name; the suffix is
        rows[name] = (t, None, help_, CONDITION_OVERRIDES.get(name) or (v[3] if len(v) > 3 else None) or
                      condition_for(name, f))
    groups = [[] for _ in AREAS]
    for name in sorted(rows):
        groups[area_of(name)].append(name)
    n_live = sum(1 for r in rows.values() if not r[3])
    print("# Metrics reference\n")
    print("Every metric family vigia exports, grouped by area: %d families, %d exported by every run "
          "with the area configured and %d **conditional** ones (an optional collector, hardware the host "
          "has, an error, a Docker Engine, a firing alert: the condition is written in the help column)."
          % (len(rows), n_live, len(rows) - n_live))
    print("""
How this page is made and kept true: tests/tools/metrics_doc_gen.py built it from a live run
(tests/lib/stack.py: vigia with every area configured against real PostgreSQL primary +
replica, PgBouncer, Redis primary + replica, RabbitMQ, nginx, probes, backups, transfer, containers,
alerting and notify) plus the families found in the sources that only appear under conditions.
tests/e2e/test_metrics_doc.py starts the same stack and fails if vigia exports a family that is not
here, or if a family here that is not marked conditional is not exported; tests/tools/metric_lint.py
fails if a rule or a dashboard uses a name that is not here.

"*needs*" in the help column: what the family needs besides its area being configured (a replica,
an opt-in collector, a container with a CPU quota...); the test's stack has all of it, so those
families are checked like the others.

Labels: the labels vigia puts on the family on `/metrics` (the service areas add `target="NAME"`
there; under `/probe?target=NAME` the `target` label is absent, as with the reference exporters).
`le` of histograms is not listed. Types are the `# TYPE` vigia writes (`untyped` where the
reference exporter writes it so). Each area's README.md has the fidelity notes against the
reference exporter; [configuration.md](configuration.md) how to configure the area.
""")
    print("Areas: " + ", ".join("[%s](#%s)" % (AREAS[i][0].split(" (")[0],
                                              re.sub(r"[^a-z0-9 -]", "", AREAS[i][0].lower()).replace(" ", "-"))
                               for i in range(len(AREAS)) if groups[i]) + "\n")
    for i, (title, readme, _) in enumerate(AREAS):
        if not groups[i]:
            continue
        nl = sum(1 for n in groups[i] if not rows[n][3])
        print("## %s\n" % title)
        print("%d families (%d conditional); details: [%s](../%s).\n" % (len(groups[i]), len(groups[i]) - nl,
                                                                       readme, readme))
        if title in AREA_NOTES:
            print(AREA_NOTES[title] + "\n")
        print("| name | type | labels | help |")
        print("|---|---|---|---|")
        for n in groups[i]:
            t, labels, help_, cond = rows[n]
            lab = "(see source)" if labels is None else ", ".join(
                "`%s`" % l if not l.startswith(("(", "`")) else l for l in labels)
            h = esc(help_)
            if cond:
                h = "**conditional** (%s). %s" % (esc(cond), h)
            else:
                need = next((w for pre, w in NEEDS if n.startswith(pre)), None)
                if need:
                    h = "*needs* %s. %s" % (need, h)
            print("| `%s` | %s | %s | %s |" % (n, t, lab, h))
        print()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Community dashboards keep working (issue #14 item 1): every metric name the well-known
dashboards for node_exporter, cAdvisor, postgres_exporter, blackbox_exporter, nginx-prometheus-exporter,
redis_exporter and RabbitMQ query is a family vigia exports
(a row of docs/metrics.md, which tests/e2e/test_metrics_doc.py checks against a live
vigia), or is in the reasoned lists below. Prints the coverage of each dashboard.

The lists of names are tests/fixtures/community/<name>.names (names only: the dashboards'
JSON stays with their authors; each list names its source repository, path and commit and
is made by tests/tools/community_names.py with tests/tools/metric_lint.py's reader).

Two lists of names not exported, each name with its reason:
  CANNOT   - names vigia does not export by design or that depend on the host/kernel (they
             are exported where the condition holds, but docs/metrics.md lists what a run here
             shows), or that belong to another program;
  NOT_YET  - names vigia could export but does not yet (a collector it lacks): the gaps left.
A name in either list that vigia does export is an error too (the list must shrink when a gap
is closed). Python 3 stdlib only; < 1 s."""
import glob
import os
import sys

SOURCE = os.environ.get("VIGIA_SOURCE_DIR",
                        os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import metric_lint  # noqa: E402

_NETSTAT = ("filtered out by node_exporter 1.5's default --collector.netstat.fields (vigia keeps the same "
            "default); exported with a --collector.netstat.fields that selects it")
_ERLANG_DIST = ("Erlang distribution links (per peer node): the plugin reads them inside the VM; the "
                "management API has no per-link counters")

CANNOT = {
    "node-exporter-full": {
        "node_netstat_TcpExt_TCPOFOQueue": _NETSTAT,
        "node_netstat_TcpExt_TCPRcvQDrop": _NETSTAT,
        "node_netstat_Tcp_MaxConn": _NETSTAT,
    },
    "erlang-distribution": {n: _ERLANG_DIST for n in (
        "erlang_vm_dist_node_queue_size_bytes", "erlang_vm_dist_node_state", "erlang_vm_dist_port_memory_bytes",
        "erlang_vm_dist_port_queue_size_bytes", "erlang_vm_dist_proc_memory_bytes",
        "erlang_vm_dist_proc_message_queue_len", "erlang_vm_dist_proc_reductions", "erlang_vm_dist_proc_status",
        "erlang_vm_dist_recv_bytes", "erlang_vm_dist_recv_cnt", "erlang_vm_dist_send_bytes",
        "erlang_vm_dist_send_cnt")},
    "rabbitmq-overview": {
        "rabbitmq_global_messages_received_confirm_total":
            "publishes in confirm mode: /api/overview counts the confirms, not the publishes asking for them",
        "rabbitmq_global_messages_routed_total": "routed messages: not in /api/overview's message_stats",
        "rabbitmq_global_publishers": "publishers now: not in /api/overview's object_totals",
        "rabbitmq_message_size_bytes_bucket": "message size histogram (RabbitMQ 4.x): not in the management API",
        "rabbitmq_message_size_bytes_count": "message size histogram (RabbitMQ 4.x): not in the management API",
        "rabbitmq_message_size_bytes_sum": "message size histogram (RabbitMQ 4.x): not in the management API",
    },
}
NOT_YET = {
    "node-exporter-full": {
        "node_kernel_hung_tasks": "a collector newer than node_exporter 1.5 (vigia's reference): not in vigia",
        "node_pressure_irq_stalled_seconds_total": "/proc/pressure/irq (kernel 6.1+, node_exporter 1.8+): "
                                                   "vigia's pressure collector reads cpu/io/memory as 1.5 does",
        "node_softnet_flow_limit_count_total": "softnet_stat's flow_limit column (node_exporter 1.6+): vigia "
                                               "follows 1.5's columns",
        "node_softnet_received_rps_total": "softnet_stat's received_rps column (node_exporter 1.6+): vigia "
                                           "follows 1.5's columns",
    },
}


def read_names(path):
    names, source = [], ""
    for line in open(path):
        line = line.strip()
        if line.startswith("# source:"):
            source = line.split(":", 1)[1].strip()
        elif line and not line.startswith("#"):
            names.append(line)
    return names, source


def main():
    known = metric_lint.documented_names(os.path.join(SOURCE, "docs", "metrics.md")) | \
        metric_lint.PROMETHEUS_SERIES
    lists = sorted(glob.glob(os.path.join(SOURCE, "tests", "fixtures", "community", "*.names")))
    failures = []
    if not lists:
        failures.append("no tests/fixtures/community/*.names")
    for path in lists:
        dash = os.path.basename(path)[:-len(".names")]
        names, source = read_names(path)
        if not names or not source:
            failures.append("%s: no names or no '# source:' line" % path)
            continue
        cannot, not_yet = CANNOT.get(dash, {}), NOT_YET.get(dash, {})
        exported = [n for n in names if n in known]
        missing = [n for n in names if n not in known]
        unexplained = [n for n in missing if n not in cannot and n not in not_yet]
        stale = sorted(n for n in set(cannot) | set(not_yet) if n in known or n not in names)
        print("%-22s %3d of %3d names exported (%5.1f %%); not exported: %d by design or host (%s), "
              "%d not yet; source %s" % (dash, len(exported), len(names), 100.0 * len(exported) / len(names),
                                         len([n for n in missing if n in cannot]),
                                         "listed" if cannot else "none",
                                         len([n for n in missing if n in not_yet]), source))
        for n in missing:
            why = cannot.get(n) or not_yet.get(n)
            if why:
                print("    %-58s %s: %s" % (n, "not yet" if n in not_yet else "cannot", why))
        failures += ["%s: %s is not a family vigia exports (docs/metrics.md) and not listed with a reason"
                     % (dash, n) for n in unexplained]
        failures += ["%s: %s is listed as not exported, but vigia exports it or the dashboard no longer "
                     "queries it: drop it from the list" % (dash, n) for n in stale]
    for f in failures:
        print("FAIL " + f)
    print("community dashboards: %d lists, %d failures" % (len(lists), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

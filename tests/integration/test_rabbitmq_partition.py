#!/usr/bin/env python3
"""A real RabbitMQ network partition (Debian 12's RabbitMQ 3.10, tests/lib/rabbitmq_harness.py):
a 3-node cluster with a short Erlang net_ticktime and cluster_partition_handling = ignore; one
node's VM is stopped (SIGSTOP) for longer than the tick time, so the others disconnect it, then
continued (SIGCONT): Mnesia reports the partition (on the paused node's side, the others', or
both). vigia, with each node its own target, reports vigia_rabbitmq_partitions > 0 seen from a
node, as that node's /api/nodes lists it."""

import os
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness as h  # noqa: E402
import rabbitmq_harness as rh  # noqa: E402
from harness import find, one  # noqa: E402

TICK = 4  # seconds: disconnected after TICK to 1.25 * TICK without an answer
PAUSE = 3 * TICK


def partitions(node):
    """The node's own partitions list, from its management API."""
    status, nodes = node.api("GET", "/api/nodes?columns=name,partitions")
    if status != 200:
        return None
    return next((n.get("partitions") or [] for n in nodes if n["name"] == node.node), None)


def body(c):
    t0 = time.monotonic()
    epmd = rh.start_epmd()
    a = rh.RabbitNode("a", epmd, net_ticktime=TICK)
    b = rh.RabbitNode("b", epmd, cookie=a.cookie, wait=False, net_ticktime=TICK)
    cn = rh.RabbitNode("c", epmd, cookie=a.cookie, wait=False, net_ticktime=TICK)
    for n in (b, cn):
        n.wait_ready()
        n.join(a)
    started = time.monotonic() - t0
    targets = [n.target("node-" + n.short, username="guest", password_env="VIGIA_TEST_RABBIT_PW")
               for n in (a, b, cn)]
    vigia = h.Vigia(config=h.service_yaml({"rabbitmq": targets}), collectors=["rabbitmq"],
                    env={"VIGIA_TEST_RABBIT_PW": rh.ADMIN[1]})
    s = vigia.scrape()
    for t in ("node-a", "node-b", "node-c"):
        assert one(s, "rabbitmq_up", target=t) == 1, t
        assert one(s, "vigia_rabbitmq_partitions", target=t) == 0, t
        assert one(s, "vigia_rabbitmq_cluster_nodes", target=t) == 3, t
    c.passed("3 nodes clustered in %.0f s (net_ticktime %d s), no partition seen from any node" % (started, TICK))

    beam = cn.beam_pid()
    t1 = time.monotonic()
    os.kill(beam, signal.SIGSTOP)
    try:
        def c_down():
            status, nodes = a.api("GET", "/api/nodes?columns=name,running")
            return status == 200 and any(n["name"] == cn.node and not n["running"] for n in nodes)
        h.wait_for(c_down, 60, "rabbit-a sees rabbit-c down", interval=0.5)
        seen_down = time.monotonic() - t1
        time.sleep(max(0.0, PAUSE - seen_down))
    finally:
        os.kill(beam, signal.SIGCONT)
    nodes = {"node-a": a, "node-b": b, "node-c": cn}

    # Which side's Mnesia records the partition varies (the paused node's, the others', or
    # both): wait for one node's /api/nodes to list it, then for vigia to report it there.
    def seen():
        s = vigia.scrape(timeout_header=10)
        got = {t: one(s, "vigia_rabbitmq_partitions", target=t) for t in nodes
               if find(s, "vigia_rabbitmq_partitions", target=t)}
        return any(v > 0 for v in got.values()) and (s, got)
    s, got = h.wait_for(seen, 120, "vigia_rabbitmq_partitions > 0 from a node", interval=1)
    lists = {t: partitions(n) for t, n in nodes.items()}
    for t, v in got.items():
        if v > 0:
            # vigia's count is the node's own list, read a moment before (a list only grows:
            # the partition is remembered until the node restarts), of other members.
            assert lists[t] and v <= len(lists[t]) and set(lists[t]) <= {a.node, b.node, cn.node} - \
                {nodes[t].node}, (t, v, lists)
    c.passed("rabbit-c paused %.0f s (seen down by rabbit-a after %.0f s): vigia_rabbitmq_partitions %s; "
             "/api/nodes partitions %s" % (
                 time.monotonic() - t1, seen_down, ", ".join("%s %d" % kv for kv in sorted(got.items())),
                 "; ".join("%s: %s" % (t, ",".join(lst or [])) for t, lst in sorted(lists.items()))))
    h.promtool_check_metrics(vigia.get("/metrics", 10).body)
    vigia.stop()
    for n in (cn, b, a):
        n.stop(60)
    c.note("whole test %.0f s" % (time.monotonic() - t0))


if __name__ == "__main__":
    h.main("rabbitmq: a real network partition seen by vigia", body)

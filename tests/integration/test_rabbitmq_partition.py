#!/usr/bin/env python3
"""A real RabbitMQ network partition (Debian 12's RabbitMQ 3.10, tests/lib/rabbitmq_harness.py):
a 3-node cluster with a short Erlang net_ticktime and cluster_partition_handling = ignore; one
node's VM is stopped (SIGSTOP) for longer than the tick time, so the others disconnect it, then
continued (SIGCONT): Mnesia reports the partition on both sides. vigia, with each node its own
target, reports vigia_rabbitmq_partitions > 0 seen from a node of the majority and from the
paused node, which the management API's /api/nodes confirms."""

import os
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness as h  # noqa: E402
import rabbitmq_harness as rh  # noqa: E402
from harness import one  # noqa: E402

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
    h.wait_for(lambda: partitions(a), 90, "rabbit-a reports the partition (/api/nodes)", interval=1)

    def seen():
        s = vigia.scrape(timeout_header=10)
        return one(s, "vigia_rabbitmq_partitions", target="node-a") > 0 and \
            one(s, "vigia_rabbitmq_partitions", target="node-c") > 0 and s
    s = h.wait_for(seen, 90, "vigia_rabbitmq_partitions > 0 from node-a and node-c", interval=1)
    pa, pc = partitions(a), partitions(cn)
    assert one(s, "vigia_rabbitmq_partitions", target="node-a") == len(pa), (pa, s["vigia_rabbitmq_partitions"])
    assert cn.node in pa and a.node in pc, (pa, pc)
    c.passed("rabbit-c paused %.0f s (seen down by a after %.0f s): partitions seen from node-a %d (%s), "
             "node-b %d, node-c %d (%s); /api/nodes agrees" % (
                 time.monotonic() - t1, seen_down, one(s, "vigia_rabbitmq_partitions", target="node-a"),
                 ", ".join(pa), one(s, "vigia_rabbitmq_partitions", target="node-b"),
                 one(s, "vigia_rabbitmq_partitions", target="node-c"), ", ".join(pc)))
    h.promtool_check_metrics(vigia.get("/metrics", 10).body)
    vigia.stop()
    for n in (cn, b, a):
        n.stop(60)
    c.note("whole test %.0f s" % (time.monotonic() - t0))


if __name__ == "__main__":
    h.main("rabbitmq: a real network partition seen by vigia", body)

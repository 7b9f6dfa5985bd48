#!/usr/bin/env python3
"""Integration test of the rabbitmq exporter against Debian's rabbitmq-server 3.10
(tests/lib/rabbitmq_harness.py: private dirs, ports, epmd and cookie).

1. Fidelity, side by side on one broker with the plugin's own endpoints: vigia's
   aggregated target against rabbitmq_prometheus's /metrics and its per_object target
   against /metrics/per-object: same family names and label names for what both
   export, equal values for the limits and the queue depths, for the churn counters
   (/api/nodes) and for the global message counters (/api/overview, against the plugin's
   sum over queue_type, once the stats database has caught up); the families the
   plugin exports that vigia lacks are listed, with why. Queue names with quotes,
   backslashes and non-ASCII letters come back exactly (the plugin writes them
   unescaped: lines Prometheus rejects), and promtool accepts vigia's text.
2. Bad input, each its own target beside the real one: a wrong password (401), a
   server answering 500, invalid JSON, truncated JSON, a 100 MB body, a server that
   never answers (the scrape deadline): rabbitmq_up 0, the real target still up, the
   password in no log line or metric, no hang.
3. A 3-node cluster (rabbit-a/b/c@localhost, joined with rabbitmqctl join_cluster),
   each node its own target; one node stopped: the others report it not running,
   its own target rabbitmq_up 0; the cluster-wide rabbitmq_global_* come from one member
   only (the smallest name). Its duration is printed (ctest TIMEOUT in
   tests/CMakeLists.txt is sized from it)."""

import http.server
import json
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness as h  # noqa: E402
import rabbitmq_harness as rh  # noqa: E402
from harness import find, one  # noqa: E402

PASSWORD = "s3cret-vigia-pw"
ODD_QUEUES = ['quote"d', 'back\\slash', 'both\\"mix', 'ñandú-日本-ünïcode', "spaces and = , {}"]
QUEUES = {"plain": 7, "orders.high": 3, 'quote"d': 2, 'back\\slash': 4, 'both\\"mix': 1,
          "ñandú-日本-ünïcode": 5, "spaces and = , {}": 0, "empty": 0}

# What the plugin exports that vigia does not, and why (family-name prefixes).
PLUGIN_ONLY_WHY = [
    ("erlang_", "Erlang VM internals (allocators, schedulers, mnesia): not in the management API"),
    ("telemetry_", "the plugin's own scrape telemetry"),
    ("process_start_time_seconds", "the plugin's own process bookkeeping"),
    ("rabbitmq_raft_", "Raft (quorum queue) internals: not in the management API"),
    ("rabbitmq_io_", "file I/O counters: /api/nodes has them only with ?memory/?binary detail, left out"),
    ("rabbitmq_msg_store_", "message store counters: not in the management API"),
    ("rabbitmq_schema_db_", "mnesia transaction counters: not in the management API"),
    ("rabbitmq_auth_attempts_", "auth attempts: /api/auth/attempts/NODE needs admin rights"),
    ("rabbitmq_global_messages_dead_lettered_", "dead-lettering counters: not in the management API"),
    ("rabbitmq_global_messages_received_confirm_total", "publishes in confirm mode: /api/overview counts "
     "the confirms (rabbitmq_global_messages_confirmed_total), not the publishes that asked for them"),
    ("rabbitmq_global_messages_routed_total", "routed messages: not in /api/overview's message_stats"),
    ("rabbitmq_global_publishers", "publishers now: not in /api/overview's object_totals"),
    ("rabbitmq_channel_", "per-channel metrics: would need /api/channels, one row per channel"),
    ("rabbitmq_connection_", "per-connection traffic: would need /api/connections with stats columns"),
    ("rabbitmq_consumer_prefetch", "per-consumer prefetch: /api/consumers"),
    ("rabbitmq_queue_", "further per-queue detail (bytes, RAM, paged out, reductions, disk I/O): "
     "more columns, left out to keep /api/queues cheap"),
    ("rabbitmq_erlang_", "scheduler/GC internals: not in the management API"),
]


# What vigia exports under rabbitmq_* names that the plugin's endpoint lacks: its
# /metrics/per-object has no alarm families (its /metrics has them); vigia writes
# them in both modes so that the alarm rules work with either.
VIGIA_ONLY_OK = {"/metrics": set(), "/metrics/per-object": {
    "rabbitmq_alarms_file_descriptor_limit", "rabbitmq_alarms_free_disk_space_watermark",
    "rabbitmq_alarms_memory_used_watermark"}}


# Shared families whose label names differ, and why: the plugin splits its global
# delivery counters by queue_type; /api/overview's totals are not split (vigia writes
# protocol="amqp091" only, the plugin's sum over queue_type: checked below).
LABELS_DIFFER_OK = {
    "rabbitmq_global_messages_acknowledged_total", "rabbitmq_global_messages_delivered_total",
    "rabbitmq_global_messages_delivered_consume_auto_ack_total",
    "rabbitmq_global_messages_delivered_consume_manual_ack_total",
    "rabbitmq_global_messages_delivered_get_auto_ack_total",
    "rabbitmq_global_messages_delivered_get_manual_ack_total", "rabbitmq_global_messages_get_empty_total",
    "rabbitmq_global_messages_redelivered_total"}
# Counters since node start that vigia reads from /api/nodes: equal to the plugin's.
CHURN_COUNTERS = ["rabbitmq_connections_opened_total", "rabbitmq_connections_closed_total",
                  "rabbitmq_channels_opened_total", "rabbitmq_channels_closed_total",
                  "rabbitmq_queues_declared_total", "rabbitmq_queues_created_total",
                  "rabbitmq_queues_deleted_total"]
# The plugin's global counters vigia derives from /api/overview (message_stats, object_totals).
GLOBAL_FAMILIES = sorted(LABELS_DIFFER_OK | {
    "rabbitmq_global_messages_received_total", "rabbitmq_global_messages_confirmed_total",
    "rabbitmq_global_messages_unroutable_dropped_total", "rabbitmq_global_messages_unroutable_returned_total",
    "rabbitmq_global_consumers"})


def plugin_sum(ref, name):
    """The plugin's family summed over its series (over queue_type), or None if absent."""
    fam = ref.get(name)
    if not fam or not fam["samples"]:
        return None
    return sum(v for _, _, v in fam["samples"])


def wait_global_counters(c, node, vigia, target):
    """Until vigia's global counters (from the stats database, a collection interval
    behind) equal the plugin's sums, then checks each: a counter both see, equal."""
    state = {}

    def settled():
        ref, _ = plugin_scrape(node, "/metrics")
        ours = vigia.scrape("/probe?target=" + target)
        state["pairs"] = {n: (one(ours, n) if n in ours and ours[n]["samples"] else None, plugin_sum(ref, n))
                          for n in GLOBAL_FAMILIES + CHURN_COUNTERS}
        return all(a == b for a, b in state["pairs"].values())
    try:
        rh.wait_stats(node, settled, 90, "vigia's global counters equal to the plugin's")
    except h.HarnessError:
        pass  # the checks below say which differ
    moved = 0
    for n, (a, b) in sorted(state["pairs"].items()):
        c.eq(a, b, "%s %s equals the plugin's (sum over its series)" % (target, n))
        moved += bool(a)
    c.check(moved >= 8, "%s: the global and churn counters moved (%d of %d non-zero)" % (
        target, moved, len(state["pairs"])))


def why(name):
    for prefix, reason in PLUGIN_ONLY_WHY:
        if name.startswith(prefix):
            return reason
    return None


def plugin_scrape(node, path):
    """The plugin's text, with the lines of the queues whose names it writes unescaped
    (a quote or backslash: invalid exposition) set aside and counted."""
    body = h.http_get(node.prom_url + path, timeout=60).body
    kept, bad = [], 0
    for line in body.splitlines():
        if not line.startswith("#") and any(q in line for q in ODD_QUEUES if '"' in q or "\\" in q):
            bad += 1
            continue
        kept.append(line)
    return h.parse_exposition("\n".join(kept) + "\n"), bad


def fidelity(c, node, vigia, target, path):
    ref, bad = plugin_scrape(node, path)
    ours = vigia.scrape("/probe?target=" + target)
    ref_names = {n for n in ref if ref[n]["samples"]}
    our_names = {n for n in ours if n.startswith("rabbitmq_") and ours[n]["samples"]} - {"rabbitmq_up"}
    shared = sorted(ref_names & our_names)
    mismatched = [n for n in shared if ref[n].label_names() != ours[n].label_names() and n not in LABELS_DIFFER_OK]
    c.check(not mismatched, "%s vs plugin %s: same label names in the %d shared families" % (
        target, path, len(shared)), "; ".join("%s: vigia %s, plugin %s" % (
            n, sorted(ours[n].label_names()), sorted(ref[n].label_names())) for n in mismatched))
    types = [n for n in shared if ref[n]["type"] != ours[n]["type"]]
    c.check(not types, "%s: same TYPE in the shared families" % target,
            "; ".join("%s: %s vs %s" % (n, ours[n]["type"], ref[n]["type"]) for n in types))
    ours_only = sorted(our_names - ref_names)
    c.check(not set(ours_only) - VIGIA_ONLY_OK[path],
            "%s: every rabbitmq_* family vigia writes is one the plugin writes (or listed)" % target,
            ", ".join(ours_only))
    plugin_only = sorted(ref_names - our_names)
    unexplained = [n for n in plugin_only if why(n) is None]
    c.check(not unexplained, "%s: every family only the plugin exports is explained" % target,
            ", ".join(unexplained))
    print("  note fidelity %s (%s): %d shared families, %d plugin-only, %d vigia-only (vigia_*: %d); "
          "plugin lines with unescaped queue names set aside: %d" % (
              target, path, len(shared), len(plugin_only), len(ours_only),
              len([n for n in ours if n.startswith("vigia_rabbitmq")]), bad))
    reasons = {}
    for n in plugin_only:
        reasons.setdefault(why(n), []).append(n)
    for reason, names in reasons.items():
        print("       plugin-only (%d) %s... : %s" % (len(names), names[0], reason))
    return ref, ours


def wait_depths(node):
    """Until the management stats show what was published and the consumer."""
    def ready():
        status, qs = node.api("GET", "/api/queues?columns=name,messages,messages_unacknowledged,consumers")
        got = {q["name"]: q.get("messages") for q in qs}
        plain = [q for q in qs if q["name"] == "plain"]
        return all(got.get(n) == v for n, v in QUEUES.items()) and plain and \
            plain[0].get("consumers") == 1 and plain[0].get("messages_unacknowledged") == 2
    rh.wait_stats(node, ready, 90, "queue depths in the management API")


def fidelity_part(c, node):
    node.add_user("vigia", PASSWORD)
    for name, n in QUEUES.items():
        node.declare_queue(name)
        if n:
            node.publish(name, "m", count=n + 1)
            node.get(name, 1, ack=True)  # one delivered and acked: counters move
    # A consumer (raw AMQP) on "plain" holding 2 messages unacknowledged.
    consumer = rh.AmqpConsumer(node, "plain", prefetch=2)
    wait_depths(node)
    config = h.service_yaml({"rabbitmq": [
        # An administrator may read the cluster's permanent id (identity_info); a
        # monitoring user may not (the label is then empty).
        node.target("agg", username="guest", password_env="VIGIA_TEST_RABBIT_ADMIN_PW"),
        node.target("obj", username="vigia", password_env="VIGIA_TEST_RABBIT_PW", per_object=True),
        node.target("capped", username="vigia", password_env="VIGIA_TEST_RABBIT_PW", per_object=True,
                    max_queues=3, page_size=2),
        node.target("filtered", username="vigia", password_env="VIGIA_TEST_RABBIT_PW", per_object=True,
                    queue_include="orders\\..*|plain", queue_exclude="plain"),
        node.target("single", username="vigia", password_env="VIGIA_TEST_RABBIT_PW", per_object=True,
                    page_size=0),
        node.target("nostats", username="vigia", password_env="VIGIA_TEST_RABBIT_PW", per_object=True,
                    page_size=0, queue_stats=False),
    ]})
    vigia = h.Vigia(config=config, collectors=["rabbitmq"], args=["--log.level=debug"],
                    env={"VIGIA_TEST_RABBIT_PW": PASSWORD, "VIGIA_TEST_RABBIT_ADMIN_PW": rh.ADMIN[1]})
    s = vigia.scrape()
    for t in ("agg", "obj", "capped", "filtered", "single", "nostats"):
        c.eq(one(s, "rabbitmq_up", target=t), 1, "target %s up" % t)

    ref, ours = fidelity(c, node, vigia, "agg", "/metrics")
    for name in ("rabbitmq_resident_memory_limit_bytes", "rabbitmq_process_max_fds",
                 "rabbitmq_process_max_tcp_sockets", "rabbitmq_disk_space_available_limit_bytes",
                 "rabbitmq_erlang_processes_limit", "rabbitmq_queues", "rabbitmq_queue_messages",
                 "rabbitmq_queue_messages_ready", "rabbitmq_queue_messages_unacked",
                 "rabbitmq_alarms_memory_used_watermark", "rabbitmq_alarms_free_disk_space_watermark",
                 "rabbitmq_connections", "rabbitmq_channels", "rabbitmq_consumers", "rabbitmq_queue_consumers"):
        c.eq(one(ours, name), one(ref, name), "agg %s equals the plugin's" % name)
    for name in ("rabbitmq_identity_info", "rabbitmq_build_info"):
        c.eq(ours[name]["samples"][0][1], ref[name]["samples"][0][1], "agg %s: same labels and values" % name)
    wait_global_counters(c, node, vigia, "agg")

    ref, ours = fidelity(c, node, vigia, "obj", "/metrics/per-object")
    for q, n in QUEUES.items():
        c.eq(one(ours, "rabbitmq_queue_messages", vhost="/", queue=q), n, "obj: depth of queue %r" % q)
        if '"' not in q and "\\" not in q:
            c.eq(one(ref, "rabbitmq_queue_messages", vhost="/", queue=q), n, "plugin: depth of queue %r" % q)
    published = one(ours, "vigia_rabbitmq_queue_messages_published_total", vhost="/", queue="plain")
    acked = one(ours, "vigia_rabbitmq_queue_messages_delivered_total", vhost="/", queue="plain")
    c.check(published >= 8 and acked >= 1, "obj: per-queue publish/deliver counters moved",
            "published %s delivered %s" % (published, acked))
    text = vigia.get("/probe?target=obj").body
    problems = h.promtool_check_metrics(text)
    c.check(not [p for p in problems if "error" in p[1].lower() or not p[0]],
            "promtool check metrics accepts vigia's per-object text", repr(problems))
    bad_plugin = h.promtool_check_metrics(h.http_get(node.prom_url + "/metrics/per-object").body)
    c.note("promtool on the plugin's own per-object text: %s" % (sorted(bad_plugin)[:2] or "no problem"))

    s = vigia.scrape()
    capped = find(s, "rabbitmq_queue_messages", target="capped")
    c.eq(len(capped), 3, "max_queues 3 (pages of 2): 3 queue series")
    c.eq(one(s, "vigia_rabbitmq_queues_capped", target="capped"), 1, "capped target says so")
    c.eq(one(s, "vigia_rabbitmq_queues_capped", target="obj"), 0, "uncapped target says not capped")
    filtered = sorted(l["queue"] for n, l, v in s["rabbitmq_queue_messages"]["samples"]
                      if l.get("target") == "filtered")
    c.eq(filtered, ["orders.high"], "queue_include/queue_exclude")
    c.eq(one(s, "vigia_rabbitmq_nodes_not_running", target="agg"), 0, "single node: none not running")
    c.eq(one(s, "vigia_rabbitmq_partitions", target="agg"), 0, "single node: no partition")
    c.eq(one(s, "rabbitmq_queue_messages_unacked", target="obj", vhost="/", queue="plain"), 2,
         "obj: the consumer's 2 unacknowledged messages")
    for t in ("single", "nostats"):
        got = {l["queue"]: v for n, l, v in s["rabbitmq_queue_messages"]["samples"] if l.get("target") == t}
        c.eq(got, QUEUES, "%s: every queue's depth" % t)
    c.eq(one(s, "rabbitmq_queue_consumers", target="single", vhost="/", queue="plain"), 1, "single: consumers")
    c.check(not find(s, "rabbitmq_queue_consumers", target="nostats") and
            not find(s, "vigia_rabbitmq_queue_messages_published_total", target="nostats"),
            "queue_stats false: no consumers or counters (they need the stats database)")
    consumer.close()
    vigia.stop()


class FakeManagement(http.server.BaseHTTPRequestHandler):
    """/MODE/api/...: answers as MODE says (see bad_input_part)."""
    replies = {}
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        mode, _, rest = self.path.lstrip("/").partition("/")
        api = "/" + rest.split("?")[0]
        good = self.replies.get(api)
        try:
            if mode == "e500":
                self.send(500, '{"error":"Internal Server Error"}')
            elif mode == "badjson":
                self.send(200, "{not json at all" if api == "/api/overview" else good or "{}")
            elif mode == "truncated":
                self.send(200, good[: len(good) // 2] if api == "/api/nodes" else good or "{}")
            elif mode == "huge" and api == "/api/queues":
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(100 << 20))
                self.end_headers()
                chunk = b'{"items":[' + b" " * (1 << 20)
                for _ in range(100):
                    self.wfile.write(chunk)
                    chunk = b" " * (1 << 20)
            elif mode == "silent":
                time.sleep(120)
            else:
                self.send(200, good or "{}")
        except (BrokenPipeError, ConnectionResetError):
            pass


def start_fake(node):
    for api, q in (("/api/overview", "?columns=node,cluster_name,rabbitmq_version,erlang_version"),
                   ("/api/nodes", ""), ("/api/global-parameters/internal_cluster_id", "")):
        FakeManagement.replies[api] = json.dumps(node.api("GET", api + q)[1])
    FakeManagement.replies["/api/queues"] = json.dumps({"items": [], "page": 1, "page_count": 1})
    FakeManagement.replies["/api/connections"] = FakeManagement.replies["/api/queues"]
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeManagement)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return "http://127.0.0.1:%d" % srv.server_address[1]


def bad_input_part(c, node):
    fake = start_fake(node)
    closed = h.free_port()
    bad = ["wrongpw", "e500", "badjson", "truncated", "huge", "silent", "closed"]
    targets = [node.target("good", username="vigia", password_env="VIGIA_TEST_RABBIT_PW"),
               node.target("wrongpw", username="vigia", password_env="VIGIA_TEST_RABBIT_BAD_PW"),
               {"name": "closed", "url": "http://127.0.0.1:%d" % closed},
               {"name": "control", "url": fake + "/ok"}]
    targets += [{"name": m, "url": fake + "/" + m} for m in bad if m not in ("wrongpw", "closed")]
    vigia = h.Vigia(config=h.service_yaml({"rabbitmq": targets}), collectors=["rabbitmq"],
                    args=["--log.level=debug"],
                    env={"VIGIA_TEST_RABBIT_PW": PASSWORD, "VIGIA_TEST_RABBIT_BAD_PW": "wrong-" + PASSWORD})
    t0 = time.monotonic()
    s = vigia.scrape(timeout_header=6, http_timeout=60)
    took = time.monotonic() - t0
    c.eq(one(s, "rabbitmq_up", target="good"), 1, "the real node is up beside the bad targets")
    c.eq(one(s, "rabbitmq_up", target="control"), 1, "the fake server's good mode is up (the fake is sound)")
    for t in bad:
        c.eq(one(s, "rabbitmq_up", target=t), 0, "%s: rabbitmq_up 0" % t)
        c.check(not find(s, "rabbitmq_queues", target=t), "%s: nothing else" % t)
    c.note("scrape with 6 s timeout header and a silent server returned after %.1f s" % took)
    c.check(vigia.running(), "vigia still running after the bad targets")
    log = vigia.log()
    c.check(PASSWORD not in log and PASSWORD not in vigia.get("/metrics").body,
            "the password is in no log line and no metric")
    c.contains(log, "401", "the wrong password is logged as a 401")
    vigia.stop()


def cluster_part(c, a, epmd):
    t0 = time.monotonic()
    b = rh.RabbitNode("b", epmd, cookie=a.cookie, wait=False)
    cn = rh.RabbitNode("c", epmd, cookie=a.cookie, wait=False)
    for n in (b, cn):
        n.wait_ready()
        n.join(a)
    started = time.monotonic() - t0
    status, nodes = a.api("GET", "/api/nodes?columns=name,running")
    c.eq(sorted(n["name"] for n in nodes if n["running"]), sorted([a.node, b.node, cn.node]),
         "3 nodes clustered")
    b.declare_queue("on-b")
    b.publish("on-b", count=2)
    targets = [n.target("node-" + n.short, username="vigia", password_env="VIGIA_TEST_RABBIT_PW")
               for n in (a, b, cn)]
    vigia = h.Vigia(config=h.service_yaml({"rabbitmq": targets}), collectors=["rabbitmq"],
                    env={"VIGIA_TEST_RABBIT_PW": PASSWORD})
    s = vigia.scrape()
    for n in (a, b, cn):
        t = "node-" + n.short
        c.eq(one(s, "rabbitmq_up", target=t), 1, "%s up" % t)
        c.eq(one(s, "vigia_rabbitmq_cluster_nodes", target=t), 3, "%s sees 3 members" % t)
        c.eq(one(s, "vigia_rabbitmq_nodes_not_running", target=t), 0, "%s: all running" % t)
        ident = s["rabbitmq_identity_info"]["samples"]
        c.check(any(l.get("target") == t and l["rabbitmq_node"] == n.node for _, l, _ in ident),
                "%s: identity names its own node" % t)
    c.eq(one(s, "rabbitmq_queues", target="node-b"), 1, "the queue declared on b counts on b only")
    # /api/overview's counters are the cluster's: one member writes them, so sums count once.
    for fam in ("rabbitmq_global_messages_received_total", "rabbitmq_global_consumers"):
        writers = sorted(l["target"] for _, l, _ in s.get(fam, {"samples": []})["samples"])
        c.eq(writers, ["node-a"], "cluster: %s written by one member (the smallest name, rabbit-a)" % fam)

    t1 = time.monotonic()
    cn.stop(60)
    def seen_down():
        s = vigia.scrape(timeout_header=10)
        return all(find(s, "vigia_rabbitmq_node_running", target=t, node=cn.node) == [0]
                   for t in ("node-a", "node-b")) and s
    s = h.wait_for(seen_down, 120, "a and b report rabbit-c not running", interval=1)
    for t in ("node-a", "node-b"):
        c.eq(one(s, "vigia_rabbitmq_nodes_not_running", target=t), 1, "%s: one node not running" % t)
        c.eq(one(s, "rabbitmq_up", target=t), 1, "%s still up" % t)
    c.eq(one(s, "rabbitmq_up", target="node-c"), 0, "the stopped node's own target: rabbitmq_up 0")
    c.note("cluster: 2 nodes started and joined in %.0f s; stop seen in %.0f s; part total %.0f s" % (
        started, time.monotonic() - t1, time.monotonic() - t0))
    vigia.stop()
    b.stop(60)


def body(c):
    t0 = time.monotonic()
    epmd = rh.start_epmd()
    a = rh.start_rabbitmq("a", epmd)
    c.note("broker started in %.0f s" % (time.monotonic() - t0))
    fidelity_part(c, a)
    bad_input_part(c, a)
    cluster_part(c, a, epmd)
    c.note("whole test %.0f s" % (time.monotonic() - t0))


if __name__ == "__main__":
    h.main("rabbitmq exporter", body)

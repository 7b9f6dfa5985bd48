#!/usr/bin/env python3
"""Integration test of the redis exporter on Debian 12's Redis 7.0
(tests/lib/redis_harness.py): a primary and its replica, an ACL user with a
password, a server with CONFIG renamed, a TCP server that never answers, and
BullMQ-shaped keys written here; side by side with Debian's
prometheus-redis-exporter 1.45 on the same primary."""

import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import bullmq  # noqa: E402
import harness as h  # noqa: E402
import redis_harness as rh  # noqa: E402
from harness import find, one  # noqa: E402

PASSWORD = "Redis-Secret-7f3a"
WRONG = "not-the-password-99"
MAXMEMORY = 64 * 1024 * 1024
MAXCLIENTS = 500
DEADLINE = 4  # the scrapes' X-Prometheus-Scrape-Timeout-Seconds


def body(c):
    primary = rh.start_redis("primary", extra=["maxmemory %d" % MAXMEMORY, "maxclients %d" % MAXCLIENTS])
    replica = rh.start_redis("replica", replica_of=primary)
    acl = rh.start_redis("acl", users={"vigia": PASSWORD})
    renamed = rh.start_redis("renamed", extra=['rename-command CONFIG ""', "maxmemory 32mb", "maxclients 321"])
    silent = rh.start_silent_server()

    now_ms = int(time.time() * 1000)
    bullmq.write_queues(primary, now_ms)
    primary.cmd("SET", "counter", "42")
    primary.cmd("SET", "greeting", "hello")
    primary.cmd("RPUSH", "mylist", "a", "b", "c")
    primary.cmd("SET", "sess:1", "x")
    primary.cmd("SET", "sess:2", "yy")
    h.wait_for(lambda: replica.info("replication").get("master_link_status") == "up", 30,
               "the replica's link up")
    h.wait_for(lambda: replica.info("keyspace").get("db0", "").startswith("keys=%s," % primary.info("keyspace")["db0"].split(",")[0][5:]),
               30, "the replica has the primary's keys")

    # bullmq is a mapping: service_yaml writes scalars and lists, so the block is written here.
    config = (
        "redis:\n"
        "  - name: primary\n    address: %s\n    check_keys: [\"db0=sess:*\"]\n"
        "    check_single_keys: [counter, greeting, mylist, missing]\n    bullmq: {prefix: bull, db: 0}\n"
        "  - name: replica\n    address: %s\n"
        "  - name: acl\n    address: redis://%s\n    username: vigia\n    password_env: VIGIA_TEST_REDIS_PW\n"
        "  - name: acl_wrong\n    address: %s\n    username: vigia\n    password_env: VIGIA_TEST_REDIS_WRONG\n"
        "  - name: renamed\n    address: %s\n"
        "  - name: silent\n    address: %s\n"
    ) % (primary.address(), replica.address(), acl.address(), acl.address(), renamed.address(), silent.address())
    vigia = h.Vigia(config=config, collectors=["redis"],
                    env={"VIGIA_TEST_REDIS_PW": PASSWORD, "VIGIA_TEST_REDIS_WRONG": WRONG})

    t0 = time.monotonic()
    s = vigia.scrape(timeout_header=DEADLINE)
    took = time.monotonic() - t0
    ups = {t: one(s, "redis_up", target=t) for t in ("primary", "replica", "acl", "acl_wrong", "renamed", "silent")}
    assert ups == {"primary": 1, "replica": 1, "acl": 1, "acl_wrong": 0, "renamed": 1, "silent": 0}, (ups, vigia.log()[-2000:])
    assert took < DEADLINE + 1, took
    c.passed("redis_up: 4 servers 1, wrong password 0, a server that never answers 0; scrape %.2fs (deadline %ds)"
             % (took, DEADLINE))
    assert one(s, "redis_exporter_last_scrape_error", target="primary", err="") == 0
    errs = [l for n, l, v in s.samples() if n == "redis_exporter_last_scrape_error" and l["target"] == "acl_wrong" and v == 1]
    assert len(errs) == 1 and "WRONGPASS" in errs[0]["err"] and PASSWORD not in errs[0]["err"] \
        and WRONG not in errs[0]["err"], errs
    h.promtool_check_metrics(vigia.get("/metrics", DEADLINE).body)
    c.passed("the exposition passes promtool check metrics")

    # Constant values against what the servers say.
    assert one(s, "redis_config_maxmemory", target="primary") == MAXMEMORY
    assert one(s, "redis_config_maxclients", target="primary") == MAXCLIENTS
    assert one(s, "redis_config_maxmemory", target="renamed") == 32 * 1024 * 1024
    assert one(s, "redis_config_maxclients", target="renamed") == 321
    assert one(s, "redis_memory_max_bytes", target="renamed") == 32 * 1024 * 1024
    c.passed("maxmemory/maxclients from CONFIG GET, and from INFO on the server with CONFIG renamed")
    info = primary.info()
    assert one(s, "redis_instance_info", target="primary", role="master", redis_version=info["redis_version"],
               tcp_port=str(primary.port), run_id=info["run_id"]) == 1
    assert one(s, "redis_instance_info", target="replica", role="slave") == 1
    assert one(s, "redis_connected_slaves", target="primary") == 1
    lag = one(s, "redis_connected_slave_lag_seconds", target="primary", slave_ip="127.0.0.1",
              slave_port=str(replica.port), slave_state="online")
    assert 0 <= lag < 10, lag
    assert one(s, "redis_connected_slave_offset_bytes", target="primary", slave_port=str(replica.port)) > 0
    link = dict(target="replica", master_host="127.0.0.1", master_port=str(primary.port))
    assert one(s, "redis_master_link_up", **link) == 1
    assert 0 <= one(s, "redis_master_last_io_seconds_ago", **link) < 10
    assert one(s, "redis_slave_info", target="replica", master_port=str(primary.port), read_only="1") == 1
    db0 = float(info["db0"].split(",")[0][5:])
    assert one(s, "redis_db_keys", target="primary", db="db0") == db0
    assert one(s, "redis_db_keys", target="primary", db="db15") == 0
    assert one(s, "redis_commands_total", target="primary", cmd="set") >= 5
    assert find(s, "redis_latency_percentiles_usec", target="primary", cmd="set", quantile="99.9")
    assert one(s, "redis_slowlog_length", target="primary") >= 0
    c.passed("role, replica offset/lag %gs, master link, keyspace (%d keys), commandstats, latencystats" % (lag, db0))

    assert one(s, "redis_key_size", target="primary", db="db0", key="sess:2") == 2
    assert one(s, "redis_key_size", target="primary", db="db0", key="mylist") == 3
    assert one(s, "redis_key_size", target="primary", db="db0", key="missing") == 0
    assert one(s, "redis_key_value", target="primary", db="db0", key="counter") == 42
    assert one(s, "redis_key_value_as_string", target="primary", db="db0", key="greeting", val="hello") == 1
    c.passed("check_keys (SCAN sess:*) and check_single_keys: sizes and values")

    want = {"waiting": 2, "active": 1, "paused": 0, "delayed": 2, "prioritized": 1, "completed": 4, "failed": 3}
    got = {st: one(s, "vigia_bullmq_jobs", target="primary", queue="email", state=st) for st in want}
    assert got == want, got
    assert one(s, "vigia_bullmq_jobs", target="primary", queue="reports", state="waiting") == 0
    assert not find(s, "vigia_bullmq_jobs", target="primary", queue="orphan")
    assert one(s, "vigia_bullmq_queues", target="primary", prefix="bull") == 2
    age = one(s, "vigia_bullmq_oldest_waiting_job_age_seconds", target="primary", queue="email")
    elapsed = time.time() - now_ms / 1000
    assert 120 <= age <= 120 + elapsed + 1, (age, elapsed)
    assert one(s, "vigia_bullmq_oldest_waiting_job_age_seconds", target="primary", queue="reports") == 0
    c.passed("BullMQ: 2 queues found by SCAN, jobs per state, oldest waiting job %.1fs old" % age)

    # One persistent connection: three scrapes open none (the INFO here opens one).
    before = int(primary.info("stats")["total_connections_received"])
    for _ in range(3):
        assert one(vigia.scrape("/probe?target=primary", timeout_header=DEADLINE), "redis_up") == 1
    opened = int(primary.info("stats")["total_connections_received"]) - before
    assert opened == 1, opened
    c.passed("3 scrapes over the kept connection: no new connection to the primary")

    compare_with_redis_exporter(c, vigia, primary)

    # The primary stops: it is down, its replica's link goes down; it comes back.
    primary.stop()
    s = h.wait_for(lambda: (lambda s: one(s, "redis_master_link_up", **link) == 0 and s)(vigia.scrape(timeout_header=DEADLINE)),
                   30, "redis_master_link_up 0 on the replica")
    assert one(s, "redis_up", target="primary") == 0
    assert one(s, "redis_up", target="replica") == 1
    assert one(s, "redis_master_link_down_since_seconds", **link) >= 0
    c.passed("primary stopped: redis_up 0, the replica's master_link_up 0, others still up")
    primary.restart()
    h.wait_for(lambda: (lambda s: one(s, "redis_master_link_up", **link) == 1 and one(s, "redis_up", target="primary") == 1)(
        vigia.scrape(timeout_header=DEADLINE)), 40, "the link up again after the primary's restart")
    c.passed("primary restarted: redis_up 1 and master_link_up 1 again")

    # Shutdown while a collection waits on the silent server.
    scraper = threading.Thread(target=lambda: vigia.get("/metrics", 20, http_timeout=30), daemon=True)
    scraper.start()
    time.sleep(0.5)
    rc, took = vigia.terminate(10)
    assert rc == 0 and took < 3.0, (rc, took)
    c.passed("SIGTERM with a collection waiting on the silent server: exit %d after %.2fs" % (rc, took))
    log = vigia.log()
    assert PASSWORD not in log and WRONG not in log
    assert "WRONGPASS" in log, log[-2000:]  # the error is logged, without the password
    c.passed("no password in vigia's log")
    silent.close()


def compare_with_redis_exporter(c, vigia, primary):
    """Shared families have the same type and label names; constant values are equal."""
    exporter = rh.start_redis_exporter(primary)
    ref = exporter.scrape()
    mine = vigia.scrape("/probe?target=primary", timeout_header=DEADLINE)
    exporter.stop()
    skip = {n for n in ref if n.startswith(("go_", "process_", "promhttp_"))}
    shared = sorted(set(ref) & set(mine) - skip)
    only_ref = sorted(set(ref) - set(mine) - skip)
    only_mine = sorted(set(mine) - set(ref) - {n for n in mine if n.startswith("vigia_")})
    bad_labels, bad_types = [], []
    for n in shared:
        if ref[n]["type"] != mine[n]["type"]:
            bad_types.append((n, ref[n]["type"], mine[n]["type"]))
        if ref[n].label_names() != mine[n].label_names():
            bad_labels.append((n, sorted(ref[n].label_names()), sorted(mine[n].label_names())))
    c.note("redis_exporter 1.45 vs vigia on the same primary: %d shared families, %d with equal label names, "
           "%d with equal types" % (len(shared), len(shared) - len(bad_labels), len(shared) - len(bad_types)))
    c.note("only redis_exporter: %s" % ", ".join(only_ref))
    c.note("only vigia: %s" % ", ".join(only_mine))
    assert not bad_labels, bad_labels
    assert not bad_types, bad_types
    assert len(shared) >= 100, len(shared)
    constants = ["redis_config_maxclients", "redis_config_maxmemory", "redis_memory_max_bytes", "redis_connected_slaves",
                 "redis_db_keys", "redis_db_keys_expiring", "redis_instance_info", "redis_slave_priority" ,
                 "redis_replication_backlog_bytes", "redis_aof_enabled", "redis_rdb_last_bgsave_status",
                 "redis_cluster_enabled", "redis_process_id"]
    equal = 0
    for n in constants:
        if n not in ref:
            continue
        assert ref[n].series() == mine[n].series(), (n, ref[n].series(), mine[n].series())
        equal += len(ref[n].series())
    c.passed("%d shared families, same types and label names; %d constant series equal (%s)"
             % (len(shared), equal, ", ".join(n[6:] for n in constants if n in ref)))


if __name__ == "__main__":
    h.main("redis exporter against Redis 7.0", body)

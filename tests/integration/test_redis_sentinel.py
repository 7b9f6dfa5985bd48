#!/usr/bin/env python3
"""Integration test of the redis exporter on a Redis Sentinel (Debian 12's Redis
7.0, redis-server --sentinel, tests/lib/redis_harness.py) watching a primary and
its replica: the Sentinel's families side by side with Debian's
prometheus-redis-exporter 1.45 on the same Sentinel (same families, label names
and values), then a failover (the primary stops, Sentinel promotes the replica)
seen as the new master address."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness as h  # noqa: E402
import redis_harness as rh  # noqa: E402
from harness import find, one  # noqa: E402

DEADLINE = 4
MASTER = "mymaster"
# redis_exporter >= 1.56's families, with the values tests/lib/redis_harness.py's start_sentinel sets.
SETTINGS = {"redis_sentinel_master_setting_ckquorum": 1,
            "redis_sentinel_master_setting_down_after_milliseconds": 1000,
            "redis_sentinel_master_setting_failover_timeout": 10000,
            "redis_sentinel_master_setting_parallel_syncs": 1}


def sentinel_families(fams):
    return {n for n in fams if n.startswith("redis_sentinel_")}


def series(fam, drop=("target",)):
    return sorted((tuple(sorted((k, v) for k, v in l.items() if k not in drop)), v) for _, l, v in fam["samples"])


def body(c):
    primary = rh.start_redis("primary")
    replica = rh.start_redis("replica", replica_of=primary)
    h.wait_for(lambda: replica.info("replication").get("master_link_status") == "up", 30, "the replica's link up")
    sentinel = rh.start_sentinel({MASTER: primary})
    # Sentinel learns the replica from the primary's INFO (every 10 s).
    h.wait_for(lambda: len(sentinel.cmd("SENTINEL", "REPLICAS", MASTER)) == 1, 40, "Sentinel sees the replica")

    config = ("redis:\n"
              "  - name: primary\n    address: %s\n"
              "  - name: replica\n    address: %s\n"
              "  - name: sentinel\n    address: %s\n") % (primary.address(), replica.address(), sentinel.address())
    vigia = h.Vigia(config=config, collectors=["redis"])

    s = vigia.scrape(timeout_header=DEADLINE)
    assert one(s, "redis_up", target="sentinel") == 1
    assert one(s, "redis_exporter_last_scrape_error", target="sentinel", err="") == 0, vigia.log()[-2000:]
    assert one(s, "redis_instance_info", target="sentinel", redis_mode="sentinel") == 1
    addr = primary.address()
    assert one(s, "redis_sentinel_masters", target="sentinel") == 1
    assert one(s, "redis_sentinel_master_status", target="sentinel", master_name=MASTER, master_address=addr,
               master_status="ok") == 1
    assert one(s, "redis_sentinel_master_slaves", target="sentinel", master_name=MASTER, master_address=addr) == 1
    assert one(s, "redis_sentinel_master_sentinels", target="sentinel", master_name=MASTER) == 1
    assert one(s, "redis_sentinel_master_ok_slaves", target="sentinel", master_name=MASTER) == 1
    assert one(s, "redis_sentinel_master_ok_sentinels", target="sentinel", master_name=MASTER) == 1
    assert one(s, "redis_sentinel_master_ckquorum_status", target="sentinel", master_name=MASTER) == 1
    for n, v in SETTINGS.items():
        assert one(s, n, target="sentinel", master_name=MASTER, master_address=addr) == v, n
    assert not sentinel_families({n: 1 for n in s if find(s, n, target="primary")})
    h.promtool_check_metrics(vigia.get("/metrics", DEADLINE).body)
    c.passed("Sentinel target: master %s ok, 1 replica (ok), 1 sentinel, quorum reachable, the 4 settings as configured; primary and replica "
             "targets have no sentinel families; promtool check metrics passes" % addr)

    compare_with_redis_exporter(c, vigia, sentinel)

    # Failover: the primary stops, Sentinel promotes the replica.
    primary.stop()
    h.wait_for(lambda: sentinel.master_addr(MASTER) == replica.address(), 60, "Sentinel promotes the replica")
    new = replica.address()
    s = h.wait_for(lambda: (lambda s: find(s, "redis_sentinel_master_status", target="sentinel", master_name=MASTER,
                                           master_address=new) and s)(vigia.scrape(timeout_header=DEADLINE)),
                   30, "vigia reports the new master address")
    assert one(s, "redis_sentinel_master_status", target="sentinel", master_name=MASTER, master_address=new,
               master_status="ok") == 1
    assert not find(s, "redis_sentinel_master_status", target="sentinel", master_address=addr)
    assert one(s, "redis_up", target="primary") == 0
    assert one(s, "redis_instance_info", target="replica", role="master") == 1
    # The old primary is now a replica that Sentinel sees down.
    ok_slaves = h.wait_for(lambda: (lambda v: v == 0 and [v])(one(vigia.scrape(timeout_header=DEADLINE),
                                                                    "redis_sentinel_master_ok_slaves",
                                                                    target="sentinel", master_name=MASTER)),
                           30, "the old primary counted as a replica that is down")
    c.passed("failover: master_address %s -> %s, status ok, the promoted replica's role master, ok_slaves %d "
             "(the stopped old primary)" % (addr, new, ok_slaves[0]))
    compare_with_redis_exporter(c, vigia, sentinel, after=" after the failover")


def compare_with_redis_exporter(c, vigia, sentinel, after=""):
    exporter = rh.start_redis_exporter(sentinel)
    ref = exporter.scrape()
    mine = vigia.scrape("/probe?target=sentinel", timeout_header=DEADLINE)
    exporter.stop()
    skip = {n for n in ref if n.startswith(("go_", "process_", "promhttp_"))}
    shared = sorted(set(ref) & set(mine) - skip)
    bad_labels = [n for n in shared if ref[n].label_names() != mine[n].label_names()]
    bad_types = [n for n in shared if ref[n]["type"] != mine[n]["type"]]
    assert not bad_labels and not bad_types, (bad_labels, bad_types)
    rs, ms = sentinel_families(ref), sentinel_families(mine)
    # vigia also writes redis_exporter >= 1.56's settings (not in 1.45).
    assert ms - rs == set(SETTINGS) and rs <= ms, (sorted(rs), sorted(ms))
    values = 0
    for n in sorted(rs):
        assert series(ref[n]) == series(mine[n]), (n, series(ref[n]), series(mine[n]))
        values += len(ref[n].series())
    c.note("on the Sentinel%s: only redis_exporter: %s" % (after, ", ".join(sorted(set(ref) - set(mine) - skip))))
    c.passed("redis_exporter 1.45 vs vigia on the Sentinel%s: %d shared families (same types, label names); "
             "the %d redis_sentinel_* families identical, %d series with equal labels and values"
             % (after, len(shared), len(rs), values))


if __name__ == "__main__":
    h.main("redis exporter on a Redis Sentinel: redis_exporter 1.45 side by side, failover", body)

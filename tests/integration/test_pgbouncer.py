#!/usr/bin/env python3
"""Integration test of the pgbouncer exporter: a real PgBouncer (Debian 12's
1.18) in front of a PostgreSQL 15 server (tests/lib/pg_harness.py)."""

import os
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness as h  # noqa: E402
import pg_harness  # noqa: E402
from harness import find, one  # noqa: E402

PASSWORD = "Bouncer-Secret-41c2"


POOL_COLUMNS = {
    "cl_active": "pgbouncer_pools_client_active_connections",
    "cl_waiting": "pgbouncer_pools_client_waiting_connections",
    "cl_active_cancel_req": "pgbouncer_pools_client_active_cancel_connections",
    "cl_waiting_cancel_req": "pgbouncer_pools_client_waiting_cancel_connections",
    "sv_active": "pgbouncer_pools_server_active_connections",
    "sv_active_cancel": "pgbouncer_pools_server_active_cancel_connections",
    "sv_being_canceled": "pgbouncer_pools_server_being_canceled_connections",
    "sv_idle": "pgbouncer_pools_server_idle_connections",
    "sv_used": "pgbouncer_pools_server_used_connections",
    "sv_tested": "pgbouncer_pools_server_testing_connections",
    "sv_login": "pgbouncer_pools_server_login_connections",
}
LIST_NAMES = {
    "databases": "pgbouncer_databases", "users": "pgbouncer_users", "pools": "pgbouncer_pools",
    "free_clients": "pgbouncer_free_clients", "used_clients": "pgbouncer_used_clients",
    "login_clients": "pgbouncer_login_clients", "free_servers": "pgbouncer_free_servers",
    "used_servers": "pgbouncer_used_servers", "dns_names": "pgbouncer_cached_dns_names",
    "dns_zones": "pgbouncer_cached_dns_zones", "dns_queries": "pgbouncer_in_flight_dns_queries",
}
DATABASE_COLUMNS = ["pool_size", "reserve_pool", "max_connections", "current_connections", "paused", "disabled"]


def admin_show(port, what):
    """Rows of SHOW <what> on the admin console through psql, as dicts."""
    out = pg_harness.psql_tcp(port, "app", PASSWORD, "pgbouncer", "SHOW " + what,
                              "-A", "-F", "\t", "-P", "footer=off").splitlines()
    header = out[0].split("\t")
    return [dict(zip(header, line.split("\t"))) for line in out[1:]]


def compare_with_psql(c, s, port):
    """vigia's values equal what psql prints at the same moment on a quiet
    pooler. psql's own console connection is one more client than vigia saw:
    it is in the pgbouncer/app pool's cl_active and in used_clients."""
    pools, config, lists, dbs = (admin_show(port, w) for w in ("POOLS", "CONFIG", "LISTS", "DATABASES"))
    compared = 0
    for row in pools:
        for col, metric in POOL_COLUMNS.items():
            want = float(row[col]) - (1 if (col == "cl_active" and row["database"] == "pgbouncer") else 0)
            got = one(s, metric, target="main", database=row["database"], user=row["user"])
            assert got == want, (metric, row, got)
            compared += 1
        maxwait = float(row["maxwait"]) + float(row["maxwait_us"]) / 1e6
        assert one(s, "pgbouncer_pools_client_maxwait_seconds", target="main", database=row["database"],
                   user=row["user"]) == maxwait
    cfg = {r["key"]: r["value"] for r in config}
    assert one(s, "pgbouncer_config_max_client_connections", target="main") == float(cfg["max_client_conn"])
    assert one(s, "pgbouncer_config_max_user_connections", target="main") == float(cfg["max_user_connections"])
    for row in lists:
        if row["list"] not in LIST_NAMES:
            # 1.18's dns_pending: pgbouncer_exporter maps no such list, nor does vigia.
            assert not find(s, "pgbouncer_" + row["list"]), row
            continue
        want = float(row["items"])
        if row["list"] == "used_clients":
            want -= 1
        if row["list"] == "free_clients":
            # psql's client came from the free list: one fewer than vigia saw, or
            # the same if a client freed one meanwhile. The list is not empty
            # (pgbouncer allocates client slots by the page), so a wrong or
            # missing value cannot pass as "nothing to compare".
            got = one(s, LIST_NAMES[row["list"]], target="main")
            assert want >= 1, ("free_clients is empty: nothing compared", row)
            assert got in (want, want + 1), (row, got)
            compared += 1
            continue
        assert one(s, LIST_NAMES[row["list"]], target="main") == want, (row, find(s, LIST_NAMES[row["list"]]))
        compared += 1
    for row in dbs:
        for col in DATABASE_COLUMNS:
            want = float(row[col])
            if row["name"] == "pgbouncer" and col == "current_connections":
                continue  # the console's own "connections" count psql's client
            got = one(s, "pgbouncer_databases_" + col, target="main", name=row["name"], host=row["host"],
                      port=row["port"], database=row["database"], force_user=row["force_user"],
                      pool_mode=row["pool_mode"])
            assert got == want, (col, row, got)
            compared += 1
    version = h.run([pg_harness.PGBOUNCER, "--version"]).stdout
    assert one(s, "pgbouncer_version_info", target="main", version=version.splitlines()[0].strip()) == 1
    c.passed("%d pgbouncer values equal SHOW POOLS/CONFIG/LISTS/DATABASES through psql" % compared)


def body(c):
    pg = pg_harness.start_postgres("pg")
    pg.psql("CREATE ROLE app LOGIN PASSWORD '%s'" % PASSWORD)
    bouncer = pg_harness.start_pgbouncer(pg, {"app": PASSWORD})
    config = h.service_yaml({"pgbouncer": [bouncer.target("main", "app", "VIGIA_TEST_PGB_PW")]})
    vigia = h.Vigia(config=config, collectors=["pgbouncer"], env={"VIGIA_TEST_PGB_PW": PASSWORD})
    # A client through the pooler, so the pool and stats have something.
    pg_harness.psql_tcp(bouncer.port, "app", PASSWORD, "postgres", "SELECT 1", "-q")
    time.sleep(1.2)  # SHOW STATS totals are refreshed every second
    s = vigia.scrape()
    assert one(s, "pgbouncer_up", target="main") == 1, vigia.log()[-1500:]
    assert one(s, "pgbouncer_version_info", target="main") == 1
    assert one(s, "pgbouncer_config_max_client_connections", target="main") == 57
    assert one(s, "pgbouncer_pools_client_active_connections", target="main", database="pgbouncer") >= 1
    assert one(s, "pgbouncer_pools_server_idle_connections", target="main", database="postgres", user="app") >= 0
    assert one(s, "pgbouncer_stats_queries_pooled_total", target="main", database="postgres") >= 1
    assert one(s, "pgbouncer_databases_pool_size", target="main", name="postgres") >= 1
    c.passed("pgbouncer metrics, %d samples" % s.sample_count())
    compare_with_psql(c, s, bouncer.port)

    bouncer.stop()
    s = vigia.scrape()
    assert one(s, "pgbouncer_up", target="main") == 0
    bouncer.start()
    h.wait_for(lambda: one(vigia.scrape(), "pgbouncer_up", target="main") == 1, 20,
               "pgbouncer_up 1 after the pgbouncer restart")
    c.passed("pgbouncer stop -> pgbouncer_up 0, restart -> 1")

    # A frozen pgbouncer (SIGSTOP): the scrape answers before its deadline, and
    # SIGTERM ends vigia promptly although the worker waits for SHOW output.
    frozen = bouncer.pid()
    os.kill(frozen, signal.SIGSTOP)
    try:
        t0 = time.monotonic()
        s = vigia.scrape(timeout_header=2)
        assert time.monotonic() - t0 < 2.0
        assert one(s, "pgbouncer_up", target="main") == 0
        rc, took = vigia.terminate(10)
        assert rc == 0 and took < 3.0, (rc, took)
        c.passed("frozen pgbouncer -> pgbouncer_up 0; SIGTERM -> exit %d after %.2fs" % (rc, took))
    finally:
        os.kill(frozen, signal.SIGCONT)
    assert PASSWORD not in vigia.log()


if __name__ == "__main__":
    h.main("pgbouncer exporter against PgBouncer 1.18", body)

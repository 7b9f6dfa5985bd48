#!/usr/bin/env python3
"""Integration test of the postgres exporter's resource behaviour against a real
PostgreSQL 15 (tests/lib/pg_harness.py):
  - 1 000 scrapes of a target with database discovery (with the connections
    killed now and then) leave the server's connection count unchanged;
  - 8 concurrent scrapes run the target's queries once (pg_stat_statements calls);
  - a server with every connection slot taken gives pg_up 0 in time, then recovers;
  - SIGTERM makes vigia exit promptly even while a target's worker is stuck in a
    query on a SIGSTOPped backend."""

import http.client
import os
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness as h  # noqa: E402
import pg_harness  # noqa: E402
from harness import one  # noqa: E402

PASSWORD = "Load-Secret-91c2"
SLEEP_QUERY = "SELECT 1 AS v FROM pg_sleep(0.8)"
# The slow target's collection takes > 0.8 s, so 8 scrapes started together overlap.
QUERIES_YAML = """pg_slow:
  query: "%s"
  metrics:
    - v:
        usage: "GAUGE"
        description: "1 after a pause"
""" % SLEEP_QUERY
VIGIA_CONNS = "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'vigia'"
ALL_CLIENTS = "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"


def statement_calls(primary, dbname, like):
    """Calls of the statements of user vigia in dbname whose text matches `like`."""
    return int(primary.psql(
        "SELECT COALESCE(sum(s.calls), 0) FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid "
        "WHERE d.datname = '%s' AND s.userid = 'vigia'::regrole AND s.query LIKE '%s'" % (dbname, like)))


def concurrent(n, fn):
    """Runs fn() on n threads released together; returns their results (or exceptions)."""
    barrier = threading.Barrier(n)
    out = [None] * n

    def run(i):
        barrier.wait()
        try:
            out[i] = fn()
        except Exception as e:  # noqa: BLE001 - reported by the caller
            out[i] = e

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return out


def check_no_leak(c, primary, vigia):
    """1 000 /probe scrapes of target disc (its own database and one discovered
    database) on one keep-alive HTTP connection; every 250 the server kills
    all of vigia's backends, which vigia must replace, not add to."""
    vigia.scrape()  # every target connected
    before_vigia, before_all = int(primary.psql(VIGIA_CONNS)), int(primary.psql(ALL_CLIENTS))
    conn = http.client.HTTPConnection("127.0.0.1", vigia.port, timeout=30)
    t0 = time.monotonic()
    ups = 0
    for i in range(1000):
        if i % 250 == 125:
            killed = primary.psql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                  "WHERE application_name = 'vigia'")
            # All four at first; then disc's two (only disc is scraped in between).
            assert killed == ("4" if i == 125 else "2"), (i, killed)
        conn.request("GET", "/probe?target=disc")
        r = conn.getresponse()
        body = r.read().decode()
        assert r.status == 200, r.status
        # The scrape right after a kill finds the dead connections and reconnects at once.
        ups += "\npg_up 1\n" in "\n" + body and 'vigia_postgres_database_up{datname="slowdb"} 1' in body
    took = time.monotonic() - t0
    conn.close()
    vigia.scrape()  # fast and slow reconnect after the kills
    after_vigia, after_all = int(primary.psql(VIGIA_CONNS)), int(primary.psql(ALL_CLIENTS))
    assert ups == 1000, ups
    # fast, slow, disc and disc's connection to slowdb
    assert before_vigia == after_vigia == 4, (before_vigia, after_vigia)
    assert before_all == after_all, (before_all, after_all)
    c.passed("1000 scrapes in %.1fs (3 kills of every vigia connection): vigia connections %d -> %d, "
          "all clients %d -> %d" % (took, before_vigia, after_vigia, before_all, after_all))


def check_shared(c, primary, vigia):
    """8 concurrent /metrics scrapes, then 8 concurrent /probe scrapes of the
    slow target: each batch runs the target's queries once."""
    version_like = "%pg_postmaster_start_time()%"
    for path in ("/metrics", "/probe?target=slow"):
        v0 = statement_calls(primary, "slowdb", version_like)
        s0 = statement_calls(primary, "slowdb", "%pg_sleep%")
        t0 = time.monotonic()
        results = concurrent(8, lambda: vigia.scrape(path))
        took = time.monotonic() - t0
        errors = [r for r in results if isinstance(r, Exception)]
        assert not errors, errors
        label = {"target": "slow"} if path == "/metrics" else {}
        for s in results:
            assert one(s, "pg_up", **label) == 1
            assert one(s, "pg_slow_v", **label) == 1
        v1 = statement_calls(primary, "slowdb", version_like)
        s1 = statement_calls(primary, "slowdb", "%pg_sleep%")
        assert (v1 - v0, s1 - s0) == (1, 1), (path, v0, v1, s0, s1)
        assert took < 5, took  # one 0.8 s collection, not eight in a row
        c.passed("8 concurrent %s scrapes in %.2fs ran the queries once (version query calls %d -> %d, "
              "pg_sleep calls %d -> %d)" % (path, took, v0, v1, s0, s1))


def check_exhausted(c, tiny, vigia):
    """A server whose connection slots are all taken (max_connections 4, one
    reserved for superusers): vigia's target there reports pg_up 0 within the
    deadline, the others stay up, and it recovers once slots are free."""
    s = vigia.scrape()
    assert one(s, "pg_up", target="tiny") == 1
    # The superuser's reserved slot ends vigia's session (vigia reconnects only
    # when scraped); sleepers then take the three other slots. A sleeper may be
    # refused while one of our own psql checks holds a slot: another is started.
    fillers = []
    try:
        tiny.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'vigia'")
        fillers_in = "0"
        for _ in range(150):
            if tiny.psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'vigia'") == "0":
                if sum(f.poll() is None for f in fillers) < 3:
                    fillers.append(pg_harness.psql_tcp_async(tiny.port, "filler", PASSWORD, "SELECT pg_sleep(60)"))
                fillers_in = tiny.psql("SELECT count(*) FROM pg_stat_activity WHERE usename = 'filler'")
                if fillers_in == "3":
                    break
            time.sleep(0.1)
        assert fillers_in == "3", "could not fill the connection slots: %s sleepers" % fillers_in
        t0 = time.monotonic()
        s = vigia.scrape(timeout_header=3)
        took = time.monotonic() - t0
        assert took < 3.0, took  # answered before the deadline
        assert one(s, "pg_up", target="tiny") == 0
        assert one(s, "pg_up", target="fast") == 1
        c.passed("max_connections exhausted: scrape in %.2fs (deadline 3s), tiny pg_up 0, fast pg_up 1" % took)
    finally:
        tiny.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'filler'")
        for f in fillers:
            f.wait(10)
    # the reconnection backoff starts at 0.5 s
    h.wait_for(lambda: one(vigia.scrape(), "pg_up", target="tiny") == 1, 20,
               "tiny pg_up 1 once connection slots are free")
    c.passed("slots free again -> tiny pg_up 1")


def check_shutdown(c, primary, vigia):
    """Backends frozen with SIGSTOP in the middle of collections (a target's
    own, and a discovered database's): the scrape answers by its deadline with
    pg_up 0, and SIGTERM still ends vigia promptly."""
    # Target slow's backend and target disc's backend in its discovered database slowdb.
    backends = [int(pid) for pid in primary.psql("SELECT pid FROM pg_stat_activity WHERE application_name = "
                                                 "'vigia' AND datname = 'slowdb'").split()]
    assert len(backends) == 2, backends
    for pid in backends:
        os.kill(pid, signal.SIGSTOP)
    try:
        t0 = time.monotonic()
        s = vigia.scrape(timeout_header=2)
        assert time.monotonic() - t0 < 2.0  # answered before the deadline
        assert one(s, "pg_up", target="slow") == 0
        assert one(s, "pg_up", target="disc") == 0
        assert one(s, "pg_up", target="fast") == 1
        # Both workers are stuck reading from the frozen backends now.
        rc, took = vigia.terminate(10)
        assert rc is not None, "vigia did not exit within 10 s of SIGTERM"
        assert rc == 0, rc
        assert took < 3.0, took
        c.passed("SIGTERM with two workers stuck on frozen backends: exit %d after %.2fs" % (rc, took))
    finally:
        for pid in backends:
            os.kill(pid, signal.SIGCONT)


def body(c):
    primary = pg_harness.start_postgres("primary", password=PASSWORD)
    primary.psql("CREATE DATABASE slowdb")
    primary.psql("CREATE EXTENSION pg_stat_statements")
    tiny = pg_harness.start_postgres("tiny", conf="max_connections = 4\nsuperuser_reserved_connections = 1\n"
                                     "max_wal_senders = 0\nwal_level = minimal")
    for role in ("vigia", "filler"):
        tiny.psql("CREATE ROLE %s LOGIN PASSWORD '%s' IN ROLE pg_monitor" % (role, PASSWORD))
    pw = "VIGIA_LOAD_PW"
    config = h.service_yaml({"postgres": [
        primary.target("fast", "postgres", pw),
        primary.target("slow", "slowdb", pw, queries_file="queries.yaml"),
        primary.target("disc", "postgres", pw, collect=["stat_user_tables"], auto_discover_databases=True),
        tiny.target("tiny", "postgres", pw),
    ]})
    # `vigia exporter`: the connection and query counts here are the exporter's;
    # `vigia run` would add its evaluator's own collections every 15 s.
    vigia = h.Vigia("exporter", config=config, files={"queries.yaml": QUERIES_YAML}, collectors=["postgres"],
                    env={pw: PASSWORD})
    check_no_leak(c, primary, vigia)
    check_shared(c, primary, vigia)
    check_exhausted(c, tiny, vigia)
    check_shutdown(c, primary, vigia)


if __name__ == "__main__":
    h.main("postgres exporter under load", body)

#!/usr/bin/env python3
"""Integration test of the postgres exporter against a real PostgreSQL 15
primary and a streaming replica (tests/lib/pg_harness.py)."""

import os
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness as h  # noqa: E402
import pg_harness  # noqa: E402
from harness import find, one  # noqa: E402

PASSWORD = "Vigia-Secret-7f3a9"
WEIRD_DBS = ['we"ird db', "ñandú", "back\\slash"]
WEIRD_TABLE = 'tab "q" é\\'


QUERIES_YAML = """pg_custom_db:
  query: "SELECT datname, 'junk' AS junk, numbackends, xact_commit FROM pg_stat_database WHERE datname IS NOT NULL"
  master: true
  metrics:
    - datname:
        usage: "LABEL"
        description: "Name of the database"
    - junk:
        usage: "DISCARD"
        description: "Ignored"
    - numbackends:
        usage: "GAUGE"
        description: "Backends connected"
    - xact_commit:
        usage: "COUNTER"
        description: "Committed transactions"
pg_custom_bad:
  query: "SELECT 1/0 AS x"
  metrics:
    - x:
        usage: "GAUGE"
        description: "Never computed"
pg_custom_cached:
  query: "SELECT extract(epoch FROM clock_timestamp())::float8 AS now"
  cache_seconds: 600
  metrics:
    - now:
        usage: "GAUGE"
        description: "When the query last ran"
"""


def check_bad_queries_file(c):
    """A queries file with an error: vigia refuses to start, naming file:line:column."""
    work = h.new_tmpdir("bad")
    with open(os.path.join(work, "bad_queries.yaml"), "w") as f:
        f.write("pg_x:\n  query: \"SELECT 1 AS v\"\n  metrics:\n    - v:\n        usage: \"HISTOGRAMM\"\n")
    with open(os.path.join(work, "bad.yml"), "w") as f:
        f.write("postgres:\n  - name: a\n    dsn: host=127.0.0.1\n    queries_file: bad_queries.yaml\n")
    r = h.run([h.VIGIA_BINARY, "--config.file=" + os.path.join(work, "bad.yml"),
               "--web.listen-address=127.0.0.1:%d" % h.free_port(), "--collector.disable-defaults",
               "--collector.postgres"], cwd=work)
    assert r.returncode != 0, r
    assert "bad_queries.yaml:5:16: pg_x.v.usage: 'HISTOGRAMM' is not supported" in r.stdout + r.stderr, r
    c.passed("a bad queries file stops vigia with file:line:column")


def stat_database(primary):
    """{datname: (numbackends, xact_commit)} as psql reads pg_stat_database (from template1,
    so that psql's own session is in none of the databases compared)."""
    return {d: (float(n), float(x)) for d, n, x in primary.rows(
        "SELECT datname, numbackends, xact_commit FROM pg_stat_database WHERE datname IS NOT NULL", db="template1")}


def check_custom_queries(c, s, vigia, primary):
    """Each usage, against what psql reads just before and just after the scrape; the
    failing query fails alone; cache_seconds replays."""
    before = stat_database(primary)
    text = vigia.get("/metrics").body
    after = stat_database(primary)
    s2 = h.parse_exposition(text)
    for db in (WEIRD_DBS[0], WEIRD_DBS[2], "postgres"):
        got = one(s2, "pg_custom_db_numbackends", target="primary", datname=db)
        assert got in (before[db][0], after[db][0]), (db, got, before[db], after[db])
        if db != "postgres":  # nobody works there: equal at any moment
            got = one(s2, "pg_custom_db_xact_commit", target="primary", datname=db)
            assert got == before[db][1] == after[db][1] > 0, (db, got, before[db], after[db])
    assert before["postgres"][0] >= 1  # vigia's own session is there
    assert one(s2, "pg_custom_db_xact_commit", target="primary", datname="postgres") > 0
    assert set(l for n, ls, _ in s2.samples() if n == "pg_custom_db_numbackends" for l in ls) == {"target", "datname"}
    assert not [n for n, _, _ in s2.samples() if n.startswith("pg_custom_db_junk") or n.startswith("pg_custom_bad")]
    assert one(s2, "pg_up", target="primary") == 1
    assert "# TYPE pg_custom_db_xact_commit counter" in text and "# TYPE pg_custom_db_numbackends gauge" in text
    first = one(s, "pg_custom_cached_now", target="primary")
    assert one(s2, "pg_custom_cached_now", target="primary") == first  # cached, not re-run
    log = vigia.log()
    assert "custom query pg_custom_bad (" in log and "queries.yaml:17:1" in log and "division by zero" in log, log[-2000:]
    c.passed("custom queries: LABEL/DISCARD/GAUGE/COUNTER equal psql's pg_stat_database, failing query alone, "
             "cache_seconds")


def check_opt_in(c, s, primary):
    """The opt-in collectors, against what psql reads at the same moment."""
    # Per-table statistics, in the target's database, with its weird name.
    (ins, size, idx, live), = primary.rows("SELECT n_tup_ins, pg_table_size(relid), pg_indexes_size(relid), "
                                           "n_live_tup FROM pg_stat_user_tables WHERE relname = '%s'"
                                           % WEIRD_TABLE.replace("'", "''"), db=WEIRD_DBS[1])
    lab = dict(target="nandu", datname=WEIRD_DBS[1], schemaname="public", relname=WEIRD_TABLE)
    assert one(s, "pg_stat_user_tables_n_tup_ins", **lab) == float(ins) == 500
    assert one(s, "pg_stat_user_tables_table_size_bytes", **lab) == float(size) > 0
    assert one(s, "pg_stat_user_tables_index_size_bytes", **lab) == float(idx) > 0
    assert one(s, "pg_stat_user_tables_n_live_tup", **lab) == float(live)
    assert one(s, "pg_stat_user_tables_last_vacuum", **lab) == 0
    assert not find(s, "pg_statio_user_tables_heap_blocks_hit", target="nandu")  # not in its collect list
    (ins, hit), = primary.rows("SELECT s.n_tup_ins, io.heap_blks_hit FROM pg_stat_user_tables s "
                               "JOIN pg_statio_user_tables io USING (relid) WHERE s.relname = 't'")
    lab = dict(target="primary", datname="postgres", schemaname="public", relname="t")
    assert one(s, "pg_stat_user_tables_n_tup_ins", **lab) == float(ins) == 1000
    assert one(s, "pg_statio_user_tables_heap_blocks_hit", **lab) == float(hit)
    assert not find(s, "pg_stat_user_tables_seq_scan", target="replica")  # not opted in
    # pg_stat_statements: top 3 by total time; absent extension → nothing.
    assert not find(s, "pg_stat_statements_calls_total", target="nandu")
    stmts = find(s, "pg_stat_statements_calls_total", target="primary")
    assert len(stmts) == 3, stmts
    heavy = [(n, l, v) for n, l, v in s.samples()
             if n == "pg_stat_statements_calls_total" and l.get("target") == "primary"]
    rows = {qid: (user, calls) for qid, user, calls in primary.rows(
        "SELECT queryid, pg_get_userbyid(userid), calls FROM pg_stat_statements "
        "WHERE query = 'SELECT count(*) FROM generate_series($1, $2)'")}
    assert rows, "the heavy statement is not in pg_stat_statements"
    qid, (user, calls) = next(iter(rows.items()))
    got = [v for _, l, v in heavy if l["queryid"] == qid]
    assert got == [float(calls)] and float(calls) == 3, (got, rows, heavy)
    assert one(s, "pg_stat_statements_seconds_total", target="primary", queryid=qid, user=user,
               datname="postgres") > 0
    c.passed("stat_user_tables/statio_user_tables equal psql's; pg_stat_statements top 3, absent extension quiet")


def wait_up(vigia, target, what):
    """Scrapes until pg_up{target} is 1 (20 s at most)."""
    h.wait_for(lambda: one(vigia.scrape(), "pg_up", target=target) == 1, 20, what)


def body(c):
    primary = pg_harness.start_postgres("primary", password=PASSWORD)
    for db in WEIRD_DBS:
        primary.psql('CREATE DATABASE "%s"' % db.replace('"', '""'))
    for db in (WEIRD_DBS[0], WEIRD_DBS[2]):  # committed transactions there, for the custom query to count
        primary.psql("SELECT 1", db=db)
    # pg_stat_statements in database postgres only: target nandu (database
    # ñandú) has no extension, so no series and no error.
    primary.psql("CREATE EXTENSION pg_stat_statements")
    primary.psql('CREATE TABLE "%s" (x int PRIMARY KEY); INSERT INTO "%s" SELECT generate_series(1, 500)'
                 % (WEIRD_TABLE.replace('"', '""'), WEIRD_TABLE.replace('"', '""')), db=WEIRD_DBS[1])
    replica = pg_harness.start_replica(primary, "replica", "replica1")
    check_bad_queries_file(c)

    work = h.new_tmpdir("vigia")
    pwfile = os.path.join(work, "pw")
    with open(pwfile, "w") as f:
        f.write(PASSWORD + "\n")
    # The ways of naming a server: a URL, the keyword form, and separate keys.
    config = h.service_yaml({"postgres": [
        primary.target("primary", password_file=pwfile, collect=["stat_user_tables", "statio_user_tables",
                                                                 "stat_statements"],
                       stat_statements_limit=3, queries_file="queries.yaml"),
        {"name": "nandu", "host": "127.0.0.1", "port": primary.port, "user": "vigia", "dbname": WEIRD_DBS[1],
         "password_file": pwfile, "collect": ["stat_user_tables", "stat_statements"]},
        {"name": "replica", "host": "127.0.0.1", "port": replica.port, "user": "vigia", "dbname": "postgres",
         "password_file": pwfile},
        {"name": "badpw", "dsn": "host=127.0.0.1 port=%d user=vigia dbname=postgres" % primary.port,
         "password_env": "VIGIA_TEST_BAD_PW"},
    ]})
    vigia = h.Vigia(config=config, files={"queries.yaml": QUERIES_YAML}, collectors=["postgres"], cwd=work,
                    env={"VIGIA_TEST_BAD_PW": "Wrong-" + PASSWORD})

    # Let the replica catch up with the databases created above and a slot use.
    primary.psql("CREATE TABLE t AS SELECT generate_series(1, 1000) AS x")
    for _ in range(3):  # the heaviest statement, for pg_stat_statements' top 3
        primary.psql("SELECT count(*) FROM generate_series(1, 3000000)")
    time.sleep(1.5)
    s = vigia.scrape()
    assert one(s, "pg_up", target="primary") == 1
    assert one(s, "pg_up", target="replica") == 1
    assert one(s, "pg_up", target="badpw") == 0
    assert one(s, "pg_replication_is_replica", target="primary") == 0
    assert one(s, "pg_replication_is_replica", target="replica") == 1
    assert one(s, "pg_replication_lag_seconds", target="primary") == 0
    assert one(s, "pg_replication_lag_seconds", target="replica") >= 0
    assert one(s, "pg_stat_replication_pg_wal_lsn_diff", target="primary", state="streaming") >= 0
    assert not find(s, "pg_stat_replication_pg_wal_lsn_diff", target="replica")
    assert one(s, "pg_replication_slots_active", target="primary", slot_name="replica1") == 1
    assert one(s, "pg_replication_slots_pg_wal_lsn_diff", target="primary", slot_name="replica1") >= 0
    assert one(s, "pg_stat_wal_receiver_received_tli", target="replica", status="streaming") == 1
    assert one(s, "pg_settings_max_connections", target="primary") == 100
    assert one(s, "pg_settings_shared_buffers_bytes", target="primary") == 16 * 1024 * 1024
    assert one(s, "pg_settings_work_mem_bytes", target="primary") == 4 * 1024 * 1024
    assert one(s, "pg_static", target="primary")
    assert one(s, "pg_postmaster_start_time_seconds", target="primary") > 1e9
    assert one(s, "vigia_postgres_ping_seconds", target="primary") >= 0
    for db in WEIRD_DBS:
        assert one(s, "pg_database_size_bytes", target="primary", datname=db) > 0
        assert one(s, "pg_database_size_bytes", target="replica", datname=db) > 0
        if db == WEIRD_DBS[1]:
            continue  # target nandu's own connection is there, idle or mid-query
        assert one(s, "pg_stat_activity_count", target="primary", datname=db, state="idle") == 0
        assert one(s, "pg_locks_count", target="primary", datname=db, mode="accesssharelock") == 0
    # Our own connection is active in database postgres.
    assert one(s, "pg_stat_activity_count", target="primary", datname="postgres", state="active") >= 1
    assert one(s, "pg_stat_database_xact_commit", target="primary", datname="postgres") > 0
    assert one(s, "pg_stat_bgwriter_buffers_alloc_total", target="primary") > 0
    c.passed("first scrape, %d samples" % s.sample_count())
    check_opt_in(c, s, primary)
    check_custom_queries(c, s, vigia, primary)

    # vigia run evaluates its built-in rules on these targets too: the
    # target with the wrong password is down, so PostgresDown is active
    # for it (pending: its `for` is 1m), and for no other target.
    def postgres_down():
        alerts = h.http_get_json(vigia.url + "/api/v1/alerts")["data"]["alerts"]
        return sorted(a["labels"].get("target", "") for a in alerts if a["labels"]["alertname"] == "PostgresDown")
    down = h.wait_for(postgres_down, 30, "a PostgresDown alert")
    assert down == ["badpw"], down
    c.passed("the built-in PostgresDown rule is active for target badpw only")

    # /probe serves one target without the target label.
    p = vigia.scrape("/probe?target=replica")
    assert one(p, "pg_up") == 1 and one(p, "pg_replication_is_replica") == 1
    assert all("target" not in l for _, l, _ in p.samples())

    # Scrapes reuse one connection per target.
    count_sql = "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'vigia'"
    before = int(primary.psql(count_sql))
    for _ in range(10):
        vigia.scrape()
    after = int(primary.psql(count_sql))
    assert before == after == 2, (before, after)  # targets primary and nandu
    c.passed("10 scrapes, vigia connections on primary %d -> %d" % (before, after))

    # A lock held longer than the deadline: the scrape answers before the
    # deadline (the header's value).
    holder = primary.psql_async("BEGIN; LOCK TABLE pg_database IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(8); COMMIT;")
    time.sleep(0.5)
    t0 = time.monotonic()
    s = vigia.scrape(timeout_header=3)
    took = time.monotonic() - t0
    # Slack: 1 s past the header's value on a loaded 2-core machine; the lock is
    # held for 8 s, so waiting for it would still fail.
    assert took < 3.0 + 1.0, took
    # The server answers (statement_timeout cancels the blocked query): it is up.
    assert one(s, "pg_up", target="primary") == 1
    c.passed("scrape with a blocking lock answered after %.2fs, before its 3 s deadline; primary pg_up 1" % took)
    holder.wait()

    # A hung backend (SIGSTOP): the scrape still answers by its deadline,
    # the target is down, later scrapes do not start a second collection.
    backend = int(replica.psql("SELECT pid FROM pg_stat_activity WHERE application_name = 'vigia'"))
    os.kill(backend, signal.SIGSTOP)
    try:
        t0 = time.monotonic()
        s = vigia.scrape(timeout_header=2)
        took = time.monotonic() - t0
        assert took < 2.0 + 1.0, took  # the header's value plus 1 s of slack; the backend never answers
        assert one(s, "pg_up", target="replica") == 0
        assert one(s, "pg_up", target="primary") == 1
        t0 = time.monotonic()
        s = vigia.scrape(timeout_header=2)
        took2 = time.monotonic() - t0
        assert one(s, "pg_up", target="replica") == 0
        assert took2 < 2.0 + 1.0, took2
    finally:
        os.kill(backend, signal.SIGCONT)
    wait_up(vigia, "replica", "replica pg_up 1 after SIGCONT")
    c.passed("hung backend: scrapes answered after %.2fs and %.2fs (deadline 2 s), replica pg_up 0, then 1"
             % (took, took2))

    assert vigia.get("/probe?target=nosuch").status == 400, "unknown target accepted"

    # Replica down: pg_up 0 for it, primary fine; back up: recovers.
    replica.stop()
    s = vigia.scrape()
    assert one(s, "pg_up", target="replica") == 0
    assert one(s, "pg_up", target="primary") == 1
    replica.start()
    wait_up(vigia, "replica", "replica pg_up 1 after its restart")
    c.passed("replica stop -> pg_up 0, restart -> pg_up 1")

    rc, _ = vigia.terminate(20)
    assert rc == 0, rc
    logtext = vigia.log()
    assert PASSWORD not in logtext, "password leaked into the log"
    assert "badpw" in logtext and "password authentication failed" in logtext, logtext[-2000:]
    c.passed("wrong password logged without the password")


if __name__ == "__main__":
    h.main("postgres exporter against PostgreSQL 15 and a streaming replica", body)

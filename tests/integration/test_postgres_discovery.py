#!/usr/bin/env python3
"""Integration test of the postgres exporter's database discovery
(auto_discover_databases, include_databases, exclude_databases, max_databases)
against a real PostgreSQL 15 (tests/lib/pg_harness.py): the per-database
collectors run in each discovered database over one persistent connection per
database, a database that disappears from the list has its connection closed,
templates and databases refusing connections are skipped."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness as h  # noqa: E402
import pg_harness  # noqa: E402
from harness import find, one  # noqa: E402

PASSWORD = "Disc-Secret-5e1b"
WEIRD = 'wé "q" db\\'
# Rows of table t in each database (postgres is the targets' own database).
ROWS = {"postgres": 3, "app1": 11, "app2": 22, WEIRD: 33, "scratch": 44, "tmpl": 55, "noconn": 66}
QUERIES_YAML = """pg_dbq:
  query: "SELECT count(*) AS tables FROM pg_stat_user_tables"
  metrics:
    - tables:
        usage: "GAUGE"
        description: "User tables of the database"
pg_master:
  query: "SELECT 1 AS one"
  master: true
  metrics:
    - one:
        usage: "GAUGE"
        description: "Runs in the target's own database only"
"""


def quote_ident(name):
    return '"%s"' % name.replace('"', '""')


def connections(primary):
    """vigia's connections per database, from pg_stat_activity."""
    rows = primary.psql("SELECT datname || '|' || count(*) FROM pg_stat_activity WHERE application_name = 'vigia' "
                        "GROUP BY datname")
    out = {}
    for line in rows.splitlines():
        name, _, n = line.rpartition("|")
        out[name] = int(n)
    return out


def database_ups(s, target):
    return {l["datname"]: v for n, l, v in s.samples() if n == "vigia_postgres_database_up" and l.get("target") == target}


def body(c):
    primary = pg_harness.start_postgres("primary", password=PASSWORD)
    for db, n in ROWS.items():
        if db != "postgres":
            primary.psql("CREATE DATABASE %s" % quote_ident(db))
        primary.psql("CREATE TABLE t AS SELECT generate_series(1, %d) AS x" % n, db=db)
    primary.psql("ALTER DATABASE tmpl IS_TEMPLATE true")
    primary.psql("ALTER DATABASE noconn ALLOW_CONNECTIONS false")

    # A discovery key without discovery is refused, naming file:line:column.
    work = h.new_tmpdir("bad")
    bad = os.path.join(work, "bad.yml")
    with open(bad, "w") as f:
        f.write("postgres:\n  - name: a\n    dsn: host=127.0.0.1\n    exclude_databases: [x]\n")
    r = h.run([h.VIGIA_BINARY, "check", "config", "--config.file=" + bad])
    assert r.returncode != 0 and "bad.yml:4:24: postgres[0].exclude_databases: needs auto_discover_databases: " \
        "true" in r.stderr, r
    c.passed("exclude_databases without auto_discover_databases: %s" % r.stderr.strip())

    pw = {"password_env": "VIGIA_DISC_PW"}
    config = h.service_yaml({"postgres": [
        primary.target("disc", **pw, collect=["stat_user_tables"], queries_file="queries.yaml",
                       auto_discover_databases=True, exclude_databases=["scratch"]),
        {"name": "incl", "host": "127.0.0.1", "port": primary.port, "user": "vigia", "dbname": "postgres", **pw,
         "collect": ["statio_user_tables"], "auto_discover_databases": True,
         "include_databases": ["app2", "nosuchdb"]},
        {"name": "capped", "dsn": "host=127.0.0.1 port=%d user=vigia dbname=postgres" % primary.port, **pw,
         "collect": ["stat_user_tables"], "auto_discover_databases": True, "max_databases": 1},
        # no per-database collector: no extra connection
        {"name": "plain", "dsn": "host=127.0.0.1 port=%d user=vigia dbname=postgres" % primary.port, **pw,
         "auto_discover_databases": True},
    ]})
    vigia = h.Vigia("exporter", config=config, files={"queries.yaml": QUERIES_YAML}, collectors=["postgres"],
                    env={"VIGIA_DISC_PW": PASSWORD})

    s = vigia.scrape()
    discovered = ["app1", "app2", WEIRD]
    assert database_ups(s, "disc") == {db: 1 for db in discovered}, database_ups(s, "disc")
    for db in ["postgres"] + discovered:
        lab = dict(target="disc", datname=db, schemaname="public", relname="t")
        assert one(s, "pg_stat_user_tables_n_tup_ins", **lab) == ROWS[db], db
        assert one(s, "pg_dbq_tables", target="disc", datname=db) == 1, db
    for db in ("scratch", "tmpl", "noconn"):
        assert not find(s, "pg_stat_user_tables_n_tup_ins", datname=db), db
        assert not find(s, "pg_dbq_tables", datname=db), db
    # master: true runs once, in the target's own database, without datname.
    masters = [l for n, l, _ in s.samples() if n == "pg_master_one" and l["target"] == "disc"]
    assert masters == [{"target": "disc"}], masters
    # Cluster-wide views are read once, on the target's own connection.
    assert one(s, "pg_database_size_bytes", target="disc", datname="scratch") > 0
    c.passed("disc: stat_user_tables and a custom query in postgres, app1, app2 and %r; scratch excluded; "
             "template and no-connection databases skipped" % WEIRD)

    assert database_ups(s, "incl") == {"app2": 1}, database_ups(s, "incl")
    assert {l["datname"] for n, l, _ in s.samples() if n == "pg_statio_user_tables_heap_blocks_hit"
            and l["target"] == "incl"} == {"postgres", "app2"}
    assert database_ups(s, "capped") == {"app1": 1}, database_ups(s, "capped")
    assert database_ups(s, "plain") == {}, database_ups(s, "plain")
    assert one(s, "pg_up", target="plain") == 1
    c.passed("include_databases [app2, nosuchdb] -> app2; max_databases 1 -> app1; no per-database "
             "collector -> no discovery connection")

    want = {"postgres": 4, "app1": 2, "app2": 2, WEIRD: 1}
    got = connections(primary)
    assert got == want, got
    for _ in range(5):
        vigia.scrape()
    got = connections(primary)
    assert got == want, got
    c.passed("one persistent connection per target and discovered database, unchanged after 5 scrapes: %r" % got)

    # A database leaves the list (no more connections allowed): its
    # connection is closed; a new one is picked up; a dropped one is forgotten.
    primary.psql("ALTER DATABASE app2 ALLOW_CONNECTIONS false")
    primary.psql("CREATE DATABASE app3")
    primary.psql("DROP DATABASE app1 WITH (FORCE)")
    s = vigia.scrape()
    assert database_ups(s, "disc") == {"app3": 1, WEIRD: 1}, database_ups(s, "disc")
    assert database_ups(s, "incl") == {}, database_ups(s, "incl")
    assert database_ups(s, "capped") == {"app3": 1}, database_ups(s, "capped")
    assert one(s, "pg_dbq_tables", target="disc", datname="app3") == 0
    want = {"postgres": 4, "app3": 2, WEIRD: 1}
    # the server notices the closed sockets at once; give it a moment
    got = h.wait_for(lambda: connections(primary) == want and want, 10, "vigia's connections %r" % want,
                     interval=0.1)
    assert one(s, "pg_up", target="disc") == 1
    c.passed("app2 closed to connections -> vigia's connections there closed; app3 created -> collected; "
             "app1 dropped -> forgotten: %r" % got)

    rc, _ = vigia.terminate(20)
    assert rc == 0, rc
    log = vigia.log()
    assert "databases past max_databases (1) are not collected" in log, log[-2000:]
    assert "postgres database gone" in log and PASSWORD not in log


if __name__ == "__main__":
    h.main("postgres database discovery", body)

"""Integration test of the postgres exporter against a real PostgreSQL 15
primary and a streaming replica (tests/lib/pg_harness.py)."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import pg_harness  # noqa: E402

VIGIA = os.environ.get("VIGIA_BINARY", "build/vigia")
PASSWORD = "Vigia-Secret-7f3a9"
WEIRD_DBS = ['we"ird db', "ñandú", "back\\slash"]
WEIRD_TABLE = 'tab "q" é\\'


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def parse_labels(s):
    labels, i = {}, 0
    while i < len(s):
        eq = s.index("=", i)
        name = s[i:eq].strip(", ")
        j, val = eq + 2, []
        while s[j] != '"':
            if s[j] == "\\":
                j += 1
                val.append({"n": "\n", "\\": "\\", '"': '"'}[s[j]])
            else:
                val.append(s[j])
            j += 1
        labels[name] = "".join(val)
        i = j + 1
    return labels


def parse(text):
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$", line)
        assert m, "bad exposition line: " + line
        out.append((m.group(1), parse_labels(m.group(2) or ""), float(m.group(3))))
    return out


def find(samples, name, /, **labels):
    return [v for n, l, v in samples if n == name and all(l.get(k) == x for k, x in labels.items())]


def one(samples, name, /, **labels):
    vals = find(samples, name, **labels)
    assert len(vals) == 1, "%s%s: expected one sample, got %r" % (name, labels, vals)
    return vals[0]


def scrape(port, path="/metrics", timeout_header=None, http_timeout=30):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path))
    if timeout_header:
        req.add_header("X-Prometheus-Scrape-Timeout-Seconds", str(timeout_header))
    with urllib.request.urlopen(req, timeout=http_timeout) as r:
        return r.read().decode("utf-8")


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


def check_bad_queries_file(work):
    """A queries file with an error: vigia refuses to start, naming file:line:column."""
    with open(os.path.join(work, "bad_queries.yaml"), "w") as f:
        f.write("pg_x:\n  query: \"SELECT 1 AS v\"\n  metrics:\n    - v:\n        usage: \"HISTOGRAMM\"\n")
    with open(os.path.join(work, "bad.yml"), "w") as f:
        f.write("postgres:\n  - name: a\n    dsn: host=127.0.0.1\n    queries_file: bad_queries.yaml\n")
    r = subprocess.run([VIGIA, "--config.file=" + os.path.join(work, "bad.yml"), "--web.listen-address=127.0.0.1:%d"
                        % free_port(), "--collector.disable-defaults", "--collector.postgres"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode != 0, r
    assert "bad_queries.yaml:5:16: pg_x.v.usage: 'HISTOGRAMM' is not supported" in r.stdout + r.stderr, r
    print("ok: a bad queries file stops vigia with file:line:column")


def check_custom_queries(s, vport, vlog):
    """Each usage; the failing query fails alone; cache_seconds replays."""
    for db in (WEIRD_DBS[0], WEIRD_DBS[2], "postgres"):
        assert one(s, "pg_custom_db_numbackends", target="primary", datname=db) == \
            one(s, "pg_stat_database_numbackends", target="primary", datname=db)
        if db != "postgres":  # nobody works there: equal at any moment
            assert one(s, "pg_custom_db_xact_commit", target="primary", datname=db) == \
                one(s, "pg_stat_database_xact_commit", target="primary", datname=db)
    assert one(s, "pg_custom_db_xact_commit", target="primary", datname="postgres") > 0
    assert set(l for n, ls, _ in s if n == "pg_custom_db_numbackends" for l in ls) == {"target", "datname"}
    assert not [n for n, _, _ in s if n.startswith("pg_custom_db_junk") or n.startswith("pg_custom_bad")]
    assert one(s, "pg_up", target="primary") == 1
    text = scrape(vport)
    assert "# TYPE pg_custom_db_xact_commit counter" in text and "# TYPE pg_custom_db_numbackends gauge" in text
    first = one(s, "pg_custom_cached_now", target="primary")
    assert one(parse(text), "pg_custom_cached_now", target="primary") == first  # cached, not re-run
    log = open(vlog, encoding="utf-8", errors="replace").read()
    assert "custom query pg_custom_bad (" in log and "queries.yaml:17:1" in log and "division by zero" in log, log[-2000:]
    print("ok: custom queries: LABEL/DISCARD/GAUGE/COUNTER, failing query alone, cache_seconds")


def psql_rows(server, sql, db="postgres"):
    out = subprocess.run([os.path.join(pg_harness.PG_BIN, "psql"), "-h", "127.0.0.1", "-p", str(server.port),
                          "-U", "postgres", "-d", db, "-X", "-A", "-t", "-F", "\t", "-c", sql],
                         check=True, capture_output=True, text=True,
                         env=dict(os.environ, PGPASSWORD=pg_harness.SUPERUSER_PASSWORD)).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def check_opt_in(s, primary):
    """The opt-in collectors, against what psql reads at the same moment."""
    # Per-table statistics, in the target's database, with its weird name.
    (ins, size, idx, live), = psql_rows(primary, "SELECT n_tup_ins, pg_table_size(relid), pg_indexes_size(relid), "
                                       "n_live_tup FROM pg_stat_user_tables WHERE relname = '%s'"
                                       % WEIRD_TABLE.replace("'", "''"), db=WEIRD_DBS[1])
    lab = dict(target="nandu", datname=WEIRD_DBS[1], schemaname="public", relname=WEIRD_TABLE)
    assert one(s, "pg_stat_user_tables_n_tup_ins", **lab) == float(ins) == 500
    assert one(s, "pg_stat_user_tables_table_size_bytes", **lab) == float(size) > 0
    assert one(s, "pg_stat_user_tables_index_size_bytes", **lab) == float(idx) > 0
    assert one(s, "pg_stat_user_tables_n_live_tup", **lab) == float(live)
    assert one(s, "pg_stat_user_tables_last_vacuum", **lab) == 0
    assert not find(s, "pg_statio_user_tables_heap_blocks_hit", target="nandu")  # not in its collect list
    (ins, hit), = psql_rows(primary, "SELECT s.n_tup_ins, io.heap_blks_hit FROM pg_stat_user_tables s "
                            "JOIN pg_statio_user_tables io USING (relid) WHERE s.relname = 't'")
    lab = dict(target="primary", datname="postgres", schemaname="public", relname="t")
    assert one(s, "pg_stat_user_tables_n_tup_ins", **lab) == float(ins) == 1000
    assert one(s, "pg_statio_user_tables_heap_blocks_hit", **lab) == float(hit)
    assert not find(s, "pg_stat_user_tables_seq_scan", target="replica")  # not opted in
    # pg_stat_statements: top 3 by total time; absent extension → nothing.
    assert not find(s, "pg_stat_statements_calls_total", target="nandu")
    stmts = find(s, "pg_stat_statements_calls_total", target="primary")
    assert len(stmts) == 3, stmts
    heavy = [(n, l, v) for n, l, v in s if n == "pg_stat_statements_calls_total" and l.get("target") == "primary"]
    rows = {qid: (user, calls) for qid, user, calls in psql_rows(
        primary, "SELECT queryid, pg_get_userbyid(userid), calls FROM pg_stat_statements "
        "WHERE query = 'SELECT count(*) FROM generate_series($1, $2)'")}
    assert rows, "the heavy statement is not in pg_stat_statements"
    qid, (user, calls) = next(iter(rows.items()))
    got = [v for _, l, v in heavy if l["queryid"] == qid]
    assert got == [float(calls)] and float(calls) == 3, (got, rows, heavy)
    assert one(s, "pg_stat_statements_seconds_total", target="primary", queryid=qid, user=user,
               datname="postgres") > 0
    print("ok: stat_user_tables/statio_user_tables equal psql's; pg_stat_statements top 3, absent extension quiet")


def main():
    if not pg_harness.available():
        print("SKIP: PostgreSQL 15 is not installed")
        return 0
    base = pg_harness.make_tempdir()
    servers, vigia = [], None
    try:
        p1, p2 = free_port(), free_port()
        primary = pg_harness.start_monitored(base, "primary", p1, PASSWORD, servers)
        for db in WEIRD_DBS:
            primary.psql('CREATE DATABASE "%s"' % db.replace('"', '""'))
        # pg_stat_statements in database postgres only: target nandu (database
        # ñandú) has no extension, so no series and no error.
        primary.psql("CREATE EXTENSION pg_stat_statements")
        primary.psql('CREATE TABLE "%s" (x int PRIMARY KEY); INSERT INTO "%s" SELECT generate_series(1, 500)'
                     % (WEIRD_TABLE.replace('"', '""'), WEIRD_TABLE.replace('"', '""')), db=WEIRD_DBS[1])
        replica = pg_harness.PgServer(base, "replica", p2).basebackup_from(primary, "replica1").start()
        servers.append(replica)

        work = os.path.join(base, "vigia")
        os.makedirs(work)
        pwfile = os.path.join(work, "pw")
        with open(pwfile, "w") as f:
            f.write(PASSWORD + "\n")
        with open(os.path.join(work, "queries.yaml"), "w") as f:
            f.write(QUERIES_YAML)
        check_bad_queries_file(work)
        cfg = os.path.join(work, "vigia.yml")
        with open(cfg, "w") as f:
            f.write("""postgres:
  - name: primary
    dsn: postgresql://vigia@127.0.0.1:%d/postgres?sslmode=disable
    password_file: %s
    collect: [stat_user_tables, statio_user_tables, stat_statements]
    stat_statements_limit: 3
    queries_file: queries.yaml
  - name: nandu
    host: 127.0.0.1
    port: %d
    user: vigia
    dbname: "%s"
    password_file: %s
    collect: [stat_user_tables, stat_statements]
  - name: replica
    host: 127.0.0.1
    port: %d
    user: vigia
    dbname: postgres
    password_file: %s
  - name: badpw
    dsn: host=127.0.0.1 port=%d user=vigia dbname=postgres
    password_env: VIGIA_TEST_BAD_PW
""" % (p1, pwfile, p1, WEIRD_DBS[1], pwfile, p2, pwfile, p1))
        vport = free_port()
        vlog = os.path.join(work, "vigia.log")
        env = dict(os.environ, VIGIA_TEST_BAD_PW="Wrong-" + PASSWORD)
        with open(vlog, "wb") as lf:
            vigia = subprocess.Popen([VIGIA, "--config.file=" + cfg, "--web.listen-address=127.0.0.1:%d" % vport,
                                      "--collector.disable-defaults", "--collector.postgres"],
                                     stdout=lf, stderr=subprocess.STDOUT, env=env)
        for _ in range(100):
            try:
                scrape(vport, "/-/healthy")
                break
            except OSError:
                time.sleep(0.1)

        # Let the replica catch up with the databases created above and a slot use.
        primary.psql("CREATE TABLE t AS SELECT generate_series(1, 1000) AS x")
        for _ in range(3):  # the heaviest statement, for pg_stat_statements' top 3
            primary.psql("SELECT count(*) FROM generate_series(1, 3000000)")
        time.sleep(1.5)
        s = parse(scrape(vport))
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
        print("ok: first scrape, %d samples" % len(s))
        check_opt_in(s, primary)
        check_custom_queries(s, vport, vlog)

        # vigia run evaluates its built-in rules on these targets too: the
        # target with the wrong password is down, so PostgresDown is active
        # for it (pending: its `for` is 1m), and for no other target.
        down = []
        for _ in range(60):
            alerts = json.loads(scrape(vport, "/api/v1/alerts"))["data"]["alerts"]
            down = sorted(a["labels"].get("target", "") for a in alerts if a["labels"]["alertname"] == "PostgresDown")
            if down:
                break
            time.sleep(0.5)
        assert down == ["badpw"], down
        print("ok: the built-in PostgresDown rule is active for target badpw only")

        # /probe serves one target without the target label.
        p = parse(scrape(vport, "/probe?target=replica"))
        assert one(p, "pg_up") == 1 and one(p, "pg_replication_is_replica") == 1
        assert all("target" not in l for _, l, _ in p)

        # Scrapes reuse one connection per target.
        count_sql = "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'vigia'"
        before = int(primary.psql(count_sql))
        for _ in range(10):
            scrape(vport)
        after = int(primary.psql(count_sql))
        assert before == after == 2, (before, after)  # targets primary and nandu
        print("ok: 10 scrapes, vigia connections on primary %d -> %d" % (before, after))

        # A lock held longer than the deadline: the scrape answers in time.
        holder = primary.psql_async("BEGIN; LOCK TABLE pg_database IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(8); COMMIT;")
        time.sleep(0.5)
        t0 = time.time()
        s = parse(scrape(vport, timeout_header=3))
        took = time.time() - t0
        assert took < 3.0, took
        # The server answers (statement_timeout cancels the blocked query): it is up.
        assert one(s, "pg_up", target="primary") == 1
        print("ok: scrape with a blocking lock took %.2fs (deadline 3s less margin), primary pg_up 1" % took)
        holder.wait()

        # A hung backend (SIGSTOP): the scrape still answers by its deadline,
        # the target is down, later scrapes do not start a second collection.
        backend = int(replica.psql("SELECT pid FROM pg_stat_activity WHERE application_name = 'vigia'"))
        os.kill(backend, signal.SIGSTOP)
        try:
            t0 = time.time()
            s = parse(scrape(vport, timeout_header=2))
            took = time.time() - t0
            assert took < 2.0, took
            assert one(s, "pg_up", target="replica") == 0
            assert one(s, "pg_up", target="primary") == 1
            t0 = time.time()
            s = parse(scrape(vport, timeout_header=2))
            took2 = time.time() - t0
            assert one(s, "pg_up", target="replica") == 0
            assert took2 < 2.0, took2
        finally:
            os.kill(backend, signal.SIGCONT)
        up = 0
        for _ in range(20):
            up = one(parse(scrape(vport)), "pg_up", target="replica")
            if up == 1:
                break
            time.sleep(0.25)
        assert up == 1, "replica did not recover after SIGCONT"
        print("ok: hung backend: scrapes took %.2fs and %.2fs (deadline 2s), replica pg_up 0, then 1" % (took, took2))

        try:
            scrape(vport, "/probe?target=nosuch")
            assert False, "unknown target accepted"
        except urllib.error.HTTPError as e:
            assert e.code == 400

        # Replica down: pg_up 0 for it, primary fine; back up: recovers.
        replica.stop()
        s = parse(scrape(vport))
        assert one(s, "pg_up", target="replica") == 0
        assert one(s, "pg_up", target="primary") == 1
        replica.start()
        up = 0
        for _ in range(40):
            s = parse(scrape(vport))
            up = one(s, "pg_up", target="replica")
            if up == 1:
                break
            time.sleep(0.5)
        assert up == 1, "replica did not recover"
        print("ok: replica stop -> pg_up 0, restart -> pg_up 1")

        vigia.terminate()
        vigia.wait(timeout=20)
        vigia = None
        logtext = open(vlog, encoding="utf-8", errors="replace").read()
        assert PASSWORD not in logtext, "password leaked into the log"
        assert "badpw" in logtext and "password authentication failed" in logtext, logtext[-2000:]
        print("ok: wrong password logged without the password")
        print("PASS")
        return 0
    finally:
        if vigia is not None:
            vigia.kill()
            vigia.wait()
        pg_harness.cleanup(base, servers)


if __name__ == "__main__":
    sys.exit(main())

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
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, HERE)
import pg_harness  # noqa: E402
from test_postgres import VIGIA, free_port, one, parse, scrape  # noqa: E402

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


def check_no_leak(primary, vport):
    """1 000 /probe scrapes of target disc (its own database and one discovered
    database) on one keep-alive HTTP connection; every 250 the server kills
    all of vigia's backends, which vigia must replace, not add to."""
    scrape(vport, "/metrics")  # every target connected
    before_vigia, before_all = int(primary.psql(VIGIA_CONNS)), int(primary.psql(ALL_CLIENTS))
    conn = http.client.HTTPConnection("127.0.0.1", vport, timeout=30)
    t0 = time.time()
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
    took = time.time() - t0
    conn.close()
    scrape(vport, "/metrics")  # fast and slow reconnect after the kills
    after_vigia, after_all = int(primary.psql(VIGIA_CONNS)), int(primary.psql(ALL_CLIENTS))
    assert ups == 1000, ups
    # fast, slow, disc and disc's connection to slowdb
    assert before_vigia == after_vigia == 4, (before_vigia, after_vigia)
    assert before_all == after_all, (before_all, after_all)
    print("ok: 1000 scrapes in %.1fs (3 kills of every vigia connection): vigia connections %d -> %d, "
          "all clients %d -> %d" % (took, before_vigia, after_vigia, before_all, after_all))


def check_shared(primary, vport):
    """8 concurrent /metrics scrapes, then 8 concurrent /probe scrapes of the
    slow target: each batch runs the target's queries once."""
    version_like = "%pg_postmaster_start_time()%"
    for path in ("/metrics", "/probe?target=slow"):
        v0 = statement_calls(primary, "slowdb", version_like)
        s0 = statement_calls(primary, "slowdb", "%pg_sleep%")
        t0 = time.time()
        results = concurrent(8, lambda: parse(scrape(vport, path)))
        took = time.time() - t0
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
        print("ok: 8 concurrent %s scrapes in %.2fs ran the queries once (version query calls %d -> %d, "
              "pg_sleep calls %d -> %d)" % (path, took, v0, v1, s0, s1))


def psql_as(server, user, password, sql):
    """A psql session of a non-superuser over TCP, in the background."""
    return subprocess.Popen([os.path.join(pg_harness.PG_BIN, "psql"), "-h", "127.0.0.1", "-p", str(server.port),
                             "-U", user, "-d", "postgres", "-X", "-q", "-c", sql],
                            env=dict(os.environ, PGPASSWORD=password),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def check_exhausted(tiny, vport):
    """A server whose connection slots are all taken (max_connections 4, one
    reserved for superusers): vigia's target there reports pg_up 0 within the
    deadline, the others stay up, and it recovers once slots are free."""
    s = parse(scrape(vport))
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
                    fillers.append(psql_as(tiny, "filler", PASSWORD, "SELECT pg_sleep(60)"))
                fillers_in = tiny.psql("SELECT count(*) FROM pg_stat_activity WHERE usename = 'filler'")
                if fillers_in == "3":
                    break
            time.sleep(0.1)
        assert fillers_in == "3", "could not fill the connection slots: %s sleepers" % fillers_in
        t0 = time.time()
        s = parse(scrape(vport, timeout_header=3))
        took = time.time() - t0
        assert took < 3.0, took
        assert one(s, "pg_up", target="tiny") == 0
        assert one(s, "pg_up", target="fast") == 1
        print("ok: max_connections exhausted: scrape in %.2fs (deadline 3s), tiny pg_up 0, fast pg_up 1" % took)
    finally:
        tiny.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'filler'")
        for f in fillers:
            f.wait(10)
    up = 0
    for _ in range(40):  # the reconnection backoff starts at 0.5 s
        up = one(parse(scrape(vport)), "pg_up", target="tiny")
        if up == 1:
            break
        time.sleep(0.25)
    assert up == 1, "tiny did not recover once connection slots were free"
    print("ok: slots free again -> tiny pg_up 1")


def check_shutdown(primary, vigia):
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
        t0 = time.time()
        s = parse(scrape(vigia.port, "/metrics", timeout_header=2))
        assert time.time() - t0 < 2.0
        assert one(s, "pg_up", target="slow") == 0
        assert one(s, "pg_up", target="disc") == 0
        assert one(s, "pg_up", target="fast") == 1
        # Both workers are stuck reading from the frozen backends now.
        t0 = time.time()
        vigia.proc.send_signal(signal.SIGTERM)
        try:
            rc = vigia.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            rc = None
        took = time.time() - t0
        assert rc is not None, "vigia did not exit within 10 s of SIGTERM"
        assert rc == 0, rc
        assert took < 3.0, took
        print("ok: SIGTERM with two workers stuck on frozen backends: exit %d after %.2fs" % (rc, took))
    finally:
        for pid in backends:
            os.kill(pid, signal.SIGCONT)


class Vigia:
    # `vigia exporter`: the connection and query counts here are the exporter's;
    # `vigia run` would add its evaluator's own collections every 15 s.
    def __init__(self, cfg, log):
        self.port = free_port()
        self.log = log
        with open(log, "wb") as lf:
            self.proc = subprocess.Popen([VIGIA, "exporter", "--config.file=" + cfg, "--web.listen-address=127.0.0.1:%d" % self.port,
                                          "--collector.disable-defaults", "--collector.postgres"],
                                         stdout=lf, stderr=subprocess.STDOUT)
        for _ in range(100):
            try:
                scrape(self.port, "/-/healthy")
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("vigia did not start")


def main():
    if not pg_harness.available():
        print("SKIP: PostgreSQL 15 is not installed")
        return 0
    base = pg_harness.make_tempdir()
    servers, vigia = [], None
    try:
        port = free_port()
        primary = pg_harness.start_monitored(base, "primary", port, PASSWORD, servers)
        primary.psql("CREATE DATABASE slowdb")
        primary.psql("CREATE EXTENSION pg_stat_statements")
        tiny = pg_harness.PgServer(base, "tiny", free_port()).initdb()
        with open(os.path.join(tiny.data, "postgresql.conf"), "a") as f:
            f.write("max_connections = 4\nsuperuser_reserved_connections = 1\nmax_wal_senders = 0\n"
                    "wal_level = minimal\n")
        tiny.start()
        servers.append(tiny)
        for role in ("vigia", "filler"):
            tiny.psql("CREATE ROLE %s LOGIN PASSWORD '%s' IN ROLE pg_monitor" % (role, PASSWORD))
        work = os.path.join(base, "vigia")
        os.makedirs(work)
        with open(os.path.join(work, "queries.yaml"), "w") as f:
            f.write(QUERIES_YAML)
        cfg = os.path.join(work, "vigia.yml")
        with open(cfg, "w") as f:
            f.write("""postgres:
  - name: fast
    dsn: postgresql://vigia@127.0.0.1:%d/postgres?sslmode=disable
    password_env: VIGIA_LOAD_PW
  - name: slow
    dsn: postgresql://vigia@127.0.0.1:%d/slowdb?sslmode=disable
    password_env: VIGIA_LOAD_PW
    queries_file: queries.yaml
  - name: disc
    dsn: postgresql://vigia@127.0.0.1:%d/postgres?sslmode=disable
    password_env: VIGIA_LOAD_PW
    collect: [stat_user_tables]
    auto_discover_databases: true
  - name: tiny
    dsn: postgresql://vigia@127.0.0.1:%d/postgres?sslmode=disable
    password_env: VIGIA_LOAD_PW
""" % (port, port, port, tiny.port))
        os.environ["VIGIA_LOAD_PW"] = PASSWORD
        vigia = Vigia(cfg, os.path.join(work, "vigia.log"))
        check_no_leak(primary, vigia.port)
        check_shared(primary, vigia.port)
        check_exhausted(tiny, vigia.port)
        check_shutdown(primary, vigia)
        vigia = None
        print("PASS")
        return 0
    finally:
        if vigia is not None:
            vigia.proc.kill()
            vigia.proc.wait()
            print(open(vigia.log, errors="replace").read()[-3000:])
        pg_harness.cleanup(base, servers)


if __name__ == "__main__":
    sys.exit(main())

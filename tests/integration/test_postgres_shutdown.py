"""Integration test of shutdown with hung database servers, against a real
PostgreSQL 15 and PgBouncer (tests/lib/pg_harness.py):
  - `vigia run` whose evaluator's collection waits on a backend frozen with
    SIGSTOP in the middle of a query: SIGTERM ends vigia (exit 0) within 3 s;
    the alert state file gets nothing from the interrupted collection;
  - a postmaster and a pgbouncer frozen before vigia starts, so that connection
    attempts hang (the server accepts the TCP connection but never answers the
    startup packet), in both `vigia exporter` and `vigia run` (whose evaluator
    collects at start): a scrape answers by its deadline with pg_up 0 /
    pgbouncer_up 0 for them, pg_up 1 for a healthy target and the host
    collectors' samples (the service collectors run beside the others), and
    SIGTERM, while a long scrape is waiting on the frozen servers, ends vigia
    within 3 s.
test_postgres_load.py's check_shutdown covers a `vigia exporter` worker stuck
in a query."""

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

PASSWORD = "Shutdown-Secret-5e1a"
EXIT_WITHIN = 3.0
SLEEP_QUERY = "SELECT 1 AS v FROM pg_sleep(30)"
QUERIES_YAML = """pg_slow:
  query: "%s"
  metrics:
    - v:
        usage: "GAUGE"
        description: "1 after a long pause"
""" % SLEEP_QUERY
# One evaluation at start (the evaluator's first tick), then none during the test.
ALERTING_YAML = """alerting:
  evaluation_interval: 1h
  state_file: %s
"""


class Vigia:
    def __init__(self, mode, cfg, log, collectors=("postgres",)):
        self.port = free_port()
        self.log = log
        with open(log, "ab") as lf:
            lf.write(("== vigia %s\n" % mode).encode())
            lf.flush()
            self.proc = subprocess.Popen([VIGIA, mode, "--config.file=" + cfg,
                                          "--web.listen-address=127.0.0.1:%d" % self.port,
                                          "--collector.disable-defaults"] +
                                         ["--collector." + c for c in collectors],
                                         stdout=lf, stderr=subprocess.STDOUT)
        self.started = time.time()
        for _ in range(100):
            try:
                scrape(self.port, "/-/healthy")
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("vigia did not start")

    def terminate(self, what):
        """SIGTERM; asserts exit code 0 within EXIT_WITHIN seconds; returns the time taken."""
        t0 = time.time()
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            rc = None
        took = time.time() - t0
        assert rc is not None, "%s: vigia did not exit within 30 s of SIGTERM" % what
        assert rc == 0, "%s: exit code %d" % (what, rc)
        assert took < EXIT_WITHIN, "%s: vigia took %.2fs to exit after SIGTERM" % (what, took)
        print("ok: %s: SIGTERM -> exit %d after %.2fs" % (what, rc, took))
        return took

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def wait_for_sleeping_backend(primary, timeout=15):
    """The pid of vigia's backend in slowdb while it runs SLEEP_QUERY."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        out = primary.psql("SELECT pid FROM pg_stat_activity WHERE application_name = 'vigia' AND "
                           "datname = 'slowdb' AND state = 'active' AND query LIKE '%pg_sleep(30)%'").split()
        if out:
            return int(out[0])
        time.sleep(0.05)
    raise AssertionError("vigia's collection never ran the slow query")


def check_run_stuck_query(primary, work):
    """vigia run: the evaluator's first collection (at start) waits on a backend
    frozen in a query; no scrape is made, so the collection in flight is the
    evaluator's."""
    state = os.path.join(work, "state-query.json")
    cfg = os.path.join(work, "run-query.yml")
    with open(cfg, "w") as f:
        f.write("""postgres:
  - name: fast
    dsn: postgresql://vigia@127.0.0.1:%d/postgres?sslmode=disable
    password_env: VIGIA_SHUTDOWN_PW
  - name: slow
    dsn: postgresql://vigia@127.0.0.1:%d/slowdb?sslmode=disable
    password_env: VIGIA_SHUTDOWN_PW
    queries_file: queries.yaml
""" % (primary.port, primary.port) + ALERTING_YAML % state)
    vigia = Vigia("run", cfg, os.path.join(work, "vigia.log"))
    pid = None
    try:
        pid = wait_for_sleeping_backend(primary)
        os.kill(pid, signal.SIGSTOP)
        time.sleep(0.5)  # the evaluator keeps waiting (its deadline: 10 s after start)
        assert vigia.proc.poll() is None
        took = vigia.terminate("vigia run, evaluator waiting on a backend frozen in a query")
        # The interrupted collection (pg_up 0 for slow) reached no rule: the
        # state file, if written, holds no alert for it.
        if os.path.exists(state):
            text = open(state).read()
            assert "PostgresDown" not in text, text
        return took
    finally:
        if pid is not None:
            os.kill(pid, signal.SIGCONT)
        vigia.kill()


def check_frozen_connect(mode, primary, work):
    """The frozen servers' connection attempts hang: scrape by the deadline,
    then SIGTERM while a long scrape (and, in run mode, the evaluator's first
    collection) waits on them."""
    state = os.path.join(work, "state-%s.json" % mode)
    cfg = os.path.join(work, "connect.yml")
    if mode == "run":
        with open(os.path.join(work, "connect-run.yml"), "w") as f:
            f.write(open(cfg).read() + ALERTING_YAML % state)
        cfg = os.path.join(work, "connect-run.yml")
    vigia = Vigia(mode, cfg, os.path.join(work, "vigia.log"), ("loadavg", "pgbouncer", "postgres", "uname"))
    long_scrape = None
    try:
        # One scrape of everything: the service collectors run beside the
        # others, so a hung pgbouncer costs neither the postgres targets nor
        # the host collectors (loadavg before them by name, uname after).
        t0 = time.time()
        s = parse(scrape(vigia.port, "/metrics", timeout_header=2, http_timeout=15))
        took = time.time() - t0
        assert took < 2.5, "%s: the scrape took %.2fs with a 2 s deadline" % (mode, took)
        assert one(s, "pg_up", target="fast") == 1
        assert one(s, "pg_up", target="frozen") == 0
        assert one(s, "pgbouncer_up", target="pool") == 0
        for c in ("loadavg", "uname"):
            assert one(s, "vigia_collector_success", collector=c) == 1, c
        assert one(s, "node_load1") is not None
        assert any(name == "node_uname_info" for name, _, _ in s), "no node_uname_info"
        print("ok: %s: scrape answered in %.2fs (deadline 2 s): fast pg_up 1, frozen pg_up 0, "
              "pgbouncer_up 0, host collectors ok" % (mode, took))
        # Past the reconnection backoff (0.5 s after the failed attempts), a
        # scrape with a long deadline starts new attempts that would hang
        # until its deadline.
        time.sleep(1.5)
        result = {}

        def long():
            try:
                result["text"] = scrape(vigia.port, "/metrics", timeout_header=25, http_timeout=40)
            except Exception as e:  # noqa: BLE001 - the server may close it while stopping
                result["error"] = e

        long_scrape = threading.Thread(target=long, daemon=True)
        long_scrape.start()
        time.sleep(1.0)
        assert long_scrape.is_alive(), "the long scrape did not wait on the frozen servers: %r" % result
        took = vigia.terminate("vigia %s, connection attempts hanging on a frozen postmaster and pgbouncer" % mode)
        long_scrape.join(10)
        if mode == "run" and os.path.exists(state):
            text = open(state).read()
            assert "PostgresDown" not in text, text
        return took
    finally:
        vigia.kill()


def main():
    if not pg_harness.available():
        print("SKIP: PostgreSQL 15 is not installed")
        return 0
    if not os.path.exists("/usr/sbin/pgbouncer"):
        print("SKIP: pgbouncer is not installed")
        return 0
    base = pg_harness.make_tempdir()
    servers, bouncer, frozen_pids, work = [], None, [], None
    try:
        primary = pg_harness.start_monitored(base, "primary", free_port(), PASSWORD, servers)
        primary.psql("CREATE DATABASE slowdb")
        frozen = pg_harness.start_monitored(base, "frozen", free_port(), PASSWORD, servers)
        bouncer = pg_harness.PgBouncer(base, "bouncer", free_port(), primary, {"vigia": PASSWORD}).start()
        work = os.path.join(base, "vigia")
        os.makedirs(work)
        with open(os.path.join(work, "queries.yaml"), "w") as f:
            f.write(QUERIES_YAML)
        with open(os.path.join(work, "connect.yml"), "w") as f:
            f.write("""postgres:
  - name: fast
    dsn: postgresql://vigia@127.0.0.1:%d/postgres?sslmode=disable
    password_env: VIGIA_SHUTDOWN_PW
  - name: frozen
    dsn: postgresql://vigia@127.0.0.1:%d/postgres?sslmode=disable
    password_env: VIGIA_SHUTDOWN_PW
pgbouncer:
  - name: pool
    dsn: postgresql://vigia@127.0.0.1:%d/pgbouncer?sslmode=disable
    password_env: VIGIA_SHUTDOWN_PW
""" % (primary.port, frozen.port, bouncer.port))
        os.environ["VIGIA_SHUTDOWN_PW"] = PASSWORD

        times = {"run, stuck query": check_run_stuck_query(primary, work)}
        # The postmaster (not a backend): new connections are accepted by the
        # kernel and never answered. Likewise pgbouncer's one process.
        frozen_pids = [frozen.pid, bouncer.pid()]
        for pid in frozen_pids:
            os.kill(pid, signal.SIGSTOP)
        for mode in ("exporter", "run"):
            times["%s, frozen connect" % mode] = check_frozen_connect(mode, primary, work)
        print("SIGTERM to exit: " + ", ".join("%s %.2fs" % kv for kv in times.items()))
        print("PASS")
        return 0
    except BaseException:
        if work is not None and os.path.exists(os.path.join(work, "vigia.log")):
            print(open(os.path.join(work, "vigia.log"), errors="replace").read()[-4000:])
        raise
    finally:
        for pid in frozen_pids:
            try:
                os.kill(pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
        if bouncer is not None:
            bouncer.stop()
        pg_harness.cleanup(base, servers)


if __name__ == "__main__":
    sys.exit(main())

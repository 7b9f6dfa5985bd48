#!/usr/bin/env python3
"""Integration test of shutdown with hung database servers, against a real
PostgreSQL 15 and PgBouncer (tests/lib/pg_harness.py):
  - `vigia run` whose evaluator's collection waits on a backend frozen with
    SIGSTOP in the middle of a query: SIGTERM ends vigia (exit 0) within 3 s;
    the alert state file gets nothing from the interrupted collection (it is
    seeded with an alert vigia must show, and must still hold exactly that);
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

import json
import os
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness as h  # noqa: E402
import pg_harness  # noqa: E402
from harness import one  # noqa: E402

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


def seed_state(path):
    """Writes an alert state file holding one pending PostgresDown alert for a target
    named "seeded" (in the format vigia writes) and returns its bytes. vigia restores
    it at start: if /api/v1/alerts shows it, vigia reads this very file, so an
    evaluation would rewrite it here."""
    labels = {"alertname": "PostgresDown", "instance": "127.0.0.1:1", "job": "vigia", "severity": "critical",
              "target": "seeded"}
    alert = {"active_at": int(time.time() * 1000) - 1000, "annotations": {}, "fired_at": 0, "keep_firing_since": 0,
             "labels": labels, "last_sent_at": 0, "resolved_at": 0, "state": "pending", "valid_until": 0,
             "value": 0.0}
    state = {"groups": [{"file": "<built-in>/postgres.yml", "name": "vigia-postgres",
                         "rules": [{"alerts": [alert], "name": "PostgresDown", "nth": 0}]}], "version": 1}
    data = json.dumps(state, indent=1).encode()
    with open(path, "wb") as f:
        f.write(data)
    return data


def check_seed_restored(vigia):
    """vigia run restored the seeded alert from its state file (read before any evaluation)."""
    alerts = h.http_get_json(vigia.url + "/api/v1/alerts")["data"]["alerts"]
    seeded = [a for a in alerts if a["labels"].get("target") == "seeded"]
    assert len(seeded) == 1 and seeded[0]["labels"]["alertname"] == "PostgresDown", alerts


def check_state_untouched(state, seed, what):
    """The interrupted collection reached no rule: no evaluation ran, so the state file
    still holds exactly the seed (any evaluation rewrites it)."""
    assert os.path.exists(state), "%s: the state file %s is gone" % (what, state)
    with open(state, "rb") as f:
        now = f.read()
    assert now == seed, "%s: the state file was rewritten: %s" % (what, now[:2000])


def terminate(vigia, what):
    """SIGTERM; asserts exit code 0 within EXIT_WITHIN seconds; returns the time taken."""
    rc, took = vigia.terminate(30)
    assert rc is not None, "%s: vigia did not exit within 30 s of SIGTERM" % what
    assert rc == 0, "%s: exit code %d" % (what, rc)
    assert took < EXIT_WITHIN, "%s: vigia took %.2fs to exit after SIGTERM" % (what, took)
    return took


def wait_for_sleeping_backend(primary, timeout=15):
    """The pid of vigia's backend in slowdb while it runs SLEEP_QUERY."""
    return int(h.wait_for(lambda: primary.psql(
        "SELECT pid FROM pg_stat_activity WHERE application_name = 'vigia' AND datname = 'slowdb' AND "
        "state = 'active' AND query LIKE '%pg_sleep(30)%'").split()[:1], timeout,
        "vigia's collection running the slow query", interval=0.05)[0])


def check_run_stuck_query(c, primary):
    """vigia run: the evaluator's first collection (at start) waits on a backend
    frozen in a query; no scrape is made, so the collection in flight is the
    evaluator's."""
    work = h.new_tmpdir("run-query")
    state = os.path.join(work, "state.json")
    seed = seed_state(state)
    pw = "VIGIA_SHUTDOWN_PW"
    config = h.service_yaml({"postgres": [
        primary.target("fast", "postgres", pw),
        primary.target("slow", "slowdb", pw, queries_file="queries.yaml")]}) + ALERTING_YAML % state
    vigia = h.Vigia("run", config=config, files={"queries.yaml": QUERIES_YAML}, collectors=["postgres"],
                    env={pw: PASSWORD}, cwd=work)
    pid = None
    try:
        check_seed_restored(vigia)
        pid = wait_for_sleeping_backend(primary)
        os.kill(pid, signal.SIGSTOP)
        time.sleep(0.5)  # the evaluator keeps waiting (its deadline: 10 s after start)
        assert vigia.running()
        what = "vigia run, evaluator waiting on a backend frozen in a query"
        took = terminate(vigia, what)
        c.passed("%s: SIGTERM -> exit 0 after %.2fs" % (what, took))
        # The interrupted collection (pg_up 0 for slow) reached no rule.
        check_state_untouched(state, seed, what)
        c.passed("%s: the state file still holds exactly its seed" % what)
        return took
    finally:
        if pid is not None:
            os.kill(pid, signal.SIGCONT)
        vigia.stop()


def check_frozen_connect(c, mode, config):
    """The frozen servers' connection attempts hang: scrape by the deadline,
    then SIGTERM while a long scrape (and, in run mode, the evaluator's first
    collection) waits on them."""
    work = h.new_tmpdir("connect-" + mode)
    state = os.path.join(work, "state.json")
    if mode == "run":
        seed = seed_state(state)
        config += ALERTING_YAML % state
    vigia = h.Vigia(mode, config=config, collectors=["loadavg", "pgbouncer", "postgres", "uname"],
                    env={"VIGIA_SHUTDOWN_PW": PASSWORD}, cwd=work)
    try:
        if mode == "run":
            check_seed_restored(vigia)
        # One scrape of everything: the service collectors run beside the
        # others, so a hung pgbouncer costs neither the postgres targets nor
        # the host collectors (loadavg before them by name, uname after).
        t0 = time.monotonic()
        s = vigia.scrape(timeout_header=2, http_timeout=15)
        took = time.monotonic() - t0
        # vigia answers at its deadline (1.8 s); without one the scrape would wait on the
        # frozen servers until the client's 15 s. 1 s of slack for a loaded machine.
        assert took < 3.0, "%s: the scrape took %.2fs with a 2 s deadline" % (mode, took)
        assert one(s, "pg_up", target="fast") == 1
        assert one(s, "pg_up", target="frozen") == 0
        assert one(s, "pgbouncer_up", target="pool") == 0
        for coll in ("loadavg", "uname"):
            assert one(s, "vigia_collector_success", collector=coll) == 1, coll
        assert one(s, "node_load1") is not None
        assert any(name == "node_uname_info" for name, _, _ in s.samples()), "no node_uname_info"
        c.passed("%s: scrape answered in %.2fs (deadline 2 s): fast pg_up 1, frozen pg_up 0, "
                 "pgbouncer_up 0, host collectors ok" % (mode, took))
        # Past the reconnection backoff (0.5 s after the failed attempts), a
        # scrape with a long deadline starts new attempts that would hang
        # until its deadline.
        time.sleep(1.5)
        result = {}

        def long():
            try:
                result["text"] = vigia.get("/metrics", timeout_header=25, http_timeout=40).body
            except Exception as e:  # noqa: BLE001 - the server may close it while stopping
                result["error"] = e

        long_scrape = threading.Thread(target=long, daemon=True)
        long_scrape.start()
        time.sleep(1.0)
        assert long_scrape.is_alive(), "the long scrape did not wait on the frozen servers: %r" % result
        what = "vigia %s, connection attempts hanging on a frozen postmaster and pgbouncer" % mode
        took = terminate(vigia, what)
        c.passed("%s: SIGTERM -> exit 0 after %.2fs" % (what, took))
        long_scrape.join(10)
        if mode == "run":
            check_state_untouched(state, seed, what)
            c.passed("%s: the state file still holds exactly its seed" % what)
        return took
    finally:
        vigia.stop()


def body(c):
    primary = pg_harness.start_postgres("primary", password=PASSWORD)
    primary.psql("CREATE DATABASE slowdb")
    frozen = pg_harness.start_postgres("frozen", password=PASSWORD)
    bouncer = pg_harness.start_pgbouncer(primary, {"vigia": PASSWORD})
    pw = "VIGIA_SHUTDOWN_PW"
    connect_config = h.service_yaml({
        "postgres": [primary.target("fast", "postgres", pw), frozen.target("frozen", "postgres", pw)],
        "pgbouncer": [bouncer.target("pool", "vigia", pw)]})

    times = {"run, stuck query": check_run_stuck_query(c, primary)}
    # The postmaster (not a backend): new connections are accepted by the
    # kernel and never answered. Likewise pgbouncer's one process.
    frozen_pids = [frozen.pid, bouncer.pid()]
    for pid in frozen_pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        for mode in ("exporter", "run"):
            times["%s, frozen connect" % mode] = check_frozen_connect(c, mode, connect_config)
    finally:
        for pid in frozen_pids:
            try:
                os.kill(pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
    c.note("SIGTERM to exit: " + ", ".join("%s %.2fs" % kv for kv in times.items()))


if __name__ == "__main__":
    h.main("shutdown with hung database servers", body)

#!/usr/bin/env python3
"""Fidelity of the postgres exporter against Debian's prometheus-postgres-exporter
(0.11.1), both scraping the same PostgreSQL 15 primary (with a streaming
replica, so pg_stat_replication has a row): every family both export has the
same label names (the reference's `server` aside, vigia's /probe has no
`target`); pg_settings_max_connections, pg_database_size_bytes and the series
keys of several families are equal; what only the reference exports is the
documented list (exporters/postgres/README.md)."""

import os
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness as h  # noqa: E402
import pg_harness  # noqa: E402

REFERENCE = "/usr/bin/prometheus-postgres-exporter"
PASSWORD = "Fid-Secret/4c@d"  # URL-special characters, for the reference's DSN
DATABASES = ['we"ird db', "ñandú"]
# Families only the reference exports, and why (exporters/postgres/README.md).
REFERENCE_ONLY = {
    "pg_scrape_collector_duration_seconds",  # vigia_collector_duration_seconds
    "pg_scrape_collector_success",  # vigia_collector_success
    "pg_stat_database_checksum_failures",  # NaN while data checksums are off: vigia leaves NULLs out
    "pg_stat_database_checksum_last_failure",
}
# Families only vigia exports (the current postgres_exporter's, and vigia_*).
VIGIA_ONLY = {
    "pg_postmaster_start_time_seconds", "pg_replication_is_replica", "pg_replication_lag_seconds",
    "pg_stat_replication_write_lag_seconds", "pg_stat_replication_flush_lag_seconds",
    "pg_stat_replication_replay_lag_seconds", "vigia_postgres_ping_seconds",
    # /probe goes through the registry as /metrics does: the reference's pg_scrape_collector_*.
    "vigia_collector_duration_seconds", "vigia_collector_success",
}


def families(samples):
    """name -> set of label-name sets, the reference's `server` label aside."""
    out = {}
    for n, labels, _ in samples.samples():
        if n.startswith(("go_", "process_", "promhttp_", "postgres_exporter_")):
            continue
        out.setdefault(n, set()).add(frozenset(k for k in labels if k != "server"))
    return out


def series(samples, name):
    return {tuple(sorted((k, v) for k, v in labels.items() if k != "server")): val
            for n, labels, val in samples.samples() if n == name}


def body(c):
    h.need(REFERENCE)
    primary = pg_harness.start_postgres("primary", password=PASSWORD)
    for db in DATABASES:
        primary.psql('CREATE DATABASE "%s"' % db.replace('"', '""'))
    primary.psql("CREATE TABLE t AS SELECT generate_series(1, 100000) AS x")
    pg_harness.start_replica(primary, "replica", "replica1")

    dsn = "postgresql://vigia:%s@127.0.0.1:%d/postgres?sslmode=disable" % (
        urllib.parse.quote(PASSWORD, safe=""), primary.port)
    eport = h.free_port()
    reference = h.Server("postgres_exporter", [REFERENCE, "--web.listen-address=127.0.0.1:%d" % eport],
                         "127.0.0.1", eport, env={"DATA_SOURCE_NAME": dsn})
    vigia = h.Vigia("exporter", config=h.service_yaml({"postgres": [primary.target("primary", "postgres",
                                                                                    "VIGIA_FID_PW")]}),
                    collectors=["postgres"], env={"VIGIA_FID_PW": PASSWORD})
    reference.wait_http(reference.url + "/metrics")
    time.sleep(1)  # the replica's first reply, so reply_time is set on both

    ref = reference.scrape()
    vig = vigia.scrape("/probe?target=primary")
    assert series(ref, "pg_up") == {(): 1.0}, series(ref, "pg_up")
    assert series(vig, "pg_up") == {(): 1.0}, series(vig, "pg_up")

    rf, vf = families(ref), families(vig)
    shared = sorted(set(rf) & set(vf))
    mismatched = ["%s: reference %s, vigia %s" % (n, [sorted(s) for s in rf[n]], [sorted(s) for s in vf[n]])
                  for n in shared if rf[n] != vf[n]]
    assert not mismatched, "\n".join(mismatched)
    assert len(shared) > 250, len(shared)
    c.passed("%d shared families, same label names" % len(shared))
    assert set(rf) - set(vf) == REFERENCE_ONLY, sorted(set(rf) - set(vf))
    assert set(vf) - set(rf) == VIGIA_ONLY, sorted(set(vf) - set(rf))
    c.passed("only the reference: %s" % ", ".join(sorted(REFERENCE_ONLY)))
    c.passed("only vigia: %s" % ", ".join(sorted(VIGIA_ONLY)))

    for name in ("pg_settings_max_connections", "pg_settings_superuser_reserved_connections",
                 "pg_settings_shared_buffers_bytes", "pg_settings_work_mem_bytes"):
        assert series(ref, name) == series(vig, name) != {}, (name, series(ref, name), series(vig, name))
    assert series(vig, "pg_settings_max_connections") == {(): 100.0}
    # Sizes move only when a database is written; nothing writes here.
    sizes_ref, sizes_vig = series(ref, "pg_database_size_bytes"), series(vig, "pg_database_size_bytes")
    assert sizes_ref == sizes_vig, (sizes_ref, sizes_vig)
    assert {dict(k)["datname"] for k in sizes_vig} == {"postgres", "template0", "template1"} | set(DATABASES)
    c.passed("pg_settings_max_connections (100), reserved, shared_buffers, work_mem and pg_database_size_bytes "
             "of %d databases equal" % len(sizes_vig))

    # The same series (label values, escaping of odd database names included).
    for name in ("pg_stat_activity_count", "pg_stat_activity_max_tx_duration", "pg_locks_count",
                 "pg_stat_database_numbackends", "pg_replication_slots_active",
                 "pg_stat_replication_pg_current_wal_lsn_bytes", "pg_stat_bgwriter_buffers_alloc_total",
                 "pg_stat_archiver_archived_count"):
        keys_ref, keys_vig = set(series(ref, name)), set(series(vig, name))
        if name == "pg_stat_database_numbackends":
            # The reference keeps PostgreSQL's shared-objects row (datid 0, no datname);
            # the current postgres_exporter and vigia skip it.
            keys_ref.discard((("datid", "0"), ("datname", "")))
        assert keys_ref == keys_vig != set(), (name, keys_ref ^ keys_vig)
    (slot,) = [dict(k)["slot_name"] for k in series(vig, "pg_stat_replication_pg_wal_lsn_diff")]
    assert slot == primary.psql("SELECT pid FROM pg_stat_replication"), slot
    c.passed("same series keys for activity, locks, stat_database, replication slots, pg_stat_replication "
             "(slot_name = the WAL sender's pid, as the reference), bgwriter, archiver")


if __name__ == "__main__":
    h.main("postgres exporter against prometheus-postgres-exporter 0.11", body)

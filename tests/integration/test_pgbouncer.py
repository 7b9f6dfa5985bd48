"""Integration test of the pgbouncer exporter: a real PgBouncer (Debian 12's
1.18) in front of a PostgreSQL 15 server (tests/lib/pg_harness.py)."""

import os
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pg_harness  # noqa: E402
from test_postgres import free_port, one, parse, scrape  # noqa: E402

VIGIA = os.environ.get("VIGIA_BINARY", "build/vigia")
PASSWORD = "Bouncer-Secret-41c2"


def main():
    if not pg_harness.available() or not os.path.exists("/usr/sbin/pgbouncer"):
        print("SKIP: PostgreSQL 15 or pgbouncer is not installed")
        return 0
    base = pg_harness.make_tempdir()
    servers, vigia = [], None
    try:
        pg = pg_harness.PgServer(base, "pg", free_port()).initdb().start()
        servers.append(pg)
        pg.psql("CREATE ROLE app LOGIN PASSWORD '%s'" % PASSWORD)
        bouncer = pg_harness.PgBouncer(base, "bouncer", free_port(), pg, {"app": PASSWORD}).start()
        servers.append(bouncer)
        work = os.path.join(base, "vigia")
        os.makedirs(work)
        cfg = os.path.join(work, "vigia.yml")
        with open(cfg, "w") as f:
            f.write("pgbouncer:\n  - name: main\n    dsn: postgresql://app@127.0.0.1:%d/pgbouncer?sslmode=disable\n"
                    "    password_env: VIGIA_TEST_PGB_PW\n" % bouncer.port)
        vport = free_port()
        vlog = os.path.join(work, "vigia.log")
        with open(vlog, "wb") as lf:
            vigia = subprocess.Popen([VIGIA, "--config.file=" + cfg, "--web.listen-address=127.0.0.1:%d" % vport,
                                      "--collector.disable-defaults", "--collector.pgbouncer"],
                                     stdout=lf, stderr=subprocess.STDOUT,
                                     env=dict(os.environ, VIGIA_TEST_PGB_PW=PASSWORD))
        for _ in range(100):
            try:
                scrape(vport, "/-/healthy")
                break
            except OSError:
                time.sleep(0.1)
        # A client through the pooler, so the pool and stats have something.
        env = dict(os.environ, PGPASSWORD=PASSWORD)
        subprocess.run([os.path.join(pg_harness.PG_BIN, "psql"), "-h", "127.0.0.1", "-p", str(bouncer.port),
                        "-U", "app", "-d", "postgres", "-X", "-q", "-c", "SELECT 1"], check=True, env=env,
                       stdout=subprocess.DEVNULL)
        time.sleep(1.2)  # SHOW STATS totals are refreshed every second
        s = parse(scrape(vport))
        assert one(s, "pgbouncer_up", target="main") == 1, open(vlog).read()[-1500:]
        assert one(s, "pgbouncer_version_info", target="main") == 1
        assert one(s, "pgbouncer_config_max_client_connections", target="main") == 57
        assert one(s, "pgbouncer_pools_client_active_connections", target="main", database="pgbouncer") >= 1
        assert one(s, "pgbouncer_pools_server_idle_connections", target="main", database="postgres", user="app") >= 0
        assert one(s, "pgbouncer_stats_queries_pooled_total", target="main", database="postgres") >= 1
        assert one(s, "pgbouncer_databases_pool_size", target="main", name="postgres") >= 1
        print("ok: pgbouncer metrics, %d samples" % len(s))

        bouncer.stop()
        s = parse(scrape(vport))
        assert one(s, "pgbouncer_up", target="main") == 0
        bouncer.start()
        up = 0
        for _ in range(40):
            up = one(parse(scrape(vport)), "pgbouncer_up", target="main")
            if up == 1:
                break
            time.sleep(0.5)
        assert up == 1, "did not recover after pgbouncer restart"
        print("ok: pgbouncer stop -> pgbouncer_up 0, restart -> 1")
        vigia.terminate()
        vigia.wait(timeout=20)
        vigia = None
        assert PASSWORD not in open(vlog, encoding="utf-8", errors="replace").read()
        print("PASS")
        return 0
    finally:
        if vigia is not None:
            vigia.kill()
            vigia.wait()
        pg_harness.cleanup(base, servers)


if __name__ == "__main__":
    sys.exit(main())

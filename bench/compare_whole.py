#!/usr/bin/env python3
"""The whole vigia with every exporter area on, against the reference exporters
it replaces, measured in one run: resident memory after the same scrapes.

Starts PostgreSQL 15, Redis 7 and one nginx (stub_status, and a TLS port serving
a chain from tests/lib/tls_certs.py) on loopback, then
  - vigia (`vigia exporter`): the default host collectors, one postgres, one redis
    and one nginx target, the probe area (blackbox.yml's module http_tls and a
    configured probe of the TLS port), the container area (`containers: {}`; no
    Docker socket is needed for its cgroup reading), the backup area;
  - the references: Debian's prometheus-node-exporter (default collectors),
    -postgres-exporter, -redis-exporter and -blackbox-exporter (the same
    blackbox.yml), plus cAdvisor's reported 40 MiB floor (it is not packaged
    for Debian 12: issue 12's figure).
After a warm-up it scrapes every exporter R rounds x N times (vigia's /metrics and
its /probe of the TLS port; each reference its own endpoint), then reads VmRSS
and VmHWM of every process and prints vigia / (sum of the references + 40 MiB)
against the goal (<= 1/4), and the same ratio without cAdvisor's share.

Exit status: 0 when every scrape answered, 1 otherwise, 77 when a binary is
missing. Figures never change the exit status.
"""

import argparse
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tests", "lib"))
from compare_node_exporter import SKIP, median, memory_kib, ratio  # noqa: E402
import harness as h  # noqa: E402
import nginx_harness as nh  # noqa: E402
import pg_harness  # noqa: E402
import redis_harness  # noqa: E402
import tls_certs  # noqa: E402

NODE_EXPORTER = "/usr/bin/prometheus-node-exporter"
POSTGRES_EXPORTER = "/usr/bin/prometheus-postgres-exporter"
BLACKBOX = "/usr/bin/prometheus-blackbox-exporter"
CADVISOR_FLOOR_KIB = 40 * 1024  # issue 12: cAdvisor's reported floor, 40 MiB
GOAL_RATIO = 1.0 / 4
PASSWORD = "bench-Pw-1"


def run(args):
    for b in (h.VIGIA_BINARY, NODE_EXPORTER, POSTGRES_EXPORTER, BLACKBOX, redis_harness.REDIS_EXPORTER,
              nh.NGINX, tls_certs.OPENSSL):
        if not os.access(b, os.X_OK):
            print("SKIP: %s is not an executable" % b, file=sys.stderr)
            return SKIP
    pg = pg_harness.start_postgres("whole", password=PASSWORD)
    redis = redis_harness.start_redis("whole")
    certs = h.new_tmpdir("certs")
    tls_certs.make_chain(certs, stale_days=None)
    tls_port = h.free_port()
    web = nh.start_nginx("whole", nh.STUB_STATUS_LOCATIONS + """
    location = /ok {{ return 200 "ok\\n"; }}
  }}
  server {{
    listen 127.0.0.1:%d ssl;
    ssl_certificate %s;
    ssl_certificate_key %s;
    location = /ok {{ default_type text/plain; return 200 "status: healthy\\n"; }}
""" % (tls_port, os.path.join(certs, "bundle.pem"), os.path.join(certs, "leaf.key")))
    h.Process.wait_tcp(web, "127.0.0.1", tls_port)
    target = "https://localhost:%d/ok" % tls_port
    d = h.new_tmpdir("modules")
    bbfile = os.path.join(d, "blackbox.yml")
    with open(bbfile, "w") as f:
        json.dump({"modules": {"http_tls": {"prober": "http", "timeout": "5s",
                                            "http": {"tls_config": {"ca_file": os.path.join(certs, "root.pem")}}}}},
                  f)
    backups = h.new_tmpdir("backups")
    with open(os.path.join(backups, "app-1.sql"), "w") as f:
        f.write("-- dump\n")
    config = {
        "postgres": [{"name": "db", "dsn": pg.dsn(), "password_env": "BENCH_PG_PASSWORD"}],
        "redis": [{"name": "cache", "address": "127.0.0.1:%d" % redis.port}],
        "nginx": [{"name": "web", "url": "http://127.0.0.1:%d/stub_status" % web.port}],
        "probe_modules": {"file": bbfile},
        "probes": [{"name": "site", "target": target, "module": "http_tls", "interval": "15s"}],
        "containers": {},
        "backups": [{"name": "pg", "path": backups, "pattern": "app-*", "max_age": "1d"}],
    }
    env = dict(os.environ, BENCH_PG_PASSWORD=PASSWORD)
    vigia = h.Vigia(mode="exporter", config=json.dumps(config), args=["--log.level=warn"], env=env)
    node = h.start_node_exporter()
    pge_port = h.free_port()
    pge = h.Server("postgres_exporter", [POSTGRES_EXPORTER, "--web.listen-address=127.0.0.1:%d" % pge_port,
                                         "--log.level=warn"], "127.0.0.1", pge_port,
                   env=dict(os.environ, DATA_SOURCE_NAME="postgresql://vigia:%s@127.0.0.1:%d/postgres"
                            "?sslmode=disable" % (PASSWORD, pg.port)))
    pge.wait_http(pge.url + "/metrics")
    rexp = redis_harness.start_redis_exporter(redis)
    bb_port = h.free_port()
    bb = h.Server("blackbox_exporter", [BLACKBOX, "--config.file=" + bbfile, "--log.level=warn",
                                        "--web.listen-address=127.0.0.1:%d" % bb_port], "127.0.0.1", bb_port)
    bb.wait_http(bb.url + "/-/healthy")
    probe_path = "/probe?target=%s&module=http_tls" % target
    work = [(vigia, ["/metrics", probe_path], ["pg_up 1", "redis_up 1", "nginx_up 1", "probe_success 1"]),
            (node, ["/metrics"], ["node_exporter_build_info 1"]), (pge, ["/metrics"], ["pg_up 1"]),
            (rexp, ["/metrics"], ["redis_up 1"]), (bb, [probe_path], ["probe_success 1"])]

    def scrape_all(check):
        for server, paths, markers in work:
            text = ""
            for p in paths:
                r = server.get(p, timeout_header="10")
                if r.status != 200:
                    raise RuntimeError("%s%s: status %d" % (server.name, p, r.status))
                text += r.body
            if check:
                for m in markers:
                    name, value = m.split(" ")
                    if not re.search(r"^%s(\{[^}]*\})? %s$" % (name, value), text, re.M):
                        raise RuntimeError("%s: no %s in its answer" % (server.name, m))

    for i in range(args.warmup):
        scrape_all(check=i == 0)
    rows = []
    for _ in range(args.rounds):
        for _ in range(args.scrapes):
            scrape_all(check=False)
        rows.append({s.name: memory_kib(s.pid) for s, _, _ in work})
    scrape_all(check=True)
    mem = {name: {k: median([r[name][k] for r in rows]) for k in ("VmRSS", "VmHWM")} for name in rows[0]}
    refs = [n for n in mem if n != "vigia"]
    total = {k: sum(mem[n][k] for n in refs) for k in ("VmRSS", "VmHWM")}
    print("medians over %d round(s) of %d scrapes of every exporter, KiB:" % (args.rounds, args.scrapes))
    print("%-20s %10s %10s" % ("", "VmRSS", "VmHWM"))
    for n in ["vigia"] + refs:
        print("%-20s %10d %10d" % (n, mem[n]["VmRSS"], mem[n]["VmHWM"]))
    print("%-20s %10d %10d" % ("references' sum", total["VmRSS"], total["VmHWM"]))
    print("%-20s %10d" % ("+ cAdvisor's floor", total["VmRSS"] + CADVISOR_FLOOR_KIB))
    r_all = ratio(mem["vigia"]["VmRSS"], total["VmRSS"] + CADVISOR_FLOOR_KIB)
    r_refs = ratio(mem["vigia"]["VmRSS"], total["VmRSS"])
    print("vigia / (references + cAdvisor's 40 MiB): %.3f  goal <= 1/4: %s" % (r_all, "met" if r_all <= GOAL_RATIO
                                                                              else "NOT met"))
    print("vigia / references measured here (no cAdvisor): %.3f" % r_refs)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"per_round": rows, "median": mem, "ratio_with_cadvisor": r_all, "ratio_measured": r_refs},
                      f, indent=1)
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--scrapes", type=int, default=20, help="scrapes of every exporter per round")
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--json", help="write the result here")
    args = p.parse_args()
    try:
        return run(args)
    except h.Skip as e:
        print("SKIP: %s" % e, file=sys.stderr)
        return SKIP
    except (OSError, RuntimeError, h.HarnessError) as e:
        print("error: %s" % e, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

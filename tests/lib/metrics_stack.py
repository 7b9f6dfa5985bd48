"""Every area of vigia configured at once against real servers (docs/metrics.md's
"live" families): PostgreSQL primary + streaming replica (pg_stat_statements loaded),
PgBouncer, Redis primary + replica (with check_keys and a BullMQ queue), one RabbitMQ
node with a queue, nginx's stub_status, HTTP, TCP and ICMP probes, a backup directory, the
transfer budget, the containers area against a private Docker Engine (docker_harness) running
one container with a CPU quota, a memory limit, compose labels and a health check, and
`vigia run` with the alert evaluator and a notify: section (webhook receiver).

    stack = start_stack(c)        # c: a harness.Checker (notes), or None
    fams = stack.scrape()         # parsed /metrics of the vigia
Everything is started on loopback on free ports and stopped by PID at exit
(the harnesses' own cleanup). Python 3 stdlib only."""

import gzip
import os

import docker_harness
import harness as h
import nginx_harness
import pg_harness
import rabbitmq_harness
import redis_harness

PG_PASSWORD = "metrics-doc-pg-Secret1"


class Stack:
    def __init__(self, vigia, servers):
        self.vigia = vigia
        self.servers = servers

    def scrape(self):
        return self.vigia.scrape()


def _note(c, text):
    if c is not None:
        c.note(text)


def start_stack(c=None):
    env = {"VIGIA_PG_PASSWORD": PG_PASSWORD,
           "VIGIA_RABBIT_PASSWORD": "guest"}
    servers = {}
    primary = pg_harness.start_postgres(
        "primary", password=PG_PASSWORD,
        conf="shared_preload_libraries = 'pg_stat_statements'\nwal_level = replica\nmax_wal_senders = 4\n")
    primary.psql("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    primary.psql("CREATE TABLE IF NOT EXISTS t (id int primary key, v text); "
                 "INSERT INTO t SELECT g, 'x' FROM generate_series(1, 100) g ON CONFLICT DO NOTHING; "
                 "GRANT SELECT ON t TO vigia")
    replica = pg_harness.start_replica(primary, "replica", "replica_slot")
    servers["postgres"] = (primary, replica)
    bouncer = pg_harness.start_pgbouncer(primary, {"vigia": PG_PASSWORD})
    servers["pgbouncer"] = bouncer

    redis = redis_harness.start_redis("redis")
    redis_replica = redis_harness.start_redis("redis-replica", replica_of=redis)
    redis.cmd("SET", "session:1", "abc")
    # A BullMQ queue as BullMQ lays it out (prefix bull).
    redis.cmd("HSET", "bull:mail:meta", "opts.maxLenEvents", "10000")
    redis.cmd("SET", "bull:mail:id", "4")
    redis.cmd("LPUSH", "bull:mail:wait", "1", "2")
    redis.cmd("HSET", "bull:mail:1", "name", "welcome", "timestamp", "1")
    redis.cmd("LPUSH", "bull:mail:active", "3")
    redis.cmd("ZADD", "bull:mail:delayed", "1", "4")
    redis.cmd("ZADD", "bull:mail:failed", "1", "5")
    redis.cmd("ZADD", "bull:mail:completed", "1", "6")
    servers["redis"] = (redis, redis_replica)

    epmd = rabbitmq_harness.start_epmd()
    rabbit = rabbitmq_harness.start_rabbitmq("docs", epmd)
    rabbit.declare_queue("jobs")
    rabbit.publish("jobs", "hello", count=3)
    servers["rabbitmq"] = (epmd, rabbit)

    web = nginx_harness.start_nginx("web")
    servers["nginx"] = web

    # A private Docker Engine with one container: CPU quota and memory limit (the cfs and
    # spec families), compose labels, a health check, its own bridge interface if the
    # engine can make one (the network families).
    dockerd = docker_harness.start_dockerd()
    image = dockerd.busybox_image()
    net = dockerd.network("vigia-docs")
    dockerd.docker("run", "-d", "--name", "app", "--cpus", "0.5", "--memory", "64m",
                   "-l", "com.docker.compose.project=shop", "-l", "com.docker.compose.service=web",
                   "--health-cmd", "true", "--health-interval", "1s", "--network", net or "none",
                   image, "sleep", "3600")
    servers["docker"] = dockerd

    cwd = h.new_tmpdir("vigia-metrics-doc")
    backups = os.path.join(cwd, "backups")
    os.makedirs(backups)
    with gzip.open(os.path.join(backups, "app-2026-01-01.sql.gz"), "wb") as f:
        f.write(b"-- dump\n" * 100)
    dead_port = h.free_port()  # nothing listens there: the areas' `_up 0` families
    config = h.service_yaml({
        "postgres": [primary.target("primary", password_env="VIGIA_PG_PASSWORD",
                                    collect=["stat_user_tables", "statio_user_tables", "stat_statements"]),
                     replica.target("replica", password_env="VIGIA_PG_PASSWORD")],
        "pgbouncer": [bouncer.target("bouncer", "vigia", "VIGIA_PG_PASSWORD")],
        "redis": [redis.target("cache", check_keys=["db0=session:*"], check_single_keys=["db0=bull:mail:wait"]),
                  redis_replica.target("cache-replica")],
        "rabbitmq": [rabbit.target("rabbit", username="guest", password_env="VIGIA_RABBIT_PASSWORD",
                                   per_object=True)],
        "nginx": [{"name": "web", "url": web.page("/stub_status")},
                  {"name": "down", "url": "http://127.0.0.1:%d/stub_status" % dead_port}],
        "backups": [{"name": "pg", "path": backups, "pattern": "app-*.sql.gz", "max_age": "26h"}],
        "probes": [{"name": "site", "target": web.page("/hello"), "module": "http_2xx", "interval": "2s"},
                   {"name": "port", "target": "127.0.0.1:%d" % web.port, "module": "tcp_connect",
                    "interval": "2s"},
                   {"name": "ping", "target": "127.0.0.1", "module": "icmp", "interval": "2s"}],
    })
    config = config.replace("  - name: cache\n", "  - name: cache\n    bullmq: {prefix: bull, db: 0}\n", 1)
    config += """probe_modules:
  http_2xx: {prober: http, timeout: 5s}
  tcp_connect: {prober: tcp, timeout: 5s}
  icmp: {prober: icmp, timeout: 5s}
transfer:
  quota: 3TB
  state_file: data/transfer.state
containers:
  docker_socket: %s
alerting:
  evaluation_interval: 1s
notify:
  route: {receiver: hook, group_wait: 1s}
  receivers:
    - name: hook
      webhook_configs:
        - url: http://127.0.0.1:%d/hook
""" % (dockerd.host, dead_port)
    vigia = h.Vigia(mode="run", config=config, env=env, cwd=cwd, timeout=60)
    # Wait until the slow servers' series are there (RabbitMQ's management stats lag).
    h.wait_for(lambda: "rabbitmq_queue_messages" in vigia.scrape(), 90, "rabbitmq per-queue series")
    h.wait_for(lambda: "probe_success" in vigia.scrape(), 30, "probe series")
    h.wait_for(lambda: "vigia_container_health_status" in vigia.scrape(), 60, "the container's health")
    _note(c, "stack: postgres primary+replica, pgbouncer, redis primary+replica, rabbitmq, nginx, "
             "probes, backups, transfer, containers (dockerd, one container%s), alerting+notify; vigia on %s" % (
                 "" if net else ", no bridge network", vigia.url))
    return Stack(vigia, servers)

"""The seeds' stack for the dashboard test, on loopback, every server started by the
harnesses of tests/lib and stopped by PID when the test exits:

  PostgreSQL primary + streaming replica (slot), PgBouncer in front of the primary,
  Redis primary + replica with BullMQ-shaped keys, one RabbitMQ node with a queue holding
  messages and a consumer, nginx with stub_status and a TLS site (tls_certs), a Docker
  engine with a container of a compose-labelled service, a backups directory with dump
  files, transfer state; ONE `vigia run` with every area configured (host, containers,
  postgres, pgbouncer, redis + bullmq, rabbitmq, probes, nginx, backups, transfer, notify
  with a webhook receiver) and TWO Prometheus servers scraping it every SCRAPE_INTERVAL (2 s):

    layout "metrics": one job scraping /metrics (service series carry `target`);
    layout "probe":   one job per service area scraping /probe?target=NAME with multi-target
                      relabelling (__param_target <- name, instance <- name, __address__ <-
                      vigia), plus a job scraping /metrics for the host and vigia's own series
                      (the series of service targets dropped there, as a /probe deployment
                      would not have them twice).

    s = start_stack()      # about 30-60 s on a 2-core machine (RabbitMQ and dockerd dominate)
    s.prometheus["metrics"].url, s.prometheus["probe"].url, s.vigia.url, s.timings

    s = start_stack(full=True, prometheus=False)
      for docs/metrics.md's live families (tests/e2e/test_metrics_doc.py): also the opt-in
      collectors and options that add families (pg_stat_statements and the per-table
      statistics, check_single_keys, RabbitMQ per-object, an ICMP probe, a container with a
      CPU quota and a health check, an nginx target that is down for the `_up 0` series);
      no Prometheus.

Slow servers (RabbitMQ, dockerd, PostgreSQL) start in threads side by side. Raises
harness.Skip (exit 77) when a server's package is missing. Python 3 stdlib only."""

import calendar
import gzip
import http.server
import json
import os
import threading
import time

import bullmq
import harness as h
import docker_harness as dh
import nginx_harness as nh
import pg_harness as pg
import rabbitmq_harness as rh
import redis_harness as rd
from tls_certs import make_chain

PG_PASSWORD = "stack-pg-monitor-pw"
BOUNCER_PASSWORD = "stack-bouncer-pw"
RABBIT_PASSWORD = "stack-rabbit-pw"
# Seconds, both Prometheus servers (scrape_timeout the same): 1 s made scrapes of the whole
# stack time out on a loaded 2-core machine, and rates then had no two samples in a window.
SCRAPE_INTERVAL = 2
QUOTA = "100GB"
TRANSFER_RECEIVED, TRANSFER_SENT = 30 * 10**9, 12 * 10**9  # already counted this month

# The service areas served by /probe?target=NAME (one Prometheus job each in layout "probe").
PROBE_AREAS = ("postgres", "pgbouncer", "redis", "rabbitmq", "nginx")


class WebhookReceiver:
    """A webhook receiver on loopback counting the notifications vigia POSTs to it."""

    def __init__(self):
        received = self.received = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                received.append((self.path, self.rfile.read(n)))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = "http://127.0.0.1:%d/hook" % self.port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


class _Bg:
    """Runs fn in a thread; result() re-raises what it raised (Skip included)."""

    def __init__(self, name, fn):
        self.name = name
        self.value = None
        self.error = None
        self.t0 = time.monotonic()
        self.took = None
        self.done = threading.Event()

        def run():
            try:
                self.value = fn()
            except BaseException as e:  # noqa: BLE001 - handed to result()
                self.error = e
            self.took = time.monotonic() - self.t0
            self.done.set()
            # The harness starts servers with PR_SET_PDEATHSIG, which fires when the *thread*
            # that forked them ends: this thread stays (idle, a daemon) until the test exits.
            threading.Event().wait()

        self.thread = threading.Thread(target=run, name=name, daemon=True)
        self.thread.start()

    def result(self, timeout=240):
        if not self.done.wait(timeout):
            raise h.HarnessError("%s did not start in %d s" % (self.name, timeout))
        if self.error is not None:
            raise self.error
        return self.value


def _postgres(full):
    primary = pg.start_postgres("primary", password=PG_PASSWORD,
                                conf="shared_preload_libraries = 'pg_stat_statements'\n" if full else "")
    if full:
        primary.psql("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    replica = pg.start_replica(primary, "replica", "replica1")
    primary.psql("CREATE TABLE IF NOT EXISTS orders (id serial PRIMARY KEY, note text)")
    primary.psql("INSERT INTO orders (note) SELECT 'n' || g FROM generate_series(1, 100) g")
    primary.psql("CREATE ROLE app LOGIN PASSWORD '%s'" % BOUNCER_PASSWORD)
    bouncer = pg.start_pgbouncer(primary, {"app": BOUNCER_PASSWORD})
    return primary, replica, bouncer


def _rabbitmq():
    epmd = rh.start_epmd()
    node = rh.start_rabbitmq("a", epmd)
    node.add_user("vigia", RABBIT_PASSWORD)
    node.declare_queue("jobs")
    node.publish("jobs", "hello", count=5)
    consumer = rh.AmqpConsumer(node, "jobs", prefetch=2)
    return node, consumer


def _docker(full):
    d = dh.start_dockerd()
    image = d.busybox_image()
    # A network of its own (a bridge without iptables rules) so the container has an
    # interface and its container_network_* series; none where the bridge cannot be made.
    # Its own subnet: test_container's engine (docker_harness.network) uses 172.31.250.0/24
    # and may run beside this one.
    r = d._cli("network", "create", "--driver", "bridge", "--subnet", "172.31.249.0/24", "seeds_default",
               check=False)
    net = "seeds_default" if r.returncode == 0 else "none"
    extra = ["--cpus", "0.5", "--health-cmd", "true", "--health-interval", "1s"] if full else []
    d.docker("run", "-d", "--network", net, "--name", "seeds-web-1", "--memory", "64m", *extra,
             "--label", "com.docker.compose.project=seeds", "--label", "com.docker.compose.service=web",
             "--label", "com.docker.compose.container-number=1", image, "sleep", "3600")
    return d


def _nginx():
    certs = h.new_tmpdir("certs")
    make_chain(certs)
    for name in os.listdir(certs):
        os.chmod(os.path.join(certs, name), 0o644)
    os.chmod(certs, 0o755)
    tls_port = h.free_port()
    locations = nh.STUB_STATUS_LOCATIONS + """
  }}
  server {{
    listen 127.0.0.1:%(p)d ssl;
    ssl_certificate %(bundle)s;
    ssl_certificate_key %(key)s;
    location = /health {{ default_type text/plain; return 200 "ok\\n"; }}
""" % {"p": tls_port, "bundle": os.path.join(certs, "bundle.pem"), "key": os.path.join(certs, "leaf.key")}
    web = nh.start_nginx("web", locations)
    h.Process.wait_tcp(web, "127.0.0.1", tls_port)
    return web, "https://localhost:%d/health" % tls_port, os.path.join(certs, "root.pem")


def _backups(d):
    path = os.path.join(d, "backups")
    os.makedirs(path)
    now = time.time()
    for i, age_h in enumerate((50, 26, 2)):
        f = os.path.join(path, "app-%d.sql.gz" % i)
        with open(f, "wb") as out:  # complete gzip files (BackupIncomplete stays quiet)
            out.write(gzip.compress(os.urandom(2048 * (i + 1))))
        os.utime(f, (now - age_h * 3600, now - age_h * 3600))
    return path


def _transfer_state(path):
    """A state file as the transfer area writes it (exporters/transfer/state.h): this billing
    month already counts 30 GB received and 12 GB sent (42 % of QUOTA), as on a server that has
    run for a while."""
    now = time.gmtime()
    start = calendar.timegm((now.tm_year, now.tm_mon, 1, 0, 0, 0))
    with open(path, "w") as f:
        f.write("vigia-transfer-state 1\nperiod_start %d\nreceive %d\ntransmit %d\n"
                % (start, TRANSFER_RECEIVED, TRANSFER_SENT))
    return path


def _net_devices():
    """Network devices for the transfer area: physical ones if any, else every non-lo one
    (a container or CI VM may have only veth), else lo."""
    try:
        devs = sorted(os.listdir("/sys/class/net"))
    except OSError:
        return ["lo"]
    phys = [d for d in devs if os.path.exists(os.path.join("/sys/class/net", d, "device"))]
    return phys or [d for d in devs if d != "lo"] or ["lo"]


def vigia_config(s, cwd, full=False):
    """The configuration of the one vigia (a dict, written as JSON: YAML's flow form)."""
    config = {
        "containers": {"docker_socket": s.docker.socket, "docker_refresh_interval": "1s", "services": False},
        "postgres": [s.primary.target("primary", password_env="STACK_PG_PW"),
                     s.replica.target("replica", password_env="STACK_PG_PW")],
        "pgbouncer": [s.bouncer.target("bouncer", "app", "STACK_BOUNCER_PW")],
        "redis": [s.redis_primary.target("cache", check_keys=["db0=session:*"], bullmq={"prefix": "bull", "db": 0}),
                  s.redis_replica.target("cache-replica")],
        "rabbitmq": [s.rabbit.target("rabbit", username="vigia", password_env="STACK_RABBIT_PW")],
        "nginx": [{"name": "web", "url": s.nginx.page("/stub_status")}],
        "probe_modules": {
            "http_2xx": {"prober": "http", "timeout": "5s"},
            "https_2xx": {"prober": "http", "timeout": "5s",
                          "http": {"fail_if_not_ssl": True, "tls_config": {"ca_file": s.ca_file}}},
            "tcp_connect": {"prober": "tcp", "timeout": "5s"},
        },
        "probes": [
            {"name": "site", "target": s.tls_url, "module": "https_2xx", "interval": "1s"},
            {"name": "status", "target": s.nginx.page("/hello"), "module": "http_2xx", "interval": "1s"},
            {"name": "redis-port", "target": s.redis_primary.address(), "module": "tcp_connect", "interval": "1s"},
        ],
        "backups": [{"name": "pg", "path": s.backups_dir, "pattern": "app-*.sql.gz", "max_age": "26h"}],
        "transfer": {"quota": QUOTA, "devices": _net_devices(),
                     "state_file": _transfer_state(os.path.join(cwd, "transfer.state"))},
        "alerting": {"evaluation_interval": "1s", "state_file": os.path.join(cwd, "alerts.json")},
        "notify": {
            "route": {"receiver": "hook", "group_by": ["alertname"], "group_wait": "1s", "group_interval": "5s"},
            "receivers": [{"name": "hook", "webhook_configs": [{"url": s.webhook.url}]}],
        },
    }
    if full:
        config["postgres"][0]["collect"] = ["stat_user_tables", "statio_user_tables", "stat_statements"]
        config["redis"][0]["check_single_keys"] = ["db0=bull:email:wait"]
        config["rabbitmq"][0]["per_object"] = True
        dead = "http://127.0.0.1:%d/stub_status" % h.free_port()  # nothing listens: nginx_up 0
        config["nginx"].append({"name": "down", "url": dead})
        config["probe_modules"]["icmp"] = {"prober": "icmp", "timeout": "5s"}
        config["probes"].append({"name": "ping", "target": "127.0.0.1", "module": "icmp", "interval": "1s"})
    return config


def prometheus_config(layout, vigia_addr):
    """prometheus.yml text for a layout (see the module's doc)."""
    head = ("global:\n  scrape_interval: %ds\n  scrape_timeout: %ds\n  evaluation_interval: %ds\n"
            "scrape_configs:\n" % (SCRAPE_INTERVAL, SCRAPE_INTERVAL, SCRAPE_INTERVAL))
    if layout == "metrics":
        return head + "  - job_name: vigia\n    static_configs: [{targets: ['%s']}]\n" % vigia_addr
    out = [head,
           "  - job_name: vigia\n    static_configs: [{targets: ['%s']}]\n"
           "    metric_relabel_configs:\n"
           "      - {source_labels: [target], regex: '.+', action: drop}\n" % vigia_addr]
    return "".join(out)


def probe_jobs(vigia_addr, targets):
    """The /probe jobs of layout "probe": {area: [target names]} -> YAML text."""
    out = []
    for area, names in targets.items():
        out.append(
            "  - job_name: %s\n    metrics_path: /probe\n"
            "    static_configs: [{targets: [%s]}]\n"
            "    relabel_configs:\n"
            "      - {source_labels: [__address__], target_label: __param_target}\n"
            "      - {source_labels: [__param_target], target_label: instance}\n"
            "      - {target_label: __address__, replacement: '%s'}\n"
            % (area, ", ".join("'%s'" % n for n in names), vigia_addr))
    return "".join(out)


class Stack:
    def __init__(self):
        self.timings = {}

    def targets(self):
        """{area: [target names]} of the /probe areas, from the configuration."""
        return {a: [t["name"] for t in self.config[a]] for a in PROBE_AREAS}


def start_stack(full=False, prometheus=True):
    """Starts everything (see the module's doc); returns a Stack."""
    t0 = time.monotonic()
    s = Stack()
    if prometheus:
        h.need(h.PROMETHEUS)
    bg_rabbit = _Bg("rabbitmq", _rabbitmq)
    bg_docker = _Bg("dockerd", lambda: _docker(full))
    bg_pg = _Bg("postgres", lambda: _postgres(full))

    t = time.monotonic()
    s.redis_primary = rd.start_redis("primary", extra=["maxmemory 64mb"])
    s.redis_replica = rd.start_redis("replica", replica_of=s.redis_primary)
    bullmq.write_queues(s.redis_primary, int(time.time() * 1000))
    s.redis_primary.cmd("SET", "session:1", "x")
    s.timings["redis"] = time.monotonic() - t
    t = time.monotonic()
    s.nginx, s.tls_url, s.ca_file = _nginx()
    s.timings["nginx+certs"] = time.monotonic() - t
    s.webhook = WebhookReceiver()
    cwd = h.new_tmpdir("vigia")
    os.chmod(cwd, 0o755)
    s.backups_dir = _backups(cwd)

    s.primary, s.replica, s.bouncer = bg_pg.result()
    s.docker = bg_docker.result()
    s.rabbit, s.consumer = bg_rabbit.result()
    for b in (bg_pg, bg_docker, bg_rabbit):
        s.timings[b.name] = b.took

    t = time.monotonic()
    s.config = vigia_config(s, cwd, full)
    s.vigia = h.Vigia(mode="run", config=json.dumps(s.config, indent=1) + "\n", cwd=cwd, timeout=30,
                      env={"STACK_PG_PW": PG_PASSWORD, "STACK_BOUNCER_PW": BOUNCER_PASSWORD,
                           "STACK_RABBIT_PW": RABBIT_PASSWORD})
    addr = "127.0.0.1:%d" % s.vigia.port
    s.timings["vigia"] = time.monotonic() - t
    t = time.monotonic()
    s.prometheus = {} if not prometheus else {
        "metrics": h.start_prometheus(prometheus_config("metrics", addr)),
        "probe": h.start_prometheus(prometheus_config("probe", addr) + probe_jobs(addr, s.targets())),
    }
    s.timings["prometheus"] = time.monotonic() - t
    s.timings["total"] = time.monotonic() - t0
    return s

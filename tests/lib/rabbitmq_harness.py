"""RabbitMQ brokers for integration tests: Debian's rabbitmq-server (3.10) with the
management and prometheus plugins, every file in a private temp dir, every port free
and on loopback, stopped by PID (at the latest when the test exits).

    epmd = start_epmd()                       # one Erlang port mapper on a free port
    a = start_rabbitmq("a", epmd)             # node rabbit-a@localhost
    b = start_rabbitmq("b", epmd, cookie=a.cookie)
    b.join(a)                                 # rabbitmqctl stop_app; join_cluster; start_app
    a.api("PUT", "/api/queues/%2F/q1", {"durable": False})
    a.publish("q1", "hello", count=10)
    a.target("rabbit-a", username=..., password_env=...)   # a vigia target block

Each node gets RABBITMQ_MNESIA_BASE, RABBITMQ_LOG_BASE, RABBITMQ_CONFIG_FILE,
RABBITMQ_ENABLED_PLUGINS_FILE (management + prometheus), RABBITMQ_CONF_ENV_FILE and
HOME (its .erlang.cookie) in its own dir, its own AMQP, distribution, management and
prometheus ports; ERL_EPMD_PORT points at the harness's own epmd (started in the
foreground, stopped by PID), so nothing is shared with a system broker. The
administrator is guest/guest (allowed on loopback)."""

import base64
import json
import os
import secrets
import time
import urllib.parse

import harness as h

RABBITMQ_SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"
RABBITMQCTL = "/usr/lib/rabbitmq/bin/rabbitmqctl"
EPMD = "/usr/bin/epmd"
ADMIN = ("guest", "guest")


def _need():
    for p in (RABBITMQ_SERVER, RABBITMQCTL):
        if not os.path.exists(p):
            raise h.Skip("rabbitmq-server is not installed (apt-get install rabbitmq-server)")
    if not os.path.exists(EPMD):
        raise h.Skip("epmd (erlang-base) is not installed")


class Epmd(h.Process):
    def __init__(self):
        _need()
        self.port = h.free_port()
        super().__init__("epmd", [EPMD, "-port", str(self.port)])
        self.wait_tcp("127.0.0.1", self.port)


def start_epmd():
    return Epmd()


def http_request(url, method="GET", body=None, auth=ADMIN, timeout=30):
    """(status, parsed JSON or text) of a management API call."""
    import http.client
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    headers = {"content-type": "application/json"}
    if auth:
        headers["authorization"] = "Basic " + base64.b64encode(("%s:%s" % auth).encode()).decode()
    try:
        path = u.path + ("?" + u.query if u.query else "")
        conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
        r = conn.getresponse()
        data = r.read().decode("utf-8", "replace")
        try:
            return r.status, json.loads(data) if data else None
        except ValueError:
            return r.status, data
    finally:
        conn.close()


def q(name):
    """A path segment: vhost or queue name, percent-encoded (/ too)."""
    return urllib.parse.quote(name, safe="")


class RabbitNode(h.Process):
    def __init__(self, name, epmd, cookie=None, timeout=120, wait=True, net_ticktime=None):
        """net_ticktime: the Erlang distribution's tick time in seconds (default 60): a node
        unreachable for about that long is disconnected (a network partition)."""
        _need()
        self.short = name
        self.node = "rabbit-%s@localhost" % name
        self.epmd = epmd
        self.dir = h.new_tmpdir("rabbitmq-" + name)
        self.amqp_port = h.free_port()
        self.dist_port = h.free_port()
        self.mgmt_port = h.free_port()
        self.prom_port = h.free_port()
        self.cookie = cookie or secrets.token_hex(16).upper()
        home = os.path.join(self.dir, "home")
        os.makedirs(home)
        cookie_path = os.path.join(home, ".erlang.cookie")
        with open(cookie_path, "w") as f:
            f.write(self.cookie)
        os.chmod(cookie_path, 0o400)
        conf = os.path.join(self.dir, "rabbitmq.conf")
        with open(conf, "w") as f:
            f.write("\n".join([
                "listeners.tcp.1 = 127.0.0.1:%d" % self.amqp_port,
                "management.tcp.ip = 127.0.0.1",
                "management.tcp.port = %d" % self.mgmt_port,
                "prometheus.tcp.ip = 127.0.0.1",
                "prometheus.tcp.port = %d" % self.prom_port,
                "collect_statistics_interval = 1000",
                "log.console = true",
                "log.console.level = warning",
                "log.file = false",
                "cluster_partition_handling = ignore",
            ]) + "\n")
        if net_ticktime is not None:
            with open(os.path.join(self.dir, "advanced.config"), "w") as f:
                f.write("[{kernel, [{net_ticktime, %d}]}].\n" % net_ticktime)
        plugins = os.path.join(self.dir, "enabled_plugins")
        with open(plugins, "w") as f:
            f.write("[rabbitmq_management,rabbitmq_prometheus].\n")
        envfile = os.path.join(self.dir, "rabbitmq-env.conf")
        open(envfile, "w").close()
        self.env = {
            "HOME": home,
            "ERL_EPMD_PORT": str(epmd.port),
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": os.path.join(self.dir, "mnesia"),
            "RABBITMQ_LOG_BASE": os.path.join(self.dir, "log"),
            "RABBITMQ_CONFIG_FILE": conf,
            "RABBITMQ_ADVANCED_CONFIG_FILE": os.path.join(self.dir, "advanced.config"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": plugins,
            "RABBITMQ_CONF_ENV_FILE": envfile,
            "RABBITMQ_PID_FILE": os.path.join(self.dir, "rabbit.pid"),
            "RABBITMQ_LOGS": "-",
        }
        self.timeout = timeout
        super().__init__("rabbitmq-" + name, [RABBITMQ_SERVER], cwd=self.dir, env=self.env)
        if wait:
            self.wait_ready(timeout)

    def stop(self, timeout=60):
        """SIGTERM (the script stops the VM gracefully: a few seconds), SIGKILL after timeout."""
        return super().stop(timeout)

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.mgmt_port

    @property
    def prom_url(self):
        return "http://127.0.0.1:%d" % self.prom_port

    def wait_ready(self, timeout=None):
        timeout = timeout or self.timeout
        self.wait_http(self.url + "/api/overview", timeout=timeout, status=401)
        h.wait_for(lambda: self.api("GET", "/api/overview")[0] == 200, timeout, "%s management API" % self.node)
        self.wait_http(self.prom_url + "/metrics", timeout=timeout)

    def ctl(self, *args, timeout=120):
        env = dict(self.env)
        r = h.run([RABBITMQCTL, "-n", self.node] + list(args), timeout=timeout, env=env)
        if r.returncode != 0:
            raise h.HarnessError("rabbitmqctl %s: %s%s" % (" ".join(args), r.stdout, r.stderr))
        return r.stdout

    def api(self, method, path, body=None, auth=ADMIN, timeout=30):
        return http_request(self.url + path, method, body, auth, timeout)

    def api_ok(self, method, path, body=None):
        status, data = self.api(method, path, body)
        if status not in (200, 201, 204):
            raise h.HarnessError("%s %s: status %d: %s" % (method, path, status, data))
        return data

    def add_user(self, user, password, tags="monitoring"):
        self.api_ok("PUT", "/api/users/" + q(user), {"password": password, "tags": tags})
        self.api_ok("PUT", "/api/permissions/%2F/" + q(user), {"configure": "", "write": "", "read": ".*"})

    def declare_queue(self, name, vhost="/", durable=False, args=None):
        self.api_ok("PUT", "/api/queues/%s/%s" % (q(vhost), q(name)),
                    {"durable": durable, "auto_delete": False, "arguments": args or {}})

    def publish(self, queue, payload="x", count=1, vhost="/"):
        for _ in range(count):
            r = self.api_ok("POST", "/api/exchanges/%s/amq.default/publish" % q(vhost),
                            {"properties": {}, "routing_key": queue, "payload": payload,
                             "payload_encoding": "string"})
            if not r.get("routed"):
                raise h.HarnessError("publish to %r: not routed" % queue)

    def get(self, queue, count=1, ack=False, vhost="/"):
        """Fetches messages (basic.get): acked (ack_requeue_false) or requeued."""
        mode = "ack_requeue_false" if ack else "ack_requeue_true"
        return self.api_ok("POST", "/api/queues/%s/%s/get" % (q(vhost), q(queue)),
                           {"count": count, "ackmode": mode, "encoding": "auto"})

    def join(self, other):
        self.ctl("stop_app")
        self.ctl("join_cluster", other.node)
        self.ctl("start_app")
        self.wait_ready(self.timeout)

    def beam_pid(self):
        """The Erlang VM's PID (the child of the rabbitmq-server script)."""
        try:
            with open(os.path.join(self.dir, "rabbit.pid")) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            pass
        with open("/proc/%d/task/%d/children" % (self.pid, self.pid)) as f:
            kids = f.read().split()
        return int(kids[0])

    def target(self, name, **keys):
        t = {"name": name, "url": self.url}
        t.update(keys)
        return t


def start_rabbitmq(name, epmd, cookie=None, timeout=120):
    """A broker node rabbit-<name>@localhost (see the module's doc)."""
    return RabbitNode(name, epmd, cookie, timeout)


def wait_stats(node, pred, timeout=60, what="management stats"):
    """Polls until pred() holds: the management stats lag the broker by an interval."""
    return h.wait_for(pred, timeout, what, interval=0.5)


def cpu_seconds(pid):
    """utime + stime of a process (from /proc/PID/stat), seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def now():
    return time.monotonic()


class AmqpConsumer:
    """A minimal AMQP 0-9-1 client (stdlib only): logs in with PLAIN, opens channel 1,
    sets basic.qos prefetch and consumes `queue` with manual acks that it never sends,
    so up to `prefetch` messages stay unacknowledged while it is open. close() drops
    the connection (the broker then requeues them)."""

    def __init__(self, node, queue, user=ADMIN[0], password=ADMIN[1], prefetch=2, vhost="/"):
        import socket
        import struct
        self.struct = struct
        self.sock = socket.create_connection(("127.0.0.1", node.amqp_port), timeout=30)
        self.sock.sendall(b"AMQP\x00\x00\x09\x01")
        self._expect(10, 10)  # connection.start
        resp = ("\0%s\0%s" % (user, password)).encode()
        self._method(0, 10, 11, struct.pack(">I", 0) + self._short(b"PLAIN") + struct.pack(">I", len(resp)) + resp +
                     self._short(b"en_US"))
        args = self._expect(10, 30)  # connection.tune
        channel_max, frame_max, _ = struct.unpack(">HIH", args[:8])
        self._method(0, 10, 31, struct.pack(">HIH", channel_max, frame_max, 0))
        self._method(0, 10, 40, self._short(vhost.encode()) + self._short(b"") + b"\x00")
        self._expect(10, 41)
        self._method(1, 20, 10, self._short(b""))
        self._expect(20, 11)
        self._method(1, 60, 10, struct.pack(">IHB", 0, prefetch, 0))
        self._expect(60, 11)
        self._method(1, 60, 20, struct.pack(">H", 0) + self._short(queue.encode()) + self._short(b"") + b"\x00" +
                     struct.pack(">I", 0))
        self._expect(60, 21)

    @staticmethod
    def _short(b):
        return bytes([len(b)]) + b

    def _method(self, channel, cls, meth, args):
        payload = self.struct.pack(">HH", cls, meth) + args
        self.sock.sendall(self.struct.pack(">BHI", 1, channel, len(payload)) + payload + b"\xce")

    def _read(self, n):
        out = b""
        while len(out) < n:
            chunk = self.sock.recv(n - len(out))
            if not chunk:
                raise h.HarnessError("AMQP: connection closed")
            out += chunk
        return out

    def _expect(self, cls, meth):
        while True:
            kind, _, size = self.struct.unpack(">BHI", self._read(7))
            payload = self._read(size + 1)[:-1]
            if kind != 1:
                continue
            c, m = self.struct.unpack(">HH", payload[:4])
            if (c, m) == (cls, meth):
                return payload[4:]
            if (c, m) in ((10, 50), (20, 40)):
                raise h.HarnessError("AMQP: closed by the broker: %r" % payload[4:80])

    def close(self):
        self.sock.close()

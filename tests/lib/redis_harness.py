"""Redis servers for integration tests: Debian's redis-server on a free loopback
port, its configuration and data in a temp dir, stopped by PID (at the latest when
the test exits).

One call starts a server:
    primary = start_redis("primary", extra=["maxmemory 64mb"])
    replica = start_redis("replica", replica_of=primary)
    secured = start_redis("acl", users={"vigia": PW})
    hung = start_silent_server()       # accepts connections, never answers
    sentinel = start_sentinel({"mymaster": primary})   # redis-server --sentinel watching it
Each raises harness.Skip when redis-server is not installed.
server.cmd("SET", "k", "v") talks RESP to it (a minimal client, stdlib only);
server.target(name, **keys) is a redis target block for harness.service_yaml.
Also start_redis_exporter(server): Debian's prometheus-redis-exporter 1.45 on it."""

import os
import socket
import threading

import harness as h

REDIS_SERVER = "/usr/bin/redis-server"
REDIS_EXPORTER = "/usr/bin/prometheus-redis-exporter"


class RespError(Exception):
    pass


def _read_reply(f):
    line = f.readline()
    if not line:
        raise ConnectionError("connection closed")
    kind, rest = line[:1], line[1:-2]
    if kind == b"+":
        return rest.decode()
    if kind == b"-":
        raise RespError(rest.decode())
    if kind == b":":
        return int(rest)
    if kind == b"$":
        n = int(rest)
        if n < 0:
            return None
        data = f.read(n + 2)[:-2]
        return data.decode("utf-8", "replace")
    if kind == b"*":
        n = int(rest)
        return None if n < 0 else [_read_reply(f) for _ in range(n)]
    raise ConnectionError("bad RESP reply: %r" % line)


def resp_command(port, *args, auth=None, timeout=10):
    """One command on a fresh connection (AUTH first when auth=(user, password))."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        f = s.makefile("rb")
        cmds = ([("AUTH",) + tuple(auth)] if auth else []) + [args]
        for c in cmds:
            out = b"*%d\r\n" % len(c)
            for a in c:
                a = str(a).encode()
                out += b"$%d\r\n%s\r\n" % (len(a), a)
            s.sendall(out)
            reply = _read_reply(f)
        return reply


class RedisServer(h.Process):
    def __init__(self, name, port, conf_lines):
        self.port = port
        self.dir = h.new_tmpdir("redis-" + name)
        self.conf = os.path.join(self.dir, "redis.conf")
        with open(self.conf, "w") as f:
            f.write("\n".join(conf_lines) + "\n")
        self.admin_auth = None
        for line in conf_lines:
            if line.startswith("user admin "):
                self.admin_auth = ("admin", "harness-admin-pw")
        super().__init__("redis-" + name, [REDIS_SERVER, self.conf], cwd=self.dir)
        self.wait_ready()

    def wait_ready(self, timeout=20):
        self.wait_tcp("127.0.0.1", self.port, timeout=timeout)
        h.wait_for(lambda: self._ping(), timeout, "redis on port %d answers PING" % self.port)

    def _ping(self):
        try:
            return self.cmd("PING") == "PONG"
        except (OSError, RespError):
            return False

    def cmd(self, *args):
        """A command as the server's administrator (the default user, or 'admin')."""
        return resp_command(self.port, *args, auth=self.admin_auth)

    def info(self, section="all"):
        out = {}
        for line in self.cmd("INFO", section).splitlines():
            if ":" in line and not line.startswith("#"):
                k, v = line.split(":", 1)
                out[k] = v
        return out

    def address(self):
        return "127.0.0.1:%d" % self.port

    def target(self, name, **keys):
        t = {"name": name, "address": self.address()}
        t.update(keys)
        return t

    def restart(self):
        """Starts the server again on the same port and configuration (after stop())."""
        h.Process.__init__(self, self.name, self.argv, cwd=self.dir)
        self.wait_ready()


def start_redis(name, replica_of=None, users=None, extra=()):
    """redis-server on a free loopback port, no persistence. users: {name: password}
    ACL users with +@all ~* (and an 'admin' user for the harness, the default user
    then off); extra: more redis.conf lines (maxmemory, rename-command...)."""
    if not os.path.exists(REDIS_SERVER):
        raise h.Skip("redis-server is not installed (apt-get install redis-server)")
    port = h.free_port()
    lines = ["port %d" % port, "bind 127.0.0.1", "protected-mode no", "save \"\"", "appendonly no",
             "daemonize no", "dir .", "logfile \"\"", "databases 16"]
    if users:
        lines.append("user default off")
        lines.append("user admin on >harness-admin-pw ~* &* +@all")
        for u, pw in users.items():
            lines.append("user %s on >%s ~* &* +@all" % (u, pw))
    if replica_of is not None:
        lines.append("replicaof 127.0.0.1 %d" % replica_of.port)
        lines.append("repl-ping-replica-period 1")
    lines += list(extra)
    return RedisServer(name, port, lines)


class SentinelServer(RedisServer):
    """redis-server --sentinel (Debian's redis-sentinel is the same binary)."""

    def __init__(self, name, port, conf_lines):
        self.port = port
        self.dir = h.new_tmpdir("sentinel-" + name)
        self.conf = os.path.join(self.dir, "sentinel.conf")
        with open(self.conf, "w") as f:
            f.write("\n".join(conf_lines) + "\n")
        self.admin_auth = None
        h.Process.__init__(self, "sentinel-" + name, [REDIS_SERVER, self.conf, "--sentinel"], cwd=self.dir)
        self.wait_ready()

    def master_addr(self, master="mymaster"):
        """SENTINEL GET-MASTER-ADDR-BY-NAME as "ip:port"."""
        ip, port = self.cmd("SENTINEL", "GET-MASTER-ADDR-BY-NAME", master)
        return "%s:%s" % (ip, port)


def start_sentinel(masters, quorum=1, down_after_ms=1000, failover_timeout_ms=10000, name="s1"):
    """A Sentinel on a free loopback port watching masters ({name: RedisServer});
    quick to decide a master is down (down_after_ms) and to fail over."""
    if not os.path.exists(REDIS_SERVER):
        raise h.Skip("redis-server is not installed (apt-get install redis-server)")
    port = h.free_port()
    lines = ["port %d" % port, "bind 127.0.0.1", "protected-mode no", "daemonize no", "dir .",
             'logfile ""']
    for m, server in masters.items():
        lines += ["sentinel monitor %s 127.0.0.1 %d %d" % (m, server.port, quorum),
                  "sentinel down-after-milliseconds %s %d" % (m, down_after_ms),
                  "sentinel failover-timeout %s %d" % (m, failover_timeout_ms),
                  "sentinel parallel-syncs %s 1" % m]
    return SentinelServer(name, port, lines)


class SilentServer:
    """A TCP server on loopback that accepts connections and never answers."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        self.closed = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while not self.closed:
            try:
                c, _ = self.sock.accept()
                self.conns.append(c)
            except OSError:
                return

    def address(self):
        return "127.0.0.1:%d" % self.port

    def close(self):
        self.closed = True
        self.sock.close()
        for c in self.conns:
            c.close()


def start_silent_server():
    return SilentServer()


def start_redis_exporter(server, args=(), env=None, timeout=20):
    """Debian's prometheus-redis-exporter (1.45) on a free loopback port, on server."""
    if not os.path.exists(REDIS_EXPORTER):
        raise h.Skip("prometheus-redis-exporter is not installed")
    port = h.free_port()
    argv = [REDIS_EXPORTER, "-web.listen-address=127.0.0.1:%d" % port,
            "-redis.addr=redis://127.0.0.1:%d" % server.port] + list(args)
    s = h.Server("redis_exporter", argv, "127.0.0.1", port, env=env)
    s.wait_http(s.url + "/metrics", timeout=timeout)
    return s

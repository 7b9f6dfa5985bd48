"""PostgreSQL and PgBouncer servers for integration tests: initdb in a temp dir,
start on a free loopback port, streaming replicas via pg_basebackup -R, stop by
PID (at the latest when the test exits).

One call starts a server:
    primary = start_postgres("primary", password=PW)   # with the monitoring role vigia
    replica = start_replica(primary, "replica", "slot1")
    bouncer = start_pgbouncer(primary, {"app": PW})
Each raises harness.Skip when PostgreSQL 15 or pgbouncer is not installed.
server.target(name, ...) is a postgres target block for harness.service_yaml.

Runs the server binaries as user postgres when the test runs as root (initdb
refuses root). Python 3 stdlib only."""

import atexit
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time

import harness as h

# VIGIA_PG_BIN: another PostgreSQL 15 installation (or none, to see the tests skip).
PG_BIN = os.environ.get("VIGIA_PG_BIN", "/usr/lib/postgresql/15/bin")
PGBOUNCER = "/usr/sbin/pgbouncer"
SUPERUSER_PASSWORD = "harness-superuser-pw"


def _as_postgres(cmd):
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--"] + cmd
    return cmd


def _chown_to_postgres(path):
    if os.geteuid() == 0:
        pw = pwd.getpwnam("postgres")
        os.chown(path, pw.pw_uid, pw.pw_gid)


def available():
    return os.path.exists(os.path.join(PG_BIN, "initdb"))


def make_tempdir(prefix="vigia-pg-"):
    d = tempfile.mkdtemp(prefix=prefix)
    os.chmod(d, 0o755)
    _chown_to_postgres(d)
    return d


class PgServer:
    """One postgres server in base/<name>, listening on 127.0.0.1:port and on
    a Unix socket in the same directory."""

    def __init__(self, base, name, port):
        self.dir = os.path.join(base, name)
        self.data = os.path.join(self.dir, "data")
        self.port = port
        self.log = os.path.join(self.dir, "server.log")
        self.proc = None
        self.pid = None

    def _mkdir(self):
        os.makedirs(self.dir, exist_ok=True)
        _chown_to_postgres(self.dir)

    def initdb(self):
        self._mkdir()
        pwfile = os.path.join(self.dir, "pw")
        with open(pwfile, "w") as f:
            f.write(SUPERUSER_PASSWORD + "\n")
        _chown_to_postgres(pwfile)
        subprocess.run(_as_postgres([os.path.join(PG_BIN, "initdb"), "-D", self.data, "-U", "postgres",
                                     "--pwfile", pwfile, "--auth-local=trust",
                                     "--auth-host=scram-sha-256", "-E", "UTF8",
                                     "--locale=C.UTF-8"]),
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        with open(os.path.join(self.data, "postgresql.conf"), "a") as f:
            f.write("\nfsync = off\nwal_level = replica\nmax_wal_senders = 5\n"
                    "max_replication_slots = 5\nhot_standby = on\nshared_buffers = 16MB\n"
                    # for the opt-in stat_statements collector (postgresql-15 ships it)
                    "shared_preload_libraries = pg_stat_statements\n")
        return self

    def basebackup_from(self, primary, slot):
        """Makes this server a streaming replica of primary through a new slot."""
        self._mkdir()
        env = dict(os.environ, PGPASSWORD=SUPERUSER_PASSWORD)
        subprocess.run(_as_postgres([os.path.join(PG_BIN, "pg_basebackup"), "-h", "127.0.0.1",
                                     "-p", str(primary.port), "-U", "postgres", "-D", self.data,
                                     "-R", "-X", "stream", "-C", "-S", slot, "-c", "fast"]),
                       check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        # pg_basebackup -R writes the password into primary_conninfo from PGPASSWORD.
        return self

    def start(self, timeout=30):
        logf = open(self.log, "ab")
        self.proc = subprocess.Popen(
            _as_postgres([os.path.join(PG_BIN, "postgres"), "-D", self.data, "-p", str(self.port),
                          "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=" + self.dir]),
            stdout=logf, stderr=subprocess.STDOUT)
        logf.close()
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("postgres exited: " + open(self.log).read()[-2000:])
            r = subprocess.run([os.path.join(PG_BIN, "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if r.returncode == 0:
                with open(os.path.join(self.data, "postmaster.pid")) as f:
                    self.pid = int(f.readline())
                return self
            time.sleep(0.2)
        raise RuntimeError("postgres did not start on port %d" % self.port)

    def stop(self, timeout=30):
        """Fast shutdown by the postmaster's PID."""
        if self.pid is None:
            return
        try:
            os.kill(self.pid, signal.SIGINT)
        except ProcessLookupError:
            pass
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        if self.proc is not None:
            # As root the postmaster runs under runuser, which stops itself
            # when its child is stopped (a test's SIGSTOP) and stays stopped
            # after the child's SIGCONT: continue it, or it never reaps it.
            try:
                os.kill(self.proc.pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        self.pid = None

    def dsn(self, db="postgres", user="vigia"):
        """A libpq URL to this server (no password: targets take password_env/password_file)."""
        return "postgresql://%s@127.0.0.1:%d/%s?sslmode=disable" % (user, self.port, db)

    def target(self, name, db="postgres", password_env=None, **keys):
        """A postgres target block (a dict for harness.service_yaml) logging in as vigia."""
        t = {"name": name, "dsn": self.dsn(db)}
        if password_env:
            t["password_env"] = password_env
        t.update(keys)
        return t

    def rows(self, sql, db="postgres"):
        """Runs sql as the superuser; returns the rows as lists of column strings."""
        out = self.psql(sql, db=db, sep="\t")
        return [line.split("\t") for line in out.splitlines() if line]

    def psql(self, sql, db="postgres", sep=None):
        """Runs sql as the superuser over the Unix socket; returns stdout (unaligned, tuples only)."""
        r = subprocess.run(_as_postgres([os.path.join(PG_BIN, "psql"), "-h", self.dir, "-p", str(self.port),
                                         "-U", "postgres", "-d", db, "-X", "-A", "-t", "-q",
                                         "-v", "ON_ERROR_STOP=1"] + (["-F", sep] if sep else []) + ["-c", sql]),
                           check=True, capture_output=True, text=True)
        return r.stdout.strip()

    def psql_async(self, sql, db="postgres"):
        """Starts psql running sql in the background; returns the Popen."""
        return subprocess.Popen(_as_postgres([os.path.join(PG_BIN, "psql"), "-h", self.dir, "-p", str(self.port),
                                              "-U", "postgres", "-d", db, "-X", "-q", "-c", sql]),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def start_monitored(base, name, port, password, servers=None):
    """initdb and start a server in base/<name> on 127.0.0.1:port with the
    monitoring role exporters log in as: vigia, LOGIN with `password`, in
    pg_monitor. The started server is appended to `servers` (the list cleanup()
    stops) before the role is created. Returns it."""
    server = PgServer(base, name, port).initdb().start()
    if servers is not None:
        servers.append(server)
    server.psql("CREATE ROLE vigia LOGIN PASSWORD '%s' IN ROLE pg_monitor" % password)
    return server


def psql_tcp(port, user, password, db, sql, *extra):
    """psql over TCP as `user` (password authentication); returns stdout."""
    return subprocess.run([os.path.join(PG_BIN, "psql"), "-h", "127.0.0.1", "-p", str(port), "-U", user, "-d", db,
                           "-X"] + list(extra) + ["-c", sql], check=True, capture_output=True, text=True,
                          env=dict(os.environ, PGPASSWORD=password)).stdout


def psql_tcp_async(port, user, password, sql, db="postgres"):
    """psql over TCP as `user` running sql in the background; returns the Popen."""
    return subprocess.Popen([os.path.join(PG_BIN, "psql"), "-h", "127.0.0.1", "-p", str(port), "-U", user, "-d", db,
                             "-X", "-q", "-c", sql], env=dict(os.environ, PGPASSWORD=password),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


# The servers the one-call starters made, stopped when the test exits.
_base = None
_started = []


def _session_base():
    global _base
    if _base is None:
        _base = make_tempdir()
        atexit.register(_stop_all)
    return _base


def _stop_all():
    for s in reversed(_started):
        try:
            s.stop()
        except Exception:  # noqa: BLE001 - stop the others
            pass
    _started.clear()
    if _base and not os.environ.get("VIGIA_KEEP_TMP"):
        shutil.rmtree(_base, ignore_errors=True)


def start_postgres(name, password=None, conf=""):
    """initdb and start a PostgreSQL 15 server named `name` on a free loopback port,
    `conf` appended to its postgresql.conf; with `password`, the role vigia (LOGIN,
    pg_monitor) exporters log in as. Stopped when the test exits. Skip if not installed."""
    h.need(os.path.join(PG_BIN, "initdb"), os.path.join(PG_BIN, "postgres"))
    server = PgServer(_session_base(), name, h.free_port()).initdb()
    if conf:
        with open(os.path.join(server.data, "postgresql.conf"), "a") as f:
            f.write("\n" + conf + "\n")
    _started.append(server)
    server.start()
    if password is not None:
        server.psql("CREATE ROLE vigia LOGIN PASSWORD '%s' IN ROLE pg_monitor" % password)
    return server


def start_replica(primary, name, slot):
    """A streaming replica of primary through a new replication slot, started."""
    server = PgServer(_session_base(), name, h.free_port()).basebackup_from(primary, slot)
    _started.append(server)
    return server.start()


def start_pgbouncer(server, users, name="bouncer"):
    """A pgbouncer in front of server on a free loopback port, users {name: password}
    (admin and stats users too). Stopped when the test exits. Skip if not installed."""
    h.need(PGBOUNCER)
    bouncer = PgBouncer(_session_base(), name, h.free_port(), server, users)
    _started.append(bouncer)
    return bouncer.start()


def cleanup(base, servers):
    for s in servers:
        try:
            s.stop()
        except Exception:
            pass
    shutil.rmtree(base, ignore_errors=True)


class PgBouncer:
    """A pgbouncer in base/<name> on 127.0.0.1:port in front of server, with
    users from `users` ({name: password}); admin_users and stats_users are the
    same users. Stopped by PID."""

    def __init__(self, base, name, port, server, users):
        self.dir = os.path.join(base, name)
        self.port = port
        self.server = server
        self.users = users
        self.proc = None

    def start(self, timeout=15):
        os.makedirs(self.dir, exist_ok=True)
        _chown_to_postgres(self.dir)
        with open(os.path.join(self.dir, "userlist.txt"), "w") as f:
            for u, p in self.users.items():
                f.write('"%s" "%s"\n' % (u, p))
        names = ",".join(self.users)
        ini = os.path.join(self.dir, "pgbouncer.ini")
        with open(ini, "w") as f:
            f.write("[databases]\npostgres = host=127.0.0.1 port=%d dbname=postgres\n\n"
                    "[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = %d\nunix_socket_dir =\n"
                    "auth_type = scram-sha-256\nauth_file = %s\nadmin_users = %s\nstats_users = %s\n"
                    "pool_mode = transaction\nmax_client_conn = 57\nlogfile = %s\n"
                    % (self.server.port, self.port, os.path.join(self.dir, "userlist.txt"), names, names,
                       os.path.join(self.dir, "pgbouncer.log")))
        for p in (ini, os.path.join(self.dir, "userlist.txt")):
            _chown_to_postgres(p)
        self.proc = subprocess.Popen(_as_postgres([PGBOUNCER, ini]),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("pgbouncer exited")
            try:
                socket_ok = __import__("socket").create_connection(("127.0.0.1", self.port), timeout=1)
                socket_ok.close()
                return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("pgbouncer did not start on port %d" % self.port)

    def target(self, name, user, password_env):
        """A pgbouncer target block (a dict for harness.service_yaml): the admin console as `user`."""
        return {"name": name, "dsn": "postgresql://%s@127.0.0.1:%d/pgbouncer?sslmode=disable" % (user, self.port),
                "password_env": password_env}

    def pid(self):
        # runuser execs nothing: pgbouncer is its child; find it by parent PID.
        out = subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True).stdout.split()
        return int(out[0]) if out else self.proc.pid

    def stop(self):
        if self.proc is None:
            return
        try:
            os.kill(self.pid(), signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.proc = None

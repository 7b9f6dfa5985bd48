"""Test harness for vigia's integration and end-to-end tests (Python 3 stdlib only).

What it gives a test script:
  - Checker: collects failures instead of stopping at the first; finish() prints
    "N passed, M failed" and exits 0 only if nothing failed.
  - Process: a program started in its own temporary directory with stdout+stderr
    captured to a log file, stopped by PID (SIGTERM, then SIGKILL) when the
    `with` block ends, at interpreter exit, on SIGTERM/SIGINT of the test, and
    (through PR_SET_PDEATHSIG) even if the test itself is killed.
  - Vigia: vigia started in its own directory with a configuration written there
    (service_yaml builds the target blocks), on a free loopback port; scrape()
    parses /metrics with the one parser (exposition.py: parse_exposition, one, find).
  - start_node_exporter / start_prometheus, and pg_harness.start_postgres /
    start_pgbouncer: one call starts a server on a free loopback port. A new area's
    server (Redis...) is a small function on top of Process + wait_http / wait_tcp.
  - Skips: a test that cannot run (a program or package missing) raises Skip (need()
    does, and so does starting a program that is not installed); main() then exits
    77, which CTest reports as skipped (SKIP_RETURN_CODE 77) and scripts/test.sh
    counts as a failure under CI.
  - http_get, promtool_check_metrics, run (one-shot commands).

Environment (set by CTest, see tests/CMakeLists.txt):
  VIGIA_BINARY      the vigia executable (default: <source>/build/vigia)
  VIGIA_SOURCE_DIR  the source tree (default: two levels above this file)
  VIGIA_FIXTURES    tests/fixtures
  VIGIA_KEEP_TMP=1  keep temporary directories (their paths are printed)
"""

import atexit
import ctypes
import gzip
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

import ports
from yamltext import service_yaml, yaml_scalar  # noqa: F401 - re-exported
from exposition import Families, Family, find, one, parse_exposition, parse_value  # noqa: F401 - re-exported

SOURCE_DIR = os.environ.get(
    "VIGIA_SOURCE_DIR", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
VIGIA_BINARY = os.path.abspath(os.environ.get("VIGIA_BINARY", os.path.join(SOURCE_DIR, "build", "vigia")))
FIXTURES = os.environ.get("VIGIA_FIXTURES", os.path.join(SOURCE_DIR, "tests", "fixtures"))
NODE_EXPORTER = "/usr/bin/prometheus-node-exporter"
PROMETHEUS = "/usr/bin/prometheus"
PROMTOOL = "/usr/bin/promtool"


class HarnessError(Exception):
    """A setup problem (server did not start, binary missing); the test cannot go on."""


SKIP_RETURN_CODE = 77


class Skip(Exception):
    """The test cannot run here (a server or package is missing): main() exits 77."""


def need(*programs):
    """Raises Skip unless every program (a path, or a name on PATH) is installed."""
    for p in programs:
        if not os.path.exists(p) and shutil.which(p) is None:
            raise Skip("%s is not installed" % p)


# ---------------------------------------------------------------------------
# Assertions


class Checker:
    """Collects named checks. Each check prints one line; finish() exits."""

    def __init__(self, title):
        self.title = title
        self.n_passed = 0
        self.failed = []
        print("== %s" % title, flush=True)

    def check(self, cond, what, detail=""):
        if cond:
            self.n_passed += 1
            print("  ok   %s" % what, flush=True)
        else:
            self.failed.append(what)
            print("  FAIL %s%s" % (what, (": " + detail) if detail else ""), flush=True)
        return bool(cond)

    def eq(self, got, want, what):
        return self.check(got == want, what, "got %r, want %r" % (got, want))

    def contains(self, haystack, needle, what):
        return self.check(needle in haystack, what, "%r not found in %r" % (needle, _clip(haystack)))

    def passed(self, what):
        """A step whose assertions (assert statements, one()) all held: counted as a passed check."""
        return self.check(True, what)

    def note(self, text):
        print("  note %s" % text, flush=True)

    def finish(self):
        """Prints the summary (and the logs of every process on failure) and exits."""
        if self.failed:
            dump_logs()
            print("failed checks:")
            for f in self.failed:
                print("  - %s" % f)
        print("%d passed, %d failed" % (self.n_passed, len(self.failed)), flush=True)
        sys.exit(1 if self.failed else 0)


def main(title, body):
    """Runs body(checker), turning a failed assert, a HarnessError or any exception into a
    failed check; exits 77 (skipped) if body raised Skip before any check failed."""
    c = Checker(title)
    try:
        body(c)
    except OutOfTime:
        import traceback
        traceback.print_exc()
        c.check(False, "out of time", "still running %d s after the start (CTest TIMEOUT %d s): hung where "
                "the traceback above says" % (max(1, _TEST_TIMEOUT - 15), _TEST_TIMEOUT))
    except Skip as e:
        if not c.failed:
            print("SKIP: %s" % e, flush=True)
            sys.exit(SKIP_RETURN_CODE)
        c.check(False, "cannot go on", str(e))
    except AssertionError as e:
        c.check(False, _assertion_site(e), str(e))
    except HarnessError as e:
        c.check(False, "setup", str(e))
    except Exception as e:  # noqa: BLE001 - report, then still print the summary
        import traceback
        traceback.print_exc()
        c.check(False, "unexpected exception", repr(e))
    c.finish()


def _assertion_site(exc):
    """'assert at file:line: source' for the innermost frame in a test script (not tests/lib)."""
    import traceback
    here = os.path.dirname(os.path.abspath(__file__))
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if os.path.dirname(os.path.abspath(f.filename)) != here]
    f = (frames or traceback.extract_tb(exc.__traceback__))[-1]
    return "assert at %s:%d: %s" % (os.path.basename(f.filename), f.lineno, (f.line or "").strip())


def _clip(s, n=300):
    s = s if isinstance(s, str) else repr(s)
    return s if len(s) <= n else s[:n] + "...(%d more)" % (len(s) - n)


# ---------------------------------------------------------------------------
# Temporary directories and process lifetime

_session_tmp = None
_processes = []


def session_tmpdir():
    """One temporary directory per test script, removed at exit unless VIGIA_KEEP_TMP."""
    global _session_tmp
    if _session_tmp is None:
        _session_tmp = tempfile.mkdtemp(prefix="vigia-test-")
        if os.environ.get("VIGIA_KEEP_TMP"):
            print("  temporary directory: %s" % _session_tmp)
    return _session_tmp


def new_tmpdir(name):
    return tempfile.mkdtemp(prefix=name + "-", dir=session_tmpdir())


def _cleanup():
    for p in list(_processes):
        p.stop()
    if _session_tmp and not os.environ.get("VIGIA_KEEP_TMP"):
        shutil.rmtree(_session_tmp, ignore_errors=True)


atexit.register(_cleanup)


def _on_signal(signum, _frame):
    # Turn SIGTERM (ctest timeout) into a normal exit so atexit stops servers.
    raise SystemExit(128 + signum)


signal.signal(signal.SIGTERM, _on_signal)


class OutOfTime(BaseException):
    """The test's own deadline passed (VIGIA_TEST_TIMEOUT, set by CTest to its TIMEOUT)."""


def _on_alarm(_signum, _frame):
    raise OutOfTime()


# CTest kills a test that reaches its TIMEOUT without a word; the harness stops 15 s
# before, so a hang fails with where it hung and the processes' logs.
_TEST_TIMEOUT = int(os.environ.get("VIGIA_TEST_TIMEOUT", "0") or 0)
if _TEST_TIMEOUT > 0:
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(max(1, _TEST_TIMEOUT - 15))

_PR_SET_PDEATHSIG = 1
try:
    _libc = ctypes.CDLL(None, use_errno=True)
except OSError:
    _libc = None


def _child_setup():
    # Runs in the child between fork and exec: die with the test if it is killed
    # with SIGKILL (nothing else would stop the server then).
    if _libc is not None:
        _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def dump_logs(lines=40):
    for p in _processes + _stopped:
        text = p.log()
        if not text:
            continue
        tail = text.splitlines()[-lines:]
        print("---- last %d lines of %s log (%s) ----" % (len(tail), p.name, p.log_path))
        for line in tail:
            print("  | " + line)


_stopped = []


class Process:
    """A program started in `cwd` (a fresh temp dir by default), output in cwd/<name>.log.

    Use as a context manager, or call stop(); either way it is also stopped at exit.
    """

    def __init__(self, name, argv, cwd=None, env=None, stdin=None):
        self.name = name
        self.argv = [str(a) for a in argv]
        self.cwd = cwd or new_tmpdir(name)
        self.log_path = os.path.join(self.cwd, name + ".log")
        self.returncode = None
        if not os.path.exists(self.argv[0]) and shutil.which(self.argv[0]) is None:
            if os.path.abspath(self.argv[0]) == VIGIA_BINARY:
                raise HarnessError("vigia binary not found: %s (set VIGIA_BINARY)" % VIGIA_BINARY)
            raise Skip("%s: %s is not installed" % (name, self.argv[0]))
        full_env = dict(os.environ)
        if env:
            full_env.update(env)
        self._log = open(self.log_path, "wb")
        try:
            self.popen = subprocess.Popen(
                self.argv, cwd=self.cwd, env=full_env, stdout=self._log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL if stdin is None else stdin,
                start_new_session=True, preexec_fn=_child_setup)
        except OSError as e:
            self._log.close()
            raise HarnessError("%s: cannot start %s: %s" % (name, self.argv[0], e))
        self.pid = self.popen.pid
        _processes.append(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def running(self):
        return not self._exited()

    def _exited(self):
        # Leaves an exited process unreaped: until it is reaped its PID, which is also its
        # process group's id, cannot be reused, so killing the group later is safe.
        if self.popen.returncode is not None:
            return True
        try:
            info = os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            return True
        return info is not None and info.si_pid == self.pid

    def _wait_exited(self, timeout):
        deadline = time.monotonic() + timeout
        while not self._exited():
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)
        return True

    def _reap(self):
        if self.popen.returncode is None:
            try:  # what it forked and left behind (its own session, so its own group)
                os.killpg(self.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self.returncode = self.popen.wait()
        self._forget()
        return self.returncode

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def _died(self, waiting_for):
        self._reap()
        return HarnessError("%s exited with status %s while waiting for %s; command: %s; log:\n%s" % (
            self.name, self.popen.returncode, waiting_for, " ".join(self.argv), _clip(self.log(), 3000)))

    def wait_http(self, url, timeout=20, status=200):
        """Waits until GET url answers `status`; raises HarnessError if the process dies or times out."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if not self.running():
                raise self._died(url)
            try:
                r = http_get(url, timeout=2)
                if r.status == status:
                    return r
                last = "status %d" % r.status
            except OSError as e:
                last = str(e)
            time.sleep(0.1)
        raise HarnessError("%s: %s not answering %d after %ss (last: %s); log:\n%s" % (
            self.name, url, status, timeout, last, _clip(self.log(), 3000)))

    def wait_tcp(self, host, port, timeout=20):
        """Waits until host:port accepts a TCP connection."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running():
                raise self._died("%s:%d" % (host, port))
            try:
                with socket.create_connection((host, port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise HarnessError("%s: %s:%d not accepting connections after %ss" % (self.name, host, port, timeout))

    def wait_log(self, pattern, timeout=10):
        """Waits until the log matches regexp `pattern`; returns the match or None."""
        deadline = time.monotonic() + timeout
        while True:
            m = re.search(pattern, self.log())
            if m or time.monotonic() >= deadline:
                return m
            time.sleep(0.05)

    def wait(self, timeout):
        """Waits for the process to exit on its own; returns its status or None on timeout."""
        if not self._wait_exited(timeout):
            return None
        return self._reap()

    def signal(self, sig):
        if not self._exited():
            os.kill(self.pid, sig)

    def terminate(self, timeout=30):
        """SIGTERM and wait up to `timeout` s for the exit (SIGKILL after that). Returns
        (exit status, or None if it had to be killed; seconds from SIGTERM to exit)."""
        t0 = time.monotonic()
        self.signal(signal.SIGTERM)
        rc = self.wait(timeout)
        took = time.monotonic() - t0
        if rc is None:
            self.stop(0)
        return rc, took

    def stop(self, timeout=5):
        """SIGTERM, then SIGKILL after `timeout` s; then kills what is left of its process
        group. Returns the exit status (negative: killed by that signal)."""
        if not self._exited():
            os.kill(self.pid, signal.SIGTERM)
            if not self._wait_exited(timeout):
                print("  note %s (pid %d) ignored SIGTERM for %ss, sending SIGKILL" % (self.name, self.pid, timeout))
                os.kill(self.pid, signal.SIGKILL)
                self._wait_exited(60)
        return self._reap()

    def _forget(self):
        if self in _processes:
            _processes.remove(self)
            _stopped.append(self)
        if not self._log.closed:
            self._log.close()


def run(argv, timeout=30, input=None, cwd=None, env=None):
    """Runs a command to completion; returns subprocess.CompletedProcess with text stdout/stderr.
    Raises Skip if the program (other than vigia) is not installed."""
    if os.path.abspath(str(argv[0])) != VIGIA_BINARY:
        need(str(argv[0]))
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    try:
        return subprocess.run([str(a) for a in argv], input=input, capture_output=True, text=True,
                              timeout=timeout, cwd=cwd or session_tmpdir(), env=full_env,
                              preexec_fn=_child_setup)
    except subprocess.TimeoutExpired:
        raise HarnessError("command did not finish in %ss: %s" % (timeout, " ".join(map(str, argv))))
    except OSError as e:
        raise HarnessError("cannot run %s: %s" % (argv[0], e))


# ---------------------------------------------------------------------------
# Network


def free_port(host="127.0.0.1"):
    """A TCP port free right now on host, outside the kernel's ephemeral range (tests/lib/ports.py)."""
    try:
        return ports.free_port(host)
    except OSError as e:
        raise HarnessError(str(e))


class Response:
    def __init__(self, status, headers, raw, body):
        self.status = status
        self.headers = headers  # lower-case name -> value (last one wins)
        self.raw = raw          # bytes as received (still compressed if gzip)
        self.body = body        # decoded text (decompressed)

    def __repr__(self):
        return "Response(%d, %r, %s)" % (self.status, self.headers, _clip(self.body, 80))


def http_get(url, headers=None, timeout=10, method="GET"):
    """GET url; returns Response for any status (no exception on 404/500). gzip bodies are
    decompressed into .body. Raises OSError on connection failure."""
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=timeout)
    try:
        path = u.path or "/"
        if u.query:
            path += "?" + u.query
        conn.request(method, path, headers=headers or {})
        resp = conn.getresponse()
        raw = resp.read()
        hdrs = {k.lower(): v for k, v in resp.getheaders()}
        data = raw
        if hdrs.get("content-encoding", "").lower() == "gzip":
            data = gzip.decompress(raw)
        return Response(resp.status, hdrs, raw, data.decode("utf-8", "replace"))
    finally:
        conn.close()


def http_get_json(url, timeout=10):
    import json
    r = http_get(url, timeout=timeout)
    if r.status != 200:
        raise HarnessError("GET %s: status %d: %s" % (url, r.status, _clip(r.body)))
    return json.loads(r.body)


def wait_for(pred, timeout, what, interval=0.2):
    """Polls pred() until it returns a truthy value (returned); HarnessError on timeout."""
    deadline = time.monotonic() + timeout
    last_exc = None
    while time.monotonic() < deadline:
        try:
            v = pred()
            if v:
                return v
        except (OSError, HarnessError, ValueError, KeyError) as e:
            last_exc = e
        time.sleep(interval)
    raise HarnessError("timed out after %ss waiting for %s%s" % (
        timeout, what, (" (last error: %s)" % last_exc) if last_exc else ""))


# ---------------------------------------------------------------------------
# Exposition format (the parser is exposition.py)


def scrape(url, headers=None):
    """GET url and parse it; HarnessError unless status 200."""
    r = http_get(url, headers=headers)
    if r.status != 200:
        raise HarnessError("scrape %s: status %d: %s" % (url, r.status, _clip(r.body)))
    return parse_exposition(r.body)


def promtool_check_metrics(text):
    """Runs `promtool check metrics` on text; returns a set of (metric, problem) pairs."""
    r = run([PROMTOOL, "check", "metrics"], input=text)
    problems = set()
    for line in (r.stdout + r.stderr).splitlines():
        line = line.strip()
        if not line:
            continue
        metric, sep, problem = line.partition(" ")
        problems.add((metric, problem.strip()) if sep else ("", line))
    if r.returncode not in (0, 3) and not problems:
        raise HarnessError("promtool check metrics exited %d: %s" % (r.returncode, r.stderr))
    return problems


# ---------------------------------------------------------------------------
# Servers


class Server(Process):
    """A Process listening on http://host:port."""

    def __init__(self, name, argv, host, port, **kw):
        super().__init__(name, argv, **kw)
        self.host = host
        self.port = port
        self.url = "http://%s:%d" % (host, port)

    def get(self, path, timeout_header=None, http_timeout=30):
        """GET path (a Response, any status); timeout_header sets X-Prometheus-Scrape-Timeout-Seconds."""
        headers = {"X-Prometheus-Scrape-Timeout-Seconds": str(timeout_header)} if timeout_header else None
        return http_get(self.url + path, headers=headers, timeout=http_timeout)

    def scrape(self, path="/metrics", timeout_header=None, http_timeout=30):
        """GET path and parse it (a Families); HarnessError unless status 200."""
        r = self.get(path, timeout_header, http_timeout)
        if r.status != 200:
            raise HarnessError("scrape %s%s: status %d: %s" % (self.url, path, r.status, _clip(r.body)))
        return parse_exposition(r.body)


def _has_flag(args, flag):
    return any(a == "--" + flag or a.startswith("--" + flag + "=") for a in args)


class Vigia(Server):
    """vigia in its own directory (cwd), on a free loopback port, ready when ready_path
    answers 200.

      mode         "exporter", "run"... (the command; None: vigia's default)
      config       YAML text written to cwd/vigia.yml and passed as --config.file
      files        {name: text} written to cwd first (queries files, rules...)
      collectors   only these collectors (--collector.disable-defaults --collector.X...)
      args         more arguments; env: more environment variables
    Relative paths in the configuration are relative to cwd, and so is what vigia writes
    (data/vigia-alerts.json), so nothing lands in the source tree."""

    def __init__(self, mode=None, config=None, files=None, collectors=None, args=(), env=None,
                 ready_path="/-/healthy", timeout=20, cwd=None):
        if not os.access(VIGIA_BINARY, os.X_OK):
            raise HarnessError("vigia binary not found or not executable: %s (set VIGIA_BINARY)" % VIGIA_BINARY)
        cwd = cwd or new_tmpdir("vigia")
        for name, text in dict(files or {}).items():
            with open(os.path.join(cwd, name), "w") as f:
                f.write(text)
        argv = [VIGIA_BINARY] + ([mode] if mode else [])
        if config is not None:
            self.config_file = os.path.join(cwd, "vigia.yml")
            with open(self.config_file, "w") as f:
                f.write(config)
            argv.append("--config.file=" + self.config_file)
        if collectors is not None:
            argv += ["--collector.disable-defaults"] + ["--collector." + c for c in collectors]
        args = list(args)
        port = free_port()
        if not _has_flag(args, "web.listen-address"):
            args.append("--web.listen-address=127.0.0.1:%d" % port)
        else:
            addr = [a for a in args if a.startswith("--web.listen-address=")]
            port = int(addr[-1].rsplit(":", 1)[1]) if addr else port
        super().__init__("vigia", argv + args, "127.0.0.1", port, cwd=cwd, env=env)
        self.started = time.monotonic()
        if ready_path:
            self.wait_http(self.url + ready_path, timeout=timeout)

    def path(self, name):
        return os.path.join(self.cwd, name)


def start_vigia(args=(), ready_path="/-/healthy", timeout=20, cwd=None):
    """vigia with these arguments only (see Vigia)."""
    return Vigia(args=args, ready_path=ready_path, timeout=timeout, cwd=cwd)


def start_node_exporter(args=(), timeout=20):
    """Starts prometheus-node-exporter on a free loopback port and waits for /metrics."""
    port = free_port()
    argv = [NODE_EXPORTER, "--web.listen-address=127.0.0.1:%d" % port] + list(args)
    s = Server("node_exporter", argv, "127.0.0.1", port)
    s.wait_http(s.url + "/metrics", timeout=timeout)
    return s


def start_prometheus(config_yaml, timeout=60, extra_args=()):
    """Starts Prometheus with config_yaml in a temp dir (TSDB there too) on a free loopback
    port and waits for /-/ready."""
    port = free_port()
    d = new_tmpdir("prometheus")
    cfg = os.path.join(d, "prometheus.yml")
    with open(cfg, "w") as f:
        f.write(config_yaml)
    argv = [PROMETHEUS, "--config.file=" + cfg, "--storage.tsdb.path=" + os.path.join(d, "data"),
            "--web.listen-address=127.0.0.1:%d" % port, "--log.level=info"] + list(extra_args)
    s = Server("prometheus", argv, "127.0.0.1", port, cwd=d)
    s.wait_http(s.url + "/-/ready", timeout=timeout)
    return s


def node_exporter_collectors():
    """The collector names this node_exporter knows (from its --help)."""
    r = run([NODE_EXPORTER, "--help"])
    return set(re.findall(r"^\s+--(?:\[no-\])?collector\.([a-z0-9_]+)\s", r.stdout + r.stderr, re.M))


def node_exporter_flag_defaults():
    """{flag: default} of node_exporter's --collector.<c>.<option> flags (Go-quoted in --help)."""
    import json
    r = run([NODE_EXPORTER, "--help"])
    return {m.group(1): json.loads(m.group(2)) for m in re.finditer(
        r'^\s+--(collector\.[a-z0-9_]+\.[a-z0-9_.-]+)=("(?:[^"\\]|\\.)*")', r.stdout + r.stderr, re.M)}


def vigia_flag_defaults():
    """{flag: default} of vigia's --collector.<c>.<option> flags ('=VALUE ... (default: ...)' in --help)."""
    r = run([VIGIA_BINARY, "--help"])
    return {m.group(1): m.group(2) or "" for m in re.finditer(
        r"^\s+--(collector\.[a-z0-9_]+\.[a-z0-9_.-]+)=VALUE\s.*?(?:\(default: (.*)\))?$", r.stdout, re.M)}

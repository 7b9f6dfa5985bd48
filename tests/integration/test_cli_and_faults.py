#!/usr/bin/env python3
"""vigia's command line, its HTTP endpoints and how it fails: configuration errors name
file:line:col, a busy port is one clear line, a broken procfs file costs only its collector,
SIGTERM is a clean exit, and /metrics honours gzip, collect[], concurrency and the scrape
timeout header."""
import os
import re
import shutil
import signal
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness as h  # noqa: E402

V = h.VIGIA_BINARY


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def config_errors(c):
    d = h.new_tmpdir("config")
    bad = write(os.path.join(d, "bad.yml"), "host:\n  collectors:\n    enable: [loadavg]\n  x: - y\n")
    r = h.run([V, "--config.file=" + bad])
    c.eq(r.returncode, 2, "malformed YAML: exit status 2")
    m = re.search(r"bad\.yml:(\d+):(\d+)", r.stderr)
    c.check(m and m.group(1) == "4", "malformed YAML: stderr names bad.yml:4:<col>", repr(r.stderr))

    unk = write(os.path.join(d, "unknown.yml"), "host:\n  colectors:\n    enable: [loadavg]\n")
    r = h.run([V, "--config.file=" + unk])
    c.eq(r.returncode, 2, "unknown key: exit status 2")
    c.check("colectors" in r.stderr and "unknown.yml:2:3" in r.stderr,
            "unknown key: stderr names 'colectors' at unknown.yml:2:3", repr(r.stderr))

    good = write(os.path.join(d, "good.yml"), "host:\n  collectors:\n    disable: [loadavg]\n")
    r = h.run([V, "check", "config", "--config.file=" + good])
    c.eq(r.returncode, 0, "check config on a valid file: exit 0")
    c.contains(r.stdout, "SUCCESS", "check config on a valid file: says SUCCESS")
    r = h.run([V, "check", "config", "--config.file=" + unk])
    c.eq(r.returncode, 2, "check config on a file with an unknown key: exit 2")
    c.contains(r.stderr, "unknown.yml:2:3", "check config on a bad file: names file:line:col")
    r = h.run([V, "check", "config", "--config.file=" + os.path.join(d, "absent.yml")])
    c.check(r.returncode != 0 and "absent.yml" in r.stderr, "check config on a missing file fails naming it",
            "status %d, stderr %r" % (r.returncode, r.stderr))

    # A config that disables a collector really does.
    with h.start_vigia(["--config.file=" + good]) as v:
        fams = h.scrape(v.url + "/metrics")
        c.check("node_load1" not in fams, "host.collectors.disable: [loadavg] removes node_load1")


def flags(c):
    r = h.run([V, "--version"])
    c.check(r.returncode == 0 and re.search(r"vigia, version \d+\.\d+", r.stdout),
            "--version: exit 0 and 'vigia, version X.Y'", repr(r.stdout))
    r = h.run([V, "--help"])
    c.check(r.returncode == 0 and "--web.listen-address" in r.stdout and "--config.file" in r.stdout,
            "--help: exit 0 and lists --web.listen-address and --config.file", "status %d" % r.returncode)
    r = h.run([V, "--no-such-flag"])
    c.eq(r.returncode, 2, "unknown flag: exit status 2")
    c.contains(r.stderr, "no-such-flag", "unknown flag: stderr names it")
    r = h.run([V, "--collector.nosuchcollector"])
    c.check(r.returncode == 2 and "nosuchcollector" in r.stderr, "unknown collector: exit 2 naming it",
            "status %d, stderr %r" % (r.returncode, r.stderr))
    r = h.run([V, "frobnicate"])
    c.check(r.returncode == 2 and "frobnicate" in r.stderr, "unknown command: exit 2 naming it",
            "status %d, stderr %r" % (r.returncode, r.stderr))


def port_in_use(c):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    port = s.getsockname()[1]
    try:
        t0 = time.monotonic()
        r = h.run([V, "--web.listen-address=127.0.0.1:%d" % port], timeout=15)
        took = time.monotonic() - t0
    finally:
        s.close()
    c.eq(r.returncode, 1, "port in use: exit status 1")
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    c.check(len(lines) == 1 and "address already in use" in lines[0] and str(port) in lines[0],
            "port in use: one stderr line naming the address and 'address already in use'", repr(r.stderr))
    c.check(took < 5, "port in use: fails at once (%.2fs)" % took)


def fixture_copy(name):
    """A private copy of tests/fixtures/host (or a minimal one if it does not exist yet)."""
    dst = os.path.join(h.new_tmpdir(name), "host")
    src = os.path.join(h.FIXTURES, "host")
    if os.path.isdir(src):
        shutil.copytree(src, dst, symlinks=True)
    for sub in ("proc", "sys", "rootfs"):
        os.makedirs(os.path.join(dst, sub), exist_ok=True)
    if not os.path.exists(os.path.join(dst, "proc", "loadavg")):
        write(os.path.join(dst, "proc", "loadavg"), "0.21 0.37 0.39 1/80 5043\n")
    return dst


def tree_args(root):
    return ["--path.procfs=" + os.path.join(root, "proc"), "--path.sysfs=" + os.path.join(root, "sys"),
            "--path.rootfs=" + os.path.join(root, "rootfs")]


def success_map(fams):
    return {l["collector"]: v for _, l, v in fams["vigia_collector_success"]["samples"]}


def broken_procfs(c):
    intact = fixture_copy("intact")
    with h.start_vigia(tree_args(intact)) as v:
        base = success_map(h.scrape(v.url + "/metrics"))
    c.eq(base.get("loadavg"), 1.0, "fixture tree: loadavg succeeds")
    for how in ("directory", "dangling symlink"):
        root = fixture_copy("broken")
        path = os.path.join(root, "proc", "loadavg")
        os.remove(path)
        if how == "directory":
            os.mkdir(path)
        else:
            os.symlink(os.path.join(root, "proc", "no-such-file"), path)
        with h.start_vigia(tree_args(root)) as v:
            r = h.http_get(v.url + "/metrics")
            c.eq(r.status, 200, "loadavg is a %s: /metrics still answers 200" % how)
            fams = h.parse_exposition(r.body)
            got = success_map(fams)
            c.eq(got.get("loadavg"), 0.0, "loadavg is a %s: vigia_collector_success{collector=\"loadavg\"} 0" % how)
            others = {k: x for k, x in base.items() if k != "loadavg"}
            c.eq({k: x for k, x in got.items() if k != "loadavg"}, others,
                 "loadavg is a %s: the other %d collectors report as on the intact tree" % (how, len(others)))
            c.check("node_load1" not in fams, "loadavg is a %s: no node_load1 sample" % how)
            c.check(v.wait_log(r"collector=loadavg.*loadavg", 3) is not None,
                    "loadavg is a %s: the log names the collector and the file" % how, h._clip(v.log()))


def sigterm(c):
    v = h.start_vigia([])
    t0 = time.monotonic()
    v.signal(signal.SIGTERM)
    rc = v.wait(10)
    took = time.monotonic() - t0
    c.check(rc == 0 and took < 5, "SIGTERM: exits 0 within 5 s (status %s after %.2fs)" % (rc, took))
    c.check(re.search(r"(?i)shut", v.log()), "SIGTERM: logs the shutdown", h._clip(v.log()))
    if rc is None:
        v.stop()


def endpoints(c, v):
    r = h.http_get(v.url + "/")
    c.check(r.status == 200 and "/metrics" in r.body and "html" in r.headers.get("content-type", ""),
            "landing page /: 200, HTML linking /metrics", repr(r))
    for path in ("/-/healthy", "/-/ready"):
        c.eq(h.http_get(v.url + path).status, 200, "%s: 200" % path)
    for path in ("/nonexistent", "/metrics/x", "/-/other"):
        c.eq(h.http_get(v.url + path).status, 404, "%s: 404" % path)
    r = h.http_get(v.url + "/metrics")
    c.check(r.status == 200 and r.headers.get("content-type", "").startswith("text/plain; version=0.0.4"),
            "/metrics: 200, Content-Type text/plain; version=0.0.4", repr(r.headers))
    c.check("content-encoding" not in r.headers, "/metrics without Accept-Encoding: not compressed")
    r = h.http_get(v.url + "/metrics", method="HEAD")
    c.check(r.status == 200 and r.raw == b"", "HEAD /metrics: 200 without a body")


def gzip_and_filters(c, v):
    plain = h.http_get(v.url + "/metrics")
    gz = h.http_get(v.url + "/metrics", headers={"Accept-Encoding": "gzip"})
    c.eq(gz.headers.get("content-encoding"), "gzip", "Accept-Encoding: gzip -> Content-Encoding: gzip")
    c.check(gz.raw[:2] == b"\x1f\x8b", "gzip body has the gzip magic")
    c.eq(sorted(h.parse_exposition(gz.body)), sorted(h.parse_exposition(plain.body)),
         "decompressed body has the same families as the plain one")
    r = h.http_get(v.url + "/metrics", headers={"Accept-Encoding": "gzip;q=0, identity"})
    c.check("content-encoding" not in r.headers, "Accept-Encoding: gzip;q=0 -> not compressed")

    fams = h.parse_exposition(h.http_get(v.url + "/metrics?collect[]=loadavg").body)
    got = sorted(success_map(fams))
    c.eq(got, ["loadavg"], "?collect[]=loadavg: only loadavg runs")
    c.check("node_load1" in fams and not any(f.startswith("process_") for f in fams),
            "?collect[]=loadavg: node_load1 present, process_* absent", " ".join(sorted(fams)))
    fams = h.parse_exposition(h.http_get(v.url + "/metrics?collect%5B%5D=loadavg&collect%5B%5D=process").body)
    c.eq(sorted(success_map(fams)), ["loadavg", "process"], "?collect[]=loadavg&collect[]=process (URL-encoded)")
    r = h.http_get(v.url + "/metrics?collect[]=nosuch")
    c.eq(r.status, 400, "?collect[]=nosuch answers 400, as node_exporter")
    c.check("missing collector: nosuch" in r.body, "400 body names the unknown collector", r.body[:200])

    for value in ("0.5", "10", "abc", ""):
        r = h.http_get(v.url + "/metrics", headers={"X-Prometheus-Scrape-Timeout-Seconds": value})
        ok = r.status == 200 and success_map(h.parse_exposition(r.body)).get("loadavg") == 1
        c.check(ok, "X-Prometheus-Scrape-Timeout-Seconds: %r accepted, loadavg collected" % value, repr(r))


def concurrent(c, v, threads=8, per_thread=10):
    results = []
    lock = threading.Lock()

    def worker():
        for _ in range(per_thread):
            try:
                r = h.http_get(v.url + "/metrics", timeout=20)
                ok = r.status == 200 and "node_load1" in h.parse_exposition(r.body)
                res = (ok, r.status)
            except Exception as e:  # noqa: BLE001 - counted as a failed scrape
                res = (False, repr(e))
            with lock:
                results.append(res)

    ts = [threading.Thread(target=worker) for _ in range(threads)]
    t0 = time.monotonic()
    for t in ts:
        t.start()
    for t in ts:
        t.join(60)
    took = time.monotonic() - t0
    bad = [r for r in results if not r[0]]
    c.check(len(results) == threads * per_thread and not bad and not any(t.is_alive() for t in ts),
            "%d threads x %d scrapes: all complete with 200 and parse (%.2fs)" % (threads, per_thread, took),
            "%d results, failures: %r" % (len(results), bad[:5]))
    c.check(v.running(), "vigia still running after concurrent scrapes")


def main(c):
    flags(c)
    config_errors(c)
    port_in_use(c)
    broken_procfs(c)
    sigterm(c)
    with h.start_vigia([]) as v:
        endpoints(c, v)
        gzip_and_filters(c, v)
        concurrent(c, v)


if __name__ == "__main__":
    h.main("vigia command line, endpoints and faults", main)

#!/usr/bin/env python3
"""Cost of the container exporter with 100 containers, against cAdvisor's reported cost.

cAdvisor is not packaged for Debian 12 and nothing may be downloaded, so its side is
the figures its users report (issue 12): about 7 % of a CPU for 29 containers at its
1 s housekeeping, and 40 to 256 MiB of RSS. vigia's side is measured here, on a fixture
tree of C containers (default 100) built from tests/fixtures/container/<v1|v2> (each
container a copy of the fixture's first one under a new id, plus the fixture's systemd
services), with a Docker Engine API played by a unix-socket server that answers
/containers/json with the C containers (names, compose labels, health) and
/containers/<id>/json with a restart count.

vigia runs `vigia exporter --collector.disable-defaults --collector.container
--collector.docker` on that tree. For R rounds of N scrapes it measures the process's
CPU per scrape (the sum of its threads' schedstat run time) and, after them, VmRSS and
VmHWM. It prints the medians and the CPU share at a 15 s and a 1 s scrape interval,
beside cAdvisor's reported share for the same number of containers (7 % / 29 × C).
Then the same vigia with its default host collectors too (what a Docker host runs).

With --real N it runs N busybox containers (a sleep loop, -m 32m --cpus 0.2) on a private
dockerd (tests/lib/docker_harness.py) instead, and vigia on the real /proc and /sys.

Exit status: 0 when every scrape answered with C containers' series, 1 otherwise,
77 when the vigia binary is missing. Timings never change the exit status.
"""

import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "lib"))
from ports import free_port  # noqa: E402  (tests/lib/ports.py: outside the ephemeral range)

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(HERE)
FIXTURES = os.path.join(SOURCE, "tests", "fixtures", "container")
CADVISOR_CPU_PER_CONTAINER = 0.07 / 29   # share of a core, at 1 s housekeeping (reported)
CADVISOR_RSS_MIB = (40, 256)             # reported floor and high end
SKIP = 77


def cpu_ns(pid):
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            pass
    return total


def memory_mib(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM"):
                out[k] = int(v.split()[0]) / 1024
    return out


def make_tree(version, n, dest):
    """The fixture tree with its containers replaced by n copies of the first one."""
    src = os.path.join(FIXTURES, version)
    shutil.copytree(src, dest, symlinks=True)
    ids = ["%064x" % (0xC0FFEE0000 + i) for i in range(n)]
    if version == "v2":
        sl = os.path.join(dest, "sys/fs/cgroup/system.slice")
        scopes = sorted(d for d in os.listdir(sl) if d.startswith("docker-"))
        proto = os.path.join(sl, scopes[0])
        for d in scopes:
            if os.path.join(sl, d) != proto:
                shutil.rmtree(os.path.join(sl, d))
        for cid in ids:
            shutil.copytree(proto, os.path.join(sl, "docker-%s.scope" % cid))
        shutil.rmtree(proto)
    else:
        root = os.path.join(dest, "sys/fs/cgroup")
        for ctrl in os.listdir(root):
            dd = os.path.join(root, ctrl, "docker")
            if not os.path.isdir(dd):
                continue
            existing = sorted(os.listdir(dd))
            proto = os.path.join(dd, existing[0])
            for cid in ids:
                shutil.copytree(proto, os.path.join(dd, cid))
            for e in existing:
                shutil.rmtree(os.path.join(dd, e))
    return ids


def fake_docker(path, ids):
    lst = [{"Id": cid, "Names": ["/shop-svc%d-1" % i], "Image": "shop/svc%d:1.2.3" % i, "State": "running",
            "Status": "Up 3 hours (healthy)" if i % 3 == 0 else "Up 3 hours",
            "Labels": {"com.docker.compose.project": "shop", "com.docker.compose.service": "svc%d" % i}}
           for i, cid in enumerate(ids)]
    body_list = json.dumps(lst).encode()
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(path)
    srv.listen(16)
    calls = {"list": 0, "inspect": 0}

    def handle(c):
        f = c.makefile("rb")
        try:
            while True:
                line = f.readline()
                if not line:
                    return
                target = line.split()[1].decode()
                while f.readline() not in (b"\r\n", b""):
                    pass
                if target.startswith("/containers/json"):
                    calls["list"] += 1
                    body = body_list
                else:
                    calls["inspect"] += 1
                    body = json.dumps({"RestartCount": 1, "State": {"Status": "running", "OOMKilled": False}}).encode()
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                          % len(body) + body)
        except OSError:
            pass
        finally:
            c.close()

    def serve():
        while True:
            try:
                c, _ = srv.accept()
            except OSError:
                return
            threading.Thread(target=handle, args=(c,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    return calls


def scrape(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/metrics")
    r = conn.getresponse()
    body = r.read().decode()
    conn.close()
    return r.status, body


def run_vigia(binary, tree, sock, host_too, rounds, n, ids, tmp):
    port = free_port()
    cfg = os.path.join(tmp, "vigia-%d.yml" % port)
    with open(cfg, "w") as f:
        f.write("containers:\n  docker_socket: %s\n" % sock)
    args = [binary, "exporter", "--config.file=" + cfg, "--web.listen-address=127.0.0.1:%d" % port]
    if tree:  # else the real /proc and /sys
        args += ["--path.procfs=" + os.path.join(tree, "proc"), "--path.sysfs=" + os.path.join(tree, "sys"),
                 "--path.rootfs=" + tree]
    if not host_too:
        args += ["--collector.disable-defaults", "--collector.container", "--collector.docker"]
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                scrape(port)
                break
            except OSError:
                time.sleep(0.05)
        ok = True
        for _ in range(10):  # warm-up (and the first Docker refresh)
            scrape(port)
        per = []
        for _ in range(rounds):
            t0 = cpu_ns(p.pid)
            for _ in range(n):
                status, body = scrape(port)
                got = sum(1 for cid in ids[:3] if cid in body)
                if status != 200 or got != min(3, len(ids)) or body.count("container_memory_usage_bytes{") < len(ids):
                    ok = False
            per.append((cpu_ns(p.pid) - t0) / n / 1e6)
        mem = memory_mib(p.pid)
        series = sum(1 for line in body.splitlines() if line and not line.startswith("#"))
        return ok, per, mem, series, len(body)
    finally:
        p.terminate()
        p.wait(10)


def run_real(a):
    """N busybox containers (a shell loop each) on a private dockerd; vigia on the real /proc
    and /sys with its Docker socket."""
    sys.path.insert(0, os.path.join(SOURCE, "tests", "lib"))
    import docker_harness as dh
    import harness as h
    try:
        d = dh.start_dockerd()
    except h.Skip as e:
        print("skip: %s" % e)
        return SKIP
    image = d.busybox_image()
    ids = []
    for i in range(a.real):
        ids.append(d.docker("run", "-d", "--network", "none", "-m", "32m", "--cpus", "0.2",
                            "-l", "com.docker.compose.project=bench", "-l", "com.docker.compose.service=s%d" % i,
                            image, "sh", "-c", "while true; do sleep 5; done").strip())
    tmp = tempfile.mkdtemp(prefix="vigia-bench-cadvisor-")
    try:
        ok, per, mem, series, size = run_vigia(a.vigia, "", d.socket, False, a.rounds, a.scrapes, ids, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    med = statistics.median(per)
    cad = CADVISOR_CPU_PER_CONTAINER * a.real
    print("%d real containers: %d series, CPU/scrape %s ms, median %.2f ms: %.3f %% of a core at 15 s, %.2f %% at 1 s "
          "(cAdvisor reported: %.1f %%; ratio at 1 s %.3f); RSS %.1f MiB, HWM %.1f MiB" % (
              a.real, series, ", ".join("%.2f" % x for x in per), med, 100 * med / 15000, 100 * med / 1000,
              100 * cad, (med / 1000) / cad, mem["VmRSS"], mem["VmHWM"]))
    return 0 if ok else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--containers", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--scrapes", type=int, default=100)
    ap.add_argument("--cgroup", choices=["v1", "v2", "both"], default="both")
    ap.add_argument("--real", type=int, default=0, metavar="N",
                    help="instead: N real containers on a private dockerd (tests/lib/docker_harness.py)")
    ap.add_argument("--vigia", default=os.environ.get("VIGIA_BINARY", os.path.join(SOURCE, "build", "vigia")))
    a = ap.parse_args()
    if not os.access(a.vigia, os.X_OK):
        print("vigia binary not found: %s" % a.vigia)
        return SKIP
    if a.real:
        return run_real(a)
    tmp = tempfile.mkdtemp(prefix="vigia-bench-cadvisor-")
    all_ok = True
    try:
        cad_cpu = CADVISOR_CPU_PER_CONTAINER * a.containers
        print("cAdvisor, reported: %.1f %% of a core for %d containers (7 %% for 29 at 1 s housekeeping), "
              "RSS %d-%d MiB" % (100 * cad_cpu, a.containers, *CADVISOR_RSS_MIB))
        print("| cgroup | collectors | series | CPU/scrape (rounds) | median | share at 15 s | at 1 s | vs cAdvisor (1 s) "
              "| RSS | HWM |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for v in (["v1", "v2"] if a.cgroup == "both" else [a.cgroup]):
            tree = os.path.join(tmp, v)
            ids = make_tree(v, a.containers, tree)
            sock = os.path.join(tmp, "docker-%s.sock" % v)
            calls = fake_docker(sock, ids)
            for host_too in (False, True):
                ok, per, mem, series, size = run_vigia(a.vigia, tree, sock, host_too, a.rounds, a.scrapes, ids, tmp)
                all_ok &= ok
                med = statistics.median(per)
                print("| %s | %s | %d | %s ms | **%.2f ms** | %.3f %% | %.2f %% | **%.3f** | %.1f MiB | %.1f MiB |" % (
                    v, "container+docker+host" if host_too else "container+docker", series,
                    ", ".join("%.2f" % x for x in per), med, 100 * med / 15000, 100 * med / 1000,
                    (med / 1000) / cad_cpu, mem["VmRSS"], mem["VmHWM"]))
            print("  Docker API calls over %d scrapes: %d list, %d inspect" % (
                2 * (10 + a.rounds * a.scrapes), calls["list"], calls["inspect"]))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if not all_ok:
        print("FAIL: a scrape lacked the containers' series")
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""deploy/Dockerfile built and run on the private Docker engine (tests/lib/docker_harness.py),
FROM a Debian 12 base made offline with debootstrap (tests/lib/debian_base.py; the build stage's
apt-get reaches Debian's mirror through the host's network). The build compiles the `vigia`
target only (-j 2, nice): its time, the final image's size and its growth over the base are
reported. The final image has no compiler and no -dev package, runs as a non-root user, and run
as deploy/docker-compose.yml runs it (the host's /proc, /sys and / read-only, --path.* flags)
its /metrics reports the host's memory and root filesystem as the host itself sees them."""
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import debian_base  # noqa: E402
import docker_harness as dh  # noqa: E402
import harness as h  # noqa: E402

IMAGE = "vigia-test/vigia:deploy"
MIB = 1 << 20


def meminfo_total():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    raise h.HarnessError("no MemTotal in /proc/meminfo")


def body(c):
    d = dh.start_dockerd()
    t0 = time.monotonic()
    base = debian_base.import_base(d)
    c.note("debian 12 base image: %.1f s" % (time.monotonic() - t0))
    t0 = time.monotonic()
    r = d._cli("build", "--network", "host", "--build-arg", "BASE=" + base, "--build-arg", "JOBS=2",
               "-f", os.path.join(h.SOURCE_DIR, "deploy", "Dockerfile"), "-t", IMAGE, h.SOURCE_DIR,
               check=False, timeout=3300)
    build_s = time.monotonic() - t0
    c.note("docker build (apt-get of the -dev packages, vigia compiled with -j 2): %.0f s" % build_s)
    if not c.check(r.returncode == 0, "docker build -f deploy/Dockerfile", (r.stdout + r.stderr)[-3000:]):
        return
    size = json.loads(d.docker("image", "inspect", IMAGE))[0]["Size"]
    base_size = json.loads(d.docker("image", "inspect", base))[0]["Size"]
    c.note("final image: %.1f MiB (the base: %.1f MiB; vigia and its runtime libraries: %.1f MiB)"
           % (size / MIB, base_size / MIB, (size - base_size) / MIB))
    c.check(size - base_size < 50 * MIB,
            "the final stage adds less than 50 MiB to the base (28 MiB measured)",
            "%.1f MiB" % ((size - base_size) / MIB))
    cfg = json.loads(d.docker("image", "inspect", IMAGE))[0]["Config"]
    c.eq(cfg.get("User"), "vigia", "the image runs as the vigia user")
    r = d._cli("run", "--rm", "--entrypoint", "sh", IMAGE, "-c",
               "id -u; command -v g++ cc c++ cmake || true; dpkg-query -W -f '${Package}\\n' | grep -- '-dev$' || true",
               check=False)
    out = r.stdout.split()
    c.check(r.returncode == 0 and out and out[0] != "0", "non-root uid (%s)" % (out[:1],), r.stdout + r.stderr)
    c.eq(out[1:], [], "no compiler, cmake or -dev package in the final image")

    port = h.free_port()
    cid = d.docker("run", "-d", "--network", "host", "--pid", "host", "--read-only", "--cap-drop", "ALL",
                   "--security-opt", "no-new-privileges:true",
                   # (compose adds rslave to /: not every sandbox has / as a shared mount)
                   "-v", "/proc:/host/proc:ro", "-v", "/sys:/host/sys:ro", "-v", "/:/host/root:ro",
                   "--tmpfs", "/var/lib/vigia:uid=10001,gid=10001",
                   IMAGE, "run", "--config.file=/etc/vigia/vigia.yml", "--web.listen-address=127.0.0.1:%d" % port,
                   "--path.procfs=/host/proc", "--path.sysfs=/host/sys", "--path.rootfs=/host/root").strip()
    url = "http://127.0.0.1:%d" % port

    def healthy():
        try:
            return h.http_get(url + "/-/healthy", timeout=5).status == 200
        except Exception:  # noqa: BLE001 - not listening yet
            if not d.inspect(cid)["State"]["Running"]:
                raise h.HarnessError("the container stopped: %s" % d._cli("logs", cid, check=False).stderr[-1500:])
            return False

    h.wait_for(healthy, 60, "vigia in its container")
    fams = h.scrape(url + "/metrics")
    c.eq(h.find(fams, "node_memory_MemTotal_bytes"), [float(meminfo_total())],
         "node_memory_MemTotal_bytes = the host's MemTotal (/host/proc)")
    # The reference: the same binary's view run on the host itself.
    host = h.Vigia(mode="exporter").scrape()
    want = sorted(h.find(host, "node_filesystem_size_bytes", mountpoint="/"))
    c.check(want, "the host's vigia reports / (the reference)")
    c.eq(sorted(h.find(fams, "node_filesystem_size_bytes", mountpoint="/")), want,
         "node_filesystem_size_bytes{mountpoint=\"/\"} as on the host (through /host/root)")
    c.check(h.find(fams, "node_load1"), "host load average")
    pid = d.inspect(cid)["State"]["Pid"]
    with open("/proc/%d/status" % pid) as f:
        uid = re.search(r"^Uid:\s+(\d+)", f.read(), re.M).group(1)
    c.check(uid != "0", "the process runs as uid %s, not root" % uid)
    logs = d._cli("logs", cid, check=False)
    c.check("level=error" not in logs.stdout + logs.stderr, "no error in its log", (logs.stdout + logs.stderr)[-1500:])


if __name__ == "__main__":
    h.main("deploy/Dockerfile on a debootstrap base (build, size, run)", body)

#!/usr/bin/env python3
"""Integration test of the container exporter on a real Docker Engine (Debian's docker.io,
started by tests/lib/docker_harness.py on a private socket and data root, with a busybox
image imported offline). Containers with memory and CPU limits burn CPU, allocate past
their limit (a child OOM-killed in a container that lives on, and a container whose main
process is OOM-killed), restart under a restart policy, carry compose labels and report
health. vigia's values are checked against the cgroup files and the engine's own view
(its stats API, `docker inspect`, `docker stats --no-stream`): counters are bracketed by
the engine's readings taken before and after the scrape. Filesystem usage (measured in the
background every 1 s here): a container writes 8 MiB and container_fs_usage_bytes moves by
that much, equal to `docker inspect --size`'s SizeRw plus `du` of the container's directory;
device and limit as `df` says. machine_* equal what this machine says (getconf, lscpu,
/proc/meminfo, boot_id, machine-id): cAdvisor is not packaged in Debian, so these are the
values its machine collector reads. Bad input: a Docker API that
hangs and one that answers garbage leave the cgroup metrics (labelled by id) and set
vigia_collector_success{collector="docker"} 0, within the scrape's deadline."""

import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import docker_harness as dh  # noqa: E402
import harness as h  # noqa: E402
from harness import find, one  # noqa: E402

MEM = "/sys/fs/cgroup/memory"


def cgroup_root():
    """The v1 memory hierarchy, or the v2 unified one (where the containers' files are)."""
    if os.path.exists(MEM + "/memory.usage_in_bytes") or os.path.isdir(MEM + "/docker"):
        return "v1"
    return "v2"


def read_num(path):
    with open(path) as f:
        return int(f.read().split()[0])


def read_key(path, key):
    with open(path) as f:
        for line in f:
            k, v = line.split()
            if k == key:
                return int(v)
    raise KeyError(key)


def cg_dir(version, controller, cid):
    if version == "v1":
        for name in (controller, "cpu,cpuacct"):
            p = "/sys/fs/cgroup/%s/docker/%s" % (name, cid)
            if os.path.isdir(p):
                return p
    for p in ("/sys/fs/cgroup/system.slice/docker-%s.scope" % cid, "/sys/fs/cgroup/docker/%s" % cid):
        if os.path.isdir(p):
            return p
    raise AssertionError("no cgroup directory for %s (%s)" % (cid, controller))


def check_machine(c, s):
    """machine_* against this machine's own tools and files."""
    with open("/proc/meminfo") as f:
        total = next(int(l.split()[1]) for l in f if l.startswith("MemTotal:"))
    c.eq(one(s, "machine_memory_bytes"), total * 1024, "machine_memory_bytes = MemTotal x 1024")
    online = int(h.run(["getconf", "_NPROCESSORS_ONLN"]).stdout)
    c.eq(one(s, "machine_cpu_cores"), online, "machine_cpu_cores = getconf _NPROCESSORS_ONLN")
    rows = [l.split(",") for l in h.run(["lscpu", "-p=CORE,SOCKET"]).stdout.splitlines() if l[:1].isdigit()]
    sockets = {r[1] for r in rows}
    c.eq(one(s, "machine_cpu_sockets"), len(sockets), "machine_cpu_sockets = lscpu's sockets")
    if len(sockets) == 1:
        c.eq(one(s, "machine_cpu_physical_cores"), len({r[0] for r in rows}), "physical cores = lscpu's cores")
    else:
        c.note("%d sockets: cAdvisor counts distinct core ids across them; physical cores not compared" % len(sockets))
    with open("/proc/sys/kernel/random/boot_id") as f:
        boot = f.read().strip()
    with open("/etc/machine-id") as f:
        mid = f.read().strip()
    try:
        with open("/sys/class/dmi/id/product_uuid") as f:
            uuid = f.read().strip()
    except OSError:
        uuid = mid  # cAdvisor's last resort without DMI or a device tree
    c.eq(len(find(s, "machine_cpu_cores", boot_id=boot, machine_id=mid, system_uuid=uuid)), 1,
         "labels boot_id, machine_id, system_uuid as the files say")


def check_fs_usage(c, d, vigia, cid):
    """container_fs_usage_bytes of a container writing 8 MiB, against `docker inspect --size`
    (SizeRw, the engine's size of the writable layer) plus du of its directory (its log,
    config and hosts files: cAdvisor's usage counts both)."""
    root = d.api("/info")["DockerRootDir"]
    cdir = os.path.join(root, "containers", cid)

    def reference():
        rw = json.loads(d.docker("inspect", "--size", cid))[0]["SizeRw"]
        du = int(h.run(["du", "-s", "-B1", "-x", cdir]).stdout.split()[0])
        return rw, du
    usage = lambda: find(vigia.scrape(), "container_fs_usage_bytes", name="writer")  # noqa: E731
    h.wait_for(usage, 60, "writer's filesystem usage measured")
    rw0, du0 = reference()
    h.wait_for(lambda: abs(usage()[0] - (rw0 + du0)) <= 64 << 10, 60, "usage = SizeRw + du before the write")
    u0 = usage()[0]
    # Direct I/O: submitted by dd itself, so the cgroup accounts it (v1 charges buffered
    # writeback to the root cgroup).
    d.docker("exec", "writer", "dd", "if=/dev/zero", "of=/tmp/blob", "bs=1048576", "count=8", "oflag=direct")
    h.wait_for(lambda: usage()[0] >= u0 + (7 << 20), 60, "usage moved after the write")
    rw1, du1 = reference()
    h.wait_for(lambda: abs(usage()[0] - (rw1 + du1)) <= 64 << 10, 60, "usage = SizeRw + du after the write")
    s = vigia.scrape()
    (labels, u1), = [(l, v) for n, l, v in s.samples() if n == "container_fs_usage_bytes" and l.get("name") == "writer"]
    c.note("writer: usage %d -> %d bytes; SizeRw %d -> %d, du of its directory %d -> %d" % (u0, u1, rw0, rw1, du0, du1))
    c.check(abs((u1 - u0) - (8 << 20)) <= 256 << 10, "usage moved by 8 MiB", "%d -> %d" % (u0, u1))
    c.check(abs((rw1 - rw0) - (8 << 20)) <= 256 << 10, "docker's SizeRw moved by 8 MiB too", "%d -> %d" % (rw0, rw1))
    df = h.run(["df", "-B1", "--output=source,size", root]).stdout.splitlines()[1].split()
    c.eq(labels.get("device"), df[0], "device: the data root's filesystem as df says")
    c.eq(one(s, "container_fs_limit_bytes", name="writer"), int(df[1]), "limit: its size as df says")
    # Completed writes per device, bracketed by the cgroup's own counts (the direct 8 MiB).
    def cgroup_writes():
        if cgroup_root() == "v1":
            for f in ("blkio.bfq.io_serviced_recursive", "blkio.io_serviced_recursive",
                      "blkio.throttle.io_serviced_recursive"):  # libcontainer's order
                path = os.path.join(cg_dir("v1", "blkio", cid), f)
                if not os.path.exists(path):
                    continue
                with open(path) as fh:
                    n = sum(int(x.split()[2]) for x in fh if len(x.split()) == 3 and x.split()[1] == "Write")
                if n:
                    return n
            return 0
        return sum(int(kv.split("=")[1]) for line in open(os.path.join(cg_dir("v2", "io", cid), "io.stat"))
                   for kv in line.split()[1:] if kv.startswith("wios="))
    wb = cgroup_writes()
    w = sum(find(vigia.scrape(), "container_fs_writes_total", name="writer"))
    wa = cgroup_writes()
    c.check(wb <= w <= wa, "container_fs_writes_total between the cgroup's counts", "%r %r %r" % (wb, w, wa))
    if wa == 0:  # kernels that count v1 blk-throttle stats only for a cgroup with a limit
        c.note("the cgroup accounted no block I/O of the direct 8 MiB write here: only 0 = 0 compared")
    fs_ids = {l["id"] for n, l, _ in s.samples() if n == "container_fs_usage_bytes"}
    c.check(fs_ids and all(cid in i or "docker" in i for i in fs_ids), "usage only for Docker containers", repr(fs_ids))


def body(c):
    d = dh.start_dockerd()
    image = d.busybox_image()
    run = lambda *a: d.docker("run", "-d", "--network", "none", *a).strip()  # noqa: E731
    burn = run("--name", "burn", "-m", "64m", "--cpus", "0.5", "-l", "com.docker.compose.project=shop",
               "-l", "com.docker.compose.service=web", image, "sh", "-c", "yes > /dev/null")
    # A child allocates past the limit and is OOM-killed; the container lives on.
    oomchild = run("--name", "oomchild", "-m", "16m", "--memory-swap", "16m", image, "sh", "-c",
                   "dd if=/dev/zero of=/dev/null bs=48M count=1; sleep 600")
    # The main process allocates past the limit: the container dies OOM-killed.
    oomkill = run("--name", "oomkill", "-m", "16m", "--memory-swap", "16m", image,
                  "dd", "if=/dev/zero", "of=/dev/null", "bs=48M", "count=1")
    flappy = run("--name", "flappy", "--restart", "always", "-l", "com.docker.compose.project=shop",
                 "-l", "com.docker.compose.service=worker", image, "sh", "-c", "sleep 1; exit 3")
    healthy = run("--name", "healthy", "--health-cmd", "true", "--health-interval", "1s", image, "sleep", "600")
    sick = run("--name", "sick", "--health-cmd", "false", "--health-interval", "1s", "--health-retries", "1",
               image, "sleep", "600")
    idle = run("--name", "idle", image, "sleep", "600")
    # Network counters: two containers on a bridge of their own (no iptables rules), one
    # pinging the other.
    net = d.network("vigia-test-net")
    if net:
        d.docker("run", "-d", "--name", "pong", "--network", net, "--ip", "172.31.250.10", image, "sleep", "600")
        d.docker("run", "-d", "--name", "ping", "--network", net, image, "ping", "-i", "0.2", "172.31.250.10")
    version = cgroup_root()
    c.note("cgroup %s, dockerd %s" % (version, d.api("/version")["Version"]))

    writer = run("--name", "writer", image, "sleep", "600")
    vigia = h.Vigia(config="containers:\n  docker_socket: %s\n  docker_refresh_interval: 1s\n"
                    "  fs_usage_interval: 1s\n" % d.socket, collectors=["container", "docker"])
    check_machine(c, vigia.scrape())
    check_fs_usage(c, d, vigia, writer)

    # Health settles (sick: unhealthy after one failed check), flappy restarts twice.
    h.wait_for(lambda: d.inspect("sick")["State"].get("Health", {}).get("Status") == "unhealthy", 60,
               "sick unhealthy")
    h.wait_for(lambda: d.inspect("healthy")["State"].get("Health", {}).get("Status") == "healthy", 60,
               "healthy healthy")
    h.wait_for(lambda: d.inspect("flappy")["RestartCount"] >= 2, 90, "flappy restarted twice")
    h.wait_for(lambda: d.inspect("oomkill")["State"]["Status"] == "exited", 60, "oomkill exited")
    mc = cg_dir(version, "memory", oomchild)
    oom_file = (lambda: read_key(mc + "/memory.oom_control", "oom_kill")) if version == "v1" else \
        (lambda: read_key(mc + "/memory.events", "oom_kill"))
    h.wait_for(lambda: oom_file() >= 1, 60, "the child's OOM kill counted in the cgroup")

    # --- cgroup values against the files and the engine's stats, bracketed.
    before = d.api("/containers/%s/stats?stream=false" % burn)
    cpu_dir = cg_dir(version, "cpuacct", burn)
    cpu_file = (lambda: read_num(cpu_dir + "/cpuacct.usage") / 1e9) if version == "v1" else \
        (lambda: read_key(cpu_dir + "/cpu.stat", "usage_usec") / 1e6)
    file_before = cpu_file()
    s = vigia.scrape()
    file_after = cpu_file()
    after = d.api("/containers/%s/stats?stream=false" % burn)
    lab = dict(name="burn")
    usage = one(s, "container_cpu_usage_seconds_total", cpu="total", **lab)
    c.check(file_before <= usage <= file_after, "cpu usage between two reads of the cgroup file",
            "%r <= %r <= %r" % (file_before, usage, file_after))
    eb, ea = before["cpu_stats"]["cpu_usage"]["total_usage"] / 1e9, after["cpu_stats"]["cpu_usage"]["total_usage"] / 1e9
    c.check(eb <= usage <= ea, "cpu usage between the engine's stats before and after", "%r %r %r" % (eb, usage, ea))
    c.check(usage > 0.05, "burn used CPU", repr(usage))
    thr_b = before["cpu_stats"]["throttling_data"]["throttled_periods"]
    thr_a = after["cpu_stats"]["throttling_data"]["throttled_periods"]
    thr = one(s, "container_cpu_cfs_throttled_periods_total", **lab)
    c.check(thr_b <= thr <= thr_a, "throttled periods between the engine's readings", "%r %r %r" % (thr_b, thr, thr_a))
    c.check(thr > 0, "burn was throttled (0.5 CPU, busy loop)", repr(thr))
    c.eq(one(s, "container_spec_cpu_quota", **lab), 50000, "cpu quota: --cpus 0.5")
    c.eq(one(s, "container_spec_cpu_period", **lab), 100000, "cpu period")
    c.eq(one(s, "container_spec_memory_limit_bytes", **lab), 64 * 2**20, "memory limit: -m 64m")
    c.eq(one(s, "container_spec_memory_limit_bytes", **lab), after["memory_stats"]["limit"], "limit = engine's")
    c.eq(one(s, "container_spec_memory_limit_bytes", name="idle"), 0, "no memory limit: 0 (cAdvisor's)")
    c.check(not find(s, "container_spec_cpu_quota", name="idle"), "no quota: no container_spec_cpu_quota")
    c.check(not find(s, "container_cpu_cfs_periods_total", name="idle"), "no quota: no CFS counters")
    ws = one(s, "container_memory_working_set_bytes", **lab)
    usage_b = one(s, "container_memory_usage_bytes", **lab)
    c.check(0 < ws <= usage_b <= 64 * 2**20, "working set <= usage <= limit", "%r %r" % (ws, usage_b))
    # docker stats' MEM USAGE is the working set (usage less inactive file), rounded for humans.
    st = json.loads(d.docker("stats", "--no-stream", "--format", "{{json .}}", "burn").splitlines()[0])
    c.contains(st["MemUsage"], "/ 64MiB", "docker stats shows the same limit")
    c.eq(one(s, "container_oom_events_total", name="oomchild"), oom_file(), "OOM kills = the cgroup's count")
    c.check(one(s, "container_oom_events_total", name="oomchild") >= 1, "the child's OOM kill is counted")
    c.check(one(s, "container_processes", name="oomchild") >= 1, "processes")
    c.check(one(s, "container_processes", **lab) >= 1, "burn: its processes counted")
    start = one(s, "container_start_time_seconds", **lab)
    c.check(abs(start - os.stat(cg_dir(version, "memory", burn)).st_mtime) < 2, "start time = the cgroup's mtime")

    # --- network: the engine's own counters (stats API) bracket vigia's; lo is left out.
    if net:
        h.wait_for(lambda: d.api("/containers/ping/stats?stream=false")["networks"]["eth0"]["tx_packets"] >= 3, 60,
                   "ping sent packets")
        nb = d.api("/containers/ping/stats?stream=false")["networks"]["eth0"]
        sn = vigia.scrape()
        na = d.api("/containers/ping/stats?stream=false")["networks"]["eth0"]
        for fam, key in [("container_network_transmit_packets_total", "tx_packets"),
                         ("container_network_receive_bytes_total", "rx_bytes"),
                         ("container_network_transmit_bytes_total", "tx_bytes")]:
            v = one(sn, fam, name="ping", interface="eth0")
            c.check(nb[key] <= v <= na[key], "%s between the engine's %s before and after" % (fam, key),
                    "%r %r %r" % (nb[key], v, na[key]))
        c.check(not find(sn, "container_network_receive_bytes_total", interface="lo"), "lo left out")
        c.check(not find(sn, "container_network_receive_bytes_total", name="idle"), "--network none: no series")
    else:
        c.note("no bridge network here: network counters not checked")

    # --- names, images and labels from the engine, as cAdvisor's labels.
    for name, cid in [("burn", burn), ("oomchild", oomchild), ("healthy", healthy), ("idle", idle)]:
        ins = d.inspect(cid)
        ids = {l.get("id") for n, l, v in s.samples() if n == "container_memory_usage_bytes" and l.get("name") == name}
        c.check(len(ids) == 1 and cid in ids.pop(), "%s: one cgroup, its id ends in the container id" % name)
        c.eq(one(s, "container_last_seen", name=name, image=ins["Config"]["Image"]) > 0, True, "%s: image label" % name)
    c.eq(len(find(s, "container_memory_usage_bytes", container_label_com_docker_compose_project="shop",
                  container_label_com_docker_compose_service="web")), 1, "compose labels on burn")

    # --- the engine's view: state, health, restarts, OOM kill (refreshed every 1 s here).
    def docker_view():
        sc = vigia.scrape()
        return sc, {n: d.inspect(n) for n in ("flappy", "healthy", "sick", "oomkill", "burn")}
    sc, ins = docker_view()
    c.eq(one(sc, "vigia_collector_success", collector="docker"), 1, "docker collector ok")
    c.eq(one(sc, "vigia_container_health_status", name="healthy", status="healthy"), 1, "healthy is healthy")
    c.eq(one(sc, "vigia_container_health_status", name="sick", status="unhealthy"), 1, "sick is unhealthy")
    c.eq(ins["sick"]["State"]["Health"]["Status"], "unhealthy", "inspect agrees on sick")
    c.check(not find(sc, "vigia_container_health_status", name="burn"), "no health check: no health series")
    c.eq(one(sc, "vigia_container_state", name="burn", state="running"), 1, "burn running")
    c.eq(one(sc, "vigia_container_state", name="oomkill", state="exited"), 1, "oomkill exited")
    c.eq(one(sc, "vigia_container_oom_killed", name="oomkill"), 1 if ins["oomkill"]["State"]["OOMKilled"] else 0,
         "OOM-killed as inspect says")
    c.check(ins["oomkill"]["State"]["OOMKilled"], "inspect says oomkill was OOM-killed")
    rc_before = d.inspect("flappy")["RestartCount"]
    h.wait_for(lambda: one(vigia.scrape(), "vigia_container_restarts_total", name="flappy") >= rc_before, 60,
               "vigia's restart count catches up with inspect's")
    sc = vigia.scrape()
    rc_after = d.inspect("flappy")["RestartCount"]
    rc = one(sc, "vigia_container_restarts_total", name="flappy",
             container_label_com_docker_compose_service="worker")
    c.check(rc_before <= rc <= rc_after, "restart count between inspect's before and after",
            "%r %r %r" % (rc_before, rc, rc_after))
    c.check(rc >= 2, "flappy restarted", repr(rc))
    # cAdvisor's own name lacks _total: the one lint promtool has, as for cAdvisor.
    problems = {p for p in h.promtool_check_metrics(vigia.get("/metrics").body) if p[0] != "container_memory_failcnt"}
    c.check(not problems, "promtool check metrics is clean", repr(problems))

    # --- bad Docker APIs: cgroup metrics stay (by id), docker collector fails, no hung scrape.
    for kind in ("hang", "garbage"):
        sock = dh.start_bad_api(kind)
        v = h.Vigia(config="containers:\n  docker_socket: %s\n  docker_timeout: 2s\n" % sock,
                    collectors=["container", "docker", "loadavg"])
        for i in range(2):
            sb = v.scrape(timeout_header=5, http_timeout=20)
            c.eq(one(sb, "vigia_collector_success", collector="docker"), 0, "%s API: docker collector fails (%d)" % (kind, i))
            c.eq(one(sb, "vigia_collector_success", collector="container"), 1, "%s API: container collector ok" % kind)
            ids = {l["id"] for n, l, _ in sb.samples() if n == "container_memory_usage_bytes" and "id" in l}
            c.check(any(burn in x for x in ids), "%s API: burn's cgroup still there, by id" % kind)
            c.check(not find(sb, "container_memory_usage_bytes", name="burn"), "%s API: no names" % kind)
            c.check(find(sb, "node_load1"), "%s API: other collectors still there" % kind)
        v.stop()

    # --- without any Docker socket: cgroup metrics by id, docker collector has no data.
    v = h.Vigia(config="containers: {}\n", collectors=["container", "docker"], env={"DOCKER_HOST": ""})
    sn = v.scrape()
    if not os.path.exists("/var/run/docker.sock"):
        c.eq(one(sn, "vigia_collector_success", collector="docker"), 1, "no socket: not an error")
        c.check(not find(sn, "vigia_container_state"), "no socket: no engine series")
    c.check(any(burn in l.get("id", "") for n, l, _ in sn.samples() if n == "container_cpu_usage_seconds_total"),
            "no socket: cgroup metrics by id")
    v.stop()


if __name__ == "__main__":
    h.main("container exporter on a real Docker engine", body)

#!/usr/bin/env python3
"""The systemd collector against Debian's prometheus-node-exporter 1.5, both reading the same
systemd manager over D-Bus, side by side: same families, HELP, types, labels and values.

systemd is not PID 1 here (and `systemd --user` does not bring up its API bus in a container
without its own dbus.socket unit and cgroup tree), so the manager is a test server,
tests/lib/systemd_dbus_server.py: the interfaces, object paths, signatures and errors of real
systemd for exactly the calls node_exporter 1.5 makes (ListUnits, Properties.Get of the Manager,
Unit, Service, Mount, Socket and Timer properties it reads), on a private dbus-daemon that both
exporters reach as the system bus (DBUS_SYSTEM_BUS_ADDRESS).

Also: an unreachable bus fails only the systemd collector (vigia_collector_success 0, the rest of
the scrape served) with one log line, and a manager that goes away and comes back is read again.
"""
import json
import os
import socket
import subprocess
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness as h  # noqa: E402

SERVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib", "systemd_dbus_server.py")
SYS_PY = "/usr/bin/python3"  # Debian's, with python3-dbus and python3-gi
U64_MAX = 2**64 - 1

# A manager with one of each case node_exporter's collector distinguishes.
MANAGER = {"Version": "252.38-1~deb12u1", "SystemState": "degraded", "units": [
    {"name": "ssh.service", "load": "loaded", "active": "active",
     "props": {"Service.Type": "notify", "Service.NRestarts": 2, "Service.TasksCurrent": 3,
               "Service.TasksMax": 4915, "Unit.ActiveEnterTimestamp": 1700000000123456}},
    # '@' in the name: the object path escapes it (_40).
    {"name": "getty@tty1.service", "load": "loaded", "active": "active",
     "props": {"Service.Type": "idle", "Service.NRestarts": 0, "Service.TasksCurrent": U64_MAX,
               "Service.TasksMax": U64_MAX, "Unit.ActiveEnterTimestamp": 1700000001000000}},
    {"name": "failed-job.service", "load": "loaded", "active": "failed",
     "props": {"Service.Type": "oneshot", "Service.NRestarts": 5, "Service.TasksCurrent": 0,
               "Service.TasksMax": 100, "Unit.ActiveEnterTimestamp": 1700000002000000}},
    # A leading digit is escaped too.
    {"name": "0day.service", "load": "loaded", "active": "activating",
     "props": {"Service.Type": "forking", "Service.NRestarts": 1, "Service.TasksCurrent": 7,
               "Service.TasksMax": 50}},
    # A state beyond the five: its own node_systemd_units series, 0 in every unit_state.
    {"name": "reload.service", "load": "loaded", "active": "reloading",
     "props": {"Service.Type": "notify", "Service.NRestarts": 0}},
    # Listed, but its object is gone: no type, no restarts, no start time.
    {"name": "ghost.service", "load": "loaded", "active": "active", "object": False},
    {"name": "nginx.service", "load": "not-found", "active": "inactive", "object": False},
    {"name": "masked.service", "load": "masked", "active": "inactive", "object": False},
    {"name": "docker.socket", "load": "loaded", "active": "active",
     "props": {"Socket.NAccepted": 10, "Socket.NConnections": 1, "Socket.NRefused": 2,
               "Unit.ActiveEnterTimestamp": 1700000003000000}},
    # systemd < 239: no NRefused.
    {"name": "old.socket", "load": "loaded", "active": "inactive",
     "props": {"Socket.NAccepted": 4, "Socket.NConnections": 0}},
    # No NAccepted: nothing for this socket.
    {"name": "broken.socket", "load": "loaded", "active": "active",
     "props": {"Socket.NConnections": 3, "Unit.ActiveEnterTimestamp": 1700000004000000}},
    {"name": "logrotate.timer", "load": "loaded", "active": "active",
     "props": {"Timer.LastTriggerUSec": 1700000100000000, "Unit.ActiveEnterTimestamp": 1700000005000000}},
    {"name": "fresh.timer", "load": "loaded", "active": "active",
     "props": {"Timer.LastTriggerUSec": 0, "Unit.ActiveEnterTimestamp": 1700000006000000}},
    {"name": "home.mount", "load": "loaded", "active": "active",
     "props": {"Mount.Type": "ext4", "Unit.ActiveEnterTimestamp": 1700000007000000}},
    {"name": "multi-user.target", "load": "loaded", "active": "active",
     "props": {"Unit.ActiveEnterTimestamp": 1700000008000000}},
    {"name": "system.slice", "load": "loaded", "active": "active", "props": {}},
    {"name": "dev-sda.device", "load": "loaded", "active": "active", "props": {}},
    {"name": "deactivating.service", "load": "loaded", "active": "deactivating",
     "props": {"Service.Type": "simple"}},
]}

ALL_FLAGS = ["--collector.systemd.enable-task-metrics", "--collector.systemd.enable-restarts-metrics",
             "--collector.systemd.enable-start-time-metrics"]
# node_exporter 1.5's default exclude (Debian's build adds |target): given to both.
UPSTREAM_EXCLUDE = r"--collector.systemd.unit-exclude=.+\.(automount|device|mount|scope|slice)"
# (what, vigia's flags, node_exporter's flags). Debian's node_exporter build dropped 1.5's deprecated
# unit-whitelist/unit-blacklist: vigia with those names is compared with node_exporter given the
# same patterns under the new names.
EVERY = ALL_FLAGS + [r"--collector.systemd.unit-exclude=.+\.(device|slice)"]
INCLUDE, EXCLUDE = r".+\.(service|socket|mount)", r"(ssh|home)\..+"
CONFIGS = [
    ("node_exporter 1.5 defaults", [UPSTREAM_EXCLUDE], [UPSTREAM_EXCLUDE]),
    ("every metric, mounts included", EVERY, EVERY),
    ("the deprecated flag names", ALL_FLAGS + ["--collector.systemd.unit-whitelist=" + INCLUDE,
                                               "--collector.systemd.unit-blacklist=" + EXCLUDE],
     ALL_FLAGS + ["--collector.systemd.unit-include=" + INCLUDE, "--collector.systemd.unit-exclude=" + EXCLUDE]),
]


def start_bus(d):
    sock = os.path.join(d, "bus")
    h.Process("dbus-daemon", ["dbus-daemon", "--session", "--nofork", "--address=unix:path=" + sock], cwd=d)
    h.wait_for(lambda: os.path.exists(sock), 20, "dbus-daemon's socket")
    return "unix:path=" + sock


def start_manager(d, address):
    path = os.path.join(d, "manager.json")
    with open(path, "w") as f:
        json.dump(MANAGER, f)
    p = h.Process("systemd_dbus_server", [SYS_PY, SERVER, address, path], cwd=d)
    h.wait_for(lambda: "ready" in open(p.log_path).read() or not p.running(), 30, "the test systemd manager")
    if not p.running():
        raise h.HarnessError("the test systemd manager exited: " + open(p.log_path).read()[-500:])
    return p


def systemd_families(fams):
    return {n: f for n, f in fams.items() if n.startswith("node_systemd_")}


def compare(c, what, node, vigia):
    a = systemd_families(node.scrape())
    b = systemd_families(vigia.scrape())
    c.eq(sorted(b), sorted(a), "%s: same node_systemd_* families" % what)
    for name in sorted(set(a) & set(b)):
        fa, fb = a[name], b[name]
        c.eq((fb["type"], fb["help"]), (fa["type"], fa["help"]), "%s: %s TYPE and HELP" % (what, name))
        c.eq(fb.series(), fa.series(), "%s: %s series and values" % (what, name))
    return a


def collector_success(server, name):
    fams = server.scrape()
    return {l["collector"]: v for _, l, v in fams["vigia_collector_success"]["samples"]}.get(name), fams


def main(c):
    h.need("dbus-daemon", SYS_PY, h.NODE_EXPORTER)
    if subprocess.run([SYS_PY, "-c", "import dbus, gi"], capture_output=True).returncode != 0:
        raise h.Skip("python3-dbus or python3-gi is not installed")
    d = h.new_tmpdir("systemd")
    address = start_bus(d)
    manager = start_manager(d, address)
    os.environ["DBUS_SYSTEM_BUS_ADDRESS"] = address  # both exporters' "system bus"

    for what, vigia_flags, node_flags in CONFIGS:
        node = h.start_node_exporter(["--collector.disable-defaults", "--collector.systemd"] + node_flags)
        vigia = h.Vigia(mode="exporter", collectors=["systemd"], args=vigia_flags)
        fams = compare(c, what, node, vigia)
        c.check(len(fams) >= 4, "%s: node_exporter exports node_systemd_* (%d families)" % (what, len(fams)))
        node.stop()
        if what != CONFIGS[-1][0]:
            vigia.stop()
    c.check(sum(1 for _ in fams["node_systemd_unit_state"]["samples"]) > 0, "units survive the deprecated filters")

    # The manager goes away (its name leaves the bus): the collector fails, the scrape is served;
    # it comes back: read again on the same vigia.
    manager.stop()
    ok, _ = collector_success(vigia, "systemd")
    c.eq(ok, 0.0, "manager gone: vigia_collector_success{collector=\"systemd\"} 0")
    manager = start_manager(d, address)
    ok, fams = collector_success(vigia, "systemd")
    c.eq(ok, 1.0, "manager back: vigia_collector_success{collector=\"systemd\"} 1")
    c.check("node_systemd_units" in fams, "manager back: node_systemd_units served again")
    vigia.stop()

    # No bus at all: the systemd collector fails, loadavg is still served, one log line.
    os.environ["DBUS_SYSTEM_BUS_ADDRESS"] = "unix:path=" + os.path.join(d, "no-such-bus")
    vigia = h.Vigia(mode="exporter", collectors=["systemd", "loadavg"])
    for i in range(2):
        succ, fams = collector_success(vigia, "systemd")
        c.eq(succ, 0.0, "no bus, scrape %d: vigia_collector_success{collector=\"systemd\"} 0" % (i + 1))
        c.check("node_load1" in fams, "no bus, scrape %d: the rest of the scrape is served" % (i + 1))
        c.check(not systemd_families(fams), "no bus, scrape %d: no node_systemd_* series" % (i + 1))
    vigia.stop()
    log = open(vigia.log_path).read()
    n = log.count("systemd collector cannot read the systemd manager over D-Bus")
    c.eq(n, 1, "no bus: the clear log line is written once for two failed scrapes")
    c.contains(log, "couldn't get dbus connection", "no bus: the error says what failed")


    # A bus that accepts connections and never answers: the scrape still ends by its deadline.
    path = os.path.join(d, "mute-bus")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(8)
    held = []
    threading.Thread(target=lambda: [held.append(listener.accept()) for _ in range(8)], daemon=True).start()
    os.environ["DBUS_SYSTEM_BUS_ADDRESS"] = "unix:path=" + path
    vigia = h.Vigia(mode="exporter", collectors=["systemd", "loadavg"])
    r = vigia.get("/metrics", timeout_header=3, http_timeout=60)
    c.eq(r.status, 200, "mute bus: the scrape is answered")
    fams = h.parse_exposition(r.body)
    succ = {l["collector"]: v for _, l, v in fams["vigia_collector_success"]["samples"]}
    c.eq(succ.get("systemd"), 0.0, "mute bus: vigia_collector_success{collector=\"systemd\"} 0")
    c.check("node_load1" in fams, "mute bus: the rest of the scrape is served")
    vigia.stop()


if __name__ == "__main__":
    h.main("systemd collector against node_exporter 1.5 on a D-Bus systemd manager", main)

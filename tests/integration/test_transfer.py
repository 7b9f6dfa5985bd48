#!/usr/bin/env python3
"""The transfer area through the binary, on a fixture procfs/sysfs tree that the test writes
(--path.procfs, --path.sysfs): this billing period's bytes of the listed devices, checked against
node_exporter's counters of the same tree; kept across a restart (bytes sent while vigia was down
count) and a simulated reboot (new boot id, counters back near zero: the new counters are added
whole); a month boundary with the binary's clock stepped by libfaketime; a full disk for the state
file (a 16 KiB tmpfs filled up, in a mount namespace of vigia's own): no crash, the count goes on in
memory, the failure is logged and counted, and the file is written once there is room again; a
reset_day out of range is a config error with its file:line:column."""

import calendar
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness as h  # noqa: E402
from harness import one  # noqa: E402

LIBFAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"
QUOTA = "1.5TiB"
QUOTA_BYTES = 1649267441664


class Tree:
    """<root>/proc/net/dev, <root>/proc/sys/kernel/random/boot_id, <root>/sys/class/net/X/device."""

    def __init__(self):
        self.root = h.new_tmpdir("tree")
        os.makedirs(os.path.join(self.root, "proc/net"))
        os.makedirs(os.path.join(self.root, "proc/sys/kernel/random"))
        for dev in ("eth0", "ens3"):
            os.makedirs(os.path.join(self.root, "sys/class/net", dev, "device"))
        os.makedirs(os.path.join(self.root, "sys/class/net/lo"))
        self.boot("8e1c7c1a-0000-4000-8000-000000000001")

    def args(self):
        return ["--path.procfs=" + os.path.join(self.root, "proc"),
                "--path.sysfs=" + os.path.join(self.root, "sys")]

    def boot(self, boot_id):
        with open(os.path.join(self.root, "proc/sys/kernel/random/boot_id"), "w") as f:
            f.write(boot_id + "\n")

    def counters(self, devs):
        """devs: {name: (receive bytes, transmit bytes)}; written whole, then renamed in place."""
        lines = ["Inter-|   Receive                                                |  Transmit",
                 " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs "
                 "drop fifo colls carrier compressed"]
        for name, (rx, tx) in devs.items():
            lines.append("%6s: %d 100 0 0 0 0 0 0 %d 200 0 0 0 0 0 0" % (name, rx, tx))
        tmp = os.path.join(self.root, "proc/net/dev.tmp")
        with open(tmp, "w") as f:
            f.write("\n".join(lines) + "\n")
        os.rename(tmp, os.path.join(self.root, "proc/net/dev"))


def period_start(now, day):
    t = time.gmtime(now)
    start = calendar.timegm((t.tm_year, t.tm_mon, day, 0, 0, 0))
    if start > now:
        y, m = (t.tm_year, t.tm_mon - 1) if t.tm_mon > 1 else (t.tm_year - 1, 12)
        start = calendar.timegm((y, m, day, 0, 0, 0))
    return start


def next_start(start, day):
    t = time.gmtime(start)
    y, m = (t.tm_year, t.tm_mon + 1) if t.tm_mon < 12 else (t.tm_year + 1, 1)
    return calendar.timegm((y, m, day, 0, 0, 0))


def config(state_file, reset_day=1, devices=("eth0", "ens3")):
    return ("transfer:\n  quota: %s\n  reset_day: %d\n  devices: [%s]\n  state_file: %s\n"
            % (QUOTA, reset_day, ", ".join(devices), state_file))


def counts(s):
    return (one(s, "vigia_network_transfer_bytes", direction="receive"),
            one(s, "vigia_network_transfer_bytes", direction="transmit"))


def read_state(path):
    with open(path) as f:
        fields = dict(line.split(" ", 1) for line in f.read().splitlines()[1:] if line and " " in line)
    return int(fields["receive"]), int(fields["transmit"]), int(fields["period_start"])


def restarts_and_reboot(c, tree):
    cwd = h.new_tmpdir("vigia-restarts")
    cfg = config("state/transfer.state")
    state = os.path.join(cwd, "state/transfer.state")  # state/ is made by vigia
    node = h.start_node_exporter(["--path.procfs=" + os.path.join(tree.root, "proc"),
                                  "--path.sysfs=" + os.path.join(tree.root, "sys"),
                                  "--no-collector.netdev.netlink", "--collector.disable-defaults",
                                  "--collector.netdev"])

    def node_sum():
        s = node.scrape()
        return (sum(one(s, "node_network_receive_bytes_total", device=d) for d in ("eth0", "ens3")),
                sum(one(s, "node_network_transmit_bytes_total", device=d) for d in ("eth0", "ens3")))

    tree.counters({"lo": (10 ** 12, 10 ** 12), "eth0": (1000, 2000), "ens3": (500, 700), "docker0": (9, 9)})
    v = h.Vigia(mode="exporter", config=cfg, collectors=["transfer"], args=tree.args(), cwd=cwd)
    s = v.scrape()
    now = time.time()
    assert counts(s) == (0, 0), counts(s)  # the first reading is the baseline
    assert one(s, "vigia_network_transfer_quota_bytes") == QUOTA_BYTES
    start = period_start(now, 1)
    assert one(s, "vigia_network_transfer_period_start_timestamp_seconds") == start
    assert one(s, "vigia_network_transfer_period_end_timestamp_seconds") == next_start(start, 1)
    assert one(s, "vigia_network_transfer_state_write_errors_total") == 0
    assert one(s, "vigia_collector_success", collector="transfer") == 1
    base = node_sum()

    tree.counters({"lo": (2 * 10 ** 12, 2 * 10 ** 12), "eth0": (1000 + 123456, 2000 + 654321),
                   "ens3": (500 + 1000, 700 + 2000), "docker0": (99, 99)})
    s = v.scrape()
    later = node_sum()
    want = (later[0] - base[0], later[1] - base[1])
    assert want == (124456, 656321), want
    assert counts(s) == want, (counts(s), want)
    assert one(s, "vigia_network_transfer_quota_used_bytes") == sum(want)
    c.passed("the listed devices' bytes since the first reading, as node_exporter's counters of the "
             "same tree moved: %r" % (want,))

    rc, took = v.terminate()
    assert rc == 0, rc
    assert read_state(state)[:2] == want, read_state(state)
    # Bytes sent while vigia is down count after its restart (same boot).
    tree.counters({"eth0": (1000 + 123456 + 7, 2000 + 654321 + 70), "ens3": (1500, 2700)})
    v = h.Vigia(mode="exporter", config=cfg, collectors=["transfer"], args=tree.args(), cwd=cwd)
    s = v.scrape()
    want = (want[0] + 7, want[1] + 70)
    assert counts(s) == want, (counts(s), want)
    rc, took = v.terminate()
    assert rc == 0, rc
    c.passed("a restart: the state file written at exit (%.1f s), the bytes of the downtime counted" % took)

    # Reboot: a new boot id, every counter starts again near zero.
    tree.boot("8e1c7c1a-0000-4000-8000-000000000002")
    tree.counters({"eth0": (5000, 6000), "ens3": (0, 300)})
    v = h.Vigia(mode="exporter", config=cfg, collectors=["transfer"], args=tree.args(), cwd=cwd)
    s = v.scrape()
    want = (want[0] + 5000, want[1] + 6300)
    assert counts(s) == want, (counts(s), want)
    tree.counters({"eth0": (5100, 6000), "ens3": (50, 300)})
    s = v.scrape()
    want = (want[0] + 150, want[1])
    assert counts(s) == want, (counts(s), want)
    # A counter reset without a reboot (the device re-created): the new value is added whole.
    tree.counters({"eth0": (40, 6000), "ens3": (50, 300)})
    s = v.scrape()
    want = (want[0] + 40, want[1])
    assert counts(s) == want, (counts(s), want)
    rc, _ = v.terminate()
    assert rc == 0, rc
    assert read_state(state)[:2] == want, read_state(state)
    c.passed("a simulated reboot (new boot id, counters reset) and a device reset: %r" % (want,))
    node.stop()


def month_boundary(c, tree):
    if not os.path.exists(LIBFAKETIME):
        raise h.Skip("libfaketime is not installed (package faketime)")
    cwd = h.new_tmpdir("vigia-month")
    clock = os.path.join(cwd, "faketime")
    real = time.time()
    boundary = next_start(period_start(real, 1), 1)
    offset = int(boundary - 40 - real)  # the binary's clock: 40 s before the next period
    with open(clock, "w") as f:
        f.write("+%d\n" % offset)
    env = {"LD_PRELOAD": LIBFAKETIME, "FAKETIME_TIMESTAMP_FILE": clock, "FAKETIME_NO_CACHE": "1"}
    tree.boot("8e1c7c1a-0000-4000-8000-000000000003")
    tree.counters({"eth0": (10 ** 6, 2 * 10 ** 6), "ens3": (0, 0)})
    v = h.Vigia(mode="exporter", config=config("transfer.state"), collectors=["transfer"], args=tree.args(),
                cwd=cwd, env=env)
    s = v.scrape()
    old = period_start(boundary - 40, 1)
    assert one(s, "vigia_network_transfer_period_start_timestamp_seconds") == old
    tree.counters({"eth0": (10 ** 6 + 111, 2 * 10 ** 6 + 222), "ens3": (0, 0)})
    s = v.scrape()
    assert counts(s) == (111, 222), counts(s)
    # Step the clock over the boundary.
    with open(clock, "w") as f:
        f.write("+%d\n" % (offset + 80))
    tree.counters({"eth0": (10 ** 6 + 111 + 5, 2 * 10 ** 6 + 222 + 6), "ens3": (0, 0)})
    s = v.scrape()
    assert one(s, "vigia_network_transfer_period_start_timestamp_seconds") == boundary
    assert one(s, "vigia_network_transfer_period_end_timestamp_seconds") == next_start(boundary, 1)
    assert counts(s) == (5, 6), counts(s)
    # A new period is written at once.
    assert read_state(os.path.join(cwd, "transfer.state")) == (5, 6, boundary)
    v.terminate()
    c.passed("a month boundary with the binary's clock stepped by libfaketime: %s -> %s, count from zero"
             % (time.strftime("%Y-%m-%d", time.gmtime(old)), time.strftime("%Y-%m-%d", time.gmtime(boundary))))


def can_mount_tmpfs(d):
    r = subprocess.run(["unshare", "-m", "sh", "-c", 'mount -t tmpfs -o size=16k tmpfs "$0"', d],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return r.returncode == 0


def full_disk(c, tree):
    cwd = h.new_tmpdir("vigia-full")
    statedir = os.path.join(cwd, "statefs")
    os.makedirs(statedir)
    state = os.path.join(statedir, "transfer.state")
    cfg_path = os.path.join(cwd, "vigia.yml")
    with open(cfg_path, "w") as f:
        f.write(config(state))
    port = h.free_port()
    vigia_argv = [h.VIGIA_BINARY, "exporter", "--config.file=" + cfg_path, "--collector.disable-defaults",
                  "--collector.transfer", "--web.listen-address=127.0.0.1:%d" % port] + tree.args()
    tmpfs = can_mount_tmpfs(statedir)
    if tmpfs:
        # vigia's own mount namespace: a 16 KiB tmpfs over statedir, filled up by dd.
        script = ('mount -t tmpfs -o size=16k tmpfs "$0" && { dd if=/dev/zero of="$0/filler" bs=4096 '
                  '2>/dev/null; true; } && exec "$@"')
        argv = ["unshare", "-m", "sh", "-c", script, statedir] + vigia_argv
    else:
        # No mount namespace here: a file size limit of 0 (EFBIG on the first byte) stands in.
        argv = ["sh", "-c", 'ulimit -f 0; trap "" XFSZ; exec "$@"', "sh"] + vigia_argv
    tree.boot("8e1c7c1a-0000-4000-8000-000000000004")
    tree.counters({"eth0": (100, 200), "ens3": (0, 0)})
    v = h.Server("vigia", argv, "127.0.0.1", port, cwd=cwd)
    v.wait_http(v.url + "/-/healthy")
    inside = "/proc/%d/root%s" % (v.pid, statedir)  # statedir as vigia sees it
    s = v.scrape()
    assert one(s, "vigia_network_transfer_state_write_errors_total") >= 1
    for i in range(1, 4):
        tree.counters({"eth0": (100 + 1000 * i, 200 + 2000 * i), "ens3": (0, 0)})
        s = v.scrape()
        assert counts(s) == (1000 * i, 2000 * i), counts(s)
    errors = one(s, "vigia_network_transfer_state_write_errors_total")
    assert errors >= 4, errors  # every collection retried
    assert v.running()
    h.wait_for(lambda: "Cannot write the transfer state file" in v.log(), 10, "the error logged")
    log = v.log()
    assert log.count("Cannot write the transfer state file") == 1, log  # once per failure streak
    why = "No space left on device" if tmpfs else "File too large"
    assert why in log, log
    c.passed("state file on a full %s: %d failed writes, logged once (%s), the count kept in memory"
             % ("16 KiB tmpfs" if tmpfs else "file size limit", errors, why))
    if not tmpfs:
        v.stop()
        c.note("no mount namespace here: the recovery after space comes back is not shown")
        return
    assert not os.path.exists(state)  # the tmpfs is vigia's alone
    os.remove(os.path.join(inside, "filler"))
    s = v.scrape()
    assert one(s, "vigia_network_transfer_state_write_errors_total") == errors
    assert read_state(os.path.join(inside, "transfer.state"))[:2] == (3000, 6000)
    h.wait_for(lambda: "Transfer state file written again" in v.log(), 10, "the recovery logged")
    v.stop()
    c.passed("room again: the next collection wrote the whole count (3000, 6000)")


def bad_config(c):
    bad = os.path.join(h.new_tmpdir("cfg"), "vigia.yml")
    with open(bad, "w") as f:
        f.write("transfer:\n  quota: 3TB\n  reset_day: 31\n")
    r = h.run([h.VIGIA_BINARY, "check", "config", "--config.file=" + bad])
    want = 'vigia.yml:3:14: transfer.reset_day: expected a day of the month from 1 to 28, got "31"'
    assert r.returncode != 0 and want in r.stdout + r.stderr, (r.returncode, r.stdout, r.stderr)
    with open(bad, "w") as f:
        f.write("transfer: {quota: 3 Tb}\n")
    r = h.run([h.VIGIA_BINARY, "check", "config", "--config.file=" + bad])
    assert r.returncode != 0 and "vigia.yml:1:19: transfer.quota" in r.stdout + r.stderr, (r.stdout, r.stderr)
    c.passed("reset_day 31 and a quota in terabits: config errors with file:line:column")


def body(c):
    tree = Tree()
    restarts_and_reboot(c, tree)
    full_disk(c, tree)
    bad_config(c)
    month_boundary(c, tree)


if __name__ == "__main__":
    h.main("transfer budget", body)

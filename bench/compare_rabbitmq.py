#!/usr/bin/env python3
"""Side-by-side cost of a per-queue RabbitMQ scrape: vigia (management API, one
`rabbitmq:` target with per_object: true) against the broker's own
rabbitmq_prometheus /metrics/per-object, on one Debian rabbitmq-server 3.10 with
--queues queues (5000 by default, declared in one definitions import, a message in
every tenth).

A scrape's whole cost is counted: for vigia, its own CPU plus the broker's CPU
while it answers vigia's API calls; for the plugin, the broker's CPU while it
renders /metrics/per-object. CPU is utime+stime from /proc/PID/stat of vigia and of
the broker's Erlang VM (beam.smp). The broker's idle CPU (stats collection, timers)
is measured in each round over an equal wall time with no scrape and subtracted
from both ("net"); the raw figures are printed too. For R rounds, N scrapes of each
alternate by blocks; the medians over rounds and the ratio vigia / plugin are
printed (goal: <= 1/5).

Exit status: 0 when every vigia scrape had rabbitmq_up 1 and the expected queue
series, 1 otherwise, 77 when a binary is missing. Timings never change the exit
status. See bench/README.md."""

import argparse
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "lib"))
import harness as h  # noqa: E402
import rabbitmq_harness as rh  # noqa: E402

GOAL_RATIO = 1.0 / 5
# vigia's targets, one per way of reading the queues (all per_object: true):
VARIANTS = {
    "paged": {},                                       # the default: pages of 500, with stats
    "single": {"page_size": 0},                        # one unpaginated request, with stats
    "single_nostats": {"page_size": 0, "queue_stats": False},  # depths only, one request
}
PASSWORD = "bench-pw"


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def fill(node, queues):
    defs = {"queues": [{"name": "bench-%05d" % i, "vhost": "/", "durable": False, "auto_delete": False,
                        "arguments": {}} for i in range(queues)]}
    node.api_ok("POST", "/api/definitions", defs)
    for i in range(0, queues, 10):
        node.publish("bench-%05d" % i, "m")


def timed(pids, fn, n):
    before = [rh.cpu_seconds(p) for p in pids]
    t0 = time.monotonic()
    for _ in range(n):
        fn()
    wall = time.monotonic() - t0
    return [rh.cpu_seconds(p) - b for p, b in zip(pids, before)], wall


def run(args):
    if not os.path.exists(rh.RABBITMQ_SERVER) or not os.access(h.VIGIA_BINARY, os.X_OK):
        print("SKIP: rabbitmq-server or vigia (%s) missing" % h.VIGIA_BINARY, file=sys.stderr)
        return 77
    epmd = rh.start_epmd()
    node = rh.start_rabbitmq("bench", epmd)
    node.add_user("vigia", PASSWORD)
    t0 = time.monotonic()
    fill(node, args.queues)
    # A new queue's depth appears in /api/queues once the stats database has its first sample.
    def counted():
        qs = node.api("GET", "/api/queues?columns=name,messages", timeout=120)[1]
        return len(qs) >= args.queues and all("messages" in q for q in qs)
    rh.wait_stats(node, counted, 300, "%d queues with their stats" % args.queues)
    print("declared %d queues in %.1f s" % (args.queues, time.monotonic() - t0))
    vigia = h.Vigia(mode="exporter", config=h.service_yaml({"rabbitmq": [
        node.target(name, username="vigia", password_env="BENCH_RABBIT_PW", per_object=True,
                    max_queues=args.queues + 1000, **keys) for name, keys in VARIANTS.items()]}),
        collectors=["rabbitmq"], env={"BENCH_RABBIT_PW": PASSWORD}, args=["--log.level=warn"])
    beam = node.beam_pid()
    ok = True

    def scrape_vigia(target):
        nonlocal ok
        r = h.http_get(vigia.url + "/probe?target=" + target, timeout=120)
        n = r.body.count("\nrabbitmq_queue_messages{")
        if r.status != 200 or not re.search(r"^rabbitmq_up 1$", r.body, re.M) or n < args.queues:
            print("error: %s: status %d, %d queue series: %s" % (target, r.status, n, r.body[:300]),
                  file=sys.stderr)
            ok = False

    def scrape_plugin():
        r = h.http_get(node.prom_url + "/metrics/per-object", timeout=120)
        if r.status != 200:
            raise h.HarnessError("plugin: status %d" % r.status)

    for _ in range(args.warmup):
        for v in VARIANTS:
            scrape_vigia(v)
        scrape_plugin()
    for v in VARIANTS:
        print("one scrape: vigia %s %d bytes" % (v, len(h.http_get(vigia.url + "/probe?target=" + v, timeout=120).body)))
    print("one scrape: plugin %d bytes" % len(h.http_get(node.prom_url + "/metrics/per-object", timeout=120).body))
    rows = []
    n = args.scrapes
    for r in range(args.rounds):
        row, walls = {}, []
        for v in VARIANTS:
            (v_cpu, v_beam), v_wall = timed([vigia.pid, beam], lambda: scrape_vigia(v), n)
            row[v] = (v_cpu, v_beam, v_wall)
            walls.append(v_wall)
        (p_beam,), p_wall = timed([beam], scrape_plugin, n)
        idle_wall = min(max(walls + [p_wall, 2.0]), 20.0)
        (idle,), _ = timed([beam], lambda: time.sleep(idle_wall), 1)
        rate = idle / idle_wall
        out = {"plugin_broker_ms": 1000 * p_beam / n,
               "plugin_broker_net_ms": 1000 * max(0.0, p_beam - rate * p_wall) / n,
               "plugin_wall_ms": 1000 * p_wall / n, "idle_broker_ms_per_s": 1000 * rate}
        for v, (v_cpu, v_beam, v_wall) in row.items():
            out[v + "_vigia_ms"] = 1000 * v_cpu / n
            out[v + "_broker_ms"] = 1000 * v_beam / n
            out[v + "_broker_net_ms"] = 1000 * max(0.0, v_beam - rate * v_wall) / n
            out[v + "_wall_ms"] = 1000 * v_wall / n
        rows.append(out)
        print("round %d: %s" % (r + 1, ", ".join("%s %.1f" % kv for kv in out.items())), flush=True)
    med = {k: median([row[k] for row in rows]) for k in rows[0]}
    print("medians over %d rounds of %d scrapes, %d queues:" % (args.rounds, n, args.queues))
    for k, v in med.items():
        print("  %-30s %8.1f" % (k, v))
    plugin_net, plugin_raw = med["plugin_broker_net_ms"], med["plugin_broker_ms"]
    print("plugin /metrics/per-object: broker %.1f ms net per scrape (%.1f raw)" % (plugin_net, plugin_raw))
    for v in VARIANTS:
        net = med[v + "_vigia_ms"] + med[v + "_broker_net_ms"]
        raw = med[v + "_vigia_ms"] + med[v + "_broker_ms"]
        print("vigia %-15s whole cost %.1f ms net (%.1f raw): ratio vigia / plugin %.3f net, %.3f raw; "
              "goal <= %.2f: %s" % (v, net, raw, net / plugin_net if plugin_net else float("nan"),
                                    raw / plugin_raw if plugin_raw else float("nan"), GOAL_RATIO,
                                    "met" if plugin_net and net / plugin_net <= GOAL_RATIO else "NOT met"))
    vigia.stop()
    node.stop()
    epmd.stop()
    if not ok:
        print("error: a vigia scrape lacked rabbitmq_up 1 or queue series", file=sys.stderr)
    return 0 if ok else 1


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--queues", type=int, default=5000)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--scrapes", type=int, default=5)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--quick", action="store_true", help="smoke run: 200 queues, 1 round of 2 scrapes")
    args = p.parse_args()
    if args.quick:
        args.queues, args.rounds, args.scrapes, args.warmup = 200, 1, 2, 1
    try:
        return run(args)
    except h.Skip as e:
        print("SKIP: %s" % e, file=sys.stderr)
        return 77


if __name__ == "__main__":
    sys.exit(main())

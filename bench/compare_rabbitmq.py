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
    rh.wait_stats(node, lambda: node.api("GET", "/api/overview")[1]["object_totals"]["queues"] >= args.queues,
                  300, "%d queues" % args.queues)
    print("declared %d queues in %.1f s" % (args.queues, time.monotonic() - t0))
    vigia = h.Vigia(mode="exporter", config=h.service_yaml({"rabbitmq": [
        node.target("bench", username="vigia", password_env="BENCH_RABBIT_PW", per_object=True,
                    max_queues=args.queues + 1000)]}),
        collectors=["rabbitmq"], env={"BENCH_RABBIT_PW": PASSWORD}, args=["--log.level=warn"])
    beam = node.beam_pid()
    ok = True

    def scrape_vigia():
        nonlocal ok
        r = h.http_get(vigia.url + "/probe?target=bench", timeout=120)
        if r.status != 200 or not re.search(r"^rabbitmq_up 1$", r.body, re.M) or \
                r.body.count("\nrabbitmq_queue_messages{") < args.queues:
            ok = False

    def scrape_plugin():
        r = h.http_get(node.prom_url + "/metrics/per-object", timeout=120)
        if r.status != 200:
            raise h.HarnessError("plugin: status %d" % r.status)

    for _ in range(args.warmup):
        scrape_vigia()
        scrape_plugin()
    sizes = (len(h.http_get(vigia.url + "/probe?target=bench", timeout=120).body),
             len(h.http_get(node.prom_url + "/metrics/per-object", timeout=120).body))
    print("one scrape: vigia %d bytes, plugin %d bytes" % sizes)
    rows = []
    for r in range(args.rounds):
        (v_cpu, v_beam), v_wall = timed([vigia.pid, beam], scrape_vigia, args.scrapes)
        (p_beam,), p_wall = timed([beam], scrape_plugin, args.scrapes)
        idle_wall = max(v_wall, p_wall, 2.0)
        (idle,), _ = timed([beam], lambda: time.sleep(idle_wall), 1)
        idle_rate = idle / idle_wall
        n = args.scrapes
        row = {
            "vigia_cpu_ms": 1000 * v_cpu / n,
            "broker_for_vigia_ms": 1000 * v_beam / n,
            "broker_for_vigia_net_ms": 1000 * max(0.0, v_beam - idle_rate * v_wall) / n,
            "broker_for_plugin_ms": 1000 * p_beam / n,
            "broker_for_plugin_net_ms": 1000 * max(0.0, p_beam - idle_rate * p_wall) / n,
            "vigia_wall_ms": 1000 * v_wall / n,
            "plugin_wall_ms": 1000 * p_wall / n,
            "idle_broker_ms_per_s": 1000 * idle_rate,
        }
        rows.append(row)
        print("round %d: %s" % (r + 1, ", ".join("%s %.1f" % kv for kv in row.items())), flush=True)
    med = {k: median([row[k] for row in rows]) for k in rows[0]}
    vigia_total = med["vigia_cpu_ms"] + med["broker_for_vigia_net_ms"]
    vigia_raw = med["vigia_cpu_ms"] + med["broker_for_vigia_ms"]
    ratio = vigia_total / med["broker_for_plugin_net_ms"] if med["broker_for_plugin_net_ms"] else float("nan")
    ratio_raw = vigia_raw / med["broker_for_plugin_ms"] if med["broker_for_plugin_ms"] else float("nan")
    print("medians over %d rounds of %d scrapes, %d queues:" % (args.rounds, args.scrapes, args.queues))
    for k, v in med.items():
        print("  %-26s %8.1f" % (k, v))
    print("vigia whole cost per scrape: %.1f ms net (%.1f raw); plugin: %.1f ms net (%.1f raw)" % (
        vigia_total, vigia_raw, med["broker_for_plugin_net_ms"], med["broker_for_plugin_ms"]))
    print("ratio vigia / plugin: %.3f net, %.3f raw; goal <= %.2f: %s" % (
        ratio, ratio_raw, GOAL_RATIO, "met" if ratio <= GOAL_RATIO else "NOT met"))
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

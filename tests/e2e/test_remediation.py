#!/usr/bin/env python3
"""Remediation end to end (issue 17, exec_configs) on a real Docker Engine (Debian's
docker.io on a private socket, tests/lib/docker_harness.py; a busybox image imported
offline).

`vigia run` watches the engine (the container and docker collectors on the private
socket) and evaluates one rule: ContainerDown fires when the container `victim` is not
running (for: 0s, evaluated every second). The notify route sends it to an
`exec_configs` receiver, a shell script named in the config that records its environment
(`env -0`) and, while a flag file exists, runs `docker --host unix://<socket> start
victim`; the route also continues to a webhook receiver on loopback that records the
notifications.

Phase 1: the container is stopped; the alert fires; the script runs once with the
documented environment (VIGIA_STATUS, VIGIA_RECEIVER, VIGIA_GROUP_KEY, VIGIA_ALERT_COUNT,
VIGIA_LABEL_<NAME>, and of vigia's own only PATH, HOME, LANG, TZ) and restarts the
container; the alert resolves (the webhook's resolved notification, GET /api/v2/alerts,
ALERTS). Labels carrying shell metacharacters (a compose label on the container, read
through the engine's API, and a rule label) reach the script's environment byte for byte
and nothing is executed from them. The notification log records the run (exit status 0,
docker's output).

Phase 2: the flag file is removed (the script no longer restarts anything) and the
container is stopped again: the alert keeps firing, is notified again every
repeat_interval, and the rate limit (max_runs: 3 per 1h for the group, one of them spent
in phase 1) holds: exactly 3 runs in all, then the notification log says "rate limited".
"""

import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import docker_harness as dh  # noqa: E402
import harness as h  # noqa: E402
from http_recorder import Recorder  # noqa: E402
from harness import find  # noqa: E402

REPEAT_S = 4  # the route's repeat_interval
MAX_RUNS = 3


def statuses(rec):
    """The statuses of the notifications the `hook` receiver's webhook got, in arrival order."""
    return [b["status"] for _, _, _, b in rec.at("/hook") if b.get("receiver") == "hook"]


def outcomes(rec):
    """The `remediation` annotations the restart receiver's webhook got (the exec's outcome)."""
    return [a["annotations"]["remediation"] for _, _, _, b in rec.at("/restart-outcome")
            if b.get("receiver") == "restart" for a in b["alerts"] if "remediation" in a.get("annotations", {})]


def runs(run_dir):
    """The environments the script recorded, in run order: [{name: value}]."""
    out = []
    for name in sorted(os.listdir(run_dir), key=lambda n: int(n.split(".")[1])):
        with open(os.path.join(run_dir, name), "rb") as f:
            data = f.read()
        env = {}
        for item in data.split(b"\0"):
            if item:
                k, _, v = item.partition(b"=")
                env[k.decode()] = v.decode("utf-8", "replace")
        out.append(env)
    return out


def body(c):
    h.need("/bin/sh", "env")
    d = dh.start_dockerd()
    image = d.busybox_image()
    work = h.new_tmpdir("remediation")
    run_dir = os.path.join(work, "runs")
    os.mkdir(run_dir)
    flag = os.path.join(work, "restart-enabled")
    pwned = [os.path.join(work, "pwned%d" % i) for i in range(1, 7)]
    # Shell metacharacters: command substitution both ways, ; | && > and quotes.
    compose_service = "$(touch %s)`touch %s`;touch %s" % tuple(pwned[:3])
    payload = "x' | touch %s && touch \"%s\" > %s\n$HOME \\ end" % tuple(pwned[3:])

    d.docker("run", "-d", "--name", "victim", "--network", "none", "-l", "com.docker.compose.project=shop",
             "-l", "com.docker.compose.service=" + compose_service, image, "sleep", "1000000")
    started_first = d.inspect("victim")["State"]["StartedAt"]

    # The remediation script: records its environment (NUL-separated, as data), then
    # restarts the container while the flag file exists.
    script = os.path.join(work, "remediate.sh")
    with open(script, "w") as f:
        f.write("#!/bin/sh\n"
                "n=$(ls %(runs)s | wc -l)\n"
                "env -0 > %(runs)s/run.$((n + 1))\n"
                "if [ -e %(flag)s ]; then\n"
                "  exec %(docker)s --host %(host)s start victim\n"
                "fi\n"
                "echo not restarting\n" % {"runs": run_dir, "flag": flag, "docker": d.cli, "host": d.host})
    os.chmod(script, 0o755)
    open(flag, "w").close()

    rules = """groups:
  - name: remediation
    interval: 1s
    rules:
      - alert: ContainerDown
        expr: vigia_container_state{name="victim", state="running"} == 0
        for: 0s
        labels:
          severity: critical
          payload: %s
""" % json.dumps(payload)
    hooks = Recorder()
    config = """containers:
  docker_socket: %(sock)s
  docker_refresh_interval: 1s
alerting:
  rule_files: [remediation.yml]
  evaluation_interval: 1s
notify:
  route:
    receiver: hook
    group_by: [alertname, name]
    group_wait: 1s
    group_interval: 1s
    repeat_interval: %(repeat)ds
    routes:
      - matchers: ['alertname="ContainerDown"']
        receiver: restart
        continue: true
      - matchers: ['alertname="ContainerDown"']
        receiver: hook
  receivers:
    - name: restart
      exec_configs:
        - command: [%(script)s]
          timeout: 60s
          max_runs: %(max)d
          per: 1h
          send_resolved: false
      webhook_configs: [{url: "%(hook)s/restart-outcome", send_resolved: false}]
    - name: hook
      webhook_configs: [{url: "%(hook)s/hook", send_resolved: true}]
""" % {"sock": d.socket, "repeat": REPEAT_S, "script": json.dumps(script), "max": MAX_RUNS, "hook": hooks.url}
    v = h.Vigia(mode="run", config=config, files={"remediation.yml": rules}, collectors=["container", "docker"],
                env={"VIGIA_SECRET_CANARY": "must-not-leak"}, timeout=60)

    def state(name="victim", st="running"):
        s = v.scrape()
        got = find(s, "vigia_container_state", name=name, state=st)
        return got[0] if got else None

    def alerts_v2():
        return [a for a in h.http_get_json(v.url + "/api/v2/alerts")
                if a["labels"].get("alertname") == "ContainerDown"]

    def alerts_series():
        return find(v.scrape(), "ALERTS", alertname="ContainerDown", alertstate="firing")

    h.wait_for(lambda: state() == 1, 60, "vigia sees victim running")
    s = v.scrape()
    got = [lab for n, lab, _ in s.samples() if n == "vigia_container_state" and lab.get("name") == "victim"
           and lab.get("state") == "running"]
    c.eq([lab.get("container_label_com_docker_compose_service") for lab in got], [compose_service],
         "the compose label with metacharacters is the metric's label, as given to docker")
    time.sleep(3)  # a few evaluations: nothing fires while it runs
    c.eq(alerts_v2(), [], "running: no ContainerDown alert")
    c.eq(runs(run_dir), [], "running: the script has not run")

    # ---- phase 1: stopped -> fires -> the script restarts it -> resolves.
    d.docker("stop", "-t", "1", "victim")
    c.eq(d.inspect("victim")["State"]["Running"], False, "victim stopped")
    h.wait_for(lambda: runs(run_dir), 90, "the exec receiver ran the script")
    h.wait_for(lambda: d.inspect("victim")["State"]["Running"], 60, "victim running again")
    ins = d.inspect("victim")["State"]
    c.check(ins["StartedAt"] != started_first, "victim was started again (a new StartedAt)",
            "%s / %s" % (started_first, ins["StartedAt"]))
    h.wait_for(lambda: "resolved" in statuses(hooks), 90, "the webhook's resolved notification")
    c.check(statuses(hooks).index("firing") < statuses(hooks).index("resolved"),
            "the webhook got firing, then resolved", repr(statuses(hooks)))
    h.wait_for(lambda: not alerts_v2(), 30, "GET /api/v2/alerts without ContainerDown")
    h.wait_for(lambda: not alerts_series(), 30, "ALERTS without ContainerDown")
    c.passed("resolved: not in GET /api/v2/alerts nor in ALERTS")
    # One run; a second only if the resolution took longer than repeat_interval (a loaded
    # machine). send_resolved: false and nothing firing: no run after the resolution.
    first = runs(run_dir)
    time.sleep(REPEAT_S + 2)
    c.eq(len(runs(run_dir)), len(first), "no run after the resolution (send_resolved: false)")
    c.check(1 <= len(first) < MAX_RUNS, "phase 1: one run (%d)" % len(first))
    c.check(all(e.get("VIGIA_STATUS") == "firing" for e in first), "phase 1: every run for the firing alert")
    env = first[0]
    c.eq(env.get("VIGIA_STATUS"), "firing", "VIGIA_STATUS")
    c.eq(env.get("VIGIA_RECEIVER"), "restart", "VIGIA_RECEIVER")
    c.eq(env.get("VIGIA_ALERT_COUNT"), "1", "VIGIA_ALERT_COUNT")
    c.check("ContainerDown" in env.get("VIGIA_GROUP_KEY", "") and "victim" in env.get("VIGIA_GROUP_KEY", ""),
            "VIGIA_GROUP_KEY names the group", env.get("VIGIA_GROUP_KEY"))
    c.eq(env.get("VIGIA_LABEL_ALERTNAME"), "ContainerDown", "VIGIA_LABEL_ALERTNAME")
    c.eq(env.get("VIGIA_LABEL_NAME"), "victim", "VIGIA_LABEL_NAME")
    c.eq(env.get("VIGIA_LABEL_SEVERITY"), "critical", "VIGIA_LABEL_SEVERITY (a rule label)")
    c.eq(env.get("VIGIA_LABEL_CONTAINER_LABEL_COM_DOCKER_COMPOSE_SERVICE"), compose_service,
         "the compose label's metacharacters reach the environment as plain data")
    c.eq(env.get("VIGIA_LABEL_PAYLOAD"), payload, "the rule label's metacharacters and newline, as plain data")
    c.eq([p for p in pwned if os.path.exists(p)], [], "nothing was executed from a label")
    own = {k for k in env if not k.startswith("VIGIA_")}
    c.check(own <= {"PATH", "HOME", "LANG", "TZ", "PWD"}, "of vigia's environment only PATH, HOME, LANG, TZ",
            repr(sorted(own)))
    c.check("VIGIA_SECRET_CANARY" not in env and "VIGIA_TEST_TIMEOUT" not in env,
            "vigia's other variables are not passed on", repr(sorted(env)))
    deliveries = h.http_get_json(v.url + "/api/v1/notifications?receiver=restart")["data"]["deliveries"]
    ok = [x for x in deliveries if x["integration"] == "exec" and "exit status 0" in x["detail"]]
    c.check(len(ok) == len(first) and "victim" in ok[0]["detail"],
            "the notification log records the run: exit status 0 and docker's output", repr(deliveries))
    h.wait_for(lambda: outcomes(hooks), 30, "the run's outcome sent on to the receiver's webhook")
    c.check(outcomes(hooks)[0].startswith("succeeded: exit status 0") and "victim" in outcomes(hooks)[0],
            "the receiver's other integration got the outcome: exit status 0 and the output",
            repr(outcomes(hooks)))

    # ---- phase 2: the script no longer restarts; the alert keeps firing; the rate limit holds.
    os.unlink(flag)
    d.docker("stop", "-t", "1", "victim")
    h.wait_for(lambda: len(runs(run_dir)) >= MAX_RUNS, 60 + 3 * REPEAT_S, "the script run again while firing")
    # The alert keeps firing and is notified every repeat_interval: no run past the limit.
    time.sleep(4 * REPEAT_S + 3)
    all_runs = runs(run_dir)
    c.eq(len(all_runs), MAX_RUNS, "rate limit: %d runs in all (max_runs %d per 1h)" % (MAX_RUNS, MAX_RUNS))
    c.check(all(e.get("VIGIA_STATUS") == "firing" for e in all_runs), "every run was for the firing alert")
    c.eq(d.inspect("victim")["State"]["Running"], False, "phase 2: victim stays stopped")
    c.eq(len(alerts_v2()), 1, "phase 2: ContainerDown still active in GET /api/v2/alerts")
    c.check(alerts_series(), "phase 2: ALERTS has ContainerDown firing")
    hook_firing = sum(1 for s in statuses(hooks) if s == "firing")
    c.check(hook_firing >= 3, "the webhook receiver of the same route got the repeats (%d firing)" % hook_firing)
    deliveries = h.http_get_json(v.url + "/api/v1/notifications?receiver=restart&limit=1000")["data"]["deliveries"]
    limited = [x for x in deliveries if "rate limited" in (x.get("error") or "")]
    c.check(limited, "the notification log says 'rate limited' for the runs not made",
            repr([(x["status"], x["error"], x["detail"]) for x in deliveries]))
    c.eq([p for p in pwned if os.path.exists(p)], [], "still nothing executed from a label")
    v.stop()
    d.stop()


if __name__ == "__main__":
    h.main("remediation end to end: docker stop -> alert -> exec_configs restarts it -> resolved", body)

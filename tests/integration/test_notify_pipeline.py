#!/usr/bin/env python3
"""The whole notifier (vigia run's notify: section) side by side with Alertmanager 0.25
(Debian's prometheus-alertmanager): the same alertmanager.yml given to both (only the
webhook URLs' prefix differs), the same silence and the same alerts POSTed to both
/api/v2/alerts, then every webhook each sends recorded by one server on loopback and
compared field by field (externalURL aside), per receiver and group: routes with
matchers, match/match_re, continue and nesting, group_by with labels and `...`,
inhibition, a silence, and the resolved notifications after the alerts end. Then the
API's view: GET /api/v2/alerts (state, inhibitedBy, receivers, fingerprints) and
/api/v2/alerts/groups, and amtool (Alertmanager's own client) against vigia.
"""

import collections
import json
import os
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness as h  # noqa: E402
from http_recorder import Recorder  # noqa: E402

ALERTMANAGER = "/usr/bin/prometheus-alertmanager"
AMTOOL = "/usr/bin/amtool"

CONFIG = """
route:
  receiver: default
  group_by: [alertname]
  group_wait: 3s
  group_interval: 4s
  repeat_interval: 1h
  routes:
    - matchers: ['severity="page"']
      receiver: pager
      group_by: [alertname, instance]
      continue: true
    - matchers: ['team=~"db|web"']
      receiver: team
      group_by: ['...']
    - match: {service: api}
      receiver: api
      routes:
        - match_re: {env: "prod|staging"}
          receiver: api-prod
inhibit_rules:
  - source_matchers: ['alertname="NodeDown"']
    target_matchers: ['severity="warning"']
    equal: [instance]
receivers:
  - name: default
    webhook_configs: [{url: "PREFIX/default"}]
  - name: pager
    webhook_configs: [{url: "PREFIX/pager", send_resolved: true}]
  - name: team
    webhook_configs: [{url: "PREFIX/team", max_alerts: 2}]
  - name: api
    webhook_configs: [{url: "PREFIX/api", send_resolved: false}]
  - name: api-prod
    webhook_configs: [{url: "PREFIX/api-prod"}]
"""


def iso(ms):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + ".%03dZ" % (ms % 1000)


def post(url, body, method="POST"):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status, r.read().decode()


def get_json(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.loads(r.read().decode())


def alert(name, starts, ends=None, **labels):
    a = {"labels": dict(alertname=name, **labels), "annotations": {"summary": "%s on %s" % (name, labels.get("instance", "-"))},
         "startsAt": iso(starts), "generatorURL": "http://prom.example/graph?g0.expr=up"}
    if ends:
        a["endsAt"] = iso(ends)
    return a


def normalize(payload):
    """The webhook payload without externalURL (each system's own URL)."""
    p = dict(payload)
    p.pop("externalURL", None)
    return p


def by_group(records):
    """{(path, groupKey): [payload, ...]} in arrival order."""
    out = collections.defaultdict(list)
    for path, b in records:
        out[(path, b.get("groupKey"))].append(normalize(b))
    return out


def body(c):
    h.need(ALERTMANAGER, AMTOOL)
    rec = Recorder()
    base = "http://127.0.0.1:%d" % rec.port

    am_port = h.free_port()
    am_dir = h.new_tmpdir("alertmanager")
    with open(os.path.join(am_dir, "am.yml"), "w") as f:
        f.write(CONFIG.replace("PREFIX", base + "/am"))
    am = h.Server("alertmanager", [ALERTMANAGER, "--config.file=" + os.path.join(am_dir, "am.yml"),
                                   "--storage.path=" + os.path.join(am_dir, "data"),
                                   "--web.listen-address=127.0.0.1:%d" % am_port,
                                   "--cluster.listen-address="], "127.0.0.1", am_port, cwd=am_dir)
    am.wait_http(am.url + "/-/ready", timeout=60)
    notify = "\n".join("  " + line for line in CONFIG.replace("PREFIX", base + "/v").strip().splitlines())
    v = h.Vigia(mode="alerts", config="alerting: {rule_files: []}\nnotify:\n" + notify + "\n")

    # The same silence on both, then the same alerts, in one POST each.
    now = int(time.time() * 1000)
    silence = {"matchers": [{"name": "alertname", "value": "Silenced", "isRegex": False}],
               "startsAt": iso(now - 1000), "endsAt": iso(now + 3600000), "createdBy": "test", "comment": "c"}
    for url in (am.url, v.url):
        st, out = post(url + "/api/v2/silences", silence)
        c.eq(st, 200, "%s: silence created" % url)
        c.check(len(json.loads(out)["silenceID"]) == 36, "%s: a UUID silence id" % url, out)
    starts = now - 1500 + 7  # within group_wait: the groups wait for it, on both
    alerts = [
        alert("HighLoad", starts, instance="db1", severity="page"),
        alert("HighLoad", starts, instance="db2", severity="page"),
        alert("DiskFull", starts, instance="db1", team="db", severity="critical"),
        alert("DiskFull", starts, instance="web1", team="web"),
        alert("DiskFull", starts, instance="web2", team="web", mount="/"),
        alert("DiskFull", starts, instance="web3", team="web", mount="/var"),
        alert("Latency", starts, instance="api1", service="api", env="prod"),
        alert("Latency", starts, instance="api2", service="api", env="dev"),
        alert("NodeDown", starts, instance="app1"),
        alert("CpuWarm", starts, instance="app1", severity="warning"),  # inhibited by NodeDown
        alert("CpuWarm", starts, instance="app2", severity="warning"),  # not: other instance
        alert("Silenced", starts, instance="app3"),
        alert("Odd", starts, instance="x", note='quote " and \\ backslash', utf="ünï"),
    ]
    for url in (am.url, v.url):
        st, _ = post(url + "/api/v2/alerts", alerts)
        c.eq(st, 200, "%s: alerts accepted" % url)

    def settle(prefix, n_min):
        h.wait_for(lambda: len(rec.under(prefix)) >= n_min, 60, "%s webhooks" % prefix)
        # Quiet for two group intervals: nothing more is coming.
        last = -1
        while last != len(rec.under(prefix)):
            last = len(rec.under(prefix))
            time.sleep(8.5)
        return rec.under(prefix)

    am_first = settle(base and "/am", 1)
    v_first = settle("/v", len(am_first))
    c.check(len(am_first) >= 8, "Alertmanager sent a webhook per group (%d)" % len(am_first))
    compare(c, by_group(am_first), by_group(v_first), "firing")

    # The API's view of the same alerts.
    am_alerts = {a["fingerprint"]: a for a in get_json(am.url + "/api/v2/alerts")}
    v_alerts = {a["fingerprint"]: a for a in get_json(v.url + "/api/v2/alerts")}
    c.eq(sorted(v_alerts), sorted(am_alerts), "GET /api/v2/alerts: the same alerts (fingerprints)")
    fields = 0
    for fp in sorted(set(am_alerts) & set(v_alerts)):
        a, b = am_alerts[fp], v_alerts[fp]
        for k in ("labels", "annotations", "startsAt", "generatorURL"):
            c.eq(b.get(k), a.get(k), "alert %s: %s" % (fp, k)) and None
            fields += 1
        c.eq(b["status"]["state"], a["status"]["state"], "alert %s: status.state" % fp)
        c.eq(b["status"]["inhibitedBy"], a["status"]["inhibitedBy"], "alert %s: status.inhibitedBy" % fp)
        c.eq(len(b["status"]["silencedBy"]), len(a["status"]["silencedBy"]), "alert %s: silenced by one" % fp)
        c.eq(sorted(r["name"] for r in b["receivers"]), sorted(r["name"] for r in a["receivers"]),
             "alert %s: receivers" % fp)
        fields += 4
    c.note("GET /api/v2/alerts: %d alerts, %d fields compared" % (len(am_alerts), fields))
    am_groups = sorted((json.dumps(g["labels"], sort_keys=True), g["receiver"]["name"],
                        sorted(a["fingerprint"] for a in g["alerts"])) for g in get_json(am.url + "/api/v2/alerts/groups"))
    v_groups = sorted((json.dumps(g["labels"], sort_keys=True), g["receiver"]["name"],
                       sorted(a["fingerprint"] for a in g["alerts"])) for g in get_json(v.url + "/api/v2/alerts/groups"))
    c.eq(v_groups, am_groups, "GET /api/v2/alerts/groups: the same groups, receivers and alerts (%d)" % len(am_groups))

    # amtool, Alertmanager's own client, reads vigia's API as Alertmanager's.
    queried = {}
    for url in (am.url, v.url):
        r = h.run([AMTOOL, "--alertmanager.url=" + url, "alert", "query", "-o", "json"])
        c.eq(r.returncode, 0, "amtool alert query against %s" % url)
        queried[url] = sorted(a["fingerprint"] for a in json.loads(r.stdout))
    c.eq(queried[v.url], queried[am.url], "amtool alert query: the same (unsilenced, uninhibited) alerts")
    c.check(len(queried[v.url]) == len(v_alerts) - 2, "amtool alert query leaves out the silenced and the inhibited")
    r = h.run([AMTOOL, "--alertmanager.url=" + v.url, "silence", "query", "-o", "json"])
    c.eq(r.returncode, 0, "amtool silence query against vigia")
    c.eq([s["matchers"][0]["value"] for s in json.loads(r.stdout)], ["Silenced"], "amtool sees the silence")
    r = h.run([AMTOOL, "--alertmanager.url=" + v.url, "silence", "add", "alertname=Other", "--comment=x",
               "--author=me", "--duration=1h"])
    c.eq(r.returncode, 0, "amtool silence add against vigia", ) and None
    sid = r.stdout.strip()
    r = h.run([AMTOOL, "--alertmanager.url=" + v.url, "silence", "expire", sid])
    c.eq(r.returncode, 0, "amtool silence expire against vigia")
    c.eq(get_json(v.url + "/api/v2/silence/" + sid)["status"]["state"], "expired", "the silence is expired")

    # vigia silence, amtool's commands, against both; amtool reads the result.
    for url in (am.url, v.url):
        r = h.run([h.VIGIA_BINARY, "silence", "add", "--alertmanager.url=" + url, "--comment=maintenance",
                   "--author=ops", "--duration=2h", "instance=~db.*", "job!=x"])
        c.eq(r.returncode, 0, "vigia silence add against %s" % url)
        new_id = r.stdout.strip()
        r = h.run([AMTOOL, "--alertmanager.url=" + url, "silence", "query", "-q", "instance=~db.*"])
        c.eq(r.stdout.split(), [new_id], "amtool silence query -q finds the silence vigia added to %s" % url)
        r = h.run([h.VIGIA_BINARY, "silence", "query", "--alertmanager.url=" + url, "--quiet"])
        q = h.run([AMTOOL, "--alertmanager.url=" + url, "silence", "query", "-q"])
        c.eq(sorted(r.stdout.split()), sorted(q.stdout.split()), "vigia silence query --quiet lists what amtool's does")
        r = h.run([h.VIGIA_BINARY, "silence", "query", "--alertmanager.url=" + url])
        c.contains(r.stdout, "instance=~db.* job!=x", "vigia silence query shows the matchers")
        r = h.run([h.VIGIA_BINARY, "silence", "expire", "--alertmanager.url=" + url, new_id])
        c.eq(r.returncode, 0, "vigia silence expire")
        r = h.run([AMTOOL, "--alertmanager.url=" + url, "silence", "query", "-q", "instance=~db.*"])
        c.eq(r.stdout.split(), [], "expired, as amtool sees it")
        r = h.run([h.VIGIA_BINARY, "silence", "expire", "--alertmanager.url=" + url, "nonexistent"])
        c.check(r.returncode != 0, "expiring an unknown silence fails", r.stderr)
        r = h.run([h.VIGIA_BINARY, "silence", "add", "--alertmanager.url=" + url, "--comment=c", "a=~("])
        c.check(r.returncode != 0 and "(" in r.stderr, "a bad matcher is refused with its error", r.stderr)

    # Resolve some alerts on both: resolved notifications (send_resolved per receiver).
    now = int(time.time() * 1000)
    resolved = [dict(a) for a in alerts if a["labels"]["alertname"] in ("HighLoad", "Latency", "DiskFull")
                and a["labels"]["instance"] in ("db2", "api1", "api2", "web1", "db1")]
    for a in resolved:
        a["endsAt"] = iso(now - 500)
    for url in (am.url, v.url):
        st, _ = post(url + "/api/v2/alerts", resolved)
        c.eq(st, 200, "%s: resolved alerts accepted" % url)
    n_am, n_v = len(am_first), len(v_first)
    time.sleep(1)
    am_all = settle("/am", n_am + 1)
    v_all = settle("/v", n_v + 1)
    compare(c, by_group(am_all[n_am:]), by_group(v_all[n_v:]), "after resolving")
    am.stop()
    v.stop()

    # Without a notify: section vigia still runs: alerts are logged, the landing page says so.
    bare = h.Vigia(mode="alerts", config="alerting: {rule_files: []}\n")
    c.contains(bare.get("/").body, "No receiver is configured", "the landing page says no receiver is configured")
    st, _ = post(bare.url + "/api/v2/alerts", [{"labels": {"alertname": "Lonely"}}])
    c.eq(st, 200, "alerts are still accepted")
    # (group_wait is Alertmanager's default, 30 s)
    h.wait_for(lambda: "Lonely" in open(bare.path("vigia.log")).read(), 90, "the notification logged")
    r = h.http_get(bare.url + "/api/v2/alerts", method="POST")
    c.eq(r.status, 400, "an empty POST body is a bad request")
    big = b"[" + b'{"labels":{"a":"b"}},' * 300000 + b'{"labels":{"a":"c"}}]'
    req = urllib.request.Request(bare.url + "/api/v2/alerts", data=big, method="POST")
    try:
        code = urllib.request.urlopen(req, timeout=30).status
    except urllib.error.HTTPError as e:
        code = e.code
    except (ConnectionError, urllib.error.URLError):
        code = 413  # the server may close the connection as it refuses the body
    c.eq(code, 413, "a %d MB body is refused (413)" % (len(big) // 1000000))
    c.check(bare.running(), "and vigia goes on")
    bare.stop()


def compare(c, am, v, phase):
    c.eq(sorted(v), sorted(am), "%s: webhooks to the same receivers and groups (%d)" % (phase, len(am)))
    fields = 0
    for key in sorted(set(am) & set(v)):
        a_list, v_list = am[key], v[key]
        c.eq(len(v_list), len(a_list), "%s %s: as many notifications" % (phase, key))
        for i, (a, b) in enumerate(zip(a_list, v_list)):
            for k in sorted(set(a) | set(b)):
                if k == "alerts":
                    continue
                c.eq(b.get(k), a.get(k), "%s %s #%d: %s" % (phase, key, i, k))
                fields += 1
            c.eq(len(b.get("alerts", [])), len(a.get("alerts", [])), "%s %s #%d: alert count" % (phase, key, i))
            for j, (x, y) in enumerate(zip(a.get("alerts", []), b.get("alerts", []))):
                for k in sorted(set(x) | set(y)):
                    c.eq(y.get(k), x.get(k), "%s %s #%d alert %d: %s" % (phase, key, i, j, k))
                    fields += 1
    c.note("%s: %d groups, %d fields compared" % (phase, len(am), fields))


if __name__ == "__main__":
    h.main("notifier end to end, side by side with Alertmanager 0.25", body)

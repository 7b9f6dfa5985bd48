#!/usr/bin/env python3
"""deploy/'s configuration files, checked by the tools that read them:
  - prometheus.yml: `promtool check config` (with its rule files, rules/*.yml), then a real
    Prometheus running it (addresses pointed at a test vigia with a real Redis target named as
    the file names it, TLS and basic auth left out: vigia here has no web config) shows the
    /probe layout: instance = the target's name, no `target` label, and the vigia job's copy of
    the service series dropped while vigia's /metrics does serve them;
  - alertmanager.yml: `amtool check-config` (Debian's prometheus-alertmanager);
  - docker-compose.yml: `docker-compose config` (Debian's docker-compose), with and without the
    alertmanager profile;
  - vigia.service: `systemd-analyze verify` clean, `systemd-analyze security --offline` score;
  - vigia.yml: `vigia check config`;
  - web-config.yml: the bcrypt hash is the documented example password's (libcrypt).
"""
import os
import re
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness as h  # noqa: E402
import redis_harness as rh  # noqa: E402

DEPLOY = os.path.join(h.SOURCE_DIR, "deploy")
RULES = os.path.join(h.SOURCE_DIR, "rules")


def read(name):
    with open(os.path.join(DEPLOY, name)) as f:
        return f.read()


def timed(c, what, fn):
    t0 = time.monotonic()
    out = fn()
    c.note("%s: %.1f s" % (what, time.monotonic() - t0))
    return out


def check_promtool(c):
    d = h.new_tmpdir("promtool")
    for name in ("vigia.password", "vigia.crt"):
        open(os.path.join(d, name), "w").close()
    text = read("prometheus.yml").replace("/etc/prometheus/", d + "/").replace("/usr/share/vigia/rules", RULES)
    cfg = os.path.join(d, "prometheus.yml")
    with open(cfg, "w") as f:
        f.write(text)
    r = h.run([h.PROMTOOL, "check", "config", cfg], timeout=120)
    c.check(r.returncode == 0, "promtool check config deploy/prometheus.yml", (r.stdout + r.stderr)[-1500:])
    # vigia run (the compose file's and the unit's command) evaluates the rules: Prometheus must
    # not load them too, or every alert is notified twice.
    c.check("rule_files:" not in re.sub(r"(?m)^#.*\n", "", text),
            "prometheus.yml loads no rule files (vigia run evaluates them)")
    c.check(re.search(r"(?m)^\s+- run$", read("docker-compose.yml")), "the compose file starts `vigia run`")
    # The documented alternative: uncommented, its rule_files find vigia's rules.
    alt = re.sub(r"(?m)^# rule_files:\n#   - (.*)$", r"rule_files:\n  - \1", text)
    c.check(alt != text, "prometheus.yml has the commented rule_files alternative")
    with open(cfg, "w") as f:
        f.write(alt)
    r = h.run([h.PROMTOOL, "check", "config", cfg], timeout=120)
    c.check(r.returncode == 0 and re.search(r"SUCCESS: [1-9]\d* rule files found", r.stdout),
            "uncommented, its rule_files find vigia's rules", (r.stdout + r.stderr)[-800:])


def plain_http(text):
    """prometheus.yml without the scheme/basic_auth/tls_config blocks (vigia without web config)."""
    text = re.sub(r"^( +)scheme: https\n", "", text, flags=re.M)
    text = re.sub(r"^( +)basic_auth:\n\1  username: .*\n\1  password_file: .*\n", "", text, flags=re.M)
    text = re.sub(r"^( +)tls_config:\n\1  ca_file: .*\n", "", text, flags=re.M)
    return text


def check_probe_layout(c):
    text = read("prometheus.yml")
    # The file's Redis target name, from its redis job.
    m = re.search(r"job_name: redis\n(?:.*\n)*?\s+- targets: \[(\w+)\]", text)
    assert m, "prometheus.yml has a redis job with a static target"
    name = m.group(1)
    redis = rh.start_redis("deploy")
    v = h.Vigia(mode="exporter", config=h.service_yaml({"redis": [redis.target(name)]}))
    direct = v.scrape()
    c.eq(h.find(direct, "redis_up", target=name), [1.0],
         "vigia's /metrics serves redis_up{target=%r} (what the vigia job must drop)" % name)
    text = plain_http(text).replace("127.0.0.1:9910", "127.0.0.1:%d" % v.port)
    text = text.replace("/usr/share/vigia/rules", RULES)
    text = text.replace("scrape_interval: 15s", "scrape_interval: 1s").replace("scrape_timeout: 10s",
                                                                              "scrape_timeout: 1s")
    live = "\n".join(l for l in text.split("\n") if not l.lstrip().startswith("#"))
    c.check("https" not in live and "basic_auth" not in live and "tls_config" not in live,
            "TLS and basic auth taken out for the run")
    prom = h.start_prometheus(text)

    def query(q):
        r = h.http_get_json(prom.url + "/api/v1/query?query=" + urllib.parse.quote(q))
        return r["data"]["result"]

    def ready():
        return query('redis_up{job="redis"}') and query('node_load1{job="vigia"}')

    h.wait_for(ready, 60, "Prometheus to scrape the redis and vigia jobs")
    up = query('up{job="redis"}')
    c.eq([(s["metric"].get("instance"), s["value"][1]) for s in up], [(name, "1")],
         "the redis job: one instance, the target's name, up 1")
    ru = query('redis_up{job="redis"}')
    c.eq([(s["metric"].get("instance"), s["metric"].get("target"), s["value"][1]) for s in ru],
         [(name, None, "1")], "redis_up through /probe: instance=%s, no target label" % name)
    c.check(query('node_load1{job="vigia",instance="127.0.0.1:%d"}' % v.port),
            "the vigia job: host metrics with vigia's address as instance")
    time.sleep(3)  # a few more scrapes of the vigia job
    c.eq(query('count({job="vigia",__name__=~"redis_.*"})'), [],
         "the vigia job drops the service series (scraped once, through /probe)")
    c.check(query('vigia_collector_success{job="vigia"}'), "the vigia job keeps vigia's own series")
    for job in ("postgres", "pgbouncer", "rabbitmq", "nginx"):
        s = query('up{job="%s"}' % job)
        c.check(s and all(x["metric"]["instance"] != "127.0.0.1:%d" % v.port for x in s),
                "job %s: instance = target name (%s)" % (job, ",".join(x["metric"]["instance"] for x in s)))


def check_amtool(c):
    r = h.run(["/usr/bin/amtool", "check-config", os.path.join(DEPLOY, "alertmanager.yml")], timeout=60)
    c.check(r.returncode == 0, "amtool check-config deploy/alertmanager.yml", (r.stdout + r.stderr)[-1500:])
    c.check("2 receivers" in r.stdout and "1 inhibit rules" in r.stdout, "email and critical receivers, inhibit rule",
            r.stdout)


def check_compose(c):
    f = os.path.join(DEPLOY, "docker-compose.yml")
    r = h.run(["/usr/bin/docker-compose", "-f", f, "config", "--quiet"], timeout=120, cwd=DEPLOY)
    c.check(r.returncode == 0 and not r.stderr.strip(), "docker-compose config: valid, no warnings",
            (r.stdout + r.stderr)[-1500:])
    r = h.run(["/usr/bin/docker-compose", "-f", f, "--profile", "alertmanager", "config", "--services"],
              timeout=120, cwd=DEPLOY)
    c.eq(sorted(r.stdout.split()), ["alertmanager", "grafana", "prometheus", "vigia"], "services")
    r = h.run(["/usr/bin/docker-compose", "-f", f, "config"], timeout=120, cwd=DEPLOY)
    text = r.stdout
    am = re.search(r"^  alertmanager:\n((?:    .*\n)+)", text, re.M)
    c.check(am and re.search(r"^    profiles:\n    - alertmanager$", am.group(1), re.M),
            "Alertmanager only with the alertmanager profile")
    vig = re.search(r"^  vigia:\n((?:    .*\n)+)", text, re.M)
    vig = vig.group(1) if vig else ""
    for mount in ("/proc:/host/proc:ro", "/sys:/host/sys:ro", "/:/host/root:ro,rslave",
                  "/var/run/docker.sock:/var/run/docker.sock:ro"):
        c.contains(vig, "    - %s\n" % mount, "vigia mounts %s read-only" % mount.split(":")[0])
    for flag in ("--path.procfs=/host/proc", "--path.sysfs=/host/sys", "--path.rootfs=/host/root"):
        c.contains(vig, flag, "vigia gets %s" % flag)


def check_systemd(c):
    d = h.new_tmpdir("systemd")
    unit = os.path.join(d, "vigia.service")
    # verify checks that ExecStart's program exists: the built binary in place of /usr/bin/vigia.
    with open(unit, "w") as f:
        f.write(read("vigia.service").replace("/usr/bin/vigia", h.VIGIA_BINARY))
    r = h.run(["systemd-analyze", "verify", unit], timeout=120)
    c.check(r.returncode == 0 and not (r.stdout + r.stderr).strip(), "systemd-analyze verify vigia.service: clean",
            (r.stdout + r.stderr)[-1500:])
    r = h.run(["systemd-analyze", "security", "--offline=yes", "--no-pager", unit], timeout=120)
    m = re.search(r"Overall exposure level for vigia.service: ([0-9.]+) (\w+)", r.stdout)
    if c.check(m, "systemd-analyze security gives a score", (r.stdout + r.stderr)[-800:]):
        c.note("systemd-analyze security: %s %s" % (m.group(1), m.group(2)))
        c.check(float(m.group(1)) <= 2.0, "exposure <= 2.0 (hardened)", m.group(1))
    text = read("vigia.service")
    for key in ("ProtectSystem=strict", "NoNewPrivileges=yes", "PrivateTmp=yes", "CapabilityBoundingSet=\n",
                "StateDirectory=vigia", "SystemCallFilter=@system-service",
                "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK"):
        c.contains(text, key, "vigia.service has %s" % key.strip())


def check_vigia_yml(c):
    r = h.run([h.VIGIA_BINARY, "check", "config", "--config.file=" + os.path.join(DEPLOY, "vigia.yml")], timeout=60)
    c.check(r.returncode == 0, "vigia check config deploy/vigia.yml", (r.stdout + r.stderr)[-800:])


def check_web_config(c):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import crypt
    text = read("web-config.yml")
    pw = re.search(r'hash below is of the password\s*\n#\s*"([^"]+)"', text)
    hashed = re.search(r"^  prometheus: (\$2[aby]\$\d\d\$\S{53})$", text, re.M)
    if c.check(pw and hashed, "web-config.yml documents the example password and its bcrypt hash"):
        c.eq(crypt.crypt(pw.group(1), hashed.group(1)), hashed.group(1), "the hash is the documented password's")


def body(c):
    h.need(h.PROMTOOL, "/usr/bin/amtool", "/usr/bin/docker-compose", "systemd-analyze")
    timed(c, "promtool", lambda: check_promtool(c))
    timed(c, "amtool", lambda: check_amtool(c))
    timed(c, "docker-compose config", lambda: check_compose(c))
    timed(c, "systemd-analyze", lambda: check_systemd(c))
    timed(c, "vigia check config", lambda: check_vigia_yml(c))
    check_web_config(c)
    timed(c, "Prometheus with prometheus.yml (/probe layout)", lambda: check_probe_layout(c))


if __name__ == "__main__":
    h.main("deploy/ configuration files", body)

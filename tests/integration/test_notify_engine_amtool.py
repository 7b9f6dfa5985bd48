#!/usr/bin/env python3
"""The notifier's engine against Alertmanager 0.25 itself (amtool, from Debian's
prometheus-alertmanager): on the corpus tests/fixtures/notify/configs/*.yml, vigia's config reader
accepts exactly the files `amtool check-config` accepts, except the files that use a key
Alertmanager has and vigia refuses by name (EXPECTED_REFUSALS: amtool accepts them, vigia must
refuse them); and on every accepted file, for many label sets, vigia's routing tree gives the same
receivers, in the same order, as `amtool config routes test`. The engine is reached through the
test-only binary notify_engine_tool (tests/tools/). Time intervals' zones: vigia's own TZif reader
gives the same UTC offsets as Python's zoneinfo (the same system tz database) at many instants from
1970 to 2100, past the files' last transitions (their POSIX TZ footer)."""

import glob
import json
import os
import random
import sys
import zoneinfo
from datetime import datetime, timezone

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness as h  # noqa: E402

AMTOOL = "/usr/bin/amtool"
TOOL = os.environ.get("VIGIA_NOTIFY_TOOL", os.path.join(h.SOURCE_DIR, "build", "tests", "notify_engine_tool"))
CORPUS = os.path.join(h.FIXTURES, "notify", "configs")
# Files whose only fault, for vigia, is a key Alertmanager has and vigia does not implement.
EXPECTED_REFUSALS = {
    "refused_pagerduty_configs.yml": "pagerduty_configs",
    "refused_global_opsgenie.yml": "opsgenie_api_key",
    "refused_global_pagerduty_url.yml": "pagerduty_url",
    "refused_http_oauth2.yml": "oauth2",
    "refused_http_proxy_url.yml": "proxy_url",
    "refused_webex_configs.yml": "webex_configs",
}
# Label sets per accepted file: many on the routing-rich files, a few on the others.
LABEL_SETS_ROUTES = 32
LABEL_SETS_OTHER = 4
NAMES = ["alertname", "severity", "team", "service", "env", "instance", "job"]
VALUES = {
    "alertname": ["", "DiskFull", "Disk", "NodeDown", "a\"b", "HighLoad"],
    "severity": ["", "page", "critical", "warning", "warn", "info", "Page"],
    "team": ["", "db", "web", "frontend", "webx", "ops"],
    "service": ["", "pg", "pgbouncer", "mysql", "mariadb", "web", "api", "a.b", "axb"],
    "env": ["", "prod", "staging", "stag", "dev"],
    "instance": ["", "a:1", "x,y", "host1", "HOST2", "hostx"],
    "job": ["", "x\\y", "node", "x"],
}


def amtool_label(name, value):
    escaped = value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n")
    return '%s="%s"' % (name, escaped)


def label_sets(rng, n):
    out = [{}]
    for _ in range(n - 1):
        ls = {}
        for name in NAMES:
            if rng.random() < 0.6:
                value = rng.choice(VALUES[name])
                if value:  # an empty label is the same as a missing one; keep sets plain
                    ls[name] = value
        out.append(ls)
    return out


def body(c):
    h.need(AMTOOL)
    if not os.path.exists(TOOL):
        raise h.HarnessError("%s is not built (cmake --build build --target notify_engine_tool)" % TOOL)
    files = sorted(glob.glob(os.path.join(CORPUS, "*.yml")))
    c.check(len(files) >= 60, "the corpus has several dozen files", "%d files" % len(files))
    agree = disagree = refused_ok = 0
    accepted = []
    for f in files:
        name = os.path.basename(f)
        am = h.run([AMTOOL, "check-config", f], timeout=60)
        vg = h.run([TOOL, "check", f], timeout=60)
        am_ok, vg_ok = am.returncode == 0, vg.returncode == 0
        if name in EXPECTED_REFUSALS:
            key = EXPECTED_REFUSALS[name]
            ok = am_ok and not vg_ok and ("'%s' is not supported by vigia" % key) in vg.stderr
            c.check(ok, "%s: amtool accepts, vigia refuses '%s' by name" % (name, key),
                    "amtool rc %d, vigia: %s" % (am.returncode, vg.stderr.strip()))
            refused_ok += ok
            continue
        if am_ok == vg_ok:
            agree += 1
        else:
            disagree += 1
            c.check(False, "%s: vigia %s, amtool %s" % (name, "accepts" if vg_ok else "refuses",
                                                        "accepts" if am_ok else "refuses"),
                    "amtool: %s / vigia: %s" % (am.stdout.strip()[-300:], vg.stderr.strip()))
        if not vg_ok:
            # An error names file:line:column (or the file, for an empty one).
            c.check(vg.stderr.startswith(f), "%s: the error names the file" % name, vg.stderr.strip())
        if am_ok and vg_ok:
            accepted.append(f)
    c.check(disagree == 0, "check-config: vigia and amtool agree on %d of %d files (+%d refused by name)"
            % (agree, agree + disagree, refused_ok))

    rng = random.Random(17)
    same = differ = 0
    for f in accepted:
        sets = label_sets(rng, LABEL_SETS_ROUTES if "_routes_" in f else LABEL_SETS_OTHER)
        vg = h.run([TOOL, "routes", f], timeout=60, input="".join(json.dumps(ls) + "\n" for ls in sets))
        c.check(vg.returncode == 0, "%s: vigia's routes ran" % os.path.basename(f), vg.stderr)
        got = vg.stdout.split("\n")
        for i, ls in enumerate(sets):
            args = [amtool_label(k, v) for k, v in sorted(ls.items())]
            am = h.run([AMTOOL, "config", "routes", "test", "--config.file=" + f] + args, timeout=60)
            want = am.stdout.strip()
            mine = got[i] if i < len(got) else None
            if am.returncode == 0 and mine == want:
                same += 1
            else:
                differ += 1
                c.check(False, "%s %s: receivers" % (os.path.basename(f), ls),
                        "vigia %r, amtool %r (rc %d %s)" % (mine, want, am.returncode, am.stderr.strip()[-200:]))
    c.check(same > 0 and differ == 0,
            "routing: vigia and amtool give the same receivers for %d of %d label sets on %d files"
            % (same, same + differ, len(accepted)))
    check_zones(c)


ZONES = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "America/Sao_Paulo",
         "Pacific/Chatham", "Africa/Casablanca", "Europe/Dublin", "America/St_Johns", "Asia/Tehran", "UTC",
         "Pacific/Auckland", "America/Santiago", "Europe/London", "Asia/Tokyo", "Antarctica/Troll"]


def check_zones(c):
    rng = random.Random(25)
    times = [rng.randrange(0, 4102444800) for _ in range(400)]  # 1970-2100
    # Near the DST switches of a recent and a far year, at hourly steps.
    for year in (2024, 2061):
        for month in (3, 4, 9, 10, 11):
            base = int(datetime(year, month, 1, tzinfo=timezone.utc).timestamp())
            times += [base + k * 3600 for k in range(0, 31 * 24, 5)]
    same = differ = 0
    for name in ZONES:
        vg = h.run([TOOL, "offsets", name], timeout=60, input="".join("%d\n" % t for t in times))
        got = vg.stdout.split()
        zone = zoneinfo.ZoneInfo(name)
        for i, t in enumerate(times):
            want = int(datetime.fromtimestamp(t, zone).utcoffset().total_seconds())
            if i < len(got) and int(got[i]) == want:
                same += 1
            else:
                differ += 1
                if differ <= 10:
                    c.check(False, "%s at %d: offset" % (name, t), "vigia %s, zoneinfo %d"
                            % (got[i] if i < len(got) else None, want))
    c.check(differ == 0, "zones: vigia's TZif reader and zoneinfo agree on %d of %d offsets (%d zones)"
            % (same, same + differ, len(ZONES)))


if __name__ == "__main__":
    h.main("notify engine vs amtool (config acceptance, routing)", body)

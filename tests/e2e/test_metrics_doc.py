#!/usr/bin/env python3
"""docs/metrics.md against a live vigia: every area configured against real servers
(tests/lib/stack.py, start_stack(full=True)), vigia scraped; the test fails if vigia exports a family that
docs/metrics.md does not list, or if a family the page lists without marking it
**conditional** is not exported. Types are compared too (a family documented as a counter
must be exported as one).

    test_metrics_doc.py --dump FILE   writes the scrape's text to FILE (for
                                      tests/tools/metrics_doc_gen.py) and checks nothing."""
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness as h  # noqa: E402
import stack as seeds  # noqa: E402

DOC = os.path.join(h.SOURCE_DIR, "docs", "metrics.md")
ROW = re.compile(r"^\|\s*`([a-zA-Z_:][a-zA-Z0-9_:]*)`\s*\|\s*([a-z]+)\s*\|(.*)$")


def doc_families(path=DOC):
    """{name: (type, conditional)} of the page's table rows."""
    out = {}
    for line in open(path):
        m = ROW.match(line.strip())
        if m:
            out[m.group(1)] = (m.group(2), "**conditional**" in m.group(3))
    return out


def scrape_until_stable(vigia):
    """Scrapes until two scrapes in a row give the same family set (the slow servers'
    series, RabbitMQ's management stats and the probes' first runs, come late)."""
    last = None
    for _ in range(10):
        r = vigia.get("/metrics")
        fams = h.parse_exposition(r.body)
        if last is not None and set(fams) == set(last[1]):
            return r.body, fams
        last = (r.body, fams)
        time.sleep(3)
    return last


def body(c):
    stack = seeds.start_stack(full=True, prometheus=False)
    # Wait until the slow servers' series are there (RabbitMQ's management stats lag).
    h.wait_for(lambda: "rabbitmq_queue_messages" in stack.vigia.scrape(), 90, "rabbitmq per-queue series")
    h.wait_for(lambda: "probe_success" in stack.vigia.scrape(), 30, "probe series")
    h.wait_for(lambda: "vigia_container_health_status" in stack.vigia.scrape(), 60, "the container's health")
    text, fams = scrape_until_stable(stack.vigia)
    if len(sys.argv) > 2 and sys.argv[1] == "--dump":
        with open(sys.argv[2], "w") as f:
            f.write(text)
        c.note("%d families written to %s" % (len(fams), sys.argv[2]))
        return
    # Every service target is up (a down server would hide its families).
    for area in ("pg", "pgbouncer", "redis", "rabbitmq", "nginx"):
        ups = [(l.get("target"), v) for n, l, v in fams[area + "_up"]["samples"]] if area + "_up" in fams else []
        ups = [u for u in ups if u[0] != "down"]
        c.check(ups and all(v == 1 for _, v in ups), "%s_up is 1 for every live target" % area, repr(ups))
    doc = doc_families()
    c.check(len(doc) > 100, "docs/metrics.md lists families (%d)" % len(doc))
    undocumented = sorted(n for n in fams if n not in doc)
    c.check(not undocumented, "every exported family is in docs/metrics.md (%d exported)" % len(fams),
            "%d missing: %s" % (len(undocumented), ", ".join(undocumented[:40])))
    live = sorted(n for n, (_, cond) in doc.items() if not cond)
    absent = [n for n in live if n not in fams]
    c.check(not absent, "every family docs/metrics.md lists as unconditional is exported (%d)" % len(live),
            "%d not exported: %s" % (len(absent), ", ".join(absent[:40])))
    wrong = ["%s: doc %s, exported %s" % (n, doc[n][0], fams[n]["type"])
             for n in fams if n in doc and doc[n][0] != fams[n]["type"]]
    c.check(not wrong, "documented types match the exported ones", "; ".join(wrong[:20]))
    c.note("%d families documented: %d unconditional, %d conditional (%d of them exported in this run)" % (
        len(doc), len(live), len(doc) - len(live), sum(1 for n, (_, co) in doc.items() if co and n in fams)))


if __name__ == "__main__":
    h.main("docs/metrics.md against a live vigia", body)

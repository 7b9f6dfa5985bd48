#!/usr/bin/env python3
"""Connections that send nothing, half a request, or never read their response do not delay
anyone else's scrape, and are closed by --web.read-timeout.

Ordering, not timing: with 1000 idle and half-sent connections (and 30 that never read a
large response) open, scrapes must all be answered before the first of those connections is
closed by the server; a server that serves them thread by thread (civetweb with 16 threads)
answers the scrape only after the read timeout frees its threads, so it fails here. Then each
idle connection must be closed by the server (end of stream), later than the scrapes and
within the timeout plus slack. TLS does not exist yet: stalled handshakes are for later.
"""
import os
import resource
import selectors
import socket
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness as h  # noqa: E402

IDLE = 1000
SLOW_READERS = 30  # their requests are in flight at once: fewer than --web.max-requests
READ_TIMEOUT = 8.0  # seconds; long enough to open everything and scrape on a loaded machine


def scrape_seconds(url):
    t = time.monotonic()
    r = h.http_get(url + "/metrics", timeout=READ_TIMEOUT * 2)
    return r, time.monotonic() - t


def open_idle(port, n):
    socks = []
    for i in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.setblocking(False)
        kind = i % 3
        if kind == 1:
            s.send(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")  # headers never finished
        elif kind == 2:
            s.send(b"GE")  # a request line never finished
        socks.append(s)
    return socks


def open_slow_readers(port, n):
    socks = []
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect(("127.0.0.1", port))
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")  # and never read the answer
        s.setblocking(False)
        socks.append(s)
    return socks


def closed_by_server(s):
    """True once the server ended the stream (EOF or reset); reads and drops any data."""
    try:
        while True:
            data = s.recv(65536)
            if not data:
                return True
    except BlockingIOError:
        return False
    except OSError:
        return True


def body(c):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = IDLE + SLOW_READERS + 200
    if hard < need:
        print("SKIP: RLIMIT_NOFILE hard limit %d < %d" % (hard, need))
        sys.exit(77)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    ms = int(READ_TIMEOUT * 1000)
    with h.start_vigia(["exporter", "--web.read-timeout=%dms" % ms]) as v:
        base = [scrape_seconds(v.url)[1] for _ in range(5)]

        t_open = time.monotonic()
        idle = open_idle(v.port, IDLE)
        slow = open_slow_readers(v.port, SLOW_READERS)
        opened = time.monotonic()
        c.note("opened %d idle/half-sent and %d slow-reader connections in %.2f s" % (
            IDLE, SLOW_READERS, opened - t_open))

        loaded = []
        statuses = []
        for _ in range(5):
            r, dt = scrape_seconds(v.url)
            statuses.append(r.status)
            loaded.append(dt)
        scraped = time.monotonic()
        c.check(all(s == 200 for s in statuses), "5 scrapes with %d idle connections open answer 200" % IDLE,
                repr(statuses))
        still_open = sum(1 for s in idle if not closed_by_server(s))
        c.eq(still_open, IDLE, "every idle connection is still open when the scrapes are answered "
                               "(the scrapes did not wait for the read timeout)")
        c.note("scrape seconds, median of 5: %.3f without, %.3f with the idle connections" % (
            statistics.median(base), statistics.median(loaded)))
        c.check(r.body.count("\nnode_") > 100 or r.body.startswith("# HELP"),
                "the scrape under load is a full exposition", h._clip(r.body))

        # The server closes them: after the scrapes, within the read timeout plus slack.
        sel = selectors.DefaultSelector()
        pending = set(idle)
        for s in idle:
            sel.register(s, selectors.EVENT_READ)
        deadline = t_open + READ_TIMEOUT + 20
        while pending and time.monotonic() < deadline:
            for key, _ in sel.select(timeout=0.5):
                if closed_by_server(key.fileobj):
                    sel.unregister(key.fileobj)
                    pending.discard(key.fileobj)
        all_closed = time.monotonic()
        c.eq(len(pending), 0, "every idle and half-sent connection is closed by the server")
        c.check(all_closed >= t_open + READ_TIMEOUT - 1.0,
                "they were closed by the read timeout, not before (%.1f s after opening the first)" % (
                    all_closed - t_open))
        c.note("scrapes done %.1f s after opening; idle connections all closed %.1f s after opening" % (
            scraped - t_open, all_closed - t_open))

        # Slow readers stop reading a response: closed by the same timeout, scrapes unaffected.
        h.wait_for(lambda: all(closed_by_server(s) for s in slow), READ_TIMEOUT + 20,
                   "slow readers closed by the server")
        c.check(True, "connections that never read their response are closed too")
        for s in idle + slow:
            s.close()

        m = h.http_get(v.url + "/metrics").body
        timeouts = [ln for ln in m.splitlines() if ln.startswith("vigia_http_read_timeouts_total ")]
        c.check(timeouts and float(timeouts[0].split()[1]) >= IDLE,
                "vigia_http_read_timeouts_total counts the idle connections closed", repr(timeouts))


if __name__ == "__main__":
    h.main("HTTP: idle, half-sent and slow-reading connections", body)

#!/usr/bin/env python3
"""Shutdown while an HTTP request is in flight (core/http_client.h's interrupt): `vigia exporter`
with an nginx target on a loopback server that accepts connections and never answers. A scrape
with a 60 s timeout waits on it; SIGTERM, once the server has the request's connection, ends vigia
with exit 0 within 3 s (the request is aborted, not left to its timeout), in `vigia run` too, where
the evaluator's own collection is the one waiting; `vigia run` whose alerting.scrape job scrapes
the silent server with a 60 s timeout; and `vigia run` whose rules query it as alerting.query_url
(a 60 s query timeout)."""

import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness as h  # noqa: E402

EXIT_WITHIN = 3.0


class SilentServer:
    """Accepts TCP connections on loopback and never answers; counts them."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        self.stopping = False
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        self.sock.settimeout(0.2)
        while not self.stopping:
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.conns.append(conn)

    def close(self):
        self.stopping = True
        for c in self.conns:
            c.close()
        self.sock.close()


def check(c, mode, server):
    before = len(server.conns)
    config = h.service_yaml({"nginx": [{"name": "silent", "url": "http://127.0.0.1:%d/stub_status" % server.port}]})
    vigia = h.Vigia(mode, config=config, collectors=["nginx"])
    if mode == "exporter":
        # A scrape that would wait up to 60 s for the silent server.
        threading.Thread(target=lambda: vigia.get("/metrics", timeout_header=60, http_timeout=120),
                         daemon=True).start()
    h.wait_for(lambda: len(server.conns) > before, 20, "vigia's request connected to the silent server")
    time.sleep(0.3)  # the request is sent and waiting for an answer
    assert vigia.running()
    rc, took = vigia.terminate(90)
    assert rc is not None, "%s: vigia did not exit within 90 s of SIGTERM" % mode
    assert rc == 0, "%s: exit code %d" % (mode, rc)
    assert took < EXIT_WITHIN, "vigia %s took %.2fs to exit after SIGTERM" % (mode, took)
    c.passed("vigia %s, a request in flight to a silent server: SIGTERM -> exit 0 after %.2fs" % (mode, took))


def check_evaluator(c, server, config, what):
    before = len(server.conns)
    vigia = h.Vigia("run", config=config, collectors=["loadavg"])
    h.wait_for(lambda: len(server.conns) > before, 20, "the evaluator's request connected to the silent server")
    time.sleep(0.3)
    assert vigia.running()
    rc, took = vigia.terminate(90)
    assert rc == 0, "exit code %r" % rc
    assert took < EXIT_WITHIN, "vigia run (%s) took %.2fs to exit after SIGTERM" % (what, took)
    c.passed("vigia run, %s waiting on a silent server: SIGTERM -> exit 0 after %.2fs" % (what, took))


def check_scrape_job(c, server):
    check_evaluator(c, server, "alerting:\n  scrape:\n    - job: silent\n      urls: [http://127.0.0.1:%d/metrics]\n"
                    "      interval: 60s\n      timeout: 60s\n" % server.port, "its alerting.scrape job")


def check_query_url(c, server):
    check_evaluator(c, server, "alerting:\n  query_url: http://127.0.0.1:%d\n  evaluation_interval: 60s\n"
                    % server.port, "its rules' queries to alerting.query_url")


def body(c):
    server = SilentServer()
    try:
        check(c, "exporter", server)
        check(c, "run", server)
        check_scrape_job(c, server)
        check_query_url(c, server)
    finally:
        server.close()


if __name__ == "__main__":
    h.main("HTTP requests in flight at shutdown", body)

"""A recording HTTP server on loopback, in the test's own process: every POST with a JSON
body is kept as (wall time, path, headers, body) in arrival order and answered 200; GET
answers what get_body(path) returns (text; default: 404). For tests that receive webhooks
or Alertmanager API posts (tests/integration/test_notify_pipeline.py,
test_alert_forwarding.py, tests/e2e/test_remediation.py)."""

import http.server
import json
import threading
import time


class Recorder:
    def __init__(self, get_body=None):
        self.lock = threading.Lock()
        self.posts = []
        rec = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                text = get_body(self.path) if get_body else None
                body = (text or "").encode()
                self.send_response(200 if text is not None else 404)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n)
                with rec.lock:
                    rec.posts.append((time.time(), self.path, dict(self.headers.items()), json.loads(body)))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.srv.server_address[1]
        self.url = "http://127.0.0.1:%d" % self.port
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def at(self, path):
        """The posts to exactly this path: [(time, path, headers, body)]."""
        with self.lock:
            return [p for p in self.posts if p[1] == path]

    def under(self, prefix):
        """The posts under prefix + "/": [(the rest of the path, body)]."""
        with self.lock:
            return [(p[len(prefix):], b) for _, p, _, b in self.posts if p.startswith(prefix + "/")]

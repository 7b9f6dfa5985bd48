"""nginx servers for integration tests: Debian's nginx started by the test itself
(`nginx -p <dir> -c <dir>/nginx.conf -e <dir>/error.log`, `daemon off;`) on a free
loopback port, with its pid file, logs and temp paths in a temp dir, stopped by PID
(at the latest when the test exits), and Debian's prometheus-nginx-exporter.

One call starts a server:
    web = start_nginx("web", locations)     # locations: text of `location` blocks
    web.page("/stub_status")                # http://127.0.0.1:<port>/stub_status
    ref = start_nginx_exporter(web.page("/stub_status"))
STUB_STATUS_LOCATIONS is a ready-made set: /stub_status, /error (500), /html (not a
stub_status page), /auth_status (stub_status behind basic auth: AUTH_USER/AUTH_PASSWORD)
and /hello. Each start raises harness.Skip when the program is not installed.
Python 3 stdlib only."""

import os

import harness as h

NGINX = "/usr/sbin/nginx"
NGINX_EXPORTER = "/usr/bin/prometheus-nginx-exporter"
AUTH_USER = "monitor"
AUTH_PASSWORD = "Stub-Status-Secret-7f3a"

STUB_STATUS_LOCATIONS = """
    location = /stub_status {{ stub_status; }}
    location = /auth_status {{
      stub_status;
      auth_basic "status";
      auth_basic_user_file {htpasswd};
    }}
    location = /error {{ return 500 "Active connections: 1\\n"; }}
    location = /html {{ default_type text/html; return 200 "<html><body>welcome</body></html>\\n"; }}
    location = /hello {{ default_type text/plain; return 200 "hello\\n"; }}
"""


class Nginx(h.Server):
    def page(self, path):
        """http://127.0.0.1:<port><path>"""
        return self.url + path


def start_nginx(name, locations=STUB_STATUS_LOCATIONS, timeout=20):
    """nginx (one worker) serving `locations` on 127.0.0.1:<free port>, ready when it accepts.
    `locations` is a format string: {htpasswd} is the path of the AUTH_USER file, {{ }} braces."""
    h.need(NGINX)
    d = h.new_tmpdir("nginx-" + name)
    port = h.free_port()
    # auth_basic_user_file: nginx reads {PLAIN} passwords as they are. The worker
    # (nobody, when the test runs as root) reads it at each request: the directories
    # above it are made traversable, the file readable.
    for path in (h.session_tmpdir(), d):
        os.chmod(path, 0o711)
    htpasswd = os.path.join(d, "htpasswd")
    with open(htpasswd, "w") as f:
        f.write("%s:{PLAIN}%s\n" % (AUTH_USER, AUTH_PASSWORD))
    os.chmod(htpasswd, 0o644)
    temps = "\n".join("  %s_temp_path %s;" % (k, os.path.join(d, k))
                      for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf = """daemon off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log info;
events {{ worker_connections 128; }}
http {{
  access_log {d}/access.log;
{temps}
  server {{
    listen 127.0.0.1:{port};
    server_name localhost;
{locations}
  }}
}}
""".format(d=d, port=port, temps=temps, locations=locations.format(htpasswd=htpasswd))
    cfg = os.path.join(d, "nginx.conf")
    with open(cfg, "w") as f:
        f.write(conf)
    s = Nginx(name, [NGINX, "-p", d + "/", "-c", cfg, "-e", os.path.join(d, "error.log")],
              "127.0.0.1", port, cwd=d)
    s.dir = d
    s.wait_tcp("127.0.0.1", port, timeout=timeout)
    return s


def start_nginx_exporter(scrape_uri, timeout=20):
    """Debian's prometheus-nginx-exporter (0.11) on a free loopback port, scraping
    scrape_uri; ready when /metrics answers. 0.11 exits if the page cannot be read at
    start, so start it after nginx."""
    port = h.free_port()
    argv = [NGINX_EXPORTER, "-nginx.scrape-uri=" + scrape_uri, "-web.listen-address=127.0.0.1:%d" % port]
    s = h.Server("nginx_exporter", argv, "127.0.0.1", port)
    s.wait_http(s.url + "/metrics", timeout=timeout)
    return s

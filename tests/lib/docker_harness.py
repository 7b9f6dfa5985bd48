"""A private Docker Engine for integration tests: Debian's docker.io (dockerd 20.10) on its
own unix socket, data root, exec root and pidfile in a temp dir (it starts its own
containerd there), without bridge networking or iptables changes, stopped by PID (its
containers removed first) when the test ends. No registry is used: the test image is
imported from busybox-static (a tar of /bin/busybox and its applet links).

    d = start_dockerd()              # harness.Skip (exit 77) only if dockerd cannot start
    image = d.busybox_image()        # "vigia-test/busybox:1"
    cid = d.docker("run", "-d", "--network", "none", image, "sleep", "600").strip()
    d.inspect(cid)                   # docker inspect, parsed
"""

import http.client
import json
import os
import shutil
import socket
import time

import harness as h

DOCKERD = "/usr/sbin/dockerd"
BUSYBOX = "/bin/busybox"
IMAGE = "vigia-test/busybox:1"
APPLETS = ["sh", "sleep", "cat", "yes", "head", "dd", "true", "false", "echo", "ls", "kill", "wc", "tr", "ping"]


def docker_cli():
    for p in ("/usr/bin/docker", shutil.which("docker") or ""):
        if p and os.path.exists(p):
            return p
    raise h.Skip("the docker CLI is not installed (docker.io)")


def start_bad_api(kind):
    """A unix socket that plays a broken Docker API: kind "hang" accepts and never
    answers, "garbage" answers 200 with a body that is not JSON. Returns its path."""
    import threading
    path = os.path.join(h.new_tmpdir("bad-docker-" + kind), "docker.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(16)
    held = []

    def serve():
        while True:
            try:
                c, _ = srv.accept()
            except OSError:
                return
            if kind == "hang":
                held.append(c)  # kept open, never answered
                continue
            try:
                c.settimeout(5)
                c.recv(65536)
                body = b"this is {not json"
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                          % (len(body), body))
            except OSError:
                pass
            finally:
                c.close()

    threading.Thread(target=serve, daemon=True).start()
    return path


class Dockerd(h.Process):
    def __init__(self):
        if os.geteuid() != 0:
            raise h.Skip("dockerd needs root")
        h.need(DOCKERD, BUSYBOX)
        self.cli = docker_cli()
        d = h.new_tmpdir("dockerd")
        self.socket = os.path.join(d, "docker.sock")
        self.host = "unix://" + self.socket
        argv = [DOCKERD, "-H", self.host, "--data-root", os.path.join(d, "data"),
                "--exec-root", os.path.join(d, "exec"), "--pidfile", os.path.join(d, "docker.pid"),
                "--bridge=none", "--iptables=false", "--ip6tables=false", "--ip-masq=false",
                "--userland-proxy=false", "--log-level=warn"]
        super().__init__("dockerd", argv, cwd=d)
        deadline = time.monotonic() + 60
        while True:
            if not self.running():
                raise h.Skip("dockerd did not start: %s" % self.log()[-800:])
            if os.path.exists(self.socket) and self._cli("version", check=False).returncode == 0:
                break
            if time.monotonic() > deadline:
                raise h.Skip("dockerd did not answer in 60 s: %s" % self.log()[-800:])
            time.sleep(0.2)

    def _cli(self, *args, check=True, timeout=120):
        r = h.run([self.cli, "-H", self.host] + list(args), timeout=timeout)
        if check and r.returncode != 0:
            raise h.HarnessError("docker %s: %s" % (" ".join(args), (r.stderr or r.stdout).strip()))
        return r

    def docker(self, *args, timeout=120):
        """Runs the docker CLI against this engine; returns its stdout (HarnessError on failure)."""
        return self._cli(*args, timeout=timeout).stdout

    def inspect(self, name):
        return json.loads(self.docker("inspect", name))[0]

    def api(self, path, timeout=30):
        """GET path from the Engine API over the socket; the parsed JSON answer."""
        conn = http.client.HTTPConnection("docker", timeout=timeout)
        conn.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.sock.settimeout(timeout)
        conn.sock.connect(self.socket)
        try:
            conn.request("GET", path)
            r = conn.getresponse()
            body = r.read()
            if r.status != 200:
                raise h.HarnessError("GET %s: %d %s" % (path, r.status, body[:200]))
            return json.loads(body)
        finally:
            conn.close()

    def busybox_image(self):
        """Imports busybox-static as IMAGE (once) and returns its name."""
        if self._cli("image", "inspect", IMAGE, check=False).returncode == 0:
            return IMAGE
        root = h.new_tmpdir("busybox-rootfs")
        os.makedirs(os.path.join(root, "bin"))
        os.makedirs(os.path.join(root, "tmp"))
        shutil.copy(BUSYBOX, os.path.join(root, "bin", "busybox"))
        for a in APPLETS:
            os.symlink("busybox", os.path.join(root, "bin", a))
        tar = os.path.join(h.session_tmpdir(), "busybox.tar")
        r = h.run(["tar", "-C", root, "-cf", tar, "."])
        if r.returncode != 0:
            raise h.HarnessError("tar: %s" % r.stderr)
        self.docker("import", "--change", "ENV PATH=/bin", tar, IMAGE)
        return IMAGE

    def network(self, name):
        """Creates a bridge network (no iptables rules: the engine runs without them); its
        name, or None where the bridge cannot be made. Removed when the engine stops."""
        r = self._cli("network", "create", "--driver", "bridge", "--subnet", "172.31.250.0/24", name, check=False)
        return name if r.returncode == 0 else None

    def stop(self, timeout=30):
        if self.running():
            ids = self._cli("ps", "-aq", check=False, timeout=60).stdout.split()
            if ids:
                self._cli("rm", "-f", *ids, check=False, timeout=120)
            self._cli("network", "prune", "-f", check=False, timeout=60)
        return super().stop(timeout)


def start_dockerd():
    return Dockerd()

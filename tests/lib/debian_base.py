"""A Debian 12 base image made offline from Debian's packages (no registry): debootstrap
--variant=minbase from the mirror this machine's apt uses, trimmed as debian:bookworm-slim is
(no docs, man pages or locales, and a dpkg filter that keeps later installs the same), with this
machine's apt sources. The root tree's tar is cached (VIGIA_CACHE_DIR, default
/var/cache/vigia-test) for a week: debootstrap takes about 3 minutes.

    tar = base_tar()                          # harness.Skip if debootstrap or root is missing
    image = import_base(dockerd)              # "vigia-test/debian:12" in that engine
"""

import fcntl
import os
import re
import shutil
import time

import harness as h

IMAGE = "vigia-test/debian:12"
SUITE = "bookworm"
MAX_AGE = 7 * 24 * 3600
SLIM_FILTER = """path-exclude=/usr/share/doc/*
path-include=/usr/share/doc/*/copyright
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*
path-include=/usr/share/locale/locale.alias
"""


def _mirror():
    """The first Debian mirror of this machine's apt sources (deb822 or one-line form)."""
    for path in ("/etc/apt/sources.list.d/debian.sources", "/etc/apt/sources.list"):
        try:
            text = open(path).read()
        except OSError:
            continue
        m = re.search(r"^URIs:\s*(\S+)", text, re.M) or re.search(r"^deb\s+(?:\[[^\]]*\]\s+)?(\S+)", text, re.M)
        if m:
            return m.group(1)
    raise h.Skip("no Debian mirror in /etc/apt/sources.list*")


def _copy_sources(root):
    d = os.path.join(root, "etc", "apt", "sources.list.d")
    copied = False
    for src in ("/etc/apt/sources.list.d/debian.sources", "/etc/apt/sources.list"):
        if os.path.exists(src):
            dst = os.path.join(d, "debian.sources") if src.endswith(".sources") else os.path.join(
                root, "etc", "apt", "sources.list")
            shutil.copy(src, dst)
            copied = True
    if copied and os.path.exists("/etc/apt/sources.list.d/debian.sources"):
        # debootstrap's one-line file would list the mirror twice.
        try:
            os.remove(os.path.join(root, "etc", "apt", "sources.list"))
        except OSError:
            pass


def base_tar():
    """The path of the cached root tree tar, made now if missing or older than a week."""
    if os.geteuid() != 0:
        raise h.Skip("debootstrap needs root")
    h.need("/usr/sbin/debootstrap")
    cache = os.environ.get("VIGIA_CACHE_DIR", "/var/cache/vigia-test")
    tar = os.path.join(cache, "debian12-minbase.tar")
    os.makedirs(cache, exist_ok=True)
    # One maker at a time (the image and package tests may start together on a fresh machine).
    with open(tar + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.path.exists(tar) and time.time() - os.path.getmtime(tar) < MAX_AGE:
            return tar
        return _make(tar)


def _make(tar):
    root = h.new_tmpdir("debootstrap")
    rootfs = os.path.join(root, "rootfs")
    t0 = time.monotonic()
    r = h.run(["/usr/sbin/debootstrap", "--variant=minbase", SUITE, rootfs, _mirror()], timeout=900)
    if r.returncode != 0:
        raise h.HarnessError("debootstrap: %s" % (r.stdout + r.stderr)[-1500:])
    for sub in ("usr/share/doc", "usr/share/man", "usr/share/info", "var/cache/apt/archives", "var/lib/apt/lists"):
        p = os.path.join(rootfs, sub)
        for name in os.listdir(p) if os.path.isdir(p) else []:
            full = os.path.join(p, name)
            if os.path.isdir(full) and not os.path.islink(full):
                shutil.rmtree(full, ignore_errors=True)
            elif name != "lock":
                os.remove(full)
    loc = os.path.join(rootfs, "usr/share/locale")
    for name in os.listdir(loc) if os.path.isdir(loc) else []:
        if name != "locale.alias":
            shutil.rmtree(os.path.join(loc, name), ignore_errors=True)
    with open(os.path.join(rootfs, "etc/dpkg/dpkg.cfg.d/vigia-slim"), "w") as f:
        f.write(SLIM_FILTER)
    _copy_sources(rootfs)
    tmp = tar + ".tmp"
    r = h.run(["tar", "-C", rootfs, "--numeric-owner", "-cf", tmp, "."], timeout=300)
    if r.returncode != 0:
        raise h.HarnessError("tar: %s" % r.stderr[-500:])
    os.replace(tmp, tar)
    shutil.rmtree(rootfs, ignore_errors=True)
    print("  note debian 12 base made with debootstrap in %.0f s (%d MiB tar)"
          % (time.monotonic() - t0, os.path.getsize(tar) >> 20), flush=True)
    return tar


def import_base(dockerd):
    """Imports the base tar into the engine (once) as IMAGE and returns its name."""
    if dockerd._cli("image", "inspect", IMAGE, check=False).returncode == 0:
        return IMAGE
    dockerd.docker("import", "--change", "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                   "--change", 'CMD ["bash"]', base_tar(), IMAGE, timeout=300)
    return IMAGE

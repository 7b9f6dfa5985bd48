#!/usr/bin/env python3
"""The Debian package: `cpack -G DEB` in the build folder makes vigia_<version>_amd64.deb; its
contents, conffiles and Depends (every shared library the binary and its modules link, as dpkg -S
names its package here, must be in Depends: dpkg-shlibdeps' work checked against the machine),
lintian's findings (reported; errors fail), and its life in a clean Debian 12 tree: a container
of the debootstrap base image (tests/lib/debian_base.py) on the private Docker engine, where
`dpkg -i` installs it (after its Depends, from Debian's mirror), postinst makes the `vigia`
system user, vigia runs as that user from the packaged files (its /metrics from the host, a probe
module loaded from /usr/lib/vigia), `dpkg --remove` keeps the configuration and the user, and
`dpkg --purge` removes them."""
import glob
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import debian_base  # noqa: E402
import docker_harness as dh  # noqa: E402
import harness as h  # noqa: E402

BUILD_DIR = os.path.dirname(h.VIGIA_BINARY)


def project_version():
    with open(os.path.join(h.SOURCE_DIR, "CMakeLists.txt")) as f:
        return re.search(r"project\(vigia VERSION ([0-9.]+)", f.read()).group(1)


def linked_packages(files):
    """Debian packages of the shared libraries these ELF files link directly (their NEEDED
    entries, objdump -p; the path ldd resolves each to; dpkg -S)."""
    libs = set()
    for f in files:
        needed = set(re.findall(r"^\s+NEEDED\s+(\S+)$", h.run(["objdump", "-p", f]).stdout, re.M))
        paths = dict(re.findall(r"^\s+(\S+) => (/\S+) \(", h.run(["ldd", f]).stdout, re.M))
        libs.update(paths[n] for n in needed if n in paths)
    pkgs = set()
    for lib in sorted(libs):
        for cand in (lib, "/usr" + lib, lib[4:] if lib.startswith("/usr/") else lib):
            r = h.run(["dpkg", "-S", cand])
            if r.returncode == 0:
                pkgs.add(r.stdout.split(":")[0])
                break
    return pkgs


def build_deb(c):
    h.need("cpack", "dpkg-deb", "dpkg-shlibdeps")
    cfg = os.path.join(BUILD_DIR, "CPackConfig.cmake")
    if not os.path.exists(cfg):
        raise h.HarnessError("no %s: configure the build first" % cfg)
    out = h.new_tmpdir("cpack")
    t0 = time.monotonic()
    r = h.run(["cpack", "--config", cfg, "-G", "DEB", "-B", out], timeout=600, cwd=BUILD_DIR)
    c.note("cpack -G DEB: %.1f s" % (time.monotonic() - t0))
    c.check(r.returncode == 0, "cpack -G DEB", (r.stdout + r.stderr)[-1500:])
    deb = os.path.join(out, "vigia_%s_amd64.deb" % project_version())
    c.check(os.path.exists(deb), "the package is %s" % os.path.basename(deb), str(glob.glob(out + "/*.deb")))
    return deb


def check_contents(c, deb):
    files = h.run(["dpkg-deb", "-c", deb]).stdout
    names = set(re.findall(r" \./(\S+)$", files, re.M))
    modules = sorted(os.path.basename(p) for p in glob.glob(os.path.join(BUILD_DIR, "vigia-*.so")))
    want = ["usr/bin/vigia", "etc/vigia/vigia.yml", "etc/default/vigia", "lib/systemd/system/vigia.service",
            "usr/share/doc/vigia/copyright", "usr/share/doc/vigia/changelog.gz", "usr/share/doc/vigia/README.md"]
    want += ["usr/lib/vigia/" + m for m in modules]
    want += ["usr/share/vigia/rules/" + os.path.basename(p) for p in glob.glob(os.path.join(h.SOURCE_DIR, "rules/*.yml"))]
    want += ["usr/share/vigia/dashboards/" + os.path.basename(p)
             for p in glob.glob(os.path.join(h.SOURCE_DIR, "dashboards/*.json"))]
    missing = [w for w in want if w not in names]
    c.check(modules and not missing, "the package holds the binary, %d modules, the unit, config, rules, "
            "dashboards and docs" % len(modules), "missing %s" % missing)
    c.check("usr/share/vigia/rules/tests" not in "\n".join(names), "no rule tests in the package")
    ctl = h.new_tmpdir("ctl")
    h.run(["dpkg-deb", "-e", deb, ctl])
    with open(os.path.join(ctl, "conffiles")) as f:
        conffiles = f.read().split()
    c.check("/etc/vigia/vigia.yml" in conffiles, "/etc/vigia/vigia.yml is a conffile", str(conffiles))
    depends = h.run(["dpkg-deb", "-f", deb, "Depends"]).stdout
    dep_names = set(re.findall(r"(?:^|,\s*)([a-z0-9][a-z0-9+.-]+)", depends))
    elf = [h.VIGIA_BINARY] + sorted(glob.glob(os.path.join(BUILD_DIR, "vigia-*.so")))
    linked = linked_packages(elf)
    c.check(linked and linked <= dep_names, "Depends names every package whose library vigia links (%d)"
            % len(linked), "missing %s in %s" % (sorted(linked - dep_names), depends))
    c.check("adduser" in dep_names and "libcurl4" in dep_names, "Depends has adduser and libcurl4", depends)
    return sorted(dep_names)


def check_lintian(c, deb):
    h.need("lintian")
    t0 = time.monotonic()
    r = h.run(["lintian", "--allow-root", deb], timeout=600)
    c.note("lintian: %.1f s" % (time.monotonic() - t0))
    lines = [l for l in (r.stdout + r.stderr).splitlines() if re.match(r"^[EWIPX]: ", l)]
    for l in lines:
        c.note("lintian " + l)
    if not lines:
        c.note("lintian: no findings")
    c.check(not any(l.startswith("E: ") for l in lines), "lintian: no errors")


def check_in_container(c, deb, deps):
    d = dh.start_dockerd()
    t0 = time.monotonic()
    image = debian_base.import_base(d)
    c.note("debian 12 base image (debootstrap, cached): %.1f s" % (time.monotonic() - t0))
    debdir = os.path.dirname(deb)
    cid = d.docker("run", "-d", "--network", "host", "-v", debdir + ":/deb:ro", image, "sleep", "3600").strip()

    def sh(script, timeout=120, check=True):
        r = d._cli("exec", cid, "sh", "-c", script, check=False, timeout=timeout)
        if check and r.returncode != 0:
            raise h.HarnessError("in the container: %s: %s" % (script, (r.stdout + r.stderr)[-1500:]))
        return r

    c.check(sh("getent passwd vigia", check=False).returncode != 0, "the base has no vigia user")
    t0 = time.monotonic()
    sh("apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends %s"
       % " ".join(deps), timeout=600)
    c.note("apt-get install of the Depends: %.1f s" % (time.monotonic() - t0))
    r = sh("dpkg -i /deb/%s" % os.path.basename(deb), check=False)
    c.check(r.returncode == 0, "dpkg -i", (r.stdout + r.stderr)[-1500:])
    r = sh("getent passwd vigia", check=False)
    fields = r.stdout.strip().split(":")
    c.check(r.returncode == 0 and len(fields) == 7 and int(fields[2]) < 1000 and fields[5] == "/var/lib/vigia"
            and fields[6] in ("/usr/sbin/nologin", "/bin/false"), "postinst made the vigia system user", r.stdout)
    r = sh("stat -c '%U %a' /var/lib/vigia /var/lib/vigia/data", check=False)
    c.eq(r.stdout.split(), ["vigia", "750", "vigia", "750"], "its state directory")
    r = sh("dpkg-query -W -f='${Status} ${Conffiles}' vigia", check=False)
    c.check("install ok installed" in r.stdout and "/etc/vigia/vigia.yml" in r.stdout,
            "dpkg knows the package and its conffile", r.stdout)
    r = sh("ldd /usr/bin/vigia /usr/lib/vigia/*.so | grep 'not found' || true")
    c.eq(r.stdout.strip(), "", "every library resolves in the clean tree")

    port = h.free_port()
    url = "http://127.0.0.1:%d" % port
    cfg = ("probe_modules:\n  http_2xx: {prober: http, timeout: 5s}\n")
    sh("printf '%s' '" + cfg + "' > /var/lib/vigia/probe.yml && chown vigia /var/lib/vigia/probe.yml")
    for conf, what in (("/etc/vigia/vigia.yml", "the packaged vigia.yml"), ("/var/lib/vigia/probe.yml",
                                                                              "a probe config")):
        d._cli("exec", "-d", "-w", "/var/lib/vigia", cid, "runuser", "-u", "vigia", "--", "/usr/bin/vigia", "run",
               "--config.file=" + conf, "--web.listen-address=127.0.0.1:%d" % port)
        h.wait_for(lambda: _get(url + "/-/healthy") == 200, 60, "vigia in the container (%s)" % what)
        r = sh("for p in /proc/[0-9]*; do [ \"$(cat $p/comm 2>/dev/null)\" = vigia ] && stat -c %U $p; done; true")
        c.eq(r.stdout.split(), ["vigia"], "vigia runs as the vigia user (%s)" % what)
        if conf.startswith("/etc"):
            fams = h.scrape(url + "/metrics")
            c.check(h.find(fams, "node_load1") and h.find(fams, "node_memory_MemTotal_bytes"),
                    "its /metrics, read from the host: host metrics")
        else:
            fams = h.scrape(url + "/probe?module=http_2xx&target=" + url + "/-/healthy")
            c.eq(h.find(fams, "probe_success"), [1.0], "the probe module loads from /usr/lib/vigia and probes")
        sh("for p in /proc/[0-9]*; do [ \"$(cat $p/comm 2>/dev/null)\" = vigia ] && kill ${p#/proc/}; done; true")
        h.wait_for(lambda: _get(url + "/-/healthy") is None, 30, "vigia to stop")

    r = sh("dpkg --remove vigia", check=False)
    c.check(r.returncode == 0, "dpkg --remove", (r.stdout + r.stderr)[-800:])
    r = sh("test ! -e /usr/bin/vigia && test -f /etc/vigia/vigia.yml && getent passwd vigia >/dev/null", check=False)
    c.check(r.returncode == 0, "after remove: the binary gone, the conffile and the user kept")
    r = sh("dpkg --purge vigia", check=False)
    c.check(r.returncode == 0, "dpkg --purge", (r.stdout + r.stderr)[-800:])
    r = sh("test ! -e /etc/vigia && test ! -e /var/lib/vigia && ! getent passwd vigia && ! getent group vigia "
           "&& ! dpkg-query -W vigia 2>/dev/null", check=False)
    c.check(r.returncode == 0, "after purge: configuration, state, user and group gone",
            sh("ls -la /etc/vigia /var/lib/vigia; getent passwd vigia", check=False).stdout)


def _get(url):
    try:
        return h.http_get(url, timeout=5).status
    except Exception:  # noqa: BLE001 - not listening (yet, or any more)
        return None


def body(c):
    t_all = time.monotonic()
    deb = build_deb(c)
    deps = check_contents(c, deb)
    check_lintian(c, deb)
    check_in_container(c, deb, [p for p in deps])
    c.note("test_deploy_deb total: %.0f s" % (time.monotonic() - t_all))


if __name__ == "__main__":
    h.main("the Debian package (cpack, lintian, dpkg in a clean Debian 12 tree)", body)

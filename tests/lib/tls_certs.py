"""A certificate chain for TLS tests, generated with openssl(1) in a directory:
root CA -> intermediate -> leaf (localhost, 127.0.0.1), each with its own lifetime in
days, and a bundle for the server: leaf, intermediate and optionally a stale
self-signed certificate (a realistic leftover that only the earliest-expiry reading
sees). Python 3 stdlib only.

    make_chain(d)                      # root 100 d, intermediate 20 d, leaf 50 d, stale 5 d
    d/bundle.pem, d/leaf.key           # ssl_certificate, ssl_certificate_key
    d/root.pem                         # the CA file a client trusts
    not_after(d, "inter")              # Unix time of a certificate's notAfter
"""

import calendar
import os
import subprocess
import time

import harness as h

OPENSSL = "/usr/bin/openssl"


def _openssl(d, *args):
    h.run([OPENSSL] + list(args), cwd=d, timeout=60)


def make_chain(d, root_days=100, inter_days=20, leaf_days=50, stale_days=5,
               leaf_san="DNS:localhost,IP:127.0.0.1"):
    """Writes root/inter/leaf/stale .pem and .key and bundle.pem (leaf, inter, and stale
    unless stale_days is None) into d; the leaf's subjectAltName is leaf_san."""
    h.need(OPENSSL)
    ext = os.path.join(d, "ext.cnf")
    with open(ext, "w") as f:
        f.write("[ca]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n"
                "[leaf]\nbasicConstraints=CA:FALSE\nsubjectAltName=%s\n" % leaf_san +
                "extendedKeyUsage=serverAuth\n")
    for name in ("root", "inter", "leaf", "stale"):
        _openssl(d, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", name + ".key")
        os.chmod(os.path.join(d, name + ".key"), 0o644)
    _openssl(d, "req", "-x509", "-new", "-key", "root.key", "-subj", "/O=vigia test/CN=root",
             "-days", str(root_days), "-out", "root.pem", "-extensions", "ca", "-config", ext)
    _openssl(d, "req", "-x509", "-new", "-key", "stale.key", "-subj", "/CN=stale",
             "-days", str(stale_days or 1), "-out", "stale.pem", "-extensions", "ca", "-config", ext)
    _openssl(d, "req", "-new", "-key", "inter.key", "-subj", "/O=vigia test/CN=intermediate", "-out", "inter.csr")
    _openssl(d, "x509", "-req", "-in", "inter.csr", "-CA", "root.pem", "-CAkey", "root.key", "-CAcreateserial",
             "-days", str(inter_days), "-extfile", ext, "-extensions", "ca", "-out", "inter.pem")
    _openssl(d, "req", "-new", "-key", "leaf.key", "-subj", "/O=vigia test/CN=localhost", "-out", "leaf.csr")
    _openssl(d, "x509", "-req", "-in", "leaf.csr", "-CA", "inter.pem", "-CAkey", "inter.key", "-CAcreateserial",
             "-days", str(leaf_days), "-extfile", ext, "-extensions", "leaf", "-out", "leaf.pem")
    with open(os.path.join(d, "bundle.pem"), "w") as out:
        for name in ("leaf", "inter") + (("stale",) if stale_days else ()):
            with open(os.path.join(d, name + ".pem")) as f:
                out.write(f.read())


def not_after(d, name):
    """notAfter of d/<name>.pem as a Unix time."""
    out = subprocess.run([OPENSSL, "x509", "-noout", "-enddate", "-in", os.path.join(d, name + ".pem")],
                         capture_output=True, text=True, check=True).stdout.strip()
    return calendar.timegm(time.strptime(out.split("=", 1)[1].replace(" GMT", ""), "%b %d %H:%M:%S %Y"))

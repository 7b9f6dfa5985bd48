#!/usr/bin/env python3
"""Integration test of rediss:// (TLS over vigia's own OpenSSL socket, replies
parsed by hiredis's reader) on Debian 12's redis-server 7.0 with a TLS port, a
certificate chain from tests/lib/tls_certs.py and client certificates required
(tls-auth-clients yes): up with the right CA and client certificate, and
redis_up 0 with a clear reason, never a hang, for a wrong CA, a wrong server
name, no client certificate, Redis's plain port, and a TCP server that never
answers the TLS handshake. Side by side with Debian's prometheus-redis-exporter 1.45 over TLS."""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness as h  # noqa: E402
import redis_harness as rh  # noqa: E402
import tls_certs  # noqa: E402
from harness import one  # noqa: E402

DEADLINE = 4
MAXCLIENTS = 345


def client_cert(d):
    """d/client.pem + d/client.key: signed by d/root.pem, for client authentication."""
    ext = os.path.join(d, "client.cnf")
    with open(ext, "w") as f:
        f.write("[client]\nbasicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n")
    for args in (["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "client.key"],
                 ["req", "-new", "-key", "client.key", "-subj", "/O=vigia test/CN=vigia", "-out", "client.csr"],
                 ["x509", "-req", "-in", "client.csr", "-CA", "root.pem", "-CAkey", "root.key", "-CAcreateserial",
                  "-days", "10", "-extfile", ext, "-extensions", "client", "-out", "client.pem"]):
        h.run([tls_certs.OPENSSL] + args, cwd=d, timeout=60)


def body(c):
    certs = h.new_tmpdir("redis-tls-certs")
    tls_certs.make_chain(certs, stale_days=None)
    client_cert(certs)
    other = h.new_tmpdir("redis-tls-other-ca")
    tls_certs.make_chain(other, stale_days=None)
    tls_port = h.free_port()
    server = rh.start_redis("tls", extra=[
        "tls-port %d" % tls_port, "tls-cert-file %s/bundle.pem" % certs, "tls-key-file %s/leaf.key" % certs,
        "tls-ca-cert-file %s/root.pem" % certs, "tls-auth-clients yes", "maxclients %d" % MAXCLIENTS])
    server.cmd("SET", "k", "v")
    silent = rh.start_silent_server()

    def target(name, tls, address="127.0.0.1:%d" % tls_port):
        lines = "  - name: %s\n    address: rediss://%s\n" % (name, address)
        if tls:
            lines += "    tls_config:\n" + "".join("      %s: %s\n" % kv for kv in tls.items())
        return lines

    good = {"ca_file": certs + "/root.pem", "cert_file": certs + "/client.pem", "key_file": certs + "/client.key"}
    config = "redis:\n" + "".join([
        target("tls", good),
        target("tls_localhost", dict(good, server_name="localhost")),
        target("wrong_ca", dict(good, ca_file=other + "/root.pem")),
        target("wrong_name", dict(good, server_name="redis.example")),
        target("no_client_cert", {"ca_file": certs + "/root.pem"}),
        target("insecure", dict(good, ca_file=other + "/root.pem", insecure_skip_verify="true")),
        target("plain_port", good, address=server.address()),
        target("silent", good, address=silent.address()),
    ])
    vigia = h.Vigia(config=config, collectors=["redis"])

    t0 = time.monotonic()
    s = vigia.scrape(timeout_header=DEADLINE)
    took = time.monotonic() - t0
    names = ("tls", "tls_localhost", "wrong_ca", "wrong_name", "no_client_cert", "insecure", "plain_port", "silent")
    ups = {t: one(s, "redis_up", target=t) for t in names}
    assert ups == {"tls": 1, "tls_localhost": 1, "wrong_ca": 0, "wrong_name": 0, "no_client_cert": 0,
                   "insecure": 1, "plain_port": 0, "silent": 0}, (ups, vigia.log()[-3000:])
    assert took < DEADLINE + 1, took
    c.passed("rediss://: up with the CA and a client certificate (by IP and by server_name), up with "
             "insecure_skip_verify; 0 for a wrong CA, a wrong name, no client certificate, a plain port and a "
             "server that never answers the handshake; scrape %.2fs (deadline %ds)" % (took, DEADLINE))

    def err(t):
        errs = [l["err"] for n, l, v in s.samples()
                if n == "redis_exporter_last_scrape_error" and l["target"] == t and v == 1]
        assert len(errs) == 1, (t, errs)
        return errs[0]
    reasons = {t: err(t) for t in ("wrong_ca", "wrong_name", "no_client_cert", "plain_port", "silent")}
    assert "certificate verify failed: unable to get local issuer certificate" in reasons["wrong_ca"], reasons
    assert "certificate verify failed" in reasons["wrong_name"] and "mismatch" in reasons["wrong_name"], reasons
    assert "TLS" in reasons["no_client_cert"] or "closed" in reasons["no_client_cert"], reasons
    # A plain port reads the ClientHello as an inline command and never answers: as a silent
    # server, the handshake waits for the deadline (the scrape's, which ends the collection).
    for t in ("plain_port", "silent"):
        assert "deadline" in reasons[t], reasons
    log = vigia.log()
    for t in ("wrong_ca", "wrong_name"):
        assert reasons[t] in log, (t, log[-2000:])
    for t, r in sorted(reasons.items()):
        c.note("%s: %s" % (t, r))
    c.passed("each failure's reason in redis_exporter_last_scrape_error and in the log")

    assert one(s, "redis_config_maxclients", target="tls") == MAXCLIENTS
    assert one(s, "redis_db_keys", target="tls", db="db0") == 1
    assert one(s, "redis_instance_info", target="tls", tcp_port=str(server.port)) == 1
    before = int(server.info("stats")["total_connections_received"])
    for _ in range(3):
        assert one(vigia.scrape("/probe?target=tls", timeout_header=DEADLINE), "redis_up") == 1
    opened = int(server.info("stats")["total_connections_received"]) - before
    assert opened == 1, opened  # the INFO here
    c.passed("INFO/CONFIG over TLS; 3 scrapes over the kept TLS connection open none")

    # redis_exporter 1.45 over TLS on the same server: same constant values.
    exporter = rh.start_redis_exporter(server, args=[
        "-redis.addr=rediss://127.0.0.1:%d" % tls_port, "-tls-ca-cert-file=%s/root.pem" % certs,
        "-tls-client-cert-file=%s/client.pem" % certs, "-tls-client-key-file=%s/client.key" % certs])
    ref = exporter.scrape()
    mine = vigia.scrape("/probe?target=tls", timeout_header=DEADLINE)
    exporter.stop()
    assert one(ref, "redis_up") == 1, "redis_exporter over TLS"
    skip = {n for n in ref if n.startswith(("go_", "process_", "promhttp_"))}
    shared = sorted(set(ref) & set(mine) - skip)
    bad = [n for n in shared if ref[n].label_names() != mine[n].label_names()]
    assert not bad, bad
    constants = ["redis_config_maxclients", "redis_config_maxmemory", "redis_db_keys", "redis_instance_info",
                 "redis_connected_slaves"]
    for n in constants:
        assert ref[n].series() == mine[n].series(), (n, ref[n].series(), mine[n].series())
    c.passed("redis_exporter 1.45 over TLS on the same server: %d shared families with equal label names; %s equal"
             % (len(shared), ", ".join(n[6:] for n in constants)))

    # Shutdown while a collection waits on the silent server's handshake.
    rc, took = vigia.terminate(10)
    assert rc == 0 and took < 3.0, (rc, took)
    c.passed("SIGTERM: exit %d after %.2fs" % (rc, took))
    silent.close()


if __name__ == "__main__":
    h.main("redis exporter over TLS (rediss://) against Redis 7.0", body)

"""Servers the notifier's delivery test talks to, each run as its own process by
tests/integration/test_notify_delivery.py (started on loopback, stopped by PID):

  python3 notify_servers.py http PORT DIR
      records every request as DIR/<n>.json {method, path, headers, body}; answers
      500 when the path contains /status/500, 400 for /status/400, 429 for /status/429,
      else 200 with a Telegram-like {"ok": true, ...} body.
  python3 notify_servers.py https PORT DIR CERT KEY
      the same over TLS (each record has the "sni" the client sent, or null).
  python3 notify_servers.py smtp PORT DIR [--cert C --key K] [--implicit-tls] [--auth USER:PASS]
                                          [--mechs "M1 M2"]
      an aiosmtpd SMTP server (python3-aiosmtpd) writing each mail to DIR/<n>.eml and its
      envelope and session to DIR/<n>.json (with the AUTH mechanism used, PLAIN's
      authorization identity, the TLS client's SNI); with --cert and without
      --implicit-tls it offers STARTTLS and requires it; --auth requires AUTH with these
      credentials (the password is also CRAM-MD5's shared secret); --mechs offers these
      mechanisms in this order (of PLAIN, LOGIN, CRAM-MD5; default "LOGIN PLAIN";
      --plain-only: "PLAIN"). Every AUTH
      attempt is appended to DIR/auth.jsonl (mechanism, success).
"""

import base64
import hashlib
import hmac
import http.server
import json
import os
import ssl
import sys
import threading
import time

_counter = [0]
_lock = threading.Lock()
_last_sni = [None]


def _record_sni(ctx):
    def cb(_sslobj, name, _ctx):
        _last_sni[0] = name
    ctx.sni_callback = cb


def _next(d):
    with _lock:
        _counter[0] += 1
        return os.path.join(d, "%04d" % _counter[0])


def run_http(port, d, cert=None, key=None):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n).decode("utf-8", "replace")
            rec = {"method": "POST", "path": self.path, "headers": dict(self.headers.items()), "body": body,
                   "sni": _last_sni[0]}
            base = _next(d)
            with open(base + ".tmp", "w") as f:
                json.dump(rec, f)
            os.rename(base + ".tmp", base + ".json")
            status = 200
            for code in (500, 400, 429):
                if "/status/%d" % code in self.path:
                    status = code
            out = json.dumps({"ok": status == 200, "result": {"message_id": 1, "chat": {"id": 1}},
                              "description": "status %d" % status}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        def log_message(self, fmt, *args):
            sys.stderr.write("http: " + (fmt % args) + "\n")

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    if cert:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(cert, key)
        _record_sni(ctx)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    print("listening on 127.0.0.1:%d" % port, flush=True)
    srv.serve_forever()


def run_smtp(port, d, cert=None, key=None, implicit_tls=False, auth=None, host="127.0.0.1", plain_only=False,
             mechs=None):
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

    if plain_only:
        mechs = ["PLAIN"]

    def log_auth(session, mechanism, ok, identity=None):
        session.vigia_mech = mechanism
        session.vigia_identity = identity
        with _lock, open(os.path.join(d, "auth.jsonl"), "a") as f:
            f.write(json.dumps({"mechanism": mechanism, "success": ok}) + "\n")

    class Handler:
        async def auth_CRAM__MD5(self, server, args):
            user, secret = auth.split(":", 1)
            challenge = ("<%d.%d@localhost>" % (os.getpid(), time.time_ns())).encode()
            resp = await server.challenge_auth(challenge)
            if not isinstance(resp, bytes) or b" " not in resp:
                log_auth(server.session, "CRAM-MD5", False)
                return AuthResult(success=False, handled=False)
            login, digest = resp.rsplit(b" ", 1)
            want = hmac.new(secret.encode(), challenge, hashlib.md5).hexdigest().encode()
            ok = login == user.encode() and hmac.compare_digest(digest, want)
            log_auth(server.session, "CRAM-MD5", ok)
            return AuthResult(success=ok, handled=False, auth_data=LoginPassword(login, b""))

        async def auth_PLAIN(self, server, args):
            if len(args) == 1:
                blob = await server.challenge_auth("")
                if not isinstance(blob, bytes):
                    return AuthResult(success=False)
            else:
                try:
                    blob = base64.b64decode(args[1].encode(), validate=True)
                except Exception:
                    await server.push("501 5.5.2 Can't decode base64")
                    return AuthResult(success=False, handled=True)
            try:
                authzid, login, password = blob.split(b"\x00")
            except ValueError:
                await server.push("501 5.5.2 Can't split auth value")
                return AuthResult(success=False, handled=True)
            result = server._authenticate("PLAIN", LoginPassword(login, password))
            server.session.vigia_identity = authzid.decode()
            return result

        async def handle_DATA(self, server, session, envelope):
            base = _next(d)
            with open(base + ".eml", "wb") as f:
                f.write(envelope.original_content or envelope.content)
            meta = {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                    "tls": session.ssl is not None or server.transport.get_extra_info("cipher") is not None,
                    "authenticated": bool(session.authenticated),
                    "auth_login": (session.auth_data.login.decode() if session.auth_data is not None
                                   and getattr(session.auth_data, "login", None) else None),
                    "host_name": session.host_name,
                    "auth_mechanism": getattr(session, "vigia_mech", None),
                    "auth_identity": getattr(session, "vigia_identity", None),
                    "sni": _last_sni[0] if cert else None}
            with open(base + ".tmp", "w") as f:
                json.dump(meta, f)
            os.rename(base + ".tmp", base + ".json")
            return "250 Message accepted for delivery"

    def authenticator(server, session, envelope, mechanism, auth_data):
        user, password = auth.split(":", 1)
        ok = (getattr(auth_data, "login", b"") == user.encode()
              and getattr(auth_data, "password", b"") == password.encode())
        identity = getattr(session, "vigia_identity", None)
        log_auth(session, mechanism, ok, identity)
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    kw = {}
    ctx = None
    if cert:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(cert, key)
        _record_sni(ctx)
    if ctx and implicit_tls:
        kw["ssl_context"] = ctx
    elif ctx:
        kw["tls_context"] = ctx
        kw["require_starttls"] = True
    if auth:
        kw["auth_required"] = True
        kw["authenticator"] = authenticator
        # aiosmtpd offers AUTH "after TLS" only after STARTTLS; with implicit TLS
        # the whole session is TLS already.
        kw["auth_require_tls"] = ctx is not None and not implicit_tls
    else:
        kw["auth_require_tls"] = False
    # Only AUTH PLAIN (--plain-only) for Alertmanager's differential: its LOGIN expects a
    # "Username:" challenge, aiosmtpd's is "User Name".
    offered = mechs or ["LOGIN", "PLAIN"]
    kw["auth_exclude_mechanism"] = [m for m in ("CRAM-MD5", "LOGIN", "PLAIN") if m not in offered]

    class OrderedSMTP(SMTP):
        """Advertises the mechanisms in the order asked (aiosmtpd sorts them); LOGIN's
        challenges as Go's smtp clients expect them (Alertmanager's LoginAuth)."""

        AuthLoginUsernameChallenge = "Username:"
        AuthLoginPasswordChallenge = "Password:"

        async def push(self, status):
            if isinstance(status, str) and status.startswith("250-AUTH "):
                status = "250-AUTH " + " ".join(offered)
            return await super().push(status)

    class OrderedController(Controller):
        def factory(self):
            return OrderedSMTP(self.handler, **self.SMTP_kwargs)

    c = OrderedController(Handler(), hostname=host, port=port, server_hostname="localhost",
                          ready_timeout=20, **kw)
    c.start()
    print("listening on %s:%d" % (host, port), flush=True)
    while True:
        time.sleep(3600)


def main():
    mode, port, d = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    os.makedirs(d, exist_ok=True)
    if mode == "http":
        run_http(port, d)
    if mode == "https":
        run_http(port, d, sys.argv[4], sys.argv[5])
    opts = sys.argv[4:]
    cert = key = auth = mechs = None
    implicit = plain_only = False
    i = 0
    while i < len(opts):
        if opts[i] == "--cert":
            cert = opts[i + 1]
            i += 2
        elif opts[i] == "--key":
            key = opts[i + 1]
            i += 2
        elif opts[i] == "--auth":
            auth = opts[i + 1]
            i += 2
        elif opts[i] == "--mechs":
            mechs = opts[i + 1].split()
            i += 2
        elif opts[i] == "--plain-only":
            plain_only = True
            i += 1
        elif opts[i] == "--implicit-tls":
            implicit = True
            i += 1
        else:
            raise SystemExit("unknown option " + opts[i])
    run_smtp(port, d, cert, key, implicit, auth, plain_only=plain_only, mechs=mechs)


if __name__ == "__main__":
    main()

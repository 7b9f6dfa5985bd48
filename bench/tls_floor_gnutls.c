/* The floor of any HTTPS prober built on Debian's GnuTLS (3.7): tls_floor.c's
 * twin, for the other TLS library Debian 12 ships (and the one vigia already
 * maps: libmicrohttpd links it).
 *
 * A C program that links libgnutls and nothing else. Each probe is what
 * blackbox_exporter's http prober does on the wire: a new TCP connection, a
 * TLS handshake with SNI that verifies the chain against CAFILE and the host
 * name, `GET /ok` with `Connection: close`, the answer read to its end.
 *
 *   tls_floor_gnutls CAFILE HOST PROBES MODE PORT...
 *     MODE fresh: new certificate credentials (CAFILE parsed again) for every
 *          probe (what libcurl's GnuTLS backend does for each connection);
 *          shared: one set of credentials for every probe (the cheapest a
 *          GnuTLS client can be; no session resumption, as the exporters)
 *
 * Output as tls_floor's (floor_util.h's floor_tls_main): cpu_ms_per_probe, rss_kib and hwm_kib after the
 * probes. Exit status 0, or 1 with the reason when a probe fails. */
#include <gnutls/gnutls.h>

#include "floor_util.h"

static void* new_ctx(const char* cafile) {
  gnutls_certificate_credentials_t c;
  if (gnutls_certificate_allocate_credentials(&c) != GNUTLS_E_SUCCESS) return NULL;
  if (gnutls_certificate_set_x509_trust_file(c, cafile, GNUTLS_X509_FMT_PEM) <= 0) {
    gnutls_certificate_free_credentials(c);
    return NULL;
  }
  return c;
}

static void free_ctx(void* c) { gnutls_certificate_free_credentials(c); }

static int probe(void* creds, const char* host, int port) {
  int fd = floor_connect("tls_floor_gnutls", port);
  if (fd < 0) return 1;
  gnutls_session_t s;
  int rc = gnutls_init(&s, GNUTLS_CLIENT);
  if (rc == GNUTLS_E_SUCCESS) rc = gnutls_server_name_set(s, GNUTLS_NAME_DNS, host, strlen(host));
  if (rc == GNUTLS_E_SUCCESS) rc = gnutls_set_default_priority(s);
  if (rc == GNUTLS_E_SUCCESS) rc = gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, creds);
  if (rc == GNUTLS_E_SUCCESS) {
    gnutls_session_set_verify_cert(s, host, 0);
    gnutls_transport_set_int(s, fd);
    do rc = gnutls_handshake(s);
    while (rc < 0 && gnutls_error_is_fatal(rc) == 0);
  }
  int ok = rc == GNUTLS_E_SUCCESS;
  if (ok) {
    char req[256], buf[4096];
    int n = floor_request(req, sizeof req, host, port);
    ok = gnutls_record_send(s, req, (size_t)n) == n;
    size_t got = 0;
    int status_ok = 0;
    ssize_t r;
    while (ok && ((r = gnutls_record_recv(s, buf, sizeof buf)) > 0 || r == GNUTLS_E_AGAIN ||
                  r == GNUTLS_E_INTERRUPTED)) {
      if (r <= 0) continue;
      if (got == 0) status_ok = r >= 12 && strncmp(buf, "HTTP/1.1 200", 12) == 0;
      got += (size_t)r;
    }
    ok = ok && status_ok;
  }
  if (!ok) fprintf(stderr, "tls_floor_gnutls: probe of %s:%d failed: %s\n", host, port, gnutls_strerror(rc));
  gnutls_bye(s, GNUTLS_SHUT_WR);
  gnutls_deinit(s);
  close(fd);
  return ok ? 0 : 1;
}

int main(int argc, char** argv) {
  static const struct floor_tls_ops ops = {"tls_floor_gnutls", new_ctx, free_ctx, probe};
  gnutls_global_init();
  int rc = floor_tls_main(&ops, argc, argv);
  gnutls_global_deinit();
  return rc;
}

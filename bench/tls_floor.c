/* The floor of any HTTPS prober built on Debian's OpenSSL (3.0).
 *
 * A C program that links libssl and libcrypto and nothing else (no C++
 * runtime, no HTTP server, no exposition, no configuration): each probe is
 * what blackbox_exporter's http prober does on the wire: a new TCP connection,
 * a TLS handshake with SNI that verifies the chain against CAFILE and the host
 * name, `GET /ok` with `Connection: close`, the answer read to its end.
 * compare_blackbox.py runs it in the same run as the two exporters, over the
 * same targets, to set their costs beside what the TLS library alone costs.
 *
 *   tls_floor CAFILE HOST PROBES MODE PORT...
 *     MODE fresh: a new SSL_CTX for every probe (what libcurl does for each
 *          connection); shared: one SSL_CTX for every probe (the cheapest an
 *          OpenSSL client can be; no session resumption, as the exporters)
 *
 * Output (floor_util.h's floor_tls_main), one "key value" pair a line:
 * cpu_ms_per_probe (utime+stime of the probes divided by their number),
 * rss_kib and hwm_kib after the probes. Exit status 0, or 1 with the reason
 * when a probe fails. */
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "floor_util.h"

static void* new_ctx(const char* cafile) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == NULL || SSL_CTX_load_verify_locations(ctx, cafile, NULL) != 1) {
    SSL_CTX_free(ctx);
    return NULL;
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  return ctx;
}

static void free_ctx(void* ctx) { SSL_CTX_free(ctx); }

static int probe(void* ctx, const char* host, int port) {
  int fd = floor_connect("tls_floor", port);
  if (fd < 0) return 1;
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  SSL_set_tlsext_host_name(ssl, host);
  SSL_set1_host(ssl, host);
  int ok = SSL_connect(ssl) == 1;
  if (ok) {
    char req[256], buf[4096];
    int n = floor_request(req, sizeof req, host, port);
    ok = SSL_write(ssl, req, n) == n;
    size_t got = 0;
    int status_ok = 0;
    while (ok && (n = SSL_read(ssl, buf, sizeof buf)) > 0) {
      if (got == 0) status_ok = n >= 12 && strncmp(buf, "HTTP/1.1 200", 12) == 0;
      got += (size_t)n;
    }
    ok = ok && status_ok;
  }
  if (!ok) {
    fprintf(stderr, "tls_floor: probe of %s:%d failed: ", host, port);
    ERR_print_errors_fp(stderr);
    fprintf(stderr, "\n");
  }
  SSL_shutdown(ssl);
  SSL_free(ssl);
  close(fd);
  return ok ? 0 : 1;
}

int main(int argc, char** argv) {
  static const struct floor_tls_ops ops = {"tls_floor", new_ctx, free_ctx, probe};
  return floor_tls_main(&ops, argc, argv);
}

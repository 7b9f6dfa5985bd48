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
 * Output, one "key value" pair a line: cpu_ms_per_probe (utime+stime of the
 * probes divided by their number), rss_kib and hwm_kib after the probes.
 * Exit status 0, or 1 with the reason when a probe fails. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

static long status_kib(const char* key) {
  FILE* f = fopen("/proc/self/status", "r");
  char line[256];
  long kib = -1;
  size_t n = strlen(key);
  if (f == NULL) return -1;
  while (fgets(line, sizeof line, f) != NULL)
    if (strncmp(line, key, n) == 0 && line[n] == ':') kib = atol(line + n + 1);
  fclose(f);
  return kib;
}

static double cpu_ms(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static SSL_CTX* new_ctx(const char* cafile) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == NULL || SSL_CTX_load_verify_locations(ctx, cafile, NULL) != 1) return NULL;
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  return ctx;
}

static int probe(SSL_CTX* ctx, const char* host, int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || connect(fd, (struct sockaddr*)&a, sizeof a) != 0) {
    perror("tls_floor: connect");
    return 1;
  }
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  SSL_set_tlsext_host_name(ssl, host);
  SSL_set1_host(ssl, host);
  int ok = SSL_connect(ssl) == 1;
  if (ok) {
    char req[256], buf[4096];
    int n = snprintf(req, sizeof req, "GET /ok HTTP/1.1\r\nHost: %s:%d\r\nConnection: close\r\n\r\n", host, port);
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
  if (argc < 6 || (strcmp(argv[4], "fresh") != 0 && strcmp(argv[4], "shared") != 0)) {
    fprintf(stderr, "usage: tls_floor CAFILE HOST PROBES fresh|shared PORT...\n");
    return 2;
  }
  const char* cafile = argv[1];
  const char* host = argv[2];
  long probes = atol(argv[3]);
  int fresh = strcmp(argv[4], "fresh") == 0;
  int nports = argc - 5;
  SSL_CTX* shared = fresh ? NULL : new_ctx(cafile);
  double t0 = cpu_ms();
  for (long i = 0; i < probes; ++i) {
    SSL_CTX* ctx = fresh ? new_ctx(cafile) : shared;
    if (ctx == NULL) {
      fprintf(stderr, "tls_floor: cannot set up an SSL_CTX with %s\n", cafile);
      return 1;
    }
    int failed = probe(ctx, host, atoi(argv[5 + i % nports]));
    if (fresh) SSL_CTX_free(ctx);
    if (failed) return 1;
  }
  printf("cpu_ms_per_probe %.4f\n", (cpu_ms() - t0) / (double)probes);
  printf("rss_kib %ld\nhwm_kib %ld\n", status_kib("VmRSS"), status_kib("VmHWM"));
  if (shared) SSL_CTX_free(shared);
  return 0;
}

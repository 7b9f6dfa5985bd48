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
 * Output as tls_floor's: cpu_ms_per_probe, rss_kib and hwm_kib after the
 * probes. Exit status 0, or 1 with the reason when a probe fails. */
#include <arpa/inet.h>
#include <gnutls/gnutls.h>
#include <netinet/in.h>
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

static gnutls_certificate_credentials_t new_creds(const char* cafile) {
  gnutls_certificate_credentials_t c;
  if (gnutls_certificate_allocate_credentials(&c) != GNUTLS_E_SUCCESS) return NULL;
  if (gnutls_certificate_set_x509_trust_file(c, cafile, GNUTLS_X509_FMT_PEM) <= 0) {
    gnutls_certificate_free_credentials(c);
    return NULL;
  }
  return c;
}

static int probe(gnutls_certificate_credentials_t creds, const char* host, int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || connect(fd, (struct sockaddr*)&a, sizeof a) != 0) {
    perror("tls_floor_gnutls: connect");
    return 1;
  }
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
    int n =
        snprintf(req, sizeof req, "GET /ok HTTP/1.1\r\nHost: %s:%d\r\nConnection: close\r\n\r\n", host, port);
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
  if (argc < 6 || (strcmp(argv[4], "fresh") != 0 && strcmp(argv[4], "shared") != 0)) {
    fprintf(stderr, "usage: tls_floor_gnutls CAFILE HOST PROBES fresh|shared PORT...\n");
    return 2;
  }
  const char* cafile = argv[1];
  const char* host = argv[2];
  long probes = atol(argv[3]);
  int fresh = strcmp(argv[4], "fresh") == 0;
  int nports = argc - 5;
  gnutls_global_init();
  gnutls_certificate_credentials_t shared = fresh ? NULL : new_creds(cafile);
  double t0 = cpu_ms();
  for (long i = 0; i < probes; ++i) {
    gnutls_certificate_credentials_t c = fresh ? new_creds(cafile) : shared;
    if (c == NULL) {
      fprintf(stderr, "tls_floor_gnutls: cannot load %s as trusted certificates\n", cafile);
      return 1;
    }
    int failed = probe(c, host, atoi(argv[5 + i % nports]));
    if (fresh) gnutls_certificate_free_credentials(c);
    if (failed) return 1;
  }
  printf("cpu_ms_per_probe %.4f\n", (cpu_ms() - t0) / (double)probes);
  printf("rss_kib %ld\nhwm_kib %ld\n", status_kib("VmRSS"), status_kib("VmHWM"));
  if (shared) gnutls_certificate_free_credentials(shared);
  gnutls_global_deinit();
  return 0;
}

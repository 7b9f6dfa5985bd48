/* What the C floor programs of bench/ share: their own resident memory and CPU
 * time, and the driver of the two TLS floors (tls_floor.c on OpenSSL,
 * tls_floor_gnutls.c on GnuTLS), so each of those holds only its library's
 * context and probe. Header-only: each floor is one C file and this header. */
#pragma once

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

/* A "Key:" line of /proc/self/status (VmRSS, VmHWM) in KiB; -1 if absent. */
static inline long floor_status_kib(const char* key) {
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

/* utime + stime of this process, in milliseconds. */
static inline double floor_cpu_ms(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

/* A new TCP connection to 127.0.0.1:PORT (a probe's first step); -1 with the
 * reason on stderr. */
static inline int floor_connect(const char* name, int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || connect(fd, (struct sockaddr*)&a, sizeof a) != 0) {
    fprintf(stderr, "%s: connect to port %d: %s\n", name, port, strerror(errno));
    if (fd >= 0) close(fd);
    return -1;
  }
  return fd;
}

/* The probe's request, blackbox_exporter's on the wire; its length. */
static inline int floor_request(char* buf, size_t size, const char* host, int port) {
  return snprintf(buf, size, "GET /ok HTTP/1.1\r\nHost: %s:%d\r\nConnection: close\r\n\r\n", host, port);
}

/* One TLS library's side of a TLS floor: a client context trusting CAFILE
 * (NULL when it cannot be set up), its release, and one probe of HOST:PORT
 * with it (0 when the answer was 200, else 1 with the reason on stderr). */
struct floor_tls_ops {
  const char* name; /* the program's name, for usage and errors */
  void* (*new_ctx)(const char* cafile);
  void (*free_ctx)(void* ctx);
  int (*probe)(void* ctx, const char* host, int port);
};

/* The TLS floors' command line and output:
 *   NAME CAFILE HOST PROBES fresh|shared PORT...
 * fresh: a new context for every probe; shared: one for all. Prints
 * cpu_ms_per_probe (utime+stime of the probes divided by their number),
 * rss_kib and hwm_kib after the probes. Returns the exit status: 0, 1 when a
 * probe or a context fails, 2 on a bad command line. */
static inline int floor_tls_main(const struct floor_tls_ops* ops, int argc, char** argv) {
  if (argc < 6 || (strcmp(argv[4], "fresh") != 0 && strcmp(argv[4], "shared") != 0)) {
    fprintf(stderr, "usage: %s CAFILE HOST PROBES fresh|shared PORT...\n", ops->name);
    return 2;
  }
  const char* cafile = argv[1];
  const char* host = argv[2];
  long probes = atol(argv[3]);
  int fresh = strcmp(argv[4], "fresh") == 0;
  int nports = argc - 5;
  void* shared = fresh ? NULL : ops->new_ctx(cafile);
  double t0 = floor_cpu_ms();
  for (long i = 0; i < probes; ++i) {
    void* ctx = fresh ? ops->new_ctx(cafile) : shared;
    if (ctx == NULL) {
      fprintf(stderr, "%s: cannot set up a TLS context trusting %s\n", ops->name, cafile);
      return 1;
    }
    int failed = ops->probe(ctx, host, atoi(argv[5 + i % nports]));
    if (fresh) ops->free_ctx(ctx);
    if (failed) return 1;
  }
  printf("cpu_ms_per_probe %.4f\n", (floor_cpu_ms() - t0) / (double)probes);
  printf("rss_kib %ld\nhwm_kib %ld\n", floor_status_kib("VmRSS"), floor_status_kib("VmHWM"));
  if (shared) ops->free_ctx(shared);
  return 0;
}

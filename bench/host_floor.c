/* The floor of a host exporter's scrape: the work no implementation can skip.
 *
 * A C program that links libdeflate and nothing else (no C++ runtime, no
 * HTTP library, no parsing, no number formatting, no exposition encoding):
 * it answers each HTTP request of a keep-alive connection by doing the
 * system calls a host scrape needs and compressing a fixed exposition:
 *   - every file of PLAN read again from offset 0 to its end with pread on a
 *     descriptor opened once (procfs and sysfs regenerate the content), into
 *     one 64 KiB buffer; sysfs attributes and /proc/sys values with one read
 *     (a short read is their end);
 *   - every directory of PLAN listed again (lseek to 0, getdents64 to the end)
 *     on a descriptor opened once;
 *   - statfs of every mount point of PLAN;
 *   - one rtnetlink RTM_GETLINK dump when PLAN asks for it (netdev's source);
 *   - uname when PLAN asks for it;
 *   - BODY (a plain-text exposition, read once at start) gzip-compressed at
 *     level 1 with libdeflate, sent with its headers in one write.
 * compare_node_exporter.py derives PLAN from the system calls of one of
 * vigia's scrapes (strace) and BODY from vigia's exposition, and scrapes this
 * program beside the two exporters in the same rounds: its CPU per scrape over
 * node_exporter's is the lowest ratio any host exporter can reach here.
 *
 *   host_floor PLAN BODY PORT
 *     PLAN lines: "r PATH" (file), "d PATH" (directory), "s PATH" (statfs),
 *                 "n" (rtnetlink link dump), "u" (uname); others are ignored.
 *
 * Serves 127.0.0.1:PORT until killed, one connection at a time. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libdeflate.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <unistd.h>

enum kind { kFile, kDir, kStatfs, kNetlink, kUname };
struct item {
  enum kind kind;
  char* path;
  int fd;
  int one_read;
};

static struct item* items;
static size_t n_items;
static char* buf;
static size_t buf_size = 1 << 16;

static void die(const char* what) {
  perror(what);
  exit(1);
}

static void load_plan(const char* path) {
  FILE* f = fopen(path, "r");
  char line[4096];
  size_t cap = 0;
  if (f == NULL) die(path);
  while (fgets(line, sizeof line, f) != NULL) {
    line[strcspn(line, "\n")] = 0;
    struct item it = {kFile, NULL, -1, 0};
    switch (line[0]) {
      case 'r': it.kind = kFile; break;
      case 'd': it.kind = kDir; break;
      case 's': it.kind = kStatfs; break;
      case 'n': it.kind = kNetlink; break;
      case 'u': it.kind = kUname; break;
      default: continue;
    }
    if (it.kind == kFile || it.kind == kDir || it.kind == kStatfs) {
      if (line[1] != ' ') continue;
      it.path = strdup(line + 2);
      it.one_read = strncmp(it.path, "/sys/", 5) == 0 || strncmp(it.path, "/proc/sys/", 10) == 0;
    }
    if (it.kind == kFile || it.kind == kDir) {
      it.fd = open(it.path, O_RDONLY | O_CLOEXEC | (it.kind == kDir ? O_DIRECTORY : 0));
      if (it.fd < 0) continue; /* gone since the plan was made */
    }
    if (it.kind == kNetlink) {
      it.fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
      if (it.fd < 0) die("socket(AF_NETLINK)");
    }
    if (n_items == cap) {
      cap = cap ? 2 * cap : 64;
      items = realloc(items, cap * sizeof *items);
    }
    items[n_items++] = it;
  }
  fclose(f);
}

static void netlink_dump(int fd) {
  struct {
    struct nlmsghdr nh;
    struct ifinfomsg ifi;
  } req;
  static unsigned seq;
  memset(&req, 0, sizeof req);
  req.nh.nlmsg_len = sizeof req;
  req.nh.nlmsg_type = RTM_GETLINK;
  req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  req.nh.nlmsg_seq = ++seq;
  req.ifi.ifi_family = AF_UNSPEC;
  if (send(fd, &req, sizeof req, 0) < 0) die("netlink send");
  for (;;) {
    ssize_t n = recv(fd, buf, buf_size, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("netlink recv");
    }
    for (struct nlmsghdr* h = (struct nlmsghdr*)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n))
      if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) return;
  }
}

/* The system calls of one scrape; returns the bytes read (kept, so that
 * nothing is optimized away). */
static size_t do_scrape(void) {
  size_t total = 0;
  for (size_t i = 0; i < n_items; ++i) {
    struct item* it = &items[i];
    switch (it->kind) {
      case kFile: {
        /* To the end; a sysfs attribute or a /proc/sys value is produced by
         * one call in the kernel, so a short read there is its end (as vigia
         * reads them, and any exporter may). */
        off_t off = 0;
        ssize_t n;
        while ((n = pread(it->fd, buf, buf_size, off)) > 0) {
          off += n;
          if (it->one_read && (size_t)n < buf_size) break;
        }
        total += (size_t)off;
        break;
      }
      case kDir: {
        long n;
        lseek(it->fd, 0, SEEK_SET);
        while ((n = syscall(SYS_getdents64, it->fd, buf, buf_size)) > 0) total += (size_t)n;
        break;
      }
      case kStatfs: {
        struct statfs st;
        if (statfs(it->path, &st) == 0) total += (size_t)st.f_bfree & 1;
        break;
      }
      case kNetlink: netlink_dump(it->fd); break;
      case kUname: {
        struct utsname u;
        uname(&u);
        total += strlen(u.release);
        break;
      }
    }
  }
  return total;
}

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: host_floor PLAN BODY PORT\n");
    return 2;
  }
  buf = malloc(buf_size);
  load_plan(argv[1]);

  FILE* bf = fopen(argv[2], "rb");
  if (bf == NULL) die(argv[2]);
  size_t body_cap = 1 << 22;
  char* body = malloc(body_cap);
  size_t body_len = fread(body, 1, body_cap, bf);
  fclose(bf);

  struct libdeflate_compressor* c = libdeflate_alloc_compressor(1);
  size_t gz_cap = libdeflate_gzip_compress_bound(c, body_len);
  char* gz = malloc(gz_cap);

  int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)atoi(argv[3]));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (ls < 0 || bind(ls, (struct sockaddr*)&a, sizeof a) != 0 || listen(ls, 16) != 0) die("listen");

  volatile size_t sink = 0;
  char req[8192];
  for (;;) {
    int fd = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) continue;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    size_t have = 0;
    for (;;) {
      ssize_t n = recv(fd, req + have, sizeof req - 1 - have, 0);
      if (n <= 0) break;
      have += (size_t)n;
      req[have] = 0;
      char* end = strstr(req, "\r\n\r\n");
      if (end == NULL) {
        if (have == sizeof req - 1) break;
        continue;
      }
      sink += do_scrape();
      size_t gz_len = libdeflate_gzip_compress(c, body, body_len, gz, gz_cap);
      char head[256];
      int hn = snprintf(head, sizeof head,
                        "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
                        "Content-Encoding: gzip\r\nContent-Length: %zu\r\n\r\n",
                        gz_len);
      struct iovec iov[2] = {{head, (size_t)hn}, {gz, gz_len}};
      if (writev(fd, iov, 2) < 0) break;
      /* Pipelined bytes after this request stay for the next round. */
      size_t used = (size_t)(end + 4 - req);
      memmove(req, req + used, have - used);
      have -= used;
      req[have] = 0;
    }
    close(fd);
  }
}

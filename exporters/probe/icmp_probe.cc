// The icmp prober: one echo request, its reply awaited in poll(2) until the
// deadline. As blackbox_exporter on Linux, an unprivileged ICMP datagram
// socket first (net.ipv4.ping_group_range must include the process's group),
// a raw socket otherwise (root or CAP_NET_RAW); dont_fragment needs the raw
// one.
#include <arpa/inet.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <random>
#include <vector>

#include "exporters/probe/prober.h"

namespace vigia::probe {
namespace {

constexpr char kPayload[] = "Prometheus Blackbox Exporter";

uint16_t checksum(const unsigned char* p, size_t n) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < n; i += 2) sum += static_cast<uint32_t>(p[i] << 8 | p[i + 1]);
  if (n & 1) sum += static_cast<uint32_t>(p[n - 1] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

uint16_t next_sequence() {
  static std::atomic<uint16_t> seq{static_cast<uint16_t>(std::random_device{}())};
  return ++seq;
}

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

}  // namespace

bool probe_icmp(std::string_view target, const IcmpModule& m, Clock::time_point deadline, MetricSink& sink,
                std::string& reason) {
  double resolve_s = 0, setup_s = 0, rtt_s = 0, hop_limit = -1;
  bool ok = false;
  auto finish = [&]() {
    sink.family("probe_icmp_duration_seconds", "Duration of icmp request by phase", MetricType::kGauge);
    sink.sample("probe_icmp_duration_seconds", {{"phase", "resolve"}}, resolve_s);
    sink.sample("probe_icmp_duration_seconds", {{"phase", "rtt"}}, rtt_s);
    sink.sample("probe_icmp_duration_seconds", {{"phase", "setup"}}, setup_s);
    if (ok && hop_limit >= 0)
      sink.gauge("probe_icmp_reply_hop_limit", "Replied packet hop limit (TTL for ipv4)", hop_limit);
    return ok;
  };
  Resolved dst;
  if (!resolve(std::string(target), m.ip_protocol, m.ip_protocol_fallback, deadline, sink, dst, resolve_s,
               reason))
    return finish();
  auto setup_begun = Clock::now();
  int family = dst.v6 ? AF_INET6 : AF_INET;
  int proto = dst.v6 ? static_cast<int>(IPPROTO_ICMPV6) : static_cast<int>(IPPROTO_ICMP);
  Fd s;
  bool raw = false;
  if (!(m.dont_fragment && !dst.v6)) s.fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, proto);
  if (s.fd < 0) {
    s.fd = socket(family, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, proto);
    raw = true;
  }
  if (s.fd < 0) {
    reason = std::string("Error listening to socket: ") + std::strerror(errno) +
             " (an ICMP datagram socket needs the process's group in net.ipv4.ping_group_range, a raw one "
             "CAP_NET_RAW)";
    return finish();
  }
  if (!m.source_ip_address.empty() && !bind_source(s.fd, dst.v6, m.source_ip_address, reason))
    return finish();
  int one = 1, ttl = m.ttl;
  if (dst.v6) {
    setsockopt(s.fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof ttl);
    setsockopt(s.fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one, sizeof one);
  } else {
    setsockopt(s.fd, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl);
    setsockopt(s.fd, IPPROTO_IP, IP_RECVTTL, &one, sizeof one);
    if (m.dont_fragment) {
      int pmtu = IP_PMTUDISC_DO;
      setsockopt(s.fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof pmtu);
    }
  }
  uint16_t id = static_cast<uint16_t>(getpid() & 0xffff), seq = next_sequence();
  std::vector<unsigned char> data;
  if (m.payload_size > 0) {
    data.assign(static_cast<size_t>(m.payload_size), 0);
    std::memcpy(data.data(), kPayload, std::min(sizeof kPayload - 1, data.size()));
  } else {
    data.assign(kPayload, kPayload + sizeof kPayload - 1);
  }
  std::vector<unsigned char> pkt(8 + data.size());
  pkt[0] = dst.v6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO;
  pkt[4] = static_cast<unsigned char>(id >> 8), pkt[5] = static_cast<unsigned char>(id);
  pkt[6] = static_cast<unsigned char>(seq >> 8), pkt[7] = static_cast<unsigned char>(seq);
  std::memcpy(pkt.data() + 8, data.data(), data.size());
  if (!dst.v6) {  // ICMPv6's checksum covers a pseudo-header: the kernel computes it
    uint16_t c = checksum(pkt.data(), pkt.size());
    pkt[2] = static_cast<unsigned char>(c >> 8), pkt[3] = static_cast<unsigned char>(c);
  }
  setup_s = std::chrono::duration<double>(Clock::now() - setup_begun).count();
  auto rtt_begun = Clock::now();
  if (sendto(s.fd, pkt.data(), pkt.size(), 0, reinterpret_cast<const sockaddr*>(&dst.addr), dst.len) < 0) {
    reason = std::string("Error writing to socket: ") + std::strerror(errno);
    return finish();
  }
  unsigned char buf[65536];
  unsigned char control[256];
  while (true) {
    if (cancelled()) {
      reason = "probe cancelled";
      return finish();
    }
    double left = seconds_left(deadline);
    if (left <= 0) {
      reason = "Timeout reading from socket";
      return finish();
    }
    pollfd p{s.fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(std::min(left * 1000 + 1, 100.0))) <= 0) continue;
    sockaddr_storage from{};
    iovec iov{buf, sizeof buf};
    msghdr msg{};
    msg.msg_name = &from;
    msg.msg_namelen = sizeof from;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n = recvmsg(s.fd, &msg, 0);
    if (n < 0) continue;
    const unsigned char* icmp = buf;
    size_t len = static_cast<size_t>(n);
    double hops = -1;
    if (raw && !dst.v6) {  // a raw IPv4 socket reads the IP header too
      size_t ihl = static_cast<size_t>(buf[0] & 0x0f) * 4;
      if (len < ihl + 8) continue;
      hops = buf[8];
      icmp += ihl;
      len -= ihl;
    }
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) ||
          (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT)) {
        int v = 0;
        std::memcpy(&v, CMSG_DATA(c), sizeof v);
        hops = v;
      }
    }
    // From the target, an echo reply, our identifier (a datagram socket's is
    // the kernel's), sequence and payload.
    bool same_peer = dst.v6 ? std::memcmp(&reinterpret_cast<sockaddr_in6*>(&from)->sin6_addr,
                                          &reinterpret_cast<sockaddr_in6*>(&dst.addr)->sin6_addr, 16) == 0
                            : reinterpret_cast<sockaddr_in*>(&from)->sin_addr.s_addr ==
                                  reinterpret_cast<sockaddr_in*>(&dst.addr)->sin_addr.s_addr;
    if (!same_peer || len != pkt.size()) continue;
    if (icmp[0] != (dst.v6 ? ICMP6_ECHO_REPLY : ICMP_ECHOREPLY) || icmp[1] != 0) continue;
    if (raw && (icmp[4] != pkt[4] || icmp[5] != pkt[5])) continue;
    if (icmp[6] != pkt[6] || icmp[7] != pkt[7] || std::memcmp(icmp + 8, pkt.data() + 8, data.size()) != 0)
      continue;
    rtt_s = std::chrono::duration<double>(Clock::now() - rtt_begun).count();
    hop_limit = hops;
    ok = true;
    return finish();
  }
}

}  // namespace vigia::probe

// libFuzzer target for the host parsers of /proc/net/stat/nf_conntrack,
// /proc/net/softnet_stat, /proc/net/arp, /proc/net/udp{,6}, /proc/schedstat,
// /sys/class/net/<iface>/* values (Go's ParseInt base 0) and the address
// formatting of node_network_address_info, and the netlink dump replies of
// netdev (RTM_GETLINK) and tcpstat (SOCK_DIAG_BY_FAMILY), and netclass's netlink
// mode (an RTM_NEWLINK body, an ethtool link-modes reply, a genetlink family).
// Properties: an accepted base-10 integer equals strtoll's value; ARP counts
// add up to the entry lines; a formatted IPv6 address parses back to the same
// bytes (inet_pton) and IPv4 ones are dotted quads; an accepted netlink reply
// yields at most one link or socket per message, and the TCP queue sums are
// reported exactly when a socket was counted.
#include <arpa/inet.h>
#include <linux/netlink.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "exporters/host/address_info.h"
#include "exporters/host/arp_collector.h"
#include "exporters/host/conntrack_collector.h"
#include "exporters/host/netclass_collector.h"
#include "exporters/host/netclass_netlink.h"
#include "exporters/host/netlink_stats.h"
#include "exporters/host/proc_values.h"
#include "exporters/host/schedstat_collector.h"
#include "exporters/host/softnet_collector.h"
#include "exporters/host/tcpstat_collector.h"
#include "exporters/host/udp_queues_collector.h"

namespace {
void fail(const char* what) {
  std::fprintf(stderr, "%s\n", what);
  std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigia::host;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  vigia::host::ConntrackStats cs;
  (void)parse_conntrack_stat(in, cs);
  std::vector<SoftnetStat> sn;
  (void)parse_softnet(in, sn);
  UdpQueues q;
  (void)parse_udp_queues(in, q);
  std::vector<SchedstatCpu> cpus;
  parse_schedstat(in, cpus);

  std::vector<std::pair<std::string, uint64_t>> arp;
  if (parse_arp_entries(in, arp).is_ok()) {
    uint64_t total = 0, lines = 0;
    for (const auto& e : arp) total += e.second;
    vigia::for_each_line(in, [&](std::string_view l) {
      std::string_view f0;
      vigia::for_each_field(l, [&](std::string_view f) {
        f0 = f;
        return false;
      });
      if (f0 != "IP") ++lines;
    });
    if (total != lines) fail("ARP counts do not add up to the entry lines");
  }

  // Netlink replies: the raw bytes as one recv() buffer. Messages are counted
  // independently of the parsers (up to NLMSG_DONE).
  {
    size_t messages = 0;
    for (size_t off = 0; off + sizeof(nlmsghdr) <= size;) {
      nlmsghdr h;
      std::memcpy(&h, data + off, sizeof h);
      if (h.nlmsg_len < sizeof(nlmsghdr) || h.nlmsg_len > size - off || h.nlmsg_type == NLMSG_DONE) break;
      ++messages;
      off += NLMSG_ALIGN(h.nlmsg_len);
    }
    std::vector<NetDevLine> links;
    size_t n = 0;
    bool done = false;
    if (parse_link_dump(data, size, links, n, done).is_ok() && n > messages) fail("more links than messages");
    TcpStats tcp;
    done = false;
    if (parse_tcp_diag_dump(data, size, tcp, done).is_ok()) {
      double sockets = 0;
      for (int i = 0; i < TcpStats::kCount; ++i)
        if (i != TcpStats::kRxQueued && i != TcpStats::kTxQueued) sockets += tcp.values[i];
      if (sockets > static_cast<double>(messages)) fail("more sockets than messages");
      if (sockets > 0 && !(tcp.seen[TcpStats::kRxQueued] && tcp.seen[TcpStats::kTxQueued]))
        fail("sockets counted without queue sums");
    }
  }

  // netclass's netlink mode: one RTM_NEWLINK body and one ethtool reply body.
  // An accepted link's addresses are Go's net.HardwareAddr text (3 characters
  // a byte, less one) and its name no longer than the input.
  {
    NetlinkLink link;
    if (parse_netlink_link(data, size, link).is_ok()) {
      for (const std::string* a : {&link.address, &link.broadcast})
        if (!a->empty() && ((a->size() + 1) % 3 != 0 || a->size() < 11 || a->size() > 95))
          fail("hardware address text of an impossible length");
      if (link.name.size() > size) fail("link name longer than the message");
    }
    EthtoolLinkMode mode;
    if (parse_ethtool_linkmode(data, size, mode).is_ok() && mode.name.size() > size)
      fail("ethtool name longer than the message");
    (void)parse_genl_family(data, size, "ethtool");
    (void)duplex_name(size > 0 ? data[0] : 0);
  }

  std::string_view first = in.substr(0, std::min(in.find('\n'), in.size()));
  int64_t v;
  if (parse_go_int64(first, v)) {
    bool decimal = !first.empty() && first.find_first_not_of("+-0123456789") == std::string_view::npos &&
                   (first.size() == 1 || first[first[0] == '-' || first[0] == '+'] != '0');
    if (decimal && std::strtoll(std::string(first).c_str(), nullptr, 10) != v) fail("base-10 value differs");
  }
  NetClassIface iface;
  set_netclass_attr(iface, "flags", first);
  set_netclass_attr(iface, "ifalias", first);
  uint64_t u;
  (void)parse_hex_u64(first, u, 32);

  if (size >= 16) {
    std::string s = go_ip_string(data, 16);
    unsigned char back[16];
    bool mapped = std::memcmp(data, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0;
    if (!mapped && (inet_pton(AF_INET6, s.c_str(), back) != 1 || std::memcmp(back, data, 16) != 0))
      fail("IPv6 text does not parse back");
    (void)address_scope(data, 16);
  }
  if (size >= 4) {
    std::string s = go_ip_string(data, 4);
    unsigned char back[4];
    if (inet_pton(AF_INET, s.c_str(), back) != 1 || std::memcmp(back, data, 4) != 0)
      fail("IPv4 text does not parse back");
  }
  return 0;
}

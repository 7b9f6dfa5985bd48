#include "exporters/host/netlink_stats.h"

#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

namespace vigia::host {

namespace {

// The fields of rtnl_link_stats64 up to rx_nohandler; older kernels send a
// shorter attribute, which is zero-padded.
void fill_legacy(const rtnl_link_stats64& s, NetDevLine& d) {
  d.values[0] = s.rx_bytes;
  d.values[1] = s.rx_packets;
  d.values[2] = s.rx_errors;
  d.values[3] = s.rx_dropped + s.rx_missed_errors;
  d.values[4] = s.rx_fifo_errors;
  d.values[5] = s.rx_length_errors + s.rx_over_errors + s.rx_crc_errors + s.rx_frame_errors;
  d.values[6] = s.rx_compressed;
  d.values[7] = s.multicast;
  d.values[8] = s.tx_bytes;
  d.values[9] = s.tx_packets;
  d.values[10] = s.tx_errors;
  d.values[11] = s.tx_dropped;
  d.values[12] = s.tx_fifo_errors;
  d.values[13] = s.collisions;
  d.values[14] = s.tx_carrier_errors + s.tx_aborted_errors + s.tx_heartbeat_errors + s.tx_window_errors;
  d.values[15] = s.tx_compressed;
}

// Appends the link of one RTM_NEWLINK message, if it has a name and IFLA_STATS64.
void add_link(uint16_t type, const uint8_t* body, size_t body_len, std::vector<NetDevLine>& out, size_t& n) {
  if (type != RTM_NEWLINK || body_len < NLMSG_ALIGN(sizeof(ifinfomsg))) return;
  size_t a = NLMSG_ALIGN(sizeof(ifinfomsg));
  std::string_view name;
  const uint8_t* stats = nullptr;
  size_t stats_len = 0;
  // A malformed attribute ends the walk; what came before it is kept.
  for_each_netlink_attr(body + a, body_len - a, [&](uint16_t type, const uint8_t* payload, size_t plen) {
    if (type == IFLA_IFNAME) {
      name = std::string_view(reinterpret_cast<const char*>(payload),
                              strnlen(reinterpret_cast<const char*>(payload), plen));
    } else if (type == IFLA_STATS64) {
      stats = payload;
      stats_len = plen;
    }
    return true;
  });
  if (name.empty() || !stats) return;
  rtnl_link_stats64 s{};
  std::memcpy(&s, stats, std::min(stats_len, sizeof s));
  if (out.size() <= n) out.emplace_back();
  NetDevLine& d = out[n++];
  d.name.assign(name);
  fill_legacy(s, d);
  d.has_nohandler = stats_len >= offsetof(rtnl_link_stats64, rx_nohandler) + sizeof(s.rx_nohandler);
  d.nohandler = s.rx_nohandler;
}

}  // namespace

Status parse_link_dump(const uint8_t* data, size_t len, std::vector<NetDevLine>& out, size_t& n, bool& done) {
  return walk_netlink_dump(
      data, len, "RTM_GETLINK", done,
      [&](uint16_t type, const uint8_t* body, size_t body_len) { add_link(type, body, body_len, out, n); });
}

Status LinkStatsReader::read(std::vector<NetDevLine>& out) {
  ifinfomsg req{};
  req.ifi_family = AF_UNSPEC;
  size_t n = 0;
  Status st = dumper_.dump(
      RTM_GETLINK, &req, sizeof req, "RTM_GETLINK",
      [&](uint16_t type, const uint8_t* body, size_t len) { add_link(type, body, len, out, n); });
  if (st.is_ok()) out.resize(n);
  return st;
}

}  // namespace vigia::host

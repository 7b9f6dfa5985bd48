// node_exporter 1.5's netclass over netlink (--collector.netclass.netlink):
// every link of one RTM_GETLINK dump (as jsimonetti/rtnetlink 1.3 decodes it)
// and each link's speed and duplex from one ETHTOOL_MSG_LINKMODES_GET dump of
// the kernel's ethtool generic netlink family (as mdlayher/ethtool does), with
// --collector.netclass_rtnl.with-stats the link's IFLA_STATS64 counters too.
// No sysfs file is read.
#pragma once

#include <linux/netlink.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/metric.h"
#include "core/status.h"
#include "exporters/host/host.h"
#include "exporters/host/netlink_dump.h"
#include "exporters/host/regex_filter.h"

namespace vigia::host {

// One RTM_NEWLINK message, with rtnetlink 1.3's defaults for absent
// attributes (0, or no value for its optional ones).
struct NetlinkLink {
  static constexpr size_t kStats = 24;            // rtnl_link_stats64 up to rx_nohandler
  std::string name, address, broadcast, ifalias;  // addresses as Go's net.HardwareAddr.String()
  uint8_t operstate = 0;
  uint16_t type = 0;  // ifi_type
  uint32_t index = 0, flags = 0, mtu = 0;
  uint32_t link = 0;  // IFLA_LINK; 0: absent (the kernel omits it when it is the link itself)
  std::optional<uint8_t> carrier, link_mode;
  std::optional<uint32_t> carrier_changes, carrier_up, carrier_down, group, tx_queue_len;
  bool has_stats = false;
  uint64_t stats[kStats] = {};
};

// Decodes one RTM_NEWLINK body (ifinfomsg and attributes) into out (reset
// first). As rtnetlink 1.3, these are errors, which fail the whole dump: a
// body shorter than ifinfomsg, a malformed attribute, an integer attribute
// of the wrong size, an address or broadcast address outside 4..32 bytes, an
// IFLA_STATS64 of another size than 184, 192 or 200 bytes.
Status parse_netlink_link(const uint8_t* body, size_t len, NetlinkLink& out);

// One ETHTOOL_MSG_LINKMODES_GET reply: the link's name and its speed in Mb/s
// and duplex (mdlayher/ethtool's defaults, 0 and half, when absent).
struct EthtoolLinkMode {
  std::string name;
  uint32_t speed_mbps = 0;
  uint8_t duplex = 0;
};

// Decodes one reply body (genlmsghdr and attributes) into out (reset first).
Status parse_ethtool_linkmode(const uint8_t* body, size_t len, EthtoolLinkMode& out);

// The family id of `family` in one CTRL_CMD_NEWFAMILY body (genlmsghdr and
// attributes), if that message describes it.
std::optional<uint16_t> parse_genl_family(const uint8_t* body, size_t len, std::string_view family);

// Go's fmt of an ethtool.Duplex: "Half", "Full", "Unknown" or "Duplex(N)".
std::string duplex_name(uint8_t duplex);

// The collector's netlink mode; keeps its sockets between scrapes. Not
// thread-safe (the registry serializes a collector's calls).
class NetclassNetlink {
 public:
  // --collector.netclass_rtnl.with-stats "replaces netdev" (node_exporter's
  // help). With netdev on too, both would write node_network_{receive,
  // transmit}_{bytes,packets,compressed}_total (and receive_nohandler_total
  // when netdev reads netlink); node_exporter then drops one of each pair at
  // random and logs an error at every scrape. Here netdev's counters are kept,
  // netclass leaves those families out, and a warning says so at start.
  explicit NetclassNetlink(const HostOptions& opts);
  Status collect(RegexFilter& ignored, MetricSink& sink);

 private:
  // The link modes, or none when the kernel has no ethtool netlink family
  // (before 5.6): logged once, and node_network_speed_bytes and the duplex
  // label are then left out, as node_exporter does.
  Status read_link_modes(std::vector<EthtoolLinkMode>& out);
  bool with_stats_, ignore_invalid_speed_;
  bool skip_netdev_families_, netdev_nohandler_;
  NetlinkDumper route_{NETLINK_ROUTE};
  NetlinkDumper generic_{NETLINK_GENERIC};
  uint16_t ethtool_family_ = 0;  // 0: not resolved yet
  bool logged_unavailable_ = false;
  std::vector<NetlinkLink> links_;
  std::vector<EthtoolLinkMode> modes_;
};

}  // namespace vigia::host

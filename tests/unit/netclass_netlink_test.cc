// netclass's netlink mode (--collector.netclass.netlink): the RTM_NEWLINK and
// ethtool reply decoders on constructed messages, and the live collector
// against /sys/class/net of the same network namespace (a second source: the
// kernel's sysfs attributes of the same links).
#include <linux/ethtool_netlink.h>
#include <linux/genetlink.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <algorithm>
#include <catch.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "exporters/host/netclass_collector.h"
#include "exporters/host/netclass_netlink.h"
#include "core/exposition.h"
#include "core/registry.h"
#include "tests/unit/host_a_test_util.h"

using namespace vigia;
using namespace vigia::host;
using vigia::test::scrape;

namespace {

struct Msg {
  std::vector<uint8_t> body;
  void raw(const void* p, size_t n) {
    size_t at = body.size();
    body.resize(at + n);
    std::memcpy(body.data() + at, p, n);
  }
  void attr(uint16_t type, const void* data, size_t len) {
    nlattr a{};
    a.nla_len = static_cast<uint16_t>(NLA_HDRLEN + len);
    a.nla_type = type;
    size_t at = body.size();
    body.resize(at + NLA_ALIGN(a.nla_len), 0);
    std::memcpy(body.data() + at, &a, sizeof a);
    if (len) std::memcpy(body.data() + at + NLA_HDRLEN, data, len);
  }
  template <typename T>
  void num(uint16_t type, T v) {
    attr(type, &v, sizeof v);
  }
  void str(uint16_t type, const std::string& s) { attr(type, s.c_str(), s.size() + 1); }
};

Msg link_msg(const std::string& name, int index, uint16_t type = 1, uint32_t flags = 0x1003) {
  Msg m;
  ifinfomsg ifi{};
  ifi.ifi_type = type;
  ifi.ifi_index = index;
  ifi.ifi_flags = flags;
  m.raw(&ifi, sizeof ifi);
  m.str(IFLA_IFNAME, name);
  return m;
}

std::string sysfs(const std::string& dev, const std::string& file) {
  std::ifstream in("/sys/class/net/" + dev + "/" + file);
  std::string s;
  std::getline(in, s);
  return s;
}

}  // namespace

TEST_CASE("an RTM_NEWLINK message decodes as rtnetlink 1.3 decodes it") {
  Msg m = link_msg("eth0", 4, 1, 0x11043);
  const uint8_t mac[6] = {0x02, 0xfc, 0x00, 0xab, 0x0C, 0x01};
  const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  m.attr(IFLA_ADDRESS, mac, sizeof mac);
  m.attr(IFLA_BROADCAST, bcast, sizeof bcast);
  m.str(IFLA_IFALIAS, "uplink");
  m.num<uint8_t>(IFLA_OPERSTATE, 6);
  m.num<uint8_t>(IFLA_CARRIER, 1);
  m.num<uint8_t>(IFLA_LINKMODE, 0);
  m.num<uint32_t>(IFLA_MTU, 1400);
  m.num<uint32_t>(IFLA_CARRIER_CHANGES, 2);
  m.num<uint32_t>(IFLA_CARRIER_UP_COUNT, 1);
  m.num<uint32_t>(IFLA_TXQLEN, 1000);
  m.num<uint32_t>(IFLA_LINK, 7);
  uint64_t stats[25] = {};
  for (int i = 0; i < 25; ++i) stats[i] = 100 + static_cast<uint64_t>(i);
  m.attr(IFLA_STATS64, stats, 200);
  NetlinkLink l;
  REQUIRE(parse_netlink_link(m.body.data(), m.body.size(), l).is_ok());
  CHECK(l.name == "eth0");
  CHECK(l.index == 4);
  CHECK(l.flags == 0x11043);
  CHECK(l.type == 1);
  CHECK(l.address == "02:fc:00:ab:0c:01");  // lower-case hex, as Go's net.HardwareAddr
  CHECK(l.broadcast == "ff:ff:ff:ff:ff:ff");
  CHECK(l.ifalias == "uplink");
  CHECK(l.operstate == 6);
  CHECK(l.carrier == 1);
  CHECK(l.link_mode == 0);
  CHECK(l.mtu == 1400);
  CHECK(l.carrier_changes == 2u);
  CHECK(l.carrier_up == 1u);
  CHECK_FALSE(l.carrier_down.has_value());  // absent: no series
  CHECK_FALSE(l.group.has_value());
  CHECK(l.tx_queue_len == 1000u);
  CHECK(l.link == 7);
  REQUIRE(l.has_stats);
  CHECK(l.stats[0] == 100);
  CHECK(l.stats[23] == 123);  // rx_nohandler; the 25th field (5.19's) is not exported

  // A 184-byte IFLA_STATS64 (before 4.6) has no rx_nohandler: 0, as there.
  Msg old = link_msg("eth1", 5);
  old.attr(IFLA_STATS64, stats, 184);
  REQUIRE(parse_netlink_link(old.body.data(), old.body.size(), l).is_ok());
  CHECK(l.stats[22] == 122);
  CHECK(l.stats[23] == 0);
  CHECK(l.address.empty());  // none: "" in node_network_info
}

TEST_CASE("malformed RTM_NEWLINK messages are errors") {
  NetlinkLink l;
  Msg m = link_msg("x", 1);
  CHECK(parse_netlink_link(m.body.data(), 10, l).is_error());  // shorter than ifinfomsg
  Msg short_addr = link_msg("x", 1);
  const uint8_t three[3] = {1, 2, 3};
  short_addr.attr(IFLA_ADDRESS, three, 3);
  Status st = parse_netlink_link(short_addr.body.data(), short_addr.body.size(), l);
  CHECK(st.is_error());
  CHECK(st.message().find("hardware address") != std::string::npos);
  Msg stats = link_msg("x", 1);
  uint64_t s[13] = {};
  stats.attr(IFLA_STATS64, s, sizeof s);
  CHECK(parse_netlink_link(stats.body.data(), stats.body.size(), l).is_error());
  Msg wide = link_msg("x", 1);
  wide.num<uint16_t>(IFLA_MTU, 1500);
  CHECK(parse_netlink_link(wide.body.data(), wide.body.size(), l).is_error());
  Msg cut = link_msg("x", 1);
  cut.num<uint32_t>(IFLA_MTU, 1500);
  CHECK(parse_netlink_link(cut.body.data(), cut.body.size() - 2, l).is_error());  // attribute past the end
}

TEST_CASE("ethtool link modes and the generic netlink family") {
  Msg m;
  genlmsghdr g{};
  g.cmd = ETHTOOL_MSG_LINKMODES_GET_REPLY;
  m.raw(&g, sizeof g);
  Msg header;
  header.num<uint32_t>(ETHTOOL_A_HEADER_DEV_INDEX, 4);
  header.str(ETHTOOL_A_HEADER_DEV_NAME, "eth0");
  m.attr(ETHTOOL_A_LINKMODES_HEADER | NLA_F_NESTED, header.body.data(), header.body.size());
  m.num<uint32_t>(ETHTOOL_A_LINKMODES_SPEED, 10000);
  m.num<uint8_t>(ETHTOOL_A_LINKMODES_DUPLEX, 1);
  EthtoolLinkMode lm;
  REQUIRE(parse_ethtool_linkmode(m.body.data(), m.body.size(), lm).is_ok());
  CHECK(lm.name == "eth0");
  CHECK(lm.speed_mbps == 10000);
  CHECK(lm.duplex == 1);
  CHECK(duplex_name(0) == "Half");
  CHECK(duplex_name(1) == "Full");
  CHECK(duplex_name(0xff) == "Unknown");
  CHECK(duplex_name(7) == "Duplex(7)");
  CHECK(parse_ethtool_linkmode(m.body.data(), 2, lm).is_error());

  Msg fam;
  fam.raw(&g, sizeof g);
  fam.str(CTRL_ATTR_FAMILY_NAME, "ethtool");
  fam.num<uint16_t>(CTRL_ATTR_FAMILY_ID, 21);
  CHECK(parse_genl_family(fam.body.data(), fam.body.size(), "ethtool") == std::optional<uint16_t>(21));
  CHECK_FALSE(parse_genl_family(fam.body.data(), fam.body.size(), "nl80211").has_value());
}

namespace {

std::vector<std::string> net_devices() {
  std::vector<std::string> devs;
  for (const auto& e : std::filesystem::directory_iterator("/sys/class/net"))
    devs.push_back(e.path().filename());
  std::sort(devs.begin(), devs.end());
  return devs;
}

// What differs between one netlink scrape and sysfs read around it, for the
// links present before and after (other tests may add and remove links).
std::vector<std::string> sysfs_differences(NetclassCollector& c) {
  std::vector<std::string> before = net_devices();
  auto s = scrape(c);
  std::vector<std::string> after = net_devices(), out;
  if (!s.status.is_ok()) return {"scrape failed: " + s.status.message()};
  for (const std::string& d : before) {
    if (!std::binary_search(after.begin(), after.end(), d)) continue;
    std::string l = "{device=\"" + d + "\"} ";
    std::vector<std::string> lines = {
        "node_network_mtu_bytes" + l + sysfs(d, "mtu"),
        "node_network_iface_id" + l + sysfs(d, "ifindex"),
        "node_network_iface_link" + l + sysfs(d, "iflink"),
        "node_network_protocol_type" + l + sysfs(d, "type"),
        "node_network_transmit_queue_length" + l + sysfs(d, "tx_queue_len"),
        "node_network_carrier_changes_total" + l + sysfs(d, "carrier_changes"),
        std::string("node_network_up") + l + (sysfs(d, "operstate") == "up" ? "1" : "0")};
    for (const std::string& line : lines)
      if (!s.has(line)) out.push_back("no line " + line);
    std::string info = "address=\"" + sysfs(d, "address") + "\",broadcast=\"" + sysfs(d, "broadcast") +
                       "\",device=\"" + d + "\"";
    if (!s.mentions(info)) out.push_back("no node_network_info with " + info);
    if (!s.mentions("node_network_receive_bytes_total" + l)) out.push_back("no statistics for " + d);
  }
  if (!out.empty()) out.push_back("scrape:\n" + s.text);
  return out;
}

}  // namespace

TEST_CASE("the netlink mode reads the links sysfs shows, with the same values") {
  std::vector<std::string> devs = net_devices();
  REQUIRE_FALSE(devs.empty());
  HostOptions o;
  o.netclass_netlink = true;
  o.netclass_rtnl_with_stats = true;
  NetclassCollector c(o);
  // Links change under other tests (containers come and go): a difference
  // counts only if it is there in each of 5 tries.
  std::vector<std::string> diff;
  for (int i = 0; i < 5; ++i) {
    diff = sysfs_differences(c);
    if (diff.empty()) break;
  }
  INFO((diff.empty() ? std::string() : diff.front() + "\n" + diff.back()));
  CHECK(diff.empty());
  auto s = scrape(c);
  REQUIRE(s.status.is_ok());
  CHECK(s.mentions("# TYPE node_network_receive_bytes_total gauge"));  // as node_exporter 1.5 types them
  CHECK(s.mentions("# HELP node_network_info Non-numeric data of <iface>, value is always 1."));
  CHECK_FALSE(s.mentions("node_network_address_assign_type"));  // sysfs only

  // The ignored devices are left out of every family.
  o.netclass_ignored_devices = "^lo$";
  NetclassCollector ignoring(o);
  auto t = scrape(ignoring);
  REQUIRE(t.status.is_ok());
  CHECK(s.mentions("device=\"lo\""));
  CHECK_FALSE(t.mentions("device=\"lo\""));
  // Without with-stats, no statistics.
  o.netclass_rtnl_with_stats = false;
  NetclassCollector plain(o);
  auto p = scrape(plain);
  CHECK(p.mentions("node_network_mtu_bytes{"));
  CHECK_FALSE(p.mentions("node_network_receive_bytes_total"));
}

TEST_CASE("with-stats beside netdev: netdev's counters stay, netclass leaves those families out") {
  auto scrape_with = [](bool netdev) {
    HostOptions o;
    o.netclass_netlink = true;
    o.netclass_rtnl_with_stats = true;
    CollectorCatalog c;
    register_collectors(c, o);
    c.disable_defaults();
    c.set_enabled("netclass", true);
    c.set_enabled("netdev", netdev);
    CollectorRegistry reg(c.build());
    return encode_text([&](MetricSink& s) { reg.collect(CollectContext{}, s); });
  };
  auto count = [](const std::string& text, const std::string& prefix) {
    size_t n = 0;
    for (size_t at = 0; (at = text.find("\n" + prefix, at)) != std::string::npos; ++at) ++n;
    return n;
  };
  std::string both = scrape_with(true);
  INFO(both);
  CHECK(count(both, "# TYPE node_network_receive_bytes_total ") == 1);
  CHECK(count(both, "# TYPE node_network_receive_bytes_total counter") == 1);  // netdev's
  CHECK(count(both, "node_network_receive_bytes_total{device=\"lo\"} ") == 1);
  CHECK(count(both, "node_network_transmit_packets_total{device=\"lo\"} ") == 1);
  CHECK(count(both, "node_network_receive_errors_total{device=\"lo\"} ") == 1);  // netclass's own names stay
  CHECK(count(both, "node_network_receive_errs_total{device=\"lo\"} ") == 1);    // and netdev's
  std::string alone = scrape_with(false);
  CHECK(count(alone, "# TYPE node_network_receive_bytes_total gauge") == 1);  // netclass's, as node_exporter
  CHECK(count(alone, "node_network_receive_bytes_total{device=\"lo\"} ") == 1);
}

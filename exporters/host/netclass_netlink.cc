#include "exporters/host/netclass_netlink.h"

#include <linux/ethtool_netlink.h>
#include <linux/genetlink.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <tuple>

#include "core/log.h"

namespace vigia::host {

namespace {

template <typename T>
bool read_int(const uint8_t* p, size_t n, T& out) {
  if (n != sizeof(T)) return false;
  std::memcpy(&out, p, sizeof(T));
  return true;
}

std::string nl_string(const uint8_t* p, size_t n) {
  return std::string(reinterpret_cast<const char*>(p), strnlen(reinterpret_cast<const char*>(p), n));
}

std::string hardware_addr(const uint8_t* p, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(n * 3);
  for (size_t i = 0; i < n; ++i) {
    if (i) s += ':';
    s += kHex[p[i] >> 4];
    s += kHex[p[i] & 0xf];
  }
  return s;
}

// node_exporter's names of the IFLA_STATS64 fields, by their index in
// rtnl_link_stats64.
constexpr std::string_view kStatNames[NetlinkLink::kStats] = {"receive_packets_total",
                                                              "transmit_packets_total",
                                                              "receive_bytes_total",
                                                              "transmit_bytes_total",
                                                              "receive_errors_total",
                                                              "transmit_errors_total",
                                                              "receive_dropped_total",
                                                              "transmit_dropped_total",
                                                              "multicast_total",
                                                              "collisions_total",
                                                              "receive_length_errors_total",
                                                              "receive_over_errors_total",
                                                              "receive_crc_errors_total",
                                                              "receive_frame_errors_total",
                                                              "receive_fifo_errors_total",
                                                              "receive_missed_errors_total",
                                                              "transmit_aborted_errors_total",
                                                              "transmit_carrier_errors_total",
                                                              "transmit_fifo_errors_total",
                                                              "transmit_heartbeat_errors_total",
                                                              "transmit_window_errors_total",
                                                              "receive_compressed_total",
                                                              "transmit_compressed_total",
                                                              "receive_nohandler_total"};

// The statistics names the netdev collector writes too.
bool written_by_netdev(std::string_view stat, bool netdev_nohandler) {
  for (std::string_view n :
       {"receive_bytes_total", "transmit_bytes_total", "receive_packets_total", "transmit_packets_total",
        "receive_compressed_total", "transmit_compressed_total"})
    if (stat == n) return true;
  return netdev_nohandler && stat == "receive_nohandler_total";
}

constexpr const char* kOperstate[] = {"unknown", "notpresent", "down", "lowerlayerdown",
                                      "testing", "dormant",    "up"};

}  // namespace

Status parse_netlink_link(const uint8_t* body, size_t len, NetlinkLink& out) {
  out = NetlinkLink{};
  if (len < sizeof(ifinfomsg)) return Status::error("netlink: RTM_NEWLINK: message too short");
  ifinfomsg ifi;
  std::memcpy(&ifi, body, sizeof ifi);
  out.type = ifi.ifi_type;
  out.index = static_cast<uint32_t>(ifi.ifi_index);
  out.flags = ifi.ifi_flags;
  const char* bad = nullptr;
  bool ok = for_each_netlink_attr(
      body + sizeof ifi, len - sizeof ifi, [&](uint16_t type, const uint8_t* p, size_t n) {
        uint8_t u8 = 0;
        uint32_t u32 = 0;
        auto u8_into = [&](std::optional<uint8_t>& f) {
          if (!read_int(p, n, u8)) return false;
          f = u8;
          return true;
        };
        auto u32_into = [&](std::optional<uint32_t>& f) {
          if (!read_int(p, n, u32)) return false;
          f = u32;
          return true;
        };
        bool good = true;
        switch (type) {
          case IFLA_ADDRESS:
          case IFLA_BROADCAST:
            if (n < 4 || n > 32) {
              bad = "hardware address of an unexpected length";
              return false;
            }
            (type == IFLA_ADDRESS ? out.address : out.broadcast) = hardware_addr(p, n);
            break;
          case IFLA_IFNAME: out.name = nl_string(p, n); break;
          case IFLA_IFALIAS: out.ifalias = nl_string(p, n); break;
          case IFLA_CARRIER: good = u8_into(out.carrier); break;
          case IFLA_LINKMODE: good = u8_into(out.link_mode); break;
          case IFLA_OPERSTATE: good = read_int(p, n, out.operstate); break;
          case IFLA_CARRIER_CHANGES: good = u32_into(out.carrier_changes); break;
          case IFLA_CARRIER_UP_COUNT: good = u32_into(out.carrier_up); break;
          case IFLA_CARRIER_DOWN_COUNT: good = u32_into(out.carrier_down); break;
          case IFLA_GROUP: good = u32_into(out.group); break;
          case IFLA_TXQLEN: good = u32_into(out.tx_queue_len); break;
          case IFLA_MTU: good = read_int(p, n, out.mtu); break;
          case IFLA_LINK: good = read_int(p, n, out.link); break;
          case IFLA_STATS64:
            if (n != 184 && n != 192 && n != 200) {
              bad = "IFLA_STATS64 of an unexpected size";
              return false;
            }
            std::memcpy(out.stats, p, std::min(n, sizeof out.stats));
            out.has_stats = true;
            break;
          default: break;
        }
        if (!good) bad = "integer attribute of the wrong size";
        return good;
      });
  if (!ok) return Status::error(std::string("netlink: RTM_NEWLINK: ") + (bad ? bad : "malformed attribute"));
  return Status::ok();
}

Status parse_ethtool_linkmode(const uint8_t* body, size_t len, EthtoolLinkMode& out) {
  out = EthtoolLinkMode{};
  if (len < GENL_HDRLEN) return Status::error("netlink: ethtool link modes: message too short");
  bool ok = for_each_netlink_attr(
      body + GENL_HDRLEN, len - GENL_HDRLEN, [&](uint16_t type, const uint8_t* p, size_t n) {
        switch (type) {
          case ETHTOOL_A_LINKMODES_HEADER:
            return for_each_netlink_attr(p, n, [&](uint16_t t, const uint8_t* q, size_t m) {
              if (t == ETHTOOL_A_HEADER_DEV_NAME) out.name = nl_string(q, m);
              return true;
            });
          case ETHTOOL_A_LINKMODES_SPEED: return read_int(p, n, out.speed_mbps);
          case ETHTOOL_A_LINKMODES_DUPLEX: return read_int(p, n, out.duplex);
          default: return true;
        }
      });
  if (!ok) return Status::error("netlink: ethtool link modes: malformed attribute");
  return Status::ok();
}

std::optional<uint16_t> parse_genl_family(const uint8_t* body, size_t len, std::string_view family) {
  if (len < GENL_HDRLEN) return std::nullopt;
  std::string name;
  uint16_t id = 0;
  bool has_id = false;
  for_each_netlink_attr(body + GENL_HDRLEN, len - GENL_HDRLEN,
                        [&](uint16_t type, const uint8_t* p, size_t n) {
                          if (type == CTRL_ATTR_FAMILY_NAME) name = nl_string(p, n);
                          if (type == CTRL_ATTR_FAMILY_ID) has_id = read_int(p, n, id);
                          return true;
                        });
  if (has_id && id != 0 && name == family) return id;
  return std::nullopt;
}

std::string duplex_name(uint8_t duplex) {
  switch (duplex) {
    case 0: return "Half";
    case 1: return "Full";
    case 0xff: return "Unknown";
    default: return "Duplex(" + std::to_string(duplex) + ")";
  }
}

NetclassNetlink::NetclassNetlink(const HostOptions& opts)
    : with_stats_(opts.netclass_rtnl_with_stats),
      ignore_invalid_speed_(opts.netclass_ignore_invalid_speed),
      skip_netdev_families_(opts.netclass_rtnl_with_stats && opts.netclass_stats_beside_netdev),
      netdev_nohandler_(opts.netdev_netlink && opts.paths.proc == "/proc") {
  if (skip_netdev_families_)
    log::warn(
        "--collector.netclass_rtnl.with-stats replaces the netdev collector, which is on too: the "
        "statistics netdev writes (node_network_{receive,transmit}_{bytes,packets,compressed}_total) are "
        "left to netdev; disable it (--no-collector.netdev) for netclass's",
        {{"collector", "netclass"}});
}

Status NetclassNetlink::read_link_modes(std::vector<EthtoolLinkMode>& out) {
  out.clear();
  if (ethtool_family_ == 0) {
    genlmsghdr g{};
    g.cmd = CTRL_CMD_GETFAMILY;
    g.version = 1;
    Status st = generic_.dump(GENL_ID_CTRL, &g, sizeof g, "CTRL_CMD_GETFAMILY",
                              [&](uint16_t, const uint8_t* body, size_t len) {
                                if (auto id = parse_genl_family(body, len, ETHTOOL_GENL_NAME))
                                  ethtool_family_ = *id;
                              });
    if (!st.is_ok()) return Status::error("could not get link modes: " + st.message());
    if (ethtool_family_ == 0) return Status::no_data("no ethtool netlink family");
  }
  // genlmsghdr, then ETHTOOL_A_LINKMODES_HEADER { ETHTOOL_A_HEADER_FLAGS: compact bitsets }.
  struct {
    genlmsghdr g;
    nlattr header;
    nlattr flags;
    uint32_t flags_value;
  } req{};
  req.g.cmd = ETHTOOL_MSG_LINKMODES_GET;
  req.g.version = ETHTOOL_GENL_VERSION;
  req.header.nla_type = ETHTOOL_A_LINKMODES_HEADER | NLA_F_NESTED;
  req.header.nla_len = static_cast<uint16_t>(NLA_HDRLEN + NLA_HDRLEN + sizeof(uint32_t));
  req.flags.nla_type = ETHTOOL_A_HEADER_FLAGS;
  req.flags.nla_len = static_cast<uint16_t>(NLA_HDRLEN + sizeof(uint32_t));
  req.flags_value = ETHTOOL_FLAG_COMPACT_BITSETS;
  Status bad = Status::ok();
  Status st = generic_.dump(ethtool_family_, &req, sizeof req, "ETHTOOL_MSG_LINKMODES_GET",
                            [&](uint16_t, const uint8_t* body, size_t len) {
                              EthtoolLinkMode m;
                              Status ps = parse_ethtool_linkmode(body, len, m);
                              if (!ps.is_ok()) {
                                if (bad.is_ok()) bad = ps;
                                return;
                              }
                              out.push_back(std::move(m));
                            });
  if (st.is_ok()) st = bad;
  if (!st.is_ok()) {
    ethtool_family_ = 0;  // resolved again next time (a module reloaded)
    if (st.message().ends_with(std::strerror(ENOENT))) return Status::no_data(st.message());
    return Status::error("could not get link modes: " + st.message());
  }
  return Status::ok();
}

Status NetclassNetlink::collect(RegexFilter& ignored, MetricSink& sink) {
  if (!ignored.status().is_ok()) return ignored.status();
  Status ms = read_link_modes(modes_);
  if (ms.is_error()) return ms;
  const bool have_modes = ms.is_ok();
  if (!have_modes && !logged_unavailable_) {
    log::info("ETHTOOL netlink interface unavailable, duplex and linkspeed are not scraped.",
              {{"collector", "netclass"}, {"err", ms.message()}});
    logged_unavailable_ = true;
  }
  if (have_modes) logged_unavailable_ = false;

  ifinfomsg req{};
  req.ifi_family = AF_UNSPEC;
  size_t n = 0;
  Status bad = Status::ok();
  Status st = route_.dump(RTM_GETLINK, &req, sizeof req, "RTM_GETLINK",
                          [&](uint16_t type, const uint8_t* body, size_t len) {
                            if (type != RTM_NEWLINK || !bad.is_ok()) return;
                            if (links_.size() <= n) links_.emplace_back();
                            Status ps = parse_netlink_link(body, len, links_[n]);
                            if (!ps.is_ok()) {
                              bad = ps;
                              return;
                            }
                            if (!ignored.matches(links_[n].name)) ++n;
                          });
  if (st.is_ok()) st = bad;
  if (!st.is_ok()) return Status::error("could not get net class info: " + st.message());
  links_.resize(n);
  // client_golang's order: samples by their label values.
  std::sort(links_.begin(), links_.end(),
            [](const NetlinkLink& a, const NetlinkLink& b) { return a.name < b.name; });
  std::erase_if(modes_, [&](const EthtoolLinkMode& m) { return ignored.matches(m.name); });
  std::sort(modes_.begin(), modes_.end(),
            [](const EthtoolLinkMode& a, const EthtoolLinkMode& b) { return a.name < b.name; });

  Label l{"device", ""};
  auto family = [&](std::string_view prop, MetricType type) {
    std::string name = "node_network_" + std::string(prop);
    sink.family(name, "Network device property: " + std::string(prop), type);
    return name;
  };

  // mdlayher/ethtool reads the speed as Go's int of a uint32: SPEED_UNKNOWN
  // (0xffffffff) is not negative there, and node_exporter 1.5 writes
  // 4294967295 Mb/s as 5.36870911875e+14 bytes. Left out with
  // --collector.netclass.ignore-invalid-speed.
  std::string speed = family("speed_bytes", MetricType::kGauge);
  for (const EthtoolLinkMode& m : modes_) {
    if (m.speed_mbps == UINT32_MAX && ignore_invalid_speed_) continue;
    l.value = m.name;
    sink.sample(speed, Labels(&l, 1),
                static_cast<double>(static_cast<uint64_t>(m.speed_mbps) * 1000000u / 8));
  }

  constexpr std::string_view kUp = "node_network_up";
  sink.family(kUp, "Value is 1 if operstate is 'up', 0 otherwise.", MetricType::kGauge);
  for (const NetlinkLink& k : links_) {
    l.value = k.name;
    sink.sample(kUp, Labels(&l, 1), k.operstate == 6 ? 1 : 0);
  }

  struct Info {
    std::string_view address, broadcast, device, duplex, ifalias, operstate;
  };
  std::vector<std::string> duplexes(links_.size());
  std::vector<Info> infos;
  infos.reserve(links_.size());
  for (size_t i = 0; i < links_.size(); ++i) {
    const NetlinkLink& k = links_[i];
    auto it =
        std::lower_bound(modes_.begin(), modes_.end(), k.name,
                         [](const EthtoolLinkMode& m, const std::string& name) { return m.name < name; });
    if (it != modes_.end() && it->name == k.name) duplexes[i] = duplex_name(it->duplex);
    // node_exporter indexes its table with the state (and would panic past it).
    const char* op = k.operstate < std::size(kOperstate) ? kOperstate[k.operstate] : "unknown";
    infos.push_back({k.address, k.broadcast, k.name, duplexes[i], k.ifalias, op});
  }
  std::sort(infos.begin(), infos.end(), [](const Info& a, const Info& b) {
    return std::tie(a.address, a.broadcast, a.device, a.duplex, a.ifalias, a.operstate) <
           std::tie(b.address, b.broadcast, b.device, b.duplex, b.ifalias, b.operstate);
  });
  constexpr std::string_view kInfo = "node_network_info";
  sink.family(kInfo, "Non-numeric data of <iface>, value is always 1.", MetricType::kGauge);
  for (const Info& f : infos) {
    Label ls[6] = {{"address", f.address}, {"broadcast", f.broadcast}, {"device", f.device},
                   {"duplex", f.duplex},   {"ifalias", f.ifalias},     {"operstate", f.operstate}};
    sink.sample(kInfo, Labels(ls, 6), 1);
  }

  // The properties node_exporter 1.5 writes, each from the message as it does
  // (its `dormant` is the link mode: the dump has no dormant flag of its own).
  auto props = [&](std::string_view prop, MetricType type, auto value_of) {
    std::string name = family(prop, type);
    for (const NetlinkLink& k : links_) {
      std::optional<double> v = value_of(k);
      if (!v) continue;
      l.value = k.name;
      sink.sample(name, Labels(&l, 1), *v);
    }
  };
  auto opt = [](const auto& o) { return o ? std::optional<double>(*o) : std::nullopt; };
  props("carrier", MetricType::kGauge, [&](const NetlinkLink& k) { return opt(k.carrier); });
  props("carrier_changes_total", MetricType::kCounter,
        [&](const NetlinkLink& k) { return opt(k.carrier_changes); });
  props("carrier_up_changes_total", MetricType::kCounter,
        [&](const NetlinkLink& k) { return opt(k.carrier_up); });
  props("carrier_down_changes_total", MetricType::kCounter,
        [&](const NetlinkLink& k) { return opt(k.carrier_down); });
  props("flags", MetricType::kGauge, [](const NetlinkLink& k) { return std::optional<double>(k.flags); });
  props("iface_id", MetricType::kGauge, [](const NetlinkLink& k) { return std::optional<double>(k.index); });
  props("iface_link_mode", MetricType::kGauge, [&](const NetlinkLink& k) { return opt(k.link_mode); });
  props("dormant", MetricType::kGauge, [&](const NetlinkLink& k) { return opt(k.link_mode); });
  props("iface_link", MetricType::kGauge,
        [](const NetlinkLink& k) { return std::optional<double>(k.link > 0 ? k.link : k.index); });
  props("mtu_bytes", MetricType::kGauge, [](const NetlinkLink& k) { return std::optional<double>(k.mtu); });
  props("net_dev_group", MetricType::kGauge, [&](const NetlinkLink& k) { return opt(k.group); });
  props("transmit_queue_length", MetricType::kGauge,
        [&](const NetlinkLink& k) { return opt(k.tx_queue_len); });
  props("protocol_type", MetricType::kGauge,
        [](const NetlinkLink& k) { return std::optional<double>(k.type); });
  if (with_stats_) {
    // Gauges, as node_exporter 1.5 writes them (pushMetric with GaugeValue).
    for (size_t i = 0; i < NetlinkLink::kStats; ++i) {
      if (skip_netdev_families_ && written_by_netdev(kStatNames[i], netdev_nohandler_)) continue;
      props(kStatNames[i], MetricType::kGauge, [i](const NetlinkLink& k) {
        return k.has_stats ? std::optional<double>(static_cast<double>(k.stats[i])) : std::nullopt;
      });
    }
  }
  return Status::ok();
}

}  // namespace vigia::host

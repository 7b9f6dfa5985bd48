#include "exporters/host/netdev_collector.h"

#include <algorithm>

#include "core/log.h"
#include "core/text.h"
#include "exporters/host/address_info.h"
#include "exporters/host/netlink_stats.h"

namespace vigia::host {

namespace {

struct Counter {
  const char* name;
  const char* help;
};

// node_exporter's legacy names (errs, drop) and its "statistic <key>" HELP.
constexpr Counter kCounters[16] = {
    {"node_network_receive_bytes_total", "Network device statistic receive_bytes."},
    {"node_network_receive_packets_total", "Network device statistic receive_packets."},
    {"node_network_receive_errs_total", "Network device statistic receive_errs."},
    {"node_network_receive_drop_total", "Network device statistic receive_drop."},
    {"node_network_receive_fifo_total", "Network device statistic receive_fifo."},
    {"node_network_receive_frame_total", "Network device statistic receive_frame."},
    {"node_network_receive_compressed_total", "Network device statistic receive_compressed."},
    {"node_network_receive_multicast_total", "Network device statistic receive_multicast."},
    {"node_network_transmit_bytes_total", "Network device statistic transmit_bytes."},
    {"node_network_transmit_packets_total", "Network device statistic transmit_packets."},
    {"node_network_transmit_errs_total", "Network device statistic transmit_errs."},
    {"node_network_transmit_drop_total", "Network device statistic transmit_drop."},
    {"node_network_transmit_fifo_total", "Network device statistic transmit_fifo."},
    {"node_network_transmit_colls_total", "Network device statistic transmit_colls."},
    {"node_network_transmit_carrier_total", "Network device statistic transmit_carrier."},
    {"node_network_transmit_compressed_total", "Network device statistic transmit_compressed."},
};

}  // namespace

Status parse_net_dev(std::string_view text, std::vector<NetDevLine>& out) {
  size_t n = 0;
  int line_no = 0;
  Status st;
  for_each_line(text, [&](std::string_view line) {
    if (!st.is_ok() || ++line_no <= 2 || trim(line).empty()) return;
    size_t colon = line.rfind(':');
    std::string_view name = colon == std::string_view::npos ? "" : trim(line.substr(0, colon));
    if (name.empty()) {
      st = Status::error("invalid line \"" + std::string(line) + "\"");
      return;
    }
    if (out.size() <= n) out.emplace_back();
    NetDevLine& d = out[n];
    d.name.assign(name);
    int k = 0;
    bool ok = true;
    for_each_field(line.substr(colon + 1), [&](std::string_view f) {
      ok = parse_u64(f, d.values[k]);
      return ok && ++k < 16;
    });
    if (!ok || k < 16) {
      st = Status::error("invalid line \"" + std::string(line) + "\"");
      return;
    }
    ++n;
  });
  out.resize(n);
  return st;
}

NetdevCollector::NetdevCollector(const HostOptions& opts)
    : file_(opts.paths.proc_path("net/dev")),
      netlink_(opts.netdev_netlink && opts.paths.proc == "/proc" ? std::make_unique<LinkStatsReader>()
                                                                 : nullptr),
      exclude_("collector.netdev.device-exclude", opts.netdev_device_exclude),
      include_("collector.netdev.device-include", opts.netdev_device_include),
      has_include_(!opts.netdev_device_include.empty()),
      both_filters_(has_include_ && !opts.netdev_device_exclude.empty()),
      address_info_(opts.netdev_address_info) {}

NetdevCollector::~NetdevCollector() = default;

Status NetdevCollector::collect(const CollectContext&, MetricSink& sink) {
  if (!exclude_.status().is_ok()) return exclude_.status();
  if (!include_.status().is_ok()) return include_.status();
  if (both_filters_) return Status::error("device-exclude & device-include are mutually exclusive");
  bool from_netlink = false;
  if (netlink_) {
    Status st = netlink_->read(devs_);
    if (st.is_ok()) {
      from_netlink = true;
    } else {
      log::warn("netdev: netlink failed, reading the file instead", {{"err", st.message()}});
    }
  }
  if (!from_netlink) {
    Status st = file_.read(buf_);
    if (!st.is_ok()) return st;
    st = parse_net_dev(buf_, devs_);
    if (!st.is_ok()) return Status::error(file_.path() + ": " + st.message());
  }
  order_.clear();
  for (size_t i = 0; i < devs_.size(); ++i)
    if (!exclude_.matches(devs_[i].name) && (!has_include_ || include_.matches(devs_[i].name)))
      order_.push_back(i);
  std::sort(order_.begin(), order_.end(), [&](size_t a, size_t b) { return devs_[a].name < devs_[b].name; });
  for (int k = 0; k < 16; ++k) {
    sink.family(kCounters[k].name, kCounters[k].help, MetricType::kCounter);
    for (size_t i : order_) {
      Label l{"device", devs_[i].name};
      sink.sample(kCounters[k].name, Labels(&l, 1), static_cast<double>(devs_[i].values[k]));
    }
  }
  if (from_netlink) {
    constexpr std::string_view kNohandler = "node_network_receive_nohandler_total";
    sink.family(kNohandler, "Network device statistic receive_nohandler.", MetricType::kCounter);
    for (size_t i : order_) {
      if (!devs_[i].has_nohandler) continue;
      Label l{"device", devs_[i].name};
      sink.sample(kNohandler, Labels(&l, 1), static_cast<double>(devs_[i].nohandler));
    }
  }
  if (address_info_) {
    std::vector<AddressInfo> addrs;
    Status st = list_address_info(addrs);
    if (!st.is_ok()) return st;
    constexpr std::string_view kInfo = "node_network_address_info";
    sink.family(kInfo, "node network address by device", MetricType::kGauge);
    for (const AddressInfo& a : addrs) {
      Label ls[4] = {
          {"address", a.address}, {"device", a.device}, {"netmask", a.netmask}, {"scope", a.scope}};
      sink.sample(kInfo, Labels(ls, 4), 1);
    }
  }
  return Status::ok();
}

}  // namespace vigia::host

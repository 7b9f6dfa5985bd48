#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/collector.h"
#include "core/fs.h"
#include "exporters/host/host.h"
#include "exporters/host/regex_filter.h"

namespace vigia::host {

// One interface of /proc/net/dev: 8 receive then 8 transmit counters, in the
// file's order (bytes packets errs drop fifo frame compressed multicast |
// bytes packets errs drop fifo colls carrier compressed).
struct NetDevLine {
  std::string name;
  uint64_t values[16] = {};
  // rx_nohandler: only netlink reports it.
  bool has_nohandler = false;
  uint64_t nohandler = 0;
};

// Parses /proc/net/dev into out (replacing its contents). The two header lines
// are skipped; the name is what precedes the last ':' on the line, trimmed.
// A line without ':' or with an empty name, fewer than 16 counters or a
// non-numeric counter is an error naming the line.
Status parse_net_dev(std::string_view text, std::vector<NetDevLine>& out);

class LinkStatsReader;

// node_network_{receive,transmit}_*_total{device}: with --path.procfs=/proc
// and --collector.netdev.netlink (the default), over rtnetlink as
// node_exporter 1.5 does, which adds node_network_receive_nohandler_total;
// otherwise (or if netlink fails) from <procfs>/net/dev, the same 16 counters
// combined the same way. Devices matching netdev_device_exclude, or not
// matching a non-empty netdev_device_include, are skipped. With
// netdev_address_info, node_network_address_info{address,device,netmask,scope}
// for every interface address (unfiltered, as in node_exporter).
class NetdevCollector final : public Collector {
 public:
  explicit NetdevCollector(const HostOptions& opts);
  ~NetdevCollector() override;
  std::string_view name() const override { return "netdev"; }
  Status collect(const CollectContext& ctx, MetricSink& sink) override;

 private:
  ProcFile file_;
  std::unique_ptr<LinkStatsReader> netlink_;  // null: read the file
  RegexFilter exclude_;
  RegexFilter include_;
  bool has_include_;
  bool both_filters_;
  bool address_info_;
  std::string buf_;
  std::vector<NetDevLine> devs_;
  std::vector<size_t> order_;
};

}  // namespace vigia::host

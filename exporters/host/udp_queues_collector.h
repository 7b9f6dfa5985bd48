#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/collector.h"
#include "core/fs.h"

namespace vigia::host {

// The tx_queue and rx_queue sums of a /proc/net/udp{,6} table.
struct UdpQueues {
  uint64_t tx = 0, rx = 0;
};

// Parses /proc/net/udp or udp6 as procfs 0.8's NetUDPSummary does: the first
// line is a header; every other line must have 10 or more fields with a valid
// "sl:", local and remote "hexaddr:hexport", hex state, "tx:rx" in hex, uid and
// inode. Error names the problem.
Status parse_udp_queues(std::string_view text, UdpQueues& out);

// node_udp_queues{ip="v4"|"v6",queue="rx"|"tx"}. A missing file (no IPv6)
// drops that protocol; both missing is no_data.
class UdpQueuesCollector final : public Collector {
 public:
  explicit UdpQueuesCollector(const HostPaths& paths)
      : file4_(paths.proc_path("net/udp")), file6_(paths.proc_path("net/udp6")) {}
  std::string_view name() const override { return "udp_queues"; }
  Status collect(const CollectContext& ctx, MetricSink& sink) override;

 private:
  ProcFile file4_, file6_;
  std::string buf_;
};

}  // namespace vigia::host

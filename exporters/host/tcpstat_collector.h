#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/collector.h"
#include "core/fs.h"
#include "exporters/host/netlink_dump.h"

namespace vigia::host {

// Per-state socket counts of a sock_diag TCP dump, indexed as node_exporter
// 1.5's tcpConnectionState: 1..11 are the kernel's TCP states (established ..
// closing), 12 rx_queued_bytes and 13 tx_queued_bytes (the sums of the
// sockets' receive and send queues), 0 any other state ("unknown"). As in
// node_exporter, a socket whose state byte is 12 or 13 adds one to that
// entry. Only entries seen in a reply are reported.
struct TcpStats {
  static constexpr int kRxQueued = 12, kTxQueued = 13, kCount = 14;
  double values[kCount] = {};
  bool seen[kCount] = {};
};

// The label value node_exporter gives entry i of TcpStats.
std::string_view tcp_state_name(int i);

// Parses one buffer of a SOCK_DIAG_BY_FAMILY dump reply (inet_diag_msg
// messages), adding each socket to out. `done` becomes true at NLMSG_DONE.
// An NLMSG_ERROR, a truncated message or an inet_diag_msg shorter than the
// kernel's struct is an error.
Status parse_tcp_diag_dump(const uint8_t* data, size_t len, TcpStats& out, bool& done);

// node_tcp_connection_states{state} (node_exporter 1.5's tcpstat collector,
// off by default): the TCP sockets of this network namespace by state, over
// NETLINK_SOCK_DIAG for AF_INET, plus AF_INET6 when <procfs>/net/tcp6 exists.
class TcpstatCollector final : public Collector {
 public:
  explicit TcpstatCollector(const HostPaths& paths);
  std::string_view name() const override { return "tcpstat"; }
  Status collect(const CollectContext& ctx, MetricSink& sink) override;

 private:
  Status dump(uint8_t family, TcpStats& out);

  std::string tcp6_path_;
  NetlinkDumper dumper_;
};

}  // namespace vigia::host

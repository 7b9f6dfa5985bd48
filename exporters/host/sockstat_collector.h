#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/collector.h"
#include "core/fs.h"

namespace vigia::host {

// One protocol line of /proc/net/sockstat{,6}: "TCP: inuse 2 orphan 0 ...".
// inuse is always present (0 if the line lacks it); the others only if the
// line has them.
struct SockstatProtocol {
  enum Field { kInuse, kOrphan, kTw, kAlloc, kMem, kMemory, kFieldCount };
  std::string protocol;
  std::optional<int64_t> values[kFieldCount];
};

struct Sockstat {
  std::optional<int64_t> sockets_used;  // "sockets: used N" (IPv4 only)
  std::vector<SockstatProtocol> protocols;
};

// Parses /proc/net/sockstat or sockstat6 into out (replacing its contents).
// Blank lines are skipped. A line with no key/value pair, an odd number of
// fields after the protocol or a non-integer value is an error naming the line
// (procfs's rules). Unknown keys are ignored.
Status parse_sockstat(std::string_view text, Sockstat& out);

// node_sockstat_sockets_used and node_sockstat_<PROTO>_<state> gauges from
// <procfs>/net/sockstat and sockstat6, plus <PROTO>_mem_bytes = mem pages *
// page size (node_exporter 1.5). A missing file (IPv6 disabled) is skipped.
class SockstatCollector final : public Collector {
 public:
  // page_size 0: the system's (sysconf(_SC_PAGESIZE)).
  explicit SockstatCollector(const HostPaths& paths, int64_t page_size = 0);
  std::string_view name() const override { return "sockstat"; }
  Status collect(const CollectContext& ctx, MetricSink& sink) override;

 private:
  void emit(const Sockstat& s, bool ipv6, MetricSink& sink);

  ProcFile file4_, file6_;
  int64_t page_size_;
  std::string buf_;
  std::string name_, help_;
  Sockstat stat4_, stat6_;
};

}  // namespace vigia::host

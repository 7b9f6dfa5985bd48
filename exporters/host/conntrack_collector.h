#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/collector.h"
#include "core/fs.h"

namespace vigia::host {

// The per-CPU counters of /proc/net/stat/nf_conntrack, summed over CPUs.
struct ConntrackStats {
  uint64_t found = 0, invalid = 0, ignore = 0, insert = 0, insert_failed = 0, drop = 0, early_drop = 0,
           search_restart = 0;
};

// Parses /proc/net/stat/nf_conntrack as procfs 0.8 does: the first line is a
// header; every other line must have 17 hex fields. Error names the line.
Status parse_conntrack_stat(std::string_view text, ConntrackStats& out);

// node_nf_conntrack_entries, _entries_limit and node_nf_conntrack_stat_*
// (node_exporter 1.5's conntrack). No nf_conntrack module loaded (a missing
// file) is no_data.
class ConntrackCollector final : public Collector {
 public:
  explicit ConntrackCollector(const HostPaths& paths);
  std::string_view name() const override { return "conntrack"; }
  Status collect(const CollectContext& ctx, MetricSink& sink) override;

 private:
  ProcFile count_, max_, stat_;
  std::string buf_;
};

}  // namespace vigia::host

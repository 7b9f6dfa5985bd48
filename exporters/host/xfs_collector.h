#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/collector.h"
#include "core/fs.h"

namespace vigia::host {

// The counters of one XFS stats file that node_exporter 1.5 exports, by line
// ("extent_alloc", "abt", "blk_map", "bmbt", "dir", "ig", "rw", "vnodes")
// and position; a line that is absent leaves zeros (procfs's zero values).
struct XfsStats {
  enum Line { kExtentAlloc, kAbt, kBlkMap, kBmbt, kDir, kIg, kRw, kVnodes, kLineCount };
  std::string device;
  std::array<std::array<uint32_t, 8>, kLineCount> values{};
};

// Parses a /proc/fs/xfs/stat or /sys/fs/xfs/<dev>/stats/stats text with
// procfs's (v0.8.0) rules: lines of fewer than 2 fields are skipped; every
// value is a uint32 (xpc's uint64); each known line has its fixed count of
// values; a line of 64 KiB or more is an error (bufio.Scanner's limit).
Status parse_xfs_stats(std::string_view text, XfsStats& out);

// node_xfs_*_total{device} for every <sysfs>/fs/xfs/<device>/stats/stats.
// No XFS mounted: no series (node_exporter 1.5 reports success then).
class XfsCollector final : public Collector {
 public:
  explicit XfsCollector(const HostPaths& paths) : dir_(paths.sys_path("fs/xfs")) {}
  std::string_view name() const override { return "xfs"; }
  Status collect(const CollectContext& ctx, MetricSink& sink) override;

 private:
  std::string dir_;
  std::string buf_;
  std::vector<XfsStats> stats_;
};

}  // namespace vigia::host

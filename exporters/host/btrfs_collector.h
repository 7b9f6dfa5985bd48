#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/collector.h"
#include "core/fs.h"

namespace vigia::host {

// One filesystem of <sysfs>/fs/btrfs/<uuid>/ as procfs's btrfs.GetStats
// (v0.8.0) reads it, keeping what node_exporter 1.5 exports.
struct BtrfsStats {
  struct Layout {
    std::string mode;  // "single", "dup", "raid1", …
    uint64_t total_bytes = 0, used_bytes = 0;
    double ratio = 0;
  };
  struct Allocation {
    uint64_t reserved_bytes = 0;
    std::vector<Layout> layouts;  // sorted by mode
  };
  std::string uuid, label;
  uint64_t global_rsv_size = 0;
  Allocation data, metadata, system;
  std::vector<std::pair<std::string, uint64_t>> devices;  // name, size in bytes; sorted
};

// Reads one <sysfs>/fs/btrfs/<uuid> directory with procfs's rules, quirks
// included: missing files read as 0, unreadable ones are errors, and (as in
// procfs) only the last error of the allocation/system directory survives.
Status read_btrfs_stats(const std::string& dir, BtrfsStats& out);

// node_btrfs_* from <sysfs>/fs/btrfs/*-*; per-device sizes, unused bytes and
// error counters from the BTRFS_IOC_{FS_INFO,DEV_INFO,GET_DEV_STATS} ioctls on
// the btrfs mount points of <procfs>/1/mounts (needs root, as in node_exporter;
// otherwise device sizes from sysfs).
class BtrfsCollector final : public Collector {
 public:
  explicit BtrfsCollector(const HostPaths& paths) : paths_(paths) {}
  std::string_view name() const override { return "btrfs"; }
  Status collect(const CollectContext& ctx, MetricSink& sink) override;

 private:
  HostPaths paths_;
};

}  // namespace vigia::host

#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/collector.h"
#include "core/fs.h"

namespace vigia::host {

// One md device of /proc/mdstat, as procfs's MDStat (v0.8.0) reads it.
struct MdStat {
  std::string name;
  std::string activity_state;  // "active", "inactive", "recovering", "checking", "resyncing", …
  int64_t disks_active = 0, disks_total = 0, disks_failed = 0, disks_spare = 0;
  int64_t blocks_total = 0, blocks_synced = 0;
};

// Parses /proc/mdstat with procfs's rules: a device line needs 3 fields and 3
// lines after it; its status line gives the size and [total/active]; a
// recovery, resync or check line must carry (synced/total), "= pct%",
// "finish=…min" and "speed=…K" unless PENDING or DELAYED. Any deviation is
// an error naming the line (node_exporter then fails the collector).
Status parse_mdstat(std::string_view text, std::vector<MdStat>& out);

// node_md_state, node_md_disks, node_md_disks_required, node_md_blocks,
// node_md_blocks_synced from <procfs>/mdstat; no file, no data.
class MdadmCollector final : public Collector {
 public:
  explicit MdadmCollector(const HostPaths& paths) : file_(paths.proc_path("mdstat")) {}
  std::string_view name() const override { return "mdadm"; }
  Status collect(const CollectContext& ctx, MetricSink& sink) override;

 private:
  ProcFile file_;
  std::string buf_;
  std::vector<MdStat> stats_;
};

}  // namespace vigia::host

#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/collector.h"
#include "core/fs.h"

namespace vigia::host {

// The scalar lines of /proc/stat. A line that is absent leaves its field 0
// (node_exporter reports 0 then too).
struct ProcStat {
  uint64_t intr = 0, ctxt = 0, btime = 0, processes = 0, procs_running = 0, procs_blocked = 0;
  // The "softirq" line: total, then hi timer net_tx net_rx block block_iopoll
  // tasklet sched hrtimer rcu.
  uint64_t softirq[11] = {};
};

// Parses /proc/stat. Lines with fewer than two fields and unknown keys are
// skipped; an error names the line whose value is not a number (softirq:
// missing trailing counts are 0).
Status parse_proc_stat(std::string_view text, ProcStat& out);

// node_boot_time_seconds, node_context_switches_total, node_forks_total,
// node_intr_total, node_procs_blocked, node_procs_running and, with
// --collector.stat.softirq, node_softirqs_total{vector} (node_exporter 1.5's
// stat collector).
class StatCollector final : public Collector {
 public:
  explicit StatCollector(const HostPaths& paths, bool softirq = false)
      : file_(paths.proc_path("stat")), softirq_(softirq) {}
  std::string_view name() const override { return "stat"; }
  Status collect(const CollectContext& ctx, MetricSink& sink) override;

 private:
  ProcFile file_;
  bool softirq_;
  std::string buf_;
};

}  // namespace vigia::host

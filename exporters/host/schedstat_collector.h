#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/collector.h"
#include "core/fs.h"

namespace vigia::host {

// One cpu line of /proc/schedstat: its number (as written) and the last three
// of its nine counters.
struct SchedstatCpu {
  std::string cpu;
  uint64_t running_ns = 0, waiting_ns = 0, timeslices = 0;
};

// Parses /proc/schedstat as procfs 0.8 does: every line where
// `cpu(\d+)` and nine space-separated numbers occur (a regexp search); lines
// whose counters overflow are skipped. out is sorted by cpu (as strings).
void parse_schedstat(std::string_view text, std::vector<SchedstatCpu>& out);

// node_schedstat_{running_seconds,waiting_seconds,timeslices}_total{cpu}.
// No /proc/schedstat (CONFIG_SCHEDSTATS off) is no_data.
class SchedstatCollector final : public Collector {
 public:
  explicit SchedstatCollector(const HostPaths& paths) : file_(paths.proc_path("schedstat")) {}
  std::string_view name() const override { return "schedstat"; }
  Status collect(const CollectContext& ctx, MetricSink& sink) override;

 private:
  ProcFile file_;
  std::string buf_;
  std::vector<SchedstatCpu> cpus_;
};

}  // namespace vigia::host

#pragma once

#include <string>

#include "core/collector.h"
#include "core/fs.h"

namespace vigia {

// The usual process metrics of Prometheus client libraries, for vigia itself:
// process_cpu_seconds_total, process_resident_memory_bytes,
// process_virtual_memory_bytes, process_open_fds, process_max_fds,
// process_start_time_seconds. Reads the real /proc/self (not --path.procfs:
// this is vigia's own process); process_max_fds is getrlimit's soft limit.
class ProcessCollector final : public Collector {
 public:
  explicit ProcessCollector(std::string proc_self = "/proc/self", std::string proc_root = "/proc")
      : self_(std::move(proc_self)), proc_(std::move(proc_root)), stat_(self_ + "/stat") {}
  std::string_view name() const override { return "process"; }
  Status collect(const CollectContext& ctx, MetricSink& sink) override;

 private:
  std::string self_, proc_;
  ProcFile stat_;
  double btime_ = -1;  // boot time, read once
  std::string buf_;
};

}  // namespace vigia

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
// It also bridges vigia's own instrumentation (core/self_metrics.h) into the
// scrape, as a client library's default registry would.
class ProcessCollector final : public Collector {
 public:
  // self_metrics: also write core/self_metrics.h's families.
  explicit ProcessCollector(std::string proc_self = "/proc/self", std::string proc_root = "/proc",
                            bool self_metrics = true)
      : self_(std::move(proc_self)),
        proc_(std::move(proc_root)),
        stat_(self_ + "/stat"),
        self_metrics_(self_metrics) {}
  std::string_view name() const override { return "process"; }
  Status collect(const CollectContext& ctx, MetricSink& sink) override;

 private:
  std::string self_, proc_;
  ProcFile stat_;
  bool self_metrics_;
  double btime_ = -1;  // boot time, read once
  std::string buf_;
};

}  // namespace vigia

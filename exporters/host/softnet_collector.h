#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/collector.h"
#include "core/fs.h"

namespace vigia::host {

// The first three columns of one /proc/net/softnet_stat line.
struct SoftnetStat {
  uint32_t processed = 0, dropped = 0, time_squeezed = 0;
};

// Parses /proc/net/softnet_stat as procfs 0.8 does: one line per CPU, at
// least 9 columns, the first three hex uint32. Error names the problem.
Status parse_softnet(std::string_view text, std::vector<SoftnetStat>& out);

// node_softnet_{processed,dropped,times_squeezed}_total{cpu}; cpu is the
// line's index, as in node_exporter 1.5.
class SoftnetCollector final : public Collector {
 public:
  explicit SoftnetCollector(const HostPaths& paths) : file_(paths.proc_path("net/softnet_stat")) {}
  std::string_view name() const override { return "softnet"; }
  Status collect(const CollectContext& ctx, MetricSink& sink) override;

 private:
  ProcFile file_;
  std::string buf_;
  std::vector<SoftnetStat> stats_;
  std::vector<std::pair<std::string, size_t>> cpus_;  // label value, line; sorted as strings
};

}  // namespace vigia::host

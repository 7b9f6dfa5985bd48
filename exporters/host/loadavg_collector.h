#pragma once

#include <string_view>

#include "core/collector.h"
#include "core/fs.h"

namespace vigia::host {

// Parses /proc/loadavg ("0.10 0.20 0.30 1/123 4567"). False if fewer than
// three numeric fields.
bool parse_loadavg(std::string_view text, double out[3]);

// node_load1, node_load5, node_load15.
class LoadavgCollector final : public Collector {
 public:
  explicit LoadavgCollector(const HostPaths& paths) : file_(paths.proc_path("loadavg")) {}
  std::string_view name() const override { return "loadavg"; }
  Status collect(const CollectContext& ctx, MetricSink& sink) override;

 private:
  ProcFile file_;
  std::string buf_;
};

}  // namespace vigia::host

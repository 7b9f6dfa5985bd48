#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/collector.h"
#include "core/fs.h"

namespace vigia::host {

// The "total=" microsecond counters of a /proc/pressure/<resource> file.
struct PsiTotals {
  bool has_some = false, has_full = false;
  uint64_t some_us = 0, full_us = 0;
};

// Parses "some avg10=… total=N\nfull … total=N\n". Lines other than some/full
// are ignored; false if a some/full line has no numeric total.
bool parse_psi(std::string_view text, PsiTotals& out);

// node_pressure_cpu_waiting_seconds_total, node_pressure_{io,memory}_
// {waiting,stalled}_seconds_total (node_exporter 1.5 does not export cpu
// "full"). No /proc/pressure (kernel < 4.20, CONFIG_PSI off, psi=0) is
// no_data, not an error.
class PressureCollector final : public Collector {
 public:
  explicit PressureCollector(const HostPaths& paths);
  std::string_view name() const override { return "pressure"; }
  Status collect(const CollectContext& ctx, MetricSink& sink) override;

 private:
  std::vector<ProcFile> files_;  // cpu, io, memory
  std::string buf_;
};

}  // namespace vigia::host

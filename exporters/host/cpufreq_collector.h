#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/collector.h"
#include "core/fs.h"

namespace vigia::host {

// One CPU's <sysfs>/devices/system/cpu/cpuN/cpufreq, in kHz.
struct CpufreqStats {
  enum Field { kCpuinfoCur, kCpuinfoMin, kCpuinfoMax, kScalingCur, kScalingMin, kScalingMax, kFieldCount };
  std::string cpu;  // "N"
  std::optional<uint64_t> khz[kFieldCount];
};

// procfs's SystemCpufreq: every cpu[0-9]* with a cpufreq directory, sorted by
// name. A numeric file that is missing or not readable for lack of permission
// is absent; any other failure (a number that does not parse, a missing
// scaling_driver, scaling_governor, scaling_available_governors,
// related_cpus or scaling_setspeed) is an error for the whole collector.
Status read_cpufreq(const std::string& cpu_dir, std::vector<CpufreqStats>& out);

// node_cpu_{,scaling_}frequency{,_min,_max}_hertz{cpu}.
class CpufreqCollector final : public Collector {
 public:
  explicit CpufreqCollector(const HostPaths& paths) : dir_(paths.sys_path("devices/system/cpu")) {}
  std::string_view name() const override { return "cpufreq"; }
  Status collect(const CollectContext& ctx, MetricSink& sink) override;

 private:
  std::string dir_;
  std::vector<CpufreqStats> stats_;
};

}  // namespace vigia::host

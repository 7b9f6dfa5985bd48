#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/collector.h"
#include "core/fs.h"
#include "exporters/host/cpu_info.h"

namespace vigia::host {

// Seconds per mode of one "cpu" line of /proc/stat (ticks / USER_HZ=100, as
// node_exporter assumes).
struct CpuTimes {
  double user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0, guest = 0,
         guest_nice = 0;
};

// Parses one /proc/stat line starting with "cpu". cpu_id is -1 for the "cpu"
// total line, N for "cpuN". Missing trailing fields (old kernels, a cut line)
// are 0 and extra fields are ignored, as node_exporter's procfs does. False if
// the id or a present field is not a number, or there is no field at all.
bool parse_cpu_stat_line(std::string_view line, int64_t& cpu_id, CpuTimes& out);

// Parses a sysfs cpulist ("0-3,8,10-11\n"; empty means none) into ids in the
// order written. False on a malformed list.
bool parse_cpu_list(std::string_view text, std::vector<uint32_t>& out);

// The cpu collector, node_exporter 1.5 defaults (guest on, info off):
//   node_cpu_info{...}, node_cpu_flag_info{flag}, node_cpu_bug_info{bug} from
//     <procfs>/cpuinfo with --collector.cpu.info (cpu_info.h).
//   node_cpu_seconds_total{cpu,mode}, node_cpu_guest_seconds_total{cpu,mode}
//     from /proc/stat; counters never go backwards (a CPU whose idle drops by
//     3 s or more is reset: hotplug), cache reset when the CPU count changes.
//   node_cpu_isolated{cpu} from <sys>/devices/system/cpu/isolated (read once).
//   node_cpu_core_throttles_total{core,package},
//   node_cpu_package_throttles_total{package} from
//     <sys>/devices/system/cpu/cpu*/{topology,thermal_throttle}, when present;
//     the topology is scanned again only when the number of CPUs changes.
// Unlike node_exporter 1.5, CPUs absent from /proc/stat (offline, gaps in the
// numbering) get no series rather than a series of zeros.
class CpuCollector final : public Collector {
 public:
  explicit CpuCollector(const HostPaths& paths, const CpuInfoOptions& info = {});
  std::string_view name() const override { return "cpu"; }
  Status collect(const CollectContext& ctx, MetricSink& sink) override;

 private:
  struct Cpu {
    int64_t id;
    std::string label;  // decimal id: the series are ordered by it as a string
    CpuTimes times;
    bool seen;
  };
  Status collect_stat(MetricSink& sink);
  Status collect_isolated(MetricSink& sink);
  void collect_throttles(MetricSink& sink);

  // A thermal throttle counter file, found by the last topology scan.
  struct Throttle {
    std::string core;  // empty for a package counter
    std::string package;
    ProcFile file;
  };
  void scan_throttles();

  ProcFile stat_file_;
  ProcFile cpuinfo_file_;
  CpuInfoWriter info_;
  std::vector<CpuInfo> cpuinfo_;
  std::string cpu_dir_;
  // Rescanned when the number of CPUs changes (hotplug); SIZE_MAX: never.
  size_t throttle_scan_cpus_ = static_cast<size_t>(-1);
  std::vector<Throttle> core_throttles_;     // sorted by (core, package)
  std::vector<Throttle> package_throttles_;  // sorted by package
  std::string buf_;
  std::vector<Cpu> cpus_;  // sorted by label
  bool isolated_read_ = false;
  Status isolated_status_;
  std::vector<std::string> isolated_;  // labels, sorted as strings
};

}  // namespace vigia::host

#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/metric.h"
#include "core/status.h"
#include "exporters/host/regex_filter.h"

namespace vigia::host {

// One processor of /proc/cpuinfo (x86 layout), the fields node_cpu_info reads.
struct CpuInfo {
  std::string processor, vendor, family, model, model_name, stepping, microcode, cache_size, physical_id,
      core_id;
  std::vector<std::string> flags, bugs;
};

// Parses /proc/cpuinfo as node_exporter 1.5's procfs does on x86: the first
// non-empty line must be "processor : N"; "key : value" lines fill the
// current processor (a line without ": " is skipped). An error on a bad first
// line or a processor number that is not one.
Status parse_cpuinfo(std::string_view text, std::vector<CpuInfo>& out);

// --collector.cpu.info with its include filters: node_cpu_info{...} per
// processor and, when a filter is given, node_cpu_flag_info{flag} /
// node_cpu_bug_info{bug} for the first processor's matching flags and bugs.
struct CpuInfoOptions {
  bool enabled = false;
  std::string flags_include, bugs_include;
};

class CpuInfoWriter {
 public:
  explicit CpuInfoWriter(const CpuInfoOptions& o);
  bool enabled() const { return enabled_; }
  // The filters' compile errors.
  Status status() const;
  void write(const std::vector<CpuInfo>& cpus, MetricSink& sink);

 private:
  bool enabled_;
  bool has_flags_, has_bugs_;
  RegexFilter flags_, bugs_;
};

}  // namespace vigia::host

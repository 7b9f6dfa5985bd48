// cAdvisor's machine collector (metrics/prometheus_machine.go, v0.47): the
// host's CPU and memory as machine_* families labelled boot_id, machine_id and
// system_uuid, read from procfs, sysfs and the root filesystem under the host
// area's --path.* roots, as cAdvisor's machine package reads them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/collector.h"
#include "core/fs.h"

namespace vigia::container {

struct MachineInfo {
  bool ok = false;            // /proc/cpuinfo and /proc/meminfo were read
  uint64_t memory_bytes = 0;  // MemTotal × 1024
  int cpu_cores = 0;          // logical CPUs with a topology in the NUMA nodes (or every cpuN)
  int physical_cores = 0;     // distinct "core id" of /proc/cpuinfo (else topology/core_id)
  int sockets = 0;            // distinct "physical id" (else topology/physical_package_id)
  std::string machine_id, system_uuid, boot_id;
};

// MemTotal of /proc/meminfo in bytes; false without the line.
bool parse_meminfo_total(std::string_view meminfo, uint64_t& bytes);
// Distinct values of the "<key> : N" lines of /proc/cpuinfo ("core id",
// "physical id"): cAdvisor's count, across sockets (two sockets of 4 cores
// numbered 0-3 give 4).
int count_cpuinfo_values(std::string_view cpuinfo, std::string_view key);

// Everything above, from the trees of p.
MachineInfo read_machine_info(const HostPaths& p);

// machine_cpu_cores, machine_cpu_physical_cores, machine_cpu_sockets,
// machine_memory_bytes; nothing unless m.ok. Empty labels are left out.
void write_machine_metrics(const MachineInfo& m, MetricSink& sink);

}  // namespace vigia::container

// Reading one cgroup's statistics (v1 or v2) into CgroupStats, with
// cAdvisor's (libcontainer's) semantics, through the files' parsers of
// cgroup.h. A file that is absent leaves its fields unset (has_*): the
// collector then writes no sample for them, as cAdvisor writes none for a
// controller that is not there.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "exporters/container/cgroup.h"

namespace vigia::container {

struct CgroupStats {
  // cpu (seconds)
  bool has_cpu = false;
  double cpu_usage = 0, cpu_user = 0, cpu_system = 0;
  std::vector<uint64_t> percpu_ns;  // v1 cpuacct.usage_percpu, only when asked
  bool has_cfs = false;             // cpu.stat has nr_periods
  uint64_t cfs_periods = 0, cfs_throttled_periods = 0;
  double cfs_throttled_seconds = 0;
  // spec
  bool has_cpu_spec = false;
  uint64_t cpu_quota = 0, cpu_period = 0, cpu_shares = 0;
  // memory (bytes)
  bool has_memory = false;
  uint64_t mem_usage = 0, mem_working_set = 0, mem_rss = 0, mem_cache = 0, mem_swap = 0;
  bool has_failcnt = false, has_max_usage = false;
  uint64_t mem_failcnt = 0, mem_max_usage = 0;
  bool has_oom = false;
  uint64_t oom_kills = 0;
  // cAdvisor's spec values: limits above 2^62 ("max", v1's unlimited) are 0.
  double mem_limit = 0, mem_reservation = 0;
  // block I/O
  bool has_io = false;
  std::vector<DeviceIo> io;
  // PSI (seconds)
  bool has_cpu_psi = false, has_mem_psi = false, has_io_psi = false;
  Pressure cpu_psi, mem_psi, io_psi;
  // processes
  bool has_procs = false;
  uint64_t processes = 0, first_pid = 0;
  bool has_threads = false;
  uint64_t threads = 0;
  // Creation time of the cgroup (cAdvisor's: the earliest mtime of its
  // directories and of cgroup.events / cgroup.clone_children), unix seconds;
  // 0 when unknown.
  int64_t start_time = 0;
};

// Resolved directories of one cgroup: for v2 only `unified`; for v1 one per
// controller ("" where the controller is not mounted).
struct CgroupDirs {
  bool v2 = false;
  std::string unified;
  std::string cpu, cpuacct, memory, blkio, pids;
};

// Reads the statistics of the cgroup at dirs into out. Returns an error only
// when the cgroup has gone (its main directory's files are all absent), so
// the caller skips it; a single missing or unreadable file leaves its fields
// unset. buf is scratch space. user_hz: the clock ticks of cpuacct.stat.
Status read_cgroup_stats(const CgroupDirs& dirs, bool percpu, long user_hz, std::string& buf,
                         CgroupStats& out);

}  // namespace vigia::container

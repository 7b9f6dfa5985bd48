#include "exporters/container/container_stats.h"

#include <sys/stat.h>

#include "core/fs.h"

namespace vigia::container {
namespace {

constexpr uint64_t kMaxMemorySize = uint64_t(1) << 62;  // cAdvisor's specMemoryValue

double spec_memory(uint64_t v, bool is_max) { return is_max || v > kMaxMemorySize ? 0 : double(v); }

bool read(const std::string& dir, const char* file, std::string& buf) {
  if (dir.empty()) return false;
  return read_file(HostPaths::join(dir, file), buf).is_ok();
}

bool read_u64(const std::string& dir, const char* file, std::string& buf, uint64_t& out, bool& is_max) {
  return read(dir, file, buf) && parse_value(buf, out, is_max);
}

void earliest_mtime(const std::string& dir, const char* file, int64_t& t) {
  struct stat st;
  if (dir.empty()) return;
  if (stat(dir.c_str(), &st) == 0 && (t == 0 || st.st_mtim.tv_sec < t)) t = st.st_mtim.tv_sec;
  if (stat(HostPaths::join(dir, file).c_str(), &st) == 0 && (t == 0 || st.st_mtim.tv_sec < t))
    t = st.st_mtim.tv_sec;
}

void read_pressure(const std::string& dir, const char* file, std::string& buf, bool& has, Pressure& p) {
  has = read(dir, file, buf) && parse_pressure(buf, p);
}

Status read_v2(const CgroupDirs& d, std::string& buf, CgroupStats& s) {
  const std::string& dir = d.unified;
  uint64_t v = 0;
  bool is_max = false;
  if (read(dir, "cpu.stat", buf) && find_key(buf, "usage_usec", v)) {
    s.has_cpu = true;
    s.cpu_usage = double(v) / 1e6;
    if (find_key(buf, "user_usec", v)) s.cpu_user = double(v) / 1e6;
    if (find_key(buf, "system_usec", v)) s.cpu_system = double(v) / 1e6;
    if (find_key(buf, "nr_periods", s.cfs_periods)) {
      s.has_cfs = true;
      find_key(buf, "nr_throttled", s.cfs_throttled_periods);
      if (find_key(buf, "throttled_usec", v)) s.cfs_throttled_seconds = double(v) / 1e6;
    }
  }
  if (read(dir, "cpu.max", buf) && parse_cpu_max(buf, s.cpu_quota, s.cpu_period)) s.has_cpu_spec = true;
  if (read_u64(dir, "cpu.weight", buf, v, is_max) && v >= 1 && v <= 10000) {
    s.has_cpu_spec = true;
    s.cpu_shares = 2 + ((v - 1) * 262142) / 9999;
  }
  if (read_u64(dir, "memory.current", buf, s.mem_usage, is_max)) {
    s.has_memory = true;
    s.mem_working_set = s.mem_usage;
    if (read(dir, "memory.stat", buf)) {
      find_key(buf, "anon", s.mem_rss);
      find_key(buf, "file", s.mem_cache);
      if (find_key(buf, "inactive_file", v)) s.mem_working_set = v > s.mem_usage ? 0 : s.mem_usage - v;
    }
    read_u64(dir, "memory.swap.current", buf, s.mem_swap, is_max);
    if (read_u64(dir, "memory.peak", buf, s.mem_max_usage, is_max)) s.has_max_usage = true;
    if (read(dir, "memory.events", buf)) {
      s.has_failcnt = find_key(buf, "max", s.mem_failcnt);
      s.has_oom = find_key(buf, "oom_kill", s.oom_kills);
    }
    if (read_u64(dir, "memory.max", buf, v, is_max)) s.mem_limit = spec_memory(v, is_max);
    if (read_u64(dir, "memory.min", buf, v, is_max)) s.mem_reservation = spec_memory(v, is_max);
  }
  if (read(dir, "io.stat", buf)) {
    s.has_io = true;
    parse_io_stat(buf, s.io);
  }
  read_pressure(dir, "cpu.pressure", buf, s.has_cpu_psi, s.cpu_psi);
  read_pressure(dir, "memory.pressure", buf, s.has_mem_psi, s.mem_psi);
  read_pressure(dir, "io.pressure", buf, s.has_io_psi, s.io_psi);
  if (read(dir, "cgroup.procs", buf)) {
    s.has_procs = true;
    parse_procs(buf, s.first_pid, s.processes);
  }
  s.has_threads = read_u64(dir, "pids.current", buf, s.threads, is_max);
  earliest_mtime(dir, "cgroup.events", s.start_time);
  if (!s.has_cpu && !s.has_memory && !s.has_procs) return Status::error(dir + ": cgroup gone");
  return Status::ok();
}

Status read_v1(const CgroupDirs& d, bool percpu, long user_hz, std::string& buf, CgroupStats& s) {
  uint64_t v = 0;
  bool is_max = false;
  if (read_u64(d.cpuacct, "cpuacct.usage", buf, v, is_max)) {
    s.has_cpu = true;
    s.cpu_usage = double(v) / 1e9;
    if (read(d.cpuacct, "cpuacct.stat", buf)) {
      // libcontainer: ticks * 1e9 / CLK_TCK nanoseconds.
      if (find_key(buf, "user", v)) s.cpu_user = double(v) / double(user_hz);
      if (find_key(buf, "system", v)) s.cpu_system = double(v) / double(user_hz);
    }
    if (percpu && read(d.cpuacct, "cpuacct.usage_percpu", buf)) parse_percpu(buf, s.percpu_ns);
  }
  if (read(d.cpu, "cpu.stat", buf) && find_key(buf, "nr_periods", s.cfs_periods)) {
    s.has_cfs = true;
    find_key(buf, "nr_throttled", s.cfs_throttled_periods);
    if (find_key(buf, "throttled_time", v)) s.cfs_throttled_seconds = double(v) / 1e9;
  }
  if (read_u64(d.cpu, "cpu.shares", buf, s.cpu_shares, is_max)) {
    s.has_cpu_spec = true;
    read_u64(d.cpu, "cpu.cfs_period_us", buf, s.cpu_period, is_max);
    int64_t q = 0;
    if (read(d.cpu, "cpu.cfs_quota_us", buf)) {
      while (!buf.empty() && buf.back() == '\n') buf.pop_back();
      if (parse_i64(buf, q) && q > 0) s.cpu_quota = uint64_t(q);
    }
  }
  if (read_u64(d.memory, "memory.usage_in_bytes", buf, s.mem_usage, is_max)) {
    s.has_memory = true;
    s.mem_working_set = s.mem_usage;
    if (read(d.memory, "memory.stat", buf)) {
      // use_hierarchy is always on for Docker's cgroups (and the only mode
      // of recent kernels): the total_* keys.
      find_key(buf, "total_rss", s.mem_rss);
      find_key(buf, "total_cache", s.mem_cache);
      find_key(buf, "total_swap", s.mem_swap);
      if (find_key(buf, "total_inactive_file", v)) s.mem_working_set = v > s.mem_usage ? 0 : s.mem_usage - v;
    }
    s.has_max_usage = read_u64(d.memory, "memory.max_usage_in_bytes", buf, s.mem_max_usage, is_max);
    s.has_failcnt = read_u64(d.memory, "memory.failcnt", buf, s.mem_failcnt, is_max);
    if (read(d.memory, "memory.oom_control", buf)) s.has_oom = find_key(buf, "oom_kill", s.oom_kills);
    if (read_u64(d.memory, "memory.limit_in_bytes", buf, v, is_max)) s.mem_limit = spec_memory(v, is_max);
    if (read_u64(d.memory, "memory.soft_limit_in_bytes", buf, v, is_max))
      s.mem_reservation = spec_memory(v, is_max);
  }
  // libcontainer reads the BFQ files, else the CFQ ones, else the throttle
  // ones: the first that has device lines.
  for (const char* f : {"blkio.bfq.io_service_bytes_recursive", "blkio.io_service_bytes_recursive",
                        "blkio.throttle.io_service_bytes_recursive"})
    if (s.io.empty() && read(d.blkio, f, buf)) parse_blkio_bytes(buf, s.io);
  // The operation counts likewise (cAdvisor's container_fs_{reads,writes}_total).
  std::vector<DeviceIo> ios;
  for (const char* f : {"blkio.bfq.io_serviced_recursive", "blkio.io_serviced_recursive",
                        "blkio.throttle.io_serviced_recursive"})
    if (ios.empty() && read(d.blkio, f, buf)) parse_blkio_serviced(buf, ios);
  for (const DeviceIo& x : ios) {
    bool found = false;
    for (DeviceIo& y : s.io)
      if (y.major == x.major && y.minor == x.minor) y.reads = x.reads, y.writes = x.writes, found = true;
    if (!found) s.io.push_back(x);
  }
  s.has_io = !d.blkio.empty() && !s.io.empty();
  const std::string& procs_dir = !d.memory.empty() ? d.memory : d.cpuacct;
  if (read(procs_dir, "cgroup.procs", buf)) {
    s.has_procs = true;
    parse_procs(buf, s.first_pid, s.processes);
  }
  s.has_threads = read_u64(d.pids, "pids.current", buf, s.threads, is_max);
  for (const std::string* dir : {&d.cpu, &d.cpuacct, &d.memory, &d.blkio, &d.pids})
    earliest_mtime(*dir, "cgroup.clone_children", s.start_time);
  if (!s.has_cpu && !s.has_memory && !s.has_procs) return Status::error(procs_dir + ": cgroup gone");
  return Status::ok();
}

}  // namespace

Status read_cgroup_stats(const CgroupDirs& dirs, bool percpu, long user_hz, std::string& buf,
                         CgroupStats& out) {
  out = CgroupStats{};
  return dirs.v2 ? read_v2(dirs, buf, out) : read_v1(dirs, percpu, user_hz, buf, out);
}

}  // namespace vigia::container

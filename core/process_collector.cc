#include "core/process_collector.h"

#include "core/self_metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include "core/fs.h"

namespace vigia {

Status ProcessCollector::collect(const CollectContext&, MetricSink& sink) {
  Status st = stat_.read(buf_);
  if (!st.is_ok()) return st;
  // Fields after the command name, which is in parentheses and may hold spaces.
  size_t rp = buf_.rfind(')');
  if (rp == std::string::npos) return Status::error(self_ + "/stat: malformed");
  std::string_view rest = std::string_view(buf_).substr(rp + 2);
  // rest starts at field 3 (state). utime=14, stime=15, starttime=22, vsize=23, rss=24.
  uint64_t utime = 0, stime = 0, starttime = 0, vsize = 0, rss = 0;
  int field = 3;
  for_each_field(rest, [&](std::string_view f) {
    switch (field) {
      case 14: parse_u64(f, utime); break;
      case 15: parse_u64(f, stime); break;
      case 22: parse_u64(f, starttime); break;
      case 23: parse_u64(f, vsize); break;
      case 24: parse_u64(f, rss); break;
    }
    return ++field <= 24;
  });
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  sink.counter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
               static_cast<double>(utime + stime) / ticks);
  sink.gauge("process_resident_memory_bytes", "Resident memory size in bytes.",
             static_cast<double>(rss) * page);
  sink.gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", static_cast<double>(vsize));

  if (btime_ < 0 && read_file(proc_ + "/stat", buf_).is_ok()) {
    for_each_line(buf_, [&](std::string_view line) {
      if (line.substr(0, 6) == "btime ") parse_double(line.substr(6), btime_);
    });
  }
  if (btime_ >= 0) {
    sink.gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
               btime_ + static_cast<double>(starttime) / ticks);
  }

  if (DIR* d = opendir((self_ + "/fd").c_str())) {
    double n = 0;
    while (dirent* e = readdir(d))
      if (e->d_name[0] != '.') ++n;
    closedir(d);
    n -= 1;  // the descriptor opendir itself holds
    sink.gauge("process_open_fds", "Number of open file descriptors.", n);
  }
  // The soft limit, as /proc/self/limits' "Max open files" shows it.
  struct rlimit rl {};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    double v = rl.rlim_cur == RLIM_INFINITY ? 1.8446744073709552e19 : static_cast<double>(rl.rlim_cur);
    sink.gauge("process_max_fds", "Maximum number of open file descriptors.", v);
  }
  // As /proc/self/limits' "Max address space" (the Go client's process collector has it too;
  // Node Exporter Full shows it).
  if (getrlimit(RLIMIT_AS, &rl) == 0) {
    double v = rl.rlim_cur == RLIM_INFINITY ? 1.8446744073709552e19 : static_cast<double>(rl.rlim_cur);
    sink.gauge("process_virtual_memory_max_bytes", "Maximum amount of virtual memory available in bytes.", v);
  }
  if (self_metrics_) write_self_metrics(sink);
  return Status::ok();
}

}  // namespace vigia

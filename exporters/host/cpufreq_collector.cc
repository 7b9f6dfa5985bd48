#include "exporters/host/cpufreq_collector.h"

#include <sys/stat.h>

#include <cerrno>

#include "exporters/host/sysfs_read.h"

namespace vigia::host {

namespace {
// The files of CpufreqStats::Field's order, then the families they feed.
constexpr std::string_view kFiles[CpufreqStats::kFieldCount] = {"cpuinfo_cur_freq", "cpuinfo_min_freq",
                                                                "cpuinfo_max_freq", "scaling_cur_freq",
                                                                "scaling_min_freq", "scaling_max_freq"};
constexpr std::string_view kNames[CpufreqStats::kFieldCount] = {"node_cpu_frequency_hertz",
                                                                "node_cpu_frequency_min_hertz",
                                                                "node_cpu_frequency_max_hertz",
                                                                "node_cpu_scaling_frequency_hertz",
                                                                "node_cpu_scaling_frequency_min_hertz",
                                                                "node_cpu_scaling_frequency_max_hertz"};
constexpr std::string_view kHelps[CpufreqStats::kFieldCount] = {
    "Current cpu thread frequency in hertz.",        "Minimum cpu thread frequency in hertz.",
    "Maximum cpu thread frequency in hertz.",        "Current scaled CPU thread frequency in hertz.",
    "Minimum scaled CPU thread frequency in hertz.", "Maximum scaled CPU thread frequency in hertz."};
// Read (and required) by procfs though no metric uses them.
constexpr std::string_view kOtherNumbers[] = {"cpuinfo_transition_latency"};
constexpr std::string_view kStrings[] = {"scaling_available_governors", "scaling_driver", "scaling_governor",
                                         "related_cpus", "scaling_setspeed"};

bool is_cpu_name(const std::string& n) {
  return n.size() > 3 && n.compare(0, 3, "cpu") == 0 && n[3] >= '0' && n[3] <= '9';
}
}  // namespace

Status read_cpufreq(const std::string& cpu_dir, std::vector<CpufreqStats>& out) {
  out.clear();
  std::vector<std::string> names;
  // A glob of a missing directory matches nothing.
  if (int err = list_dir(cpu_dir, names); err)
    return err == ENOENT ? Status::ok() : Status::from_errno(cpu_dir, err);
  std::string value;
  for (const std::string& n : names) {
    if (!is_cpu_name(n)) continue;
    std::string dir = HostPaths::join(cpu_dir, n + "/cpufreq");
    struct stat sb;
    if (::stat(dir.c_str(), &sb) != 0) {
      if (errno == ENOENT) continue;
      return Status::from_errno(dir, errno);
    }
    CpufreqStats s;
    s.cpu = n.substr(3);
    auto number = [&](std::string_view file, std::optional<uint64_t>* slot) {
      std::string path = HostPaths::join(dir, file);
      uint64_t v;
      int err = read_sys_u64(path, v);
      if (err == ENOENT || err == EACCES || err == EPERM) return Status::ok();
      if (err == EINVAL) return Status::error(path + ": not an unsigned integer");
      if (err) return Status::from_errno(path, err);
      if (slot) *slot = v;
      return Status::ok();
    };
    for (int f = 0; f < CpufreqStats::kFieldCount; ++f)
      if (Status st = number(kFiles[f], &s.khz[f]); !st.is_ok()) return st;
    for (std::string_view file : kOtherNumbers)
      if (Status st = number(file, nullptr); !st.is_ok()) return st;
    for (std::string_view file : kStrings) {
      std::string path = HostPaths::join(dir, file);
      if (int err = read_sys_value(path, value)) return Status::from_errno(path, err);
    }
    out.push_back(std::move(s));
  }
  return Status::ok();
}

Status CpufreqCollector::collect(const CollectContext&, MetricSink& sink) {
  Status st = read_cpufreq(dir_, stats_);
  if (!st.is_ok()) return st;
  // sysfs gives kHz; node_exporter exports Hz.
  for (int f = 0; f < CpufreqStats::kFieldCount; ++f) {
    sink.family(kNames[f], kHelps[f], MetricType::kGauge);
    for (const CpufreqStats& s : stats_)
      if (s.khz[f]) sink.sample(kNames[f], {{"cpu", s.cpu}}, static_cast<double>(*s.khz[f]) * 1000.0);
  }
  return Status::ok();
}

}  // namespace vigia::host

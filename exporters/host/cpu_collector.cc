#include "exporters/host/cpu_collector.h"

#include <dirent.h>

#include <algorithm>
#include <map>
#include <set>
#include <memory>
#include <utility>

#include "core/text.h"

namespace vigia::host {

namespace {

constexpr double kUserHz = 100.0;
// node_exporter's jumpBackSeconds: a larger drop of idle means hotplug.
constexpr double kJumpBackSeconds = 3.0;

bool read_u64_file(const std::string& path, std::string& buf, uint64_t& out) {
  return read_file(path, buf).is_ok() && parse_u64(trim(buf), out);
}

void keep_max(double& cached, double fresh) {
  if (fresh >= cached) cached = fresh;
}

}  // namespace

bool parse_cpu_stat_line(std::string_view line, int64_t& cpu_id, CpuTimes& out) {
  out = CpuTimes{};
  double* fields[] = {&out.user, &out.nice,    &out.system, &out.idle,  &out.iowait,
                      &out.irq,  &out.softirq, &out.steal,  &out.guest, &out.guest_nice};
  int n = -1;
  bool ok = true;
  for_each_field(line, [&](std::string_view f) {
    if (n < 0) {
      if (f.substr(0, 3) != "cpu") {
        ok = false;
      } else if (f.size() == 3) {
        cpu_id = -1;
      } else {
        ok = parse_i64(f.substr(3), cpu_id) && cpu_id >= 0;
      }
    } else {
      uint64_t ticks;
      if (!parse_u64(f, ticks)) {
        ok = false;
      } else {
        *fields[n] = static_cast<double>(ticks) / kUserHz;
      }
    }
    return ok && ++n < 10;
  });
  return ok && n > 0;
}

bool parse_cpu_list(std::string_view text, std::vector<uint32_t>& out) {
  out.clear();
  text = trim(text);
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view part = trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    size_t dash = part.find('-');
    uint64_t lo, hi;
    if (dash == std::string_view::npos) {
      if (!parse_u64(part, lo)) return false;
      hi = lo;
    } else if (!parse_u64(part.substr(0, dash), lo) || !parse_u64(part.substr(dash + 1), hi) || hi < lo ||
               hi - lo > 65535) {
      return false;
    }
    for (uint64_t i = lo; i <= hi; ++i) out.push_back(static_cast<uint32_t>(i));
  }
  return true;
}

CpuCollector::CpuCollector(const HostPaths& paths, const CpuInfoOptions& info)
    : stat_file_(paths.proc_path("stat")),
      cpuinfo_file_(paths.proc_path("cpuinfo")),
      info_(info),
      cpu_dir_(paths.sys_path("devices/system/cpu")) {}

Status CpuCollector::collect(const CollectContext&, MetricSink& sink) {
  Status st;
  if (info_.enabled()) {
    st = info_.status();
    if (!st.is_ok()) return st;
    st = cpuinfo_file_.read(buf_);
    if (!st.is_ok()) return st;
    st = parse_cpuinfo(buf_, cpuinfo_);
    if (!st.is_ok()) return Status::error(cpuinfo_file_.path() + ": " + st.message());
    info_.write(cpuinfo_, sink);
  }
  st = collect_stat(sink);
  if (!st.is_ok()) return st;
  st = collect_isolated(sink);
  if (!st.is_ok()) return st;
  collect_throttles(sink);
  return Status::ok();
}

Status CpuCollector::collect_stat(MetricSink& sink) {
  Status st = stat_file_.read(buf_);
  if (!st.is_ok()) return st;

  for (Cpu& c : cpus_) c.seen = false;
  size_t count = 0;
  bool added = false;
  Status bad;
  // First pass counts the CPUs: node_exporter drops its whole cache when the
  // number of CPUs changes.
  for_each_line(buf_, [&](std::string_view line) {
    if (line.size() > 3 && line.substr(0, 3) == "cpu" && line[3] != ' ') ++count;
  });
  if (count != cpus_.size()) cpus_.clear();
  for_each_line(buf_, [&](std::string_view line) {
    if (!bad.is_ok() || line.substr(0, 3) != "cpu") return;
    int64_t id;
    CpuTimes t;
    if (!parse_cpu_stat_line(line, id, t)) {
      bad = Status::error(stat_file_.path() + ": cannot parse \"" + std::string(line) + "\"");
      return;
    }
    if (id < 0) return;
    auto it = std::find_if(cpus_.begin(), cpus_.end(), [&](const Cpu& c) { return c.id == id; });
    if (it == cpus_.end()) {
      cpus_.push_back(Cpu{id, std::to_string(id), CpuTimes{}, false});
      it = cpus_.end() - 1;
      added = true;
    }
    CpuTimes& c = it->times;
    if (c.idle - t.idle >= kJumpBackSeconds) c = CpuTimes{};
    keep_max(c.user, t.user);
    keep_max(c.nice, t.nice);
    keep_max(c.system, t.system);
    keep_max(c.idle, t.idle);
    keep_max(c.iowait, t.iowait);
    keep_max(c.irq, t.irq);
    keep_max(c.softirq, t.softirq);
    keep_max(c.steal, t.steal);
    keep_max(c.guest, t.guest);
    keep_max(c.guest_nice, t.guest_nice);
    it->seen = true;
  });
  if (!bad.is_ok()) return bad;
  std::erase_if(cpus_, [](const Cpu& c) { return !c.seen; });
  if (added) {
    std::sort(cpus_.begin(), cpus_.end(), [](const Cpu& a, const Cpu& b) { return a.label < b.label; });
  }

  constexpr std::string_view kSeconds = "node_cpu_seconds_total";
  sink.family(kSeconds, "Seconds the CPUs spent in each mode.", MetricType::kCounter);
  for (const Cpu& c : cpus_) {
    const CpuTimes& t = c.times;
    std::pair<std::string_view, double> modes[] = {
        {"idle", t.idle},       {"iowait", t.iowait}, {"irq", t.irq},       {"nice", t.nice},
        {"softirq", t.softirq}, {"steal", t.steal},   {"system", t.system}, {"user", t.user}};
    for (const auto& [mode, v] : modes) sink.sample(kSeconds, {{"cpu", c.label}, {"mode", mode}}, v);
  }
  constexpr std::string_view kGuest = "node_cpu_guest_seconds_total";
  sink.family(kGuest, "Seconds the CPUs spent in guests (VMs) for each mode.", MetricType::kCounter);
  for (const Cpu& c : cpus_) {
    sink.sample(kGuest, {{"cpu", c.label}, {"mode", "nice"}}, c.times.guest_nice);
    sink.sample(kGuest, {{"cpu", c.label}, {"mode", "user"}}, c.times.guest);
  }
  return Status::ok();
}

Status CpuCollector::collect_isolated(MetricSink& sink) {
  if (!isolated_read_) {
    // Read once, like node_exporter (which reads it at start-up).
    isolated_read_ = true;
    std::string path = HostPaths::join(cpu_dir_, "isolated");
    Status st = read_file(path, buf_);
    std::vector<uint32_t> ids;
    if (st.is_ok()) {
      if (!parse_cpu_list(buf_, ids)) {
        isolated_status_ = Status::error(path + ": malformed cpu list");
      }
    } else if (!is_not_found(st)) {
      isolated_status_ = st;
    }
    for (uint32_t id : ids) isolated_.push_back(std::to_string(id));
    std::sort(isolated_.begin(), isolated_.end());
    isolated_.erase(std::unique(isolated_.begin(), isolated_.end()), isolated_.end());
  }
  if (!isolated_status_.is_ok()) return isolated_status_;
  constexpr std::string_view kIsolated = "node_cpu_isolated";
  sink.family(kIsolated, "Whether each core is isolated, information from /sys/devices/system/cpu/isolated.",
              MetricType::kGauge);
  for (const std::string& cpu : isolated_) sink.sample(kIsolated, {{"cpu", cpu}}, 1);
  return Status::ok();
}

void CpuCollector::scan_throttles() {
  throttle_scan_cpus_ = cpus_.size();
  core_throttles_.clear();
  package_throttles_.clear();
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(cpu_dir_.c_str()), ::closedir);
  if (!dir) return;
  std::vector<std::string> names;
  while (dirent* e = ::readdir(dir.get())) {
    std::string_view n = e->d_name;
    if (n.size() > 3 && n.substr(0, 3) == "cpu" && n[3] >= '0' && n[3] <= '9') names.emplace_back(n);
  }
  std::sort(names.begin(), names.end());

  // A count is read once per core and per package (threads of a core share
  // it); a CPU without topology is skipped.
  std::set<std::pair<uint64_t, uint64_t>> cores;
  std::set<uint64_t> packages;
  for (const std::string& n : names) {
    std::string cpu = HostPaths::join(cpu_dir_, n);
    uint64_t package, core, count;
    if (!read_u64_file(cpu + "/topology/physical_package_id", buf_, package)) continue;
    if (!read_u64_file(cpu + "/topology/core_id", buf_, core)) continue;
    std::string core_path = cpu + "/thermal_throttle/core_throttle_count";
    if (!cores.count({package, core}) && read_u64_file(core_path, buf_, count)) {
      cores.insert({package, core});
      core_throttles_.push_back(
          {std::to_string(core), std::to_string(package), ProcFile(core_path, ProcFile::Reads::kOneCall)});
    }
    std::string package_path = cpu + "/thermal_throttle/package_throttle_count";
    if (!packages.count(package) && read_u64_file(package_path, buf_, count)) {
      packages.insert(package);
      package_throttles_.push_back(
          {"", std::to_string(package), ProcFile(package_path, ProcFile::Reads::kOneCall)});
    }
  }
  std::sort(core_throttles_.begin(), core_throttles_.end(), [](const Throttle& a, const Throttle& b) {
    return a.core != b.core ? a.core < b.core : a.package < b.package;
  });
  std::sort(package_throttles_.begin(), package_throttles_.end(),
            [](const Throttle& a, const Throttle& b) { return a.package < b.package; });
}

void CpuCollector::collect_throttles(MetricSink& sink) {
  if (throttle_scan_cpus_ != cpus_.size()) scan_throttles();
  auto emit = [&](std::string_view family, std::string_view help, std::vector<Throttle>& rows) {
    sink.family(family, help, MetricType::kCounter);
    for (Throttle& t : rows) {
      uint64_t count;
      if (!t.file.read(buf_).is_ok() || !parse_u64(trim(buf_), count)) continue;
      if (t.core.empty()) {
        sink.sample(family, {{"package", t.package}}, static_cast<double>(count));
      } else {
        sink.sample(family, {{"core", t.core}, {"package", t.package}}, static_cast<double>(count));
      }
    }
  };
  emit("node_cpu_core_throttles_total", "Number of times this CPU core has been throttled.", core_throttles_);
  emit("node_cpu_package_throttles_total", "Number of times this CPU package has been throttled.",
       package_throttles_);
}

}  // namespace vigia::host

#include "exporters/container/container_collector.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <functional>

#include "exporters/host/netdev_collector.h"

namespace vigia::container {
namespace {

constexpr int kMaxDepth = 6;

// The labels of one row, cAdvisor's: compose labels, id, image, name.
struct RowLabels {
  std::vector<Label> v;
  void set(const FoundCgroup& cg, const DockerContainer* d) {
    v.clear();
    if (d && !d->compose_project.empty())
      v.push_back({"container_label_com_docker_compose_project", d->compose_project});
    if (d && !d->compose_service.empty())
      v.push_back({"container_label_com_docker_compose_service", d->compose_service});
    v.push_back({"id", cg.id});
    if (d && !d->image.empty()) v.push_back({"image", d->image});
    if (d && !d->name.empty()) v.push_back({"name", d->name});
  }
};

bool ignored_interface(std::string_view n) {
  for (std::string_view p : {"lo", "veth", "docker", "nerdctl"})
    if (n.starts_with(p)) return true;
  return false;
}

std::string read_link(const std::string& path) {
  char buf[256];
  ssize_t n = readlink(path.c_str(), buf, sizeof buf);
  return n > 0 ? std::string(buf, size_t(n)) : std::string();
}

}  // namespace

ContainerCollector::ContainerCollector(ContainerOptions opts, std::shared_ptr<DockerCache> cache,
                                       std::shared_ptr<FsUsageCache> fs_usage)
    : opts_(std::move(opts)),
      cache_(std::move(cache)),
      fs_usage_(std::move(fs_usage)),
      mountinfo_(opts_.paths.proc_path("self/mountinfo")),
      user_hz_(sysconf(_SC_CLK_TCK) > 0 ? sysconf(_SC_CLK_TCK) : 100) {}

std::string ContainerCollector::host_path(std::string_view mount) const {
  if (mount == "/sys" || mount.starts_with("/sys/")) return HostPaths::join(opts_.paths.sys, mount.substr(4));
  return HostPaths::join(opts_.paths.rootfs, mount);
}

Status ContainerCollector::find_mounts() {
  bool keep = !walk_root_.empty() && mountinfo_.unchanged_since_read();
  if (keep) return Status::ok();
  if (Status s = mountinfo_.read(mountinfo_buf_); !s.is_ok()) return s;
  parse_mountinfo_cgroups(mountinfo_buf_, mounts_);
  std::string_view root = mounts_.is_v2() ? std::string_view(mounts_.unified) : mounts_.v1_mount("memory");
  if (root.empty()) root = mounts_.v1_mount("cpuacct");
  if (root.empty()) return Status::no_data(mountinfo_.path() + ": no cgroup hierarchy mounted");
  walk_root_ = host_path(root);
  return Status::ok();
}

void ContainerCollector::walk(const std::string& root, const std::string& rel, int depth,
                              std::vector<FoundCgroup>& out) {
  DIR* d = opendir((root + rel).c_str());
  if (!d) return;
  std::vector<std::string> children;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    bool dir = e->d_type == DT_DIR;
    if (e->d_type == DT_UNKNOWN) {
      struct stat st;
      dir = stat((root + rel + "/" + e->d_name).c_str(), &st) == 0 && S_ISDIR(st.st_mode);
    }
    if (dir) children.emplace_back(e->d_name);
  }
  closedir(d);
  std::sort(children.begin(), children.end());
  for (const std::string& c : children) {
    std::string path = rel + "/" + c;
    CgroupIdentity ident = classify_cgroup(path);
    if (ident.kind == CgroupKind::kService) {
      if (opts_.services) out.push_back({path, ident.kind, {}});
      continue;
    }
    if (ident.kind != CgroupKind::kNone) {
      out.push_back({path, ident.kind, std::string(ident.container_id)});
      continue;
    }
    if (depth + 1 < kMaxDepth) walk(root, path, depth + 1, out);
  }
}

CgroupDirs ContainerCollector::dirs_of(const std::string& id) const {
  CgroupDirs d;
  d.v2 = mounts_.is_v2();
  if (d.v2) {
    d.unified = walk_root_ + id;
    return d;
  }
  auto dir = [&](std::string_view controller) {
    std::string_view m = mounts_.v1_mount(controller);
    return m.empty() ? std::string() : host_path(m) + id;
  };
  d.cpu = dir("cpu"), d.cpuacct = dir("cpuacct"), d.memory = dir("memory"), d.blkio = dir("blkio"),
  d.pids = dir("pids");
  return d;
}

const std::string& ContainerCollector::device_name(uint32_t major, uint32_t minor) {
  auto key = std::make_pair(major, minor);
  auto it = devices_.find(key);
  if (it != devices_.end()) return it->second;
  std::string num = std::to_string(major) + ":" + std::to_string(minor);
  std::string name = num;
  if (read_file(opts_.paths.sys_path("dev/block/" + num + "/uevent"), buf_).is_ok()) {
    for_each_line(buf_, [&](std::string_view line) {
      if (line.starts_with("DEVNAME=")) name = "/dev/" + std::string(line.substr(8));
    });
  }
  return devices_.emplace(key, std::move(name)).first->second;
}

Status ContainerCollector::collect(const CollectContext& ctx, MetricSink& sink) {
  if (Status s = find_mounts(); !s.is_ok()) return s;
  found_.clear();
  walk(walk_root_, "", 0, found_);
  bool unknown = false;
  std::vector<Row> rows;
  rows.reserve(found_.size());
  for (const FoundCgroup& cg : found_) {
    Row r{&cg, {}, {}, false};
    // A cgroup that vanished since the walk is skipped.
    if (!read_cgroup_stats(dirs_of(cg.id), opts_.percpu, user_hz_, buf_, r.st).is_ok()) continue;
    rows.push_back(std::move(r));
  }
  if (cache_) {
    for (Row& r : rows) {
      if (r.cg->kind != CgroupKind::kDocker) continue;
      if (!cache_->lookup(r.cg->container_id, r.docker)) unknown = true;
    }
    // Errors are the docker collector's to report.
    cache_->refresh(ctx, unknown);
    for (Row& r : rows) {
      if (r.cg->kind != CgroupKind::kDocker) continue;
      r.named = cache_->lookup(r.cg->container_id, r.docker);
      cache_->note_cgroup(r.cg->container_id, r.st.start_time);
    }
  }
  write(rows, sink);
  write_network(rows, sink);
  write_fs_usage(rows, sink);
  // /proc/cpuinfo is slow to read on a many-core host: the facts are kept
  // 5 min (a CPU or memory hot-plug shows after that).
  auto now = Clock::now();
  if (!machine_.ok || now - machine_read_ >= std::chrono::minutes(5)) {
    machine_ = read_machine_info(opts_.paths);
    machine_read_ = now;
  }
  write_machine_metrics(machine_, sink);
  return Status::ok();
}

void ContainerCollector::write_fs_usage(const std::vector<Row>& rows, MetricSink& sink) {
  if (!fs_usage_) return;
  fs_usage_->kick();  // a refresh on a thread of its own, when due; the last result is served
  std::shared_ptr<const FsUsageSnapshot> snap = fs_usage_->latest();
  if (!snap) return;
  struct Fs {
    const char* name;
    const char* help;
    bool limit;
  };
  static constexpr Fs kFs[] = {
      {"container_fs_limit_bytes",
       "Number of bytes that can be consumed by the container on this filesystem.", true},
      {"container_fs_usage_bytes", "Number of bytes that are consumed by the container on this filesystem.",
       false},
  };
  RowLabels rl;
  for (const Fs& f : kFs) {
    sink.family(f.name, f.help, MetricType::kGauge);
    if (f.limit && snap->capacity == 0) continue;
    for (const Row& r : rows) {
      if (r.cg->kind != CgroupKind::kDocker) continue;
      auto it = snap->usage.find(r.cg->container_id);
      if (it == snap->usage.end()) continue;
      rl.set(*r.cg, r.named ? &r.docker : nullptr);
      std::vector<Label> l = rl.v;
      l.insert(l.begin(), Label{"device", snap->device});
      sink.sample(f.name, l, double(f.limit ? snap->capacity : it->second));
    }
  }
}

void ContainerCollector::write(const std::vector<Row>& rows, MetricSink& sink) {
  std::vector<RowLabels> labels(rows.size());
  for (size_t i = 0; i < rows.size(); ++i)
    labels[i].set(*rows[i].cg, rows[i].named ? &rows[i].docker : nullptr);
  using Get = std::function<bool(const CgroupStats&, double&)>;
  auto gauge_or_counter = [&](std::string_view name, std::string_view help, MetricType type, const Get& get) {
    sink.family(name, help, type);
    double v;
    for (size_t i = 0; i < rows.size(); ++i)
      if (get(rows[i].st, v)) sink.sample(name, labels[i].v, v);
  };
  constexpr auto kG = MetricType::kGauge;
  constexpr auto kC = MetricType::kCounter;
  // cpu
  sink.family("container_cpu_usage_seconds_total", "Cumulative cpu time consumed in seconds.", kC);
  for (size_t i = 0; i < rows.size(); ++i) {
    const CgroupStats& s = rows[i].st;
    if (!s.has_cpu) continue;
    std::vector<Label> l = labels[i].v;
    l.insert(l.begin(), Label{"cpu", "total"});
    if (s.percpu_ns.empty()) {
      if (s.cpu_usage > 0) sink.sample("container_cpu_usage_seconds_total", l, s.cpu_usage);
      continue;
    }
    char cpu[32];
    for (size_t c = 0; c < s.percpu_ns.size(); ++c) {
      if (s.percpu_ns[c] == 0) continue;
      snprintf(cpu, sizeof cpu, "cpu%02zu", c);
      l[0].value = cpu;
      sink.sample("container_cpu_usage_seconds_total", l, double(s.percpu_ns[c]) / 1e9);
    }
  }
  gauge_or_counter("container_cpu_user_seconds_total", "Cumulative user cpu time consumed in seconds.", kC,
                   [](const CgroupStats& s, double& v) { return s.has_cpu && ((v = s.cpu_user), true); });
  gauge_or_counter("container_cpu_system_seconds_total", "Cumulative system cpu time consumed in seconds.",
                   kC,
                   [](const CgroupStats& s, double& v) { return s.has_cpu && ((v = s.cpu_system), true); });
  // cAdvisor writes the CFS counters only for a container with a quota.
  auto cfs = [](const CgroupStats& s) { return s.has_cfs && s.cpu_quota != 0; };
  gauge_or_counter(
      "container_cpu_cfs_periods_total", "Number of elapsed enforcement period intervals.", kC,
      [&](const CgroupStats& s, double& v) { return cfs(s) && ((v = double(s.cfs_periods)), true); });
  gauge_or_counter("container_cpu_cfs_throttled_periods_total", "Number of throttled period intervals.", kC,
                   [&](const CgroupStats& s, double& v) {
                     return cfs(s) && ((v = double(s.cfs_throttled_periods)), true);
                   });
  gauge_or_counter(
      "container_cpu_cfs_throttled_seconds_total", "Total time duration the container has been throttled.",
      kC, [&](const CgroupStats& s, double& v) { return cfs(s) && ((v = s.cfs_throttled_seconds), true); });
  // memory
  auto mem = [](uint64_t CgroupStats::*f) {
    return [f](const CgroupStats& s, double& v) { return s.has_memory && ((v = double(s.*f)), true); };
  };
  gauge_or_counter("container_memory_usage_bytes",
                   "Current memory usage in bytes, including all memory regardless of when it was accessed",
                   kG, mem(&CgroupStats::mem_usage));
  gauge_or_counter("container_memory_working_set_bytes", "Current working set in bytes.", kG,
                   mem(&CgroupStats::mem_working_set));
  gauge_or_counter("container_memory_rss", "Size of RSS in bytes.", kG, mem(&CgroupStats::mem_rss));
  gauge_or_counter("container_memory_cache", "Number of bytes of page cache memory.", kG,
                   mem(&CgroupStats::mem_cache));
  gauge_or_counter("container_memory_swap", "Container swap usage in bytes.", kG,
                   mem(&CgroupStats::mem_swap));
  gauge_or_counter(
      "container_memory_failcnt", "Number of memory usage hits limits", kC,
      [](const CgroupStats& s, double& v) { return s.has_failcnt && ((v = double(s.mem_failcnt)), true); });
  gauge_or_counter("container_memory_max_usage_bytes", "Maximum memory usage recorded in bytes", kG,
                   [](const CgroupStats& s, double& v) {
                     return s.has_max_usage && ((v = double(s.mem_max_usage)), true);
                   });
  gauge_or_counter(
      "container_oom_events_total", "Count of out of memory events observed for the container", kC,
      [](const CgroupStats& s, double& v) { return s.has_oom && ((v = double(s.oom_kills)), true); });
  gauge_or_counter("container_spec_memory_limit_bytes", "Memory limit for the container.", kG,
                   [](const CgroupStats& s, double& v) { return s.has_memory && ((v = s.mem_limit), true); });
  gauge_or_counter(
      "container_spec_memory_reservation_limit_bytes", "Memory reservation limit for the container.", kG,
      [](const CgroupStats& s, double& v) { return s.has_memory && ((v = s.mem_reservation), true); });
  gauge_or_counter(
      "container_spec_cpu_period", "CPU period of the container.", kG,
      [](const CgroupStats& s, double& v) { return s.has_cpu_spec && ((v = double(s.cpu_period)), true); });
  gauge_or_counter("container_spec_cpu_quota", "CPU quota of the container.", kG,
                   [](const CgroupStats& s, double& v) {
                     return s.has_cpu_spec && s.cpu_quota != 0 && ((v = double(s.cpu_quota)), true);
                   });
  gauge_or_counter(
      "container_spec_cpu_shares", "CPU share of the container.", kG,
      [](const CgroupStats& s, double& v) { return s.has_cpu_spec && ((v = double(s.cpu_shares)), true); });
  // block I/O, per device
  for (int w = 0; w < 2; ++w) {
    std::string_view name = w ? "container_fs_writes_bytes_total" : "container_fs_reads_bytes_total";
    sink.family(name, w ? "Cumulative count of bytes written" : "Cumulative count of bytes read", kC);
    for (size_t i = 0; i < rows.size(); ++i) {
      if (!rows[i].st.has_io) continue;
      for (const DeviceIo& d : rows[i].st.io) {
        std::vector<Label> l = labels[i].v;
        l.insert(l.begin(), Label{"device", device_name(d.major, d.minor)});
        sink.sample(name, l, double(w ? d.write_bytes : d.read_bytes));
      }
    }
  }
  // Completed operations, per device (cAdvisor adds the data root's whole-device
  // /proc/diskstats counts to every Docker container's series: not done).
  struct Ios {
    const char* name;
    const char* help;
    uint64_t DeviceIo::*field;
  };
  static constexpr Ios kIos[] = {
      {"container_fs_reads_total", "Cumulative count of reads completed", &DeviceIo::reads},
      {"container_fs_writes_total", "Cumulative count of writes completed", &DeviceIo::writes},
  };
  for (const Ios& f : kIos) {
    sink.family(f.name, f.help, kC);
    for (size_t i = 0; i < rows.size(); ++i) {
      if (!rows[i].st.has_io) continue;
      for (const DeviceIo& d : rows[i].st.io) {
        std::vector<Label> l = labels[i].v;
        l.insert(l.begin(), Label{"device", device_name(d.major, d.minor)});
        sink.sample(f.name, l, double(d.*f.field));
      }
    }
  }
  // PSI
  struct Psi {
    const char* name;
    const char* help;
    bool CgroupStats::*has;
    Pressure CgroupStats::*p;
    bool full;
  };
  static constexpr Psi kPsi[] = {
      {"container_pressure_cpu_stalled_seconds_total",
       "Total time duration no tasks in the container could make progress due to CPU congestion.",
       &CgroupStats::has_cpu_psi, &CgroupStats::cpu_psi, true},
      {"container_pressure_cpu_waiting_seconds_total",
       "Total time duration tasks in the container have waited due to CPU congestion.",
       &CgroupStats::has_cpu_psi, &CgroupStats::cpu_psi, false},
      {"container_pressure_io_stalled_seconds_total",
       "Total time duration no tasks in the container could make progress due to IO congestion.",
       &CgroupStats::has_io_psi, &CgroupStats::io_psi, true},
      {"container_pressure_io_waiting_seconds_total",
       "Total time duration tasks in the container have waited due to IO congestion.",
       &CgroupStats::has_io_psi, &CgroupStats::io_psi, false},
      {"container_pressure_memory_stalled_seconds_total",
       "Total time duration no tasks in the container could make progress due to memory congestion.",
       &CgroupStats::has_mem_psi, &CgroupStats::mem_psi, true},
      {"container_pressure_memory_waiting_seconds_total",
       "Total time duration tasks in the container have waited due to memory congestion.",
       &CgroupStats::has_mem_psi, &CgroupStats::mem_psi, false},
  };
  for (const Psi& p : kPsi)
    gauge_or_counter(p.name, p.help, kC, [&p](const CgroupStats& s, double& v) {
      if (!(s.*p.has) || (p.full && !(s.*p.p).has_full)) return false;
      v = double(p.full ? (s.*p.p).full_us : (s.*p.p).some_us) / 1e6;
      return true;
    });
  gauge_or_counter(
      "container_processes", "Number of processes running inside the container.", kG,
      [](const CgroupStats& s, double& v) { return s.has_procs && ((v = double(s.processes)), true); });
  gauge_or_counter(
      "container_threads", "Number of threads running inside the container", kG,
      [](const CgroupStats& s, double& v) { return s.has_threads && ((v = double(s.threads)), true); });
  double now = double(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  gauge_or_counter("container_last_seen", "Last time a container was seen by the exporter", kG,
                   [now](const CgroupStats&, double& v) { return (v = now), true; });
  gauge_or_counter(
      "container_start_time_seconds", "Start time of the container since unix epoch in seconds.", kG,
      [](const CgroupStats& s, double& v) { return s.start_time > 0 && ((v = double(s.start_time)), true); });
}

void ContainerCollector::write_network(const std::vector<Row>& rows, MetricSink& sink) {
  struct Net {
    size_t row;
    std::vector<host::NetDevLine> devs;
  };
  std::vector<Net> nets;
  std::string host_ns = read_link(opts_.paths.proc_path("1/ns/net"));
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    if (r.cg->kind == CgroupKind::kService || r.st.first_pid == 0) continue;
    std::string pid = std::to_string(r.st.first_pid);
    std::string ns = read_link(opts_.paths.proc_path(pid + "/ns/net"));
    if (!ns.empty() && ns == host_ns) continue;  // --network host: the host's interfaces
    Net n{i, {}};
    if (!read_file(opts_.paths.proc_path(pid + "/net/dev"), buf_).is_ok() ||
        !host::parse_net_dev(buf_, n.devs).is_ok())
      continue;
    std::erase_if(n.devs, [](const host::NetDevLine& d) { return ignored_interface(d.name); });
    nets.push_back(std::move(n));
  }
  struct Field {
    const char* name;
    const char* help;
    int index;
  };
  static constexpr Field kFields[] = {
      {"container_network_receive_bytes_total", "Cumulative count of bytes received", 0},
      {"container_network_receive_errors_total", "Cumulative count of errors encountered while receiving", 2},
      {"container_network_receive_packets_dropped_total",
       "Cumulative count of packets dropped while receiving", 3},
      {"container_network_receive_packets_total", "Cumulative count of packets received", 1},
      {"container_network_transmit_bytes_total", "Cumulative count of bytes transmitted", 8},
      {"container_network_transmit_errors_total", "Cumulative count of errors encountered while transmitting",
       10},
      {"container_network_transmit_packets_dropped_total",
       "Cumulative count of packets dropped while transmitting", 11},
      {"container_network_transmit_packets_total", "Cumulative count of packets transmitted", 9},
  };
  RowLabels rl;
  for (const Field& f : kFields) {
    sink.family(f.name, f.help, MetricType::kCounter);
    for (const Net& n : nets) {
      const Row& r = rows[n.row];
      rl.set(*r.cg, r.named ? &r.docker : nullptr);
      for (const host::NetDevLine& d : n.devs) {
        std::vector<Label> l = rl.v;
        l.insert(l.begin(), Label{"interface", d.name});
        sink.sample(f.name, l, double(d.values[f.index]));
      }
    }
  }
}

Status DockerCollector::collect(const CollectContext& ctx, MetricSink& sink) {
  Status s = cache_->refresh(ctx, false);
  cache_->write_metrics(sink);
  return s;
}

}  // namespace vigia::container

#include "exporters/container/machine.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <set>
#include <vector>

#include "exporters/host/cpu_collector.h"

namespace vigia::container {
namespace {

// Names in dir matching cAdvisor's glob `<prefix>*[0-9]` (cpu0, node1; not
// cpulist), sorted.
std::vector<std::string> glob_numbered(const std::string& dir, std::string_view prefix) {
  std::vector<std::string> out;
  DIR* d = opendir(dir.c_str());
  if (!d) return out;
  while (dirent* e = readdir(d)) {
    std::string_view n = e->d_name;
    if (n.size() > prefix.size() && n.starts_with(prefix) && n.back() >= '0' && n.back() <= '9')
      out.emplace_back(n);
  }
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\0'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\0'))
    s.remove_suffix(1);
  return s;
}

// The trimmed content of the first readable file of paths; "" if none.
std::string first_of(std::initializer_list<std::string> paths) {
  std::string buf;
  for (const std::string& p : paths)
    if (read_file(p, buf).is_ok()) return std::string(trim(buf));
  return "";
}

bool exists(const std::string& p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0;
}

// The number after "cpu" in a directory name.
bool cpu_number(std::string_view name, unsigned& n) {
  uint64_t v;
  if (!name.starts_with("cpu") || !parse_u64(name.substr(3), v) || v > 65535) return false;
  n = unsigned(v);
  return true;
}

// sysinfo.GetNodesInfo's count: the CPUs of every NUMA node whose core_id and
// physical_package_id can be read (an offline CPU has no topology), each
// checked against the node's `online` list when there is one; without NUMA
// nodes, every cpuN of /sys/devices/system/cpu.
int count_logical_cpus(const HostPaths& p) {
  std::string nodes = p.sys_path("devices/system/node");
  std::vector<std::string> node_dirs = glob_numbered(nodes, "node");
  if (node_dirs.empty()) return int(glob_numbered(p.sys_path("devices/system/cpu"), "cpu").size());
  int count = 0;
  std::string buf;
  for (const std::string& node : node_dirs) {
    std::string dir = nodes + "/" + node;
    std::vector<uint32_t> online;
    bool have_online = read_file(dir + "/online", buf).is_ok() && host::parse_cpu_list(buf, online);
    for (const std::string& cpu : glob_numbered(dir, "cpu")) {
      unsigned n;
      if (!cpu_number(cpu, n)) continue;
      if (have_online && std::find(online.begin(), online.end(), n) == online.end()) continue;
      std::string topo = dir + "/" + cpu + "/topology/";
      if (exists(topo + "core_id") && exists(topo + "physical_package_id")) ++count;
    }
  }
  return count;
}

// sysfs.GetUniqueCPUPropertyCount: distinct values of topology/<property>
// over /sys/bus/cpu/devices/cpuN (cAdvisor's fallback when /proc/cpuinfo
// lacks the line, as on arm64).
int count_sysfs_property(const HostPaths& p, std::string_view property) {
  std::string bus = p.sys_path("bus/cpu/devices");
  std::set<std::string> values;
  std::string buf;
  for (const std::string& cpu : glob_numbered(bus, "cpu"))
    if (read_file(bus + "/" + cpu + "/topology/" + std::string(property), buf).is_ok())
      values.emplace(trim(buf));
  return int(values.size());
}

}  // namespace

bool parse_meminfo_total(std::string_view meminfo, uint64_t& bytes) {
  bool found = false;
  for_each_line(meminfo, [&](std::string_view line) {
    if (found || !line.starts_with("MemTotal:")) return;
    line.remove_prefix(9);
    line = trim(line);
    if (!line.ends_with(" kB")) return;
    uint64_t kb;
    if (parse_u64(trim(line.substr(0, line.size() - 3)), kb) && kb <= UINT64_MAX / 1024) {
      bytes = kb * 1024;
      found = true;
    }
  });
  return found;
}

int count_cpuinfo_values(std::string_view cpuinfo, std::string_view key) {
  std::set<uint64_t> values;
  for_each_line(cpuinfo, [&](std::string_view line) {
    if (!line.starts_with(key)) return;
    line.remove_prefix(key.size());
    line = trim(line);
    if (line.empty() || line[0] != ':') return;
    uint64_t v;
    if (parse_u64(trim(line.substr(1)), v)) values.insert(v);
  });
  return int(values.size());
}

MachineInfo read_machine_info(const HostPaths& p) {
  MachineInfo m;
  std::string cpuinfo, meminfo;
  if (!read_file(p.proc_path("cpuinfo"), cpuinfo).is_ok() ||
      !read_file(p.proc_path("meminfo"), meminfo).is_ok() || !parse_meminfo_total(meminfo, m.memory_bytes))
    return m;
  m.ok = true;
  m.cpu_cores = count_logical_cpus(p);
  m.physical_cores = count_cpuinfo_values(cpuinfo, "core id");
  if (m.physical_cores == 0) m.physical_cores = count_sysfs_property(p, "core_id");
  m.sockets = count_cpuinfo_values(cpuinfo, "physical id");
  if (m.sockets == 0) m.sockets = count_sysfs_property(p, "physical_package_id");
  m.machine_id = first_of({p.rootfs_path("etc/machine-id"), p.rootfs_path("var/lib/dbus/machine-id")});
  m.boot_id = first_of({p.proc_path("sys/kernel/random/boot_id")});
  // sysfs.GetSystemUUID: DMI, then the device tree (POWER), then /etc/machine-id.
  m.system_uuid = first_of({p.sys_path("class/dmi/id/product_uuid"), p.proc_path("device-tree/system-id"),
                            p.proc_path("device-tree/vm,uuid"), p.rootfs_path("etc/machine-id")});
  return m;
}

void write_machine_metrics(const MachineInfo& m, MetricSink& sink) {
  if (!m.ok) return;
  std::vector<Label> l;
  if (!m.boot_id.empty()) l.push_back({"boot_id", m.boot_id});
  if (!m.machine_id.empty()) l.push_back({"machine_id", m.machine_id});
  if (!m.system_uuid.empty()) l.push_back({"system_uuid", m.system_uuid});
  auto gauge = [&](std::string_view name, std::string_view help, double v) {
    sink.family(name, help, MetricType::kGauge);
    sink.sample(name, l, v);
  };
  gauge("machine_cpu_cores", "Number of logical CPU cores.", m.cpu_cores);
  gauge("machine_cpu_physical_cores", "Number of physical CPU cores.", m.physical_cores);
  gauge("machine_cpu_sockets", "Number of CPU sockets.", m.sockets);
  gauge("machine_memory_bytes", "Amount of memory installed on the machine.", double(m.memory_bytes));
}

}  // namespace vigia::container

#include "exporters/host/thermal_zone_collector.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "core/strconv.h"
#include "exporters/host/go_text.h"
#include "exporters/host/sysfs_read.h"

namespace vigia::host {

namespace {

// filepath.Glob(dir + "/<prefix>[0-9]*"): the matching entries, sorted; an
// unreadable directory matches nothing.
std::vector<std::string> glob_numbered(const std::string& dir, std::string_view prefix) {
  std::vector<std::string> names, out;
  list_dir(dir, names);
  for (const std::string& n : names)
    if (n.size() > prefix.size() && n.compare(0, prefix.size(), prefix) == 0 && n[prefix.size()] >= '0' &&
        n[prefix.size()] <= '9')
      out.push_back(n);
  return out;
}

// os.ReadFile (at most 4 KiB: a sysfs attribute), then strings.TrimSpace.
int read_trimmed(const std::string& path, std::string& out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  out.clear();
  char buf[4096];
  int err = 0;
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) err = errno;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > (1u << 16)) break;
  }
  ::close(fd);
  if (!err) out.assign(go_trim_space(out));
  return err;
}

bool is_permission(int err) { return err == EACCES || err == EPERM; }

// One zone; kNoData for ENODATA (the zone is skipped).
Status read_zone(const std::string& dir, ThermalZone& z) {
  std::string policy, text;
  for (auto [file, value] : {std::pair{"type", &z.type}, std::pair{"policy", &policy}}) {
    std::string path = dir + "/" + file;
    int err = read_sys_value(path, *value);
    if (err == ENODATA) return Status::no_data();
    if (err) return Status::from_errno(path, err);
  }
  std::string path = dir + "/temp";
  int err = read_trimmed(path, text);
  if (err == ENODATA) return Status::no_data();
  if (err) return Status::from_errno(path, err);
  if (!go_parse_int(text, z.temp)) return Status::error(path + ": invalid number \"" + text + "\"");
  path = dir + "/mode";
  err = read_sys_value(path, text);
  if (err == ENODATA) return Status::no_data();
  if (err && err != ENOENT && !is_permission(err)) return Status::from_errno(path, err);
  path = dir + "/passive";
  err = read_trimmed(path, text);
  if (err == ENODATA) return Status::no_data();
  if (err && err != ENOENT && !is_permission(err)) return Status::from_errno(path, err);
  uint64_t passive;
  if (!err && !parse_u64(text, passive)) return Status::error(path + ": invalid number \"" + text + "\"");
  return Status::ok();
}

}  // namespace

Status read_thermal_zones(const std::string& dir, std::vector<ThermalZone>& out) {
  out.clear();
  for (const std::string& n : glob_numbered(dir, "thermal_zone")) {
    ThermalZone z;
    Status st = read_zone(dir + "/" + n, z);
    if (st.is_no_data()) continue;
    if (!st.is_ok()) return st;
    z.name = n.substr(std::string_view("thermal_zone").size());
    out.push_back(std::move(z));
  }
  return Status::ok();
}

Status read_cooling_devices(const std::string& dir, std::vector<CoolingDevice>& out) {
  out.clear();
  std::string text;
  for (const std::string& n : glob_numbered(dir, "cooling_device")) {
    CoolingDevice d;
    d.name = n.substr(std::string_view("cooling_device").size());
    std::string base = dir + "/" + n + "/";
    if (int err = read_sys_value(base + "type", d.type)) return Status::from_errno(base + "type", err);
    for (auto [file, value] : {std::pair{"max_state", &d.max_state}, std::pair{"cur_state", &d.cur_state}}) {
      if (int err = read_sys_value(base + file, text)) return Status::from_errno(base + file, err);
      if (!go_parse_int(text, *value))
        return Status::error(base + file + ": invalid number \"" + text + "\"");
    }
    out.push_back(std::move(d));
  }
  return Status::ok();
}

Status ThermalZoneCollector::collect(const CollectContext&, MetricSink& sink) {
  Status st = read_thermal_zones(dir_, zones_);
  if (!st.is_ok()) return st;
  for (const ThermalZone& z : zones_)
    series_.add("node_thermal_zone_temp", "Zone temperature in Celsius", MetricType::kGauge,
                {{"zone", to_valid_utf8(z.name)}, {"type", to_valid_utf8(z.type)}},
                static_cast<double>(z.temp) / 1000.0);
  st = read_cooling_devices(dir_, devices_);
  if (st.is_ok()) {
    for (const CoolingDevice& d : devices_) {
      std::string type = to_valid_utf8(d.type);
      series_.add("node_cooling_device_cur_state", "Current throttle state of the cooling device",
                  MetricType::kGauge, {{"name", to_valid_utf8(d.name)}, {"type", type}},
                  static_cast<double>(d.cur_state));
      series_.add("node_cooling_device_max_state", "Maximum throttle state of the cooling device",
                  MetricType::kGauge, {{"name", to_valid_utf8(d.name)}, {"type", type}},
                  static_cast<double>(d.max_state));
    }
  }
  series_.flush(sink);
  return st;
}

}  // namespace vigia::host

#include "exporters/host/selinux_collector.h"

#include <sys/statfs.h>
#include <sys/statvfs.h>

#include <cerrno>
#include <charconv>

#include "core/fs.h"
#include "core/text.h"

namespace vigia::host {

namespace {

constexpr unsigned long kSelinuxMagic = 0xf97cff8c;

bool writable_selinuxfs(const std::string& mnt) {
  struct statfs sb;
  int rc;
  do rc = ::statfs(mnt.c_str(), &sb);
  while (rc != 0 && (errno == EAGAIN || errno == EINTR));
  if (rc != 0) return false;
  return static_cast<uint32_t>(sb.f_type) == static_cast<uint32_t>(kSelinuxMagic) &&
         !(sb.f_flags & ST_RDONLY);
}

std::string find_selinuxfs() {
  if (writable_selinuxfs("/sys/fs/selinux")) return "/sys/fs/selinux";
  std::string text;
  if (!read_file("/proc/filesystems", text).is_ok() || text.find("\tselinuxfs\n") == std::string::npos)
    return "";
  if (!read_file("/proc/self/mountinfo", text).is_ok()) return "";
  std::string found;
  for_each_line(text, [&](std::string_view line) {
    if (!found.empty() || line.find(" - selinuxfs ") == std::string_view::npos) return;
    // The 5th space-separated field is the mount point.
    size_t pos = 0;
    for (int i = 0; i < 4; ++i) {
      pos = line.find(' ', pos);
      if (pos == std::string_view::npos) return;
      ++pos;
    }
    size_t end = line.find(' ', pos);
    if (end == std::string_view::npos) return;
    std::string mnt(line.substr(pos, end - pos));
    if (writable_selinuxfs(mnt)) found = mnt;
  });
  return found;
}

std::string current_label() {
  std::string text;
  if (!read_file("/proc/thread-self/attr/current", text).is_ok()) return "";
  if (!text.empty() && text.back() == '\0') text.pop_back();
  return text;
}

}  // namespace

std::string selinux_config_value(std::string_view config, std::string_view key) {
  std::string out;
  bool done = false;
  for_each_line(config, [&](std::string_view line) {
    if (done) return;
    line = trim(line);
    if (line.empty() || line[0] == ';' || line[0] == '#') return;
    size_t eq = line.find('=');
    if (eq == std::string_view::npos || line.substr(0, eq) != key) return;
    out.assign(trim(line.substr(eq + 1), "\""));
    done = true;
  });
  return out;
}

int selinux_config_mode(std::string_view config) {
  std::string mode = selinux_config_value(config, "SELINUX");
  return mode == "enforcing" ? 1 : mode == "permissive" ? 0 : -1;
}

int64_t selinux_enforce_mode(std::string_view enforce) {
  // strconv.Atoi: an optional sign, then decimal digits only.
  if (!enforce.empty() && enforce[0] == '+') {
    enforce.remove_prefix(1);
    if (!enforce.empty() && enforce[0] == '-') return -1;
  }
  int64_t v = 0;
  auto r = std::from_chars(enforce.data(), enforce.data() + enforce.size(), v);
  if (enforce.empty() || r.ec != std::errc() || r.ptr != enforce.data() + enforce.size()) return -1;
  return v;
}

Status SelinuxCollector::collect(const CollectContext&, MetricSink& sink) {
  if (!mount_) {
    std::string mnt = find_selinuxfs();
    mount_ = !mnt.empty() && current_label() != "kernel" ? mnt : "";
  }
  if (mount_->empty()) {
    sink.gauge("node_selinux_enabled", "SELinux is enabled, 1 is true, 0 is false", 0);
    return Status::ok();
  }
  sink.gauge("node_selinux_enabled", "SELinux is enabled, 1 is true, 0 is false", 1);
  std::string text;
  int config_mode = read_file("/etc/selinux/config", text).is_ok() ? selinux_config_mode(text) : -1;
  sink.gauge("node_selinux_config_mode", "Configured SELinux enforcement mode", config_mode);
  int64_t current = read_file(*mount_ + "/enforce", text).is_ok() ? selinux_enforce_mode(text) : -1;
  sink.gauge("node_selinux_current_mode", "Current SELinux enforcement mode", static_cast<double>(current));
  return Status::ok();
}

}  // namespace vigia::host

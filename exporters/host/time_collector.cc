#include "exporters/host/time_collector.h"

#include <dirent.h>

#include <algorithm>
#include <ctime>
#include <memory>
#include <utility>

namespace vigia::host {

double unix_seconds(std::chrono::system_clock::time_point t) {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  return static_cast<double>(ns) / 1e9;
}

void local_zone(std::chrono::system_clock::time_point t, std::string& name, long& offset_seconds) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  ::localtime_r(&tt, &tm);
  name = tm.tm_zone ? tm.tm_zone : "";
  offset_seconds = tm.tm_gmtoff;
}

void parse_clocksource(std::string_view available, std::string_view current, ClockSource& cs) {
  cs.available.clear();
  for_each_field(available.substr(0, available.find('\n')), [&](std::string_view f) {
    cs.available.emplace_back(f);
    return true;
  });
  cs.current.clear();
  for_each_field(current.substr(0, current.find('\n')), [&](std::string_view f) {
    cs.current = f;
    return false;
  });
}

TimeCollector::TimeCollector(const HostPaths& paths, WallClock clock)
    : dir_(paths.sys_path("devices/system/clocksource")), clock_(std::move(clock)) {
  if (!clock_) clock_ = [] { return std::chrono::system_clock::now(); };
}

Status TimeCollector::collect(const CollectContext&, MetricSink& sink) {
  auto now = clock_();
  sink.gauge("node_time_seconds", "System time in seconds since epoch (1970).", unix_seconds(now));
  long offset;
  local_zone(now, zone_, offset);
  sink.gauge("node_time_zone_offset_seconds", "System time zone offset in seconds.",
             static_cast<double>(offset), {{"time_zone", zone_}});

  if (!scanned_) {
    scanned_ = true;
    if (std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(dir_.c_str()), ::closedir); dir) {
      while (dirent* e = ::readdir(dir.get())) {
        std::string_view n = e->d_name;
        constexpr std::string_view kPrefix = "clocksource";
        if (n.size() <= kPrefix.size() || n.substr(0, kPrefix.size()) != kPrefix || n[kPrefix.size()] < '0' ||
            n[kPrefix.size()] > '9') {
          continue;
        }
        std::string base = HostPaths::join(dir_, n);
        devices_.push_back(Device{std::string(n.substr(kPrefix.size())),
                                  ProcFile(base + "/available_clocksource", ProcFile::Reads::kOneCall),
                                  ProcFile(base + "/current_clocksource", ProcFile::Reads::kOneCall)});
      }
    }
  }
  std::vector<ClockSource> sources;
  for (Device& d : devices_) {
    Status st = d.available.read(buf_);
    if (st.is_ok()) st = d.current.read(buf2_);
    if (!st.is_ok()) return st;
    ClockSource& cs = sources.emplace_back();
    cs.device = d.device;
    parse_clocksource(buf_, buf2_, cs);
  }
  // Series ordered by (clocksource, device) as node_exporter's output is.
  std::vector<std::pair<std::string_view, std::string_view>> rows;
  for (const ClockSource& cs : sources) {
    for (const std::string& a : cs.available) rows.emplace_back(a, cs.device);
  }
  std::sort(rows.begin(), rows.end());
  constexpr std::string_view kAvailable = "node_time_clocksource_available_info";
  sink.family(kAvailable, "Available clocksources read from '/sys/devices/system/clocksource'.",
              MetricType::kGauge);
  for (const auto& [source, device] : rows) {
    sink.sample(kAvailable, {{"clocksource", source}, {"device", device}}, 1);
  }
  rows.clear();
  for (const ClockSource& cs : sources) {
    if (!cs.current.empty()) rows.emplace_back(cs.current, cs.device);
  }
  std::sort(rows.begin(), rows.end());
  constexpr std::string_view kCurrent = "node_time_clocksource_current_info";
  sink.family(kCurrent, "Current clocksource read from '/sys/devices/system/clocksource'.",
              MetricType::kGauge);
  for (const auto& [source, device] : rows) {
    sink.sample(kCurrent, {{"clocksource", source}, {"device", device}}, 1);
  }
  return Status::ok();
}

}  // namespace vigia::host

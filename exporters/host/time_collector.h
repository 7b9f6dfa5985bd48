#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/collector.h"
#include "core/fs.h"

namespace vigia::host {

using WallClock = std::function<std::chrono::system_clock::time_point()>;

// Seconds since the epoch as node_exporter computes it (nanoseconds / 1e9).
double unix_seconds(std::chrono::system_clock::time_point t);

// The local time zone's abbreviation ("UTC", "CET") and offset east of UTC
// in seconds at time t, from the C library (TZ, /etc/localtime).
void local_zone(std::chrono::system_clock::time_point t, std::string& name, long& offset_seconds);

// A clocksource device of <sys>/devices/system/clocksource/clocksourceN.
struct ClockSource {
  std::string device;  // "N"
  std::vector<std::string> available;
  std::string current;
};

// Fills cs from the contents of available_clocksource ("tsc hpet acpi_pm\n")
// and current_clocksource ("tsc\n").
void parse_clocksource(std::string_view available, std::string_view current, ClockSource& cs);

// node_time_seconds, node_time_zone_offset_seconds{time_zone},
// node_time_clocksource_available_info{clocksource,device},
// node_time_clocksource_current_info{clocksource,device}.
// Clocksource devices are listed at the first scrape (they do not come and
// go); their files are re-read every scrape.
// The clock is injectable for tests (default: system_clock::now).
class TimeCollector final : public Collector {
 public:
  explicit TimeCollector(const HostPaths& paths, WallClock clock = {});
  std::string_view name() const override { return "time"; }
  Status collect(const CollectContext& ctx, MetricSink& sink) override;

 private:
  struct Device {
    std::string device;  // "0" of clocksource0
    ProcFile available, current;
  };
  std::string dir_;
  bool scanned_ = false;  // clocksource devices are listed once
  std::vector<Device> devices_;
  WallClock clock_;
  std::string zone_;
  std::string buf_, buf2_;
};

}  // namespace vigia::host

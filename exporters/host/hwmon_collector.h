// node_exporter 1.5's hwmon collector: /sys/class/hwmon/hwmon*/ (and their
// device/ directories), lm-sensors' view of voltages, fans, temperatures...
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "core/collector.h"
#include "core/fs.h"
#include "exporters/host/sorted_series.h"

namespace vigia::host {

// hwmon_linux.go's cleanMetricName: lower-cased, every character but
// [a-z0-9:_] replaced by '_' (one per rune; one per byte of invalid UTF-8),
// leading and trailing '_' trimmed.
std::string hwmon_clean_name(std::string_view name);

// explodeSensorFilename: splits "temp1_input" into type "temp", number 1 and
// property "input" as the regexp ^([^0-9]+)([0-9]*)?(_(.+))?$ does (Go's
// leftmost-first choice); false when it does not match or the number does
// not fit an int.
bool hwmon_explode_filename(std::string_view name, std::string& type, int64_t& num, std::string& property);

// The sensor values of one hwmon directory: sensor ("temp1") -> property
// ("input", "" for a file without one) -> the file's text (up to 128 bytes,
// '\n' trimmed).
using HwmonSensors = std::map<std::string, std::map<std::string, std::string>>;

// True if the file name is a sensor file the collector reads (a known type).
bool hwmon_is_sensor_file(std::string_view name, std::string& sensor, std::string& property);

// Adds the sensor files of dir (collectSensorData); the errno of opendir.
int hwmon_read_sensors(const std::string& dir, HwmonSensors& data);

// Writes a chip's series (node_exporter's names, HELP texts and units) to out.
void hwmon_chip_series(const std::string& chip, const HwmonSensors& data, SortedSeries& out);

class HwmonCollector final : public Collector {
 public:
  explicit HwmonCollector(const HostPaths& paths) : dir_(paths.sys_path("class/hwmon")) {}
  std::string_view name() const override { return "hwmon"; }
  Status collect(const CollectContext& ctx, MetricSink& sink) override;

 private:
  Status update_chip(const std::string& dir);
  std::string dir_;
  SortedSeries series_;
};

}  // namespace vigia::host

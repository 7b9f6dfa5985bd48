// node_exporter 1.5's thermal_zone collector: /sys/class/thermal's zones and
// cooling devices, read with procfs 0.8's rules.
#pragma once

#include <string>
#include <vector>

#include "core/collector.h"
#include "core/fs.h"
#include "exporters/host/sorted_series.h"

namespace vigia::host {

struct ThermalZone {
  std::string name, type;
  int64_t temp = 0;  // millidegrees Celsius
};
struct CoolingDevice {
  std::string name, type;
  int64_t max_state = 0, cur_state = 0;
};

// ClassThermalZoneStats: thermal_zone[0-9]* in dir (<sysfs>/class/thermal),
// in name order. A zone whose files answer ENODATA is skipped; a missing
// type, policy or temp, a bad number or any other read error fails.
Status read_thermal_zones(const std::string& dir, std::vector<ThermalZone>& out);
// ClassCoolingDeviceStats: cooling_device[0-9]* with type, max_state and
// cur_state (signed: intel_powerclamp's -1); any error fails.
Status read_cooling_devices(const std::string& dir, std::vector<CoolingDevice>& out);

// node_thermal_zone_temp{type,zone}, node_cooling_device_{cur,max}_state{name,type}.
// No thermal class (most VMs): no series, and no error, as node_exporter.
class ThermalZoneCollector final : public Collector {
 public:
  explicit ThermalZoneCollector(const HostPaths& paths) : dir_(paths.sys_path("class/thermal")) {}
  std::string_view name() const override { return "thermal_zone"; }
  Status collect(const CollectContext& ctx, MetricSink& sink) override;

 private:
  std::string dir_;
  std::vector<ThermalZone> zones_;
  std::vector<CoolingDevice> devices_;
  SortedSeries series_;
};

}  // namespace vigia::host

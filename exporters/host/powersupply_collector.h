// node_exporter 1.5's powersupplyclass collector: /sys/class/power_supply,
// read with procfs 0.8's PowerSupplyClass rules.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/collector.h"
#include "exporters/host/host.h"
#include "exporters/host/regex_filter.h"
#include "exporters/host/sorted_series.h"

namespace vigia::host {

// One power supply: the number files (by file name) and the text files
// procfs knows.
struct PowerSupply {
  std::string name;
  std::map<std::string, int64_t, std::less<>> numbers;
  std::map<std::string, std::string, std::less<>> strings;
};

// One file's value (read and trimmed) into out: a number file procfs knows
// must be strconv.ParseInt(s, 0, 64), a text file procfs knows is kept, any
// other file is ignored.
Status parse_power_supply_file(std::string_view file, const std::string& value, PowerSupply& out);

// parsePowerSupply: every regular file of dir read (128 bytes, trimmed);
// ENOENT, EOPNOTSUPP and EINVAL skip the file, any other read error fails,
// as does a known number file that strconv.ParseInt(s, 0, 64) refuses.
Status read_power_supply(const std::string& dir, PowerSupply& out);

// Adds one supply's series (node_power_supply_*{power_supply} and
// node_power_supply_info) to out.
void power_supply_series(const PowerSupply& ps, SortedSeries& out);

class PowerSupplyCollector final : public Collector {
 public:
  explicit PowerSupplyCollector(const HostOptions& opts);
  std::string_view name() const override { return "powersupplyclass"; }
  Status collect(const CollectContext& ctx, MetricSink& sink) override;

 private:
  std::string dir_;
  RegexFilter ignored_;
  SortedSeries series_;
};

}  // namespace vigia::host

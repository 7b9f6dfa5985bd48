#include "exporters/host/powersupply_collector.h"

#include <cerrno>
#include <string_view>

#include "core/strconv.h"
#include "exporters/host/go_text.h"
#include "exporters/host/proc_values.h"
#include "exporters/host/sysfs_read.h"

namespace vigia::host {

namespace {

// The number files procfs 0.8 parses, the metric node_exporter makes of each
// (none: parsed, so a bad value fails, but not exported) and its divisor.
struct NumberFile {
  std::string_view file, metric;
  double divisor;
};
constexpr NumberFile kNumbers[] = {
    {"authentic", "authentic", 1},
    {"calibrate", "calibrate", 1},
    {"capacity", "capacity", 1},
    {"capacity_alert_max", "capacity_alert_max", 1},
    {"capacity_alert_min", "capacity_alert_min", 1},
    {"charge_avg", "", 1},
    {"charge_control_limit", "charge_control_limit", 1e6},
    {"charge_control_limit_max", "charge_control_limit_max", 1e6},
    {"charge_counter", "charge_counter", 1e6},
    {"charge_empty", "charge_empty", 1e6},
    {"charge_empty_design", "charge_empty_design", 1e6},
    {"charge_full", "charge_full", 1e6},
    {"charge_full_design", "charge_full_design", 1e6},
    {"charge_now", "charge_ampere", 1e6},
    {"charge_term_current", "charge_term_current", 1e6},
    {"constant_charge_current", "constant_charge_current", 1e6},
    {"constant_charge_current_max", "constant_charge_current_max", 1e6},
    {"constant_charge_voltage", "constant_charge_voltage", 1e6},
    {"constant_charge_voltage_max", "constant_charge_voltage_max", 1e6},
    {"current_avg", "", 1},
    {"current_boot", "current_boot", 1e6},
    {"current_max", "current_max", 1e6},
    {"current_now", "current_ampere", 1e6},
    {"cycle_count", "cyclecount", 1},
    {"energy_avg", "", 1},
    {"energy_empty", "energy_empty", 1e6},
    {"energy_empty_design", "energy_empty_design", 1e6},
    {"energy_full", "energy_full", 1e6},
    {"energy_full_design", "energy_full_design", 1e6},
    {"energy_now", "energy_watthour", 1e6},
    {"input_current_limit", "input_current_limit", 1e6},
    {"online", "online", 1},
    {"power_avg", "", 1},
    {"power_now", "power_watt", 1e6},
    {"precharge_current", "precharge_current", 1e6},
    {"present", "present", 1},
    {"temp", "temp_celsius", 10},
    {"temp_alert_max", "temp_alert_max_celsius", 10},
    {"temp_alert_min", "temp_alert_min_celsius", 10},
    {"temp_ambient", "temp_ambient_celsius", 10},
    {"temp_ambient_max", "temp_ambient_max_celsius", 10},
    {"temp_ambient_min", "temp_ambient_min_celsius", 10},
    {"temp_max", "temp_max_celsius", 10},
    {"temp_min", "temp_min_celsius", 10},
    {"time_to_empty_avg", "", 1},
    {"time_to_empty_now", "time_to_empty_seconds", 1},
    {"time_to_full_avg", "", 1},
    {"time_to_full_now", "time_to_full_seconds", 1},
    {"voltage_avg", "", 1},
    {"voltage_boot", "voltage_boot", 1e6},
    {"voltage_max", "voltage_max", 1e6},
    {"voltage_max_design", "voltage_max_design", 1e6},
    {"voltage_min", "voltage_min", 1e6},
    {"voltage_min_design", "voltage_min_design", 1e6},
    {"voltage_now", "voltage_volt", 1e6},
    {"voltage_ocv", "voltage_ocv", 1e6},
};

// The text files, which become node_power_supply_info's labels.
constexpr std::string_view kStrings[] = {"capacity_level", "charge_type", "health",        "manufacturer",
                                         "model_name",     "scope",       "serial_number", "status",
                                         "technology",     "type",        "usb_type"};

const NumberFile* number_file(std::string_view name) {
  for (const NumberFile& n : kNumbers)
    if (n.file == name) return &n;
  return nullptr;
}

}  // namespace

Status parse_power_supply_file(std::string_view file, const std::string& value, PowerSupply& out) {
  if (number_file(file)) {
    int64_t v;
    if (!parse_go_int64(value, v))
      return Status::error("strconv.ParseInt: parsing \"" + to_valid_utf8(value) + "\": invalid syntax");
    out.numbers[std::string(file)] = v;
    return Status::ok();
  }
  for (std::string_view s : kStrings)
    if (s == file) out.strings[std::string(file)] = value;
  return Status::ok();
}

Status read_power_supply(const std::string& dir, PowerSupply& out) {
  out.numbers.clear();
  out.strings.clear();
  std::vector<std::string> files;
  int err = list_dir(dir, files, true);
  // A dangling link: errors.Is(err, os.ErrNotExist) makes the whole class "no data".
  if (err == ENOENT) return Status::no_data("no " + dir);
  if (err) return Status::from_errno(dir, err);
  std::string value;
  for (const std::string& f : files) {
    std::string path = dir + "/" + f;
    err = read_sys_value(path, value);
    if (err == ENOENT || err == EOPNOTSUPP || err == EINVAL) continue;
    if (err) return Status::from_errno("failed to read file " + path, err);
    Status st = parse_power_supply_file(f, value, out);
    if (!st.is_ok()) return Status::error(path + ": " + st.message());
  }
  return Status::ok();
}

void power_supply_series(const PowerSupply& ps, SortedSeries& out) {
  std::string name = to_valid_utf8(ps.name);
  for (const auto& [file, v] : ps.numbers) {
    const NumberFile* n = number_file(file);
    if (n->metric.empty()) continue;
    std::string metric(n->metric);
    out.add("node_power_supply_" + metric, metric + " value of /sys/class/power_supply/<power_supply>.",
            MetricType::kGauge, {{"power_supply", name}}, static_cast<double>(v) / n->divisor);
  }
  SortedSeries::LabelPairs labels = {{"power_supply", name}};
  for (const auto& [file, v] : ps.strings)
    if (!v.empty()) labels.emplace_back(file, to_valid_utf8(v));
  out.add("node_power_supply_info", "info of /sys/class/power_supply/<power_supply>.", MetricType::kGauge,
          std::move(labels), 1);
}

PowerSupplyCollector::PowerSupplyCollector(const HostOptions& opts)
    : dir_(opts.paths.sys_path("class/power_supply")),
      ignored_("collector.powersupply.ignored-supplies", opts.powersupply_ignored_supplies) {}

Status PowerSupplyCollector::collect(const CollectContext&, MetricSink& sink) {
  if (!ignored_.status().is_ok()) return ignored_.status();
  std::vector<std::string> names;
  int err = list_dir(dir_, names);
  if (err == ENOENT) return Status::no_data("no " + dir_);
  if (err) return Status::from_errno(dir_, err);
  // procfs reads every supply before node_exporter filters: an error in an
  // ignored supply fails the collector too, and nothing is written then.
  std::vector<PowerSupply> supplies(names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    supplies[i].name = names[i];
    Status st = read_power_supply(dir_ + "/" + names[i], supplies[i]);
    if (st.is_no_data()) return st;
    if (!st.is_ok()) return Status::error("could not get power_supply class info: " + st.message());
  }
  for (const PowerSupply& ps : supplies)
    if (!ignored_.matches(ps.name)) power_supply_series(ps, series_);
  series_.flush(sink);
  return Status::ok();
}

}  // namespace vigia::host

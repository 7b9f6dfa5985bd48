#include "exporters/postgres/settings_collector.h"

#include <cmath>
#include <pqxx/pqxx>

#include "core/fs.h"

namespace vigia::postgres {
namespace {

// Multiplier to seconds or bytes of a pg_settings unit, or 0 if unknown.
double unit_factor(std::string_view unit, bool& is_time) {
  struct U {
    std::string_view name;
    double factor;
    bool time;
  };
  static constexpr U kUnits[] = {{"ms", 0.001, true},
                                 {"s", 1, true},
                                 {"min", 60, true},
                                 {"h", 3600, true},
                                 {"d", 86400, true},
                                 {"B", 1, false},
                                 {"kB", 1024, false},
                                 {"MB", 1024.0 * 1024, false},
                                 {"GB", 1024.0 * 1024 * 1024, false},
                                 {"TB", 1024.0 * 1024 * 1024 * 1024, false}};
  for (const U& u : kUnits)
    if (u.name == unit) {
      is_time = u.time;
      return u.factor;
    }
  // "8kB", "16MB": a count of blocks of that size.
  size_t i = 0;
  while (i < unit.size() && unit[i] >= '0' && unit[i] <= '9') ++i;
  if (i == 0 || i == unit.size()) return 0;
  uint64_t n = 0;
  if (!parse_u64(unit.substr(0, i), n)) return 0;
  double f = unit_factor(unit.substr(i), is_time);
  return is_time ? 0 : f * static_cast<double>(n);
}

}  // namespace

bool setting_metric(std::string_view name, std::string_view setting, std::string_view unit,
                    std::string_view vartype, std::string& metric, double& value) {
  metric.assign("pg_settings_");
  for (char c : name) metric += c == '.' ? '_' : c;
  if (vartype == "bool") {
    if (setting == "on")
      value = 1;
    else if (setting == "off")
      value = 0;
    else
      return false;
    return true;
  }
  if (vartype != "integer" && vartype != "real") return false;
  if (!parse_double(setting, value) || std::isnan(value)) return false;
  if (unit.empty()) return true;
  bool is_time = false;
  double f = unit_factor(unit, is_time);
  if (f == 0) return true;  // unknown unit: the raw value, as postgres_exporter does
  metric += is_time ? "_seconds" : "_bytes";
  if (value != -1) value *= f;  // -1 means "disabled" and stays -1
  return true;
}

// Our own SET statement_timeout is a session setting: report the value the
// server would give any other session instead (reset_val).
void SettingsCollector::collect(pqxx::transaction_base& tx, const ServerInfo&, MetricSink& sink) {
  pqxx::result r = tx.exec(
      "SELECT name, CASE WHEN source = 'session' THEN reset_val ELSE setting END, "
      "COALESCE(unit, ''), short_desc, vartype FROM pg_settings "
      "WHERE vartype IN ('bool', 'integer', 'real') ORDER BY name");
  double value = 0;
  for (const auto& row : r) {
    if (!setting_metric(row[0].c_str(), row[1].c_str(), row[2].c_str(), row[4].c_str(), metric_, value))
      continue;
    help_.assign("Server Parameter: ");
    help_ += row[0].c_str();
    help_ += " (";
    help_ += row[3].c_str();
    help_ += ')';
    sink.gauge(metric_, help_, value);
  }
}

}  // namespace vigia::postgres

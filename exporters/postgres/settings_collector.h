#pragma once

#include <string>
#include <string_view>

#include "exporters/postgres/query_collector.h"

namespace vigia::postgres {

// Maps one pg_settings row to a postgres_exporter metric: pg_settings_<name>
// (dots become underscores), bool → 0/1, time units → `_seconds`, memory
// units ("8kB", "MB"…) → `_bytes`. False for settings that are not numeric or
// whose value does not parse.
bool setting_metric(std::string_view name, std::string_view setting, std::string_view unit,
                    std::string_view vartype, std::string& metric, double& value);

// pg_settings_*: every bool, integer and real server setting.
class SettingsCollector final : public QueryCollector {
 public:
  std::string_view name() const override { return "settings"; }
  void collect(pqxx::transaction_base& tx, const ServerInfo& info, MetricSink& sink) override;

 private:
  std::string metric_;
  std::string help_;
};

}  // namespace vigia::postgres

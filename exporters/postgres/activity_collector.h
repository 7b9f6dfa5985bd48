#pragma once

#include "exporters/postgres/query_collector.h"

namespace vigia::postgres {

// pg_stat_activity_count and pg_stat_activity_max_tx_duration (seconds) by
// datname and state, for every database × every state (zeros included, as
// postgres_exporter does), and pg_locks_count by datname and mode.
class ActivityCollector final : public QueryCollector {
 public:
  std::string_view name() const override { return "stat_activity"; }
  void collect(pqxx::transaction_base& tx, const ServerInfo& info, MetricSink& sink) override;
};

class LocksCollector final : public QueryCollector {
 public:
  std::string_view name() const override { return "locks"; }
  void collect(pqxx::transaction_base& tx, const ServerInfo& info, MetricSink& sink) override;
};

}  // namespace vigia::postgres

#pragma once

#include "exporters/postgres/query_collector.h"

namespace vigia::postgres {

// pg_stat_bgwriter_*_total: checkpoints, buffers written by the checkpointer,
// the background writer and backends, as postgres_exporter's collector names
// them (PostgreSQL ≤ 16 columns).
class BgwriterCollector final : public QueryCollector {
 public:
  std::string_view name() const override { return "stat_bgwriter"; }
  void collect(pqxx::transaction_base& tx, const ServerInfo& info, MetricSink& sink) override;
};

}  // namespace vigia::postgres

#pragma once

#include "exporters/postgres/query_collector.h"

namespace vigia::postgres {

// pg_stat_archiver_archived_count, _failed_count (counters) and
// _last_archive_age (seconds since the last archived WAL segment; NaN if none
// was ever archived), as postgres_exporter 0.11 names them.
class ArchiverCollector final : public QueryCollector {
 public:
  std::string_view name() const override { return "stat_archiver"; }
  void collect(pqxx::transaction_base& tx, const ServerInfo& info, MetricSink& sink) override;
};

}  // namespace vigia::postgres

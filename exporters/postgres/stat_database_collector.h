#pragma once

#include "exporters/postgres/query_collector.h"

namespace vigia::postgres {

// pg_stat_database_*{datid, datname}: numbackends (gauge), transaction,
// block, tuple, conflict, temp file, deadlock counters, read/write times (ms)
// and stats_reset (unix seconds), checksum failures, session counters and
// times (PostgreSQL 14+), and pg_stat_database_conflicts_confl_*, as
// postgres_exporter names them.
class StatDatabaseCollector final : public QueryCollector {
 public:
  std::string_view name() const override { return "stat_database"; }
  void collect(pqxx::transaction_base& tx, const ServerInfo& info, MetricSink& sink) override;
};

// pg_database_size_bytes{datname}: disk space of each connectable database.
class DatabaseSizeCollector final : public QueryCollector {
 public:
  std::string_view name() const override { return "database_size"; }
  void collect(pqxx::transaction_base& tx, const ServerInfo& info, MetricSink& sink) override;
};

}  // namespace vigia::postgres

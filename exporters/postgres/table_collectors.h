// The opt-in collectors of a postgres target's `collect:` list, named as
// postgres_exporter names them:
//   stat_user_tables   pg_stat_user_tables_*{datname,schemaname,relname}
//   statio_user_tables pg_statio_user_tables_*{datname,schemaname,relname}
//   stat_statements    pg_stat_statements_*{user,datname,queryid}
// The table collectors read the connection's database: pg_stat_user_tables
// only ever shows the connected database's tables (database discovery runs
// them over one connection per database, see postgres.h).
#pragma once

#include "exporters/postgres/query_collector.h"

namespace vigia::postgres {

class StatUserTablesCollector final : public QueryCollector {
 public:
  std::string_view name() const override { return "stat_user_tables"; }
  void collect(pqxx::transaction_base& tx, const ServerInfo& info, MetricSink& sink) override;
};

class StatioUserTablesCollector final : public QueryCollector {
 public:
  std::string_view name() const override { return "statio_user_tables"; }
  void collect(pqxx::transaction_base& tx, const ServerInfo& info, MetricSink& sink) override;
};

// The top `limit` statements by total execution time, when the
// pg_stat_statements extension is installed in the connected database; no
// series and no error when it is not.
class StatStatementsCollector final : public QueryCollector {
 public:
  explicit StatStatementsCollector(int limit) : limit_(limit) {}
  std::string_view name() const override { return "stat_statements"; }
  void collect(pqxx::transaction_base& tx, const ServerInfo& info, MetricSink& sink) override;

 private:
  int limit_;
};

}  // namespace vigia::postgres

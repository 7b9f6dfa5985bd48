#include "exporters/postgres/stat_database_collector.h"

#include <pqxx/pqxx>

namespace vigia::postgres {
namespace {

struct Column {
  const char* metric;
  const char* help;
  MetricType type;
};

// In the order of the SELECT below, after datid and datname.
constexpr Column kColumns[] = {
    {"pg_stat_database_numbackends", "Number of backends currently connected to this database.", MetricType::kGauge},
    {"pg_stat_database_xact_commit", "Number of transactions in this database that have been committed.", MetricType::kCounter},
    {"pg_stat_database_xact_rollback", "Number of transactions in this database that have been rolled back.", MetricType::kCounter},
    {"pg_stat_database_blks_read", "Number of disk blocks read in this database.", MetricType::kCounter},
    {"pg_stat_database_blks_hit", "Number of times disk blocks were found already in the buffer cache.", MetricType::kCounter},
    {"pg_stat_database_tup_returned", "Number of rows returned by queries in this database.", MetricType::kCounter},
    {"pg_stat_database_tup_fetched", "Number of rows fetched by queries in this database.", MetricType::kCounter},
    {"pg_stat_database_tup_inserted", "Number of rows inserted by queries in this database.", MetricType::kCounter},
    {"pg_stat_database_tup_updated", "Number of rows updated by queries in this database.", MetricType::kCounter},
    {"pg_stat_database_tup_deleted", "Number of rows deleted by queries in this database.", MetricType::kCounter},
    {"pg_stat_database_conflicts", "Number of queries canceled due to conflicts with recovery in this database.", MetricType::kCounter},
    {"pg_stat_database_temp_files", "Number of temporary files created by queries in this database.", MetricType::kCounter},
    {"pg_stat_database_temp_bytes", "Total amount of data written to temporary files by queries in this database.", MetricType::kCounter},
    {"pg_stat_database_deadlocks", "Number of deadlocks detected in this database.", MetricType::kCounter},
    {"pg_stat_database_blk_read_time", "Time spent reading data file blocks by backends in this database, in milliseconds.", MetricType::kCounter},
    {"pg_stat_database_blk_write_time", "Time spent writing data file blocks by backends in this database, in milliseconds.", MetricType::kCounter},
    {"pg_stat_database_stats_reset", "Time at which these statistics were last reset.", MetricType::kCounter},
};

}  // namespace

void StatDatabaseCollector::collect(pqxx::transaction_base& tx, const ServerInfo&, MetricSink& sink) {
  // Rows with a NULL datname (shared objects, PostgreSQL 12+) are left out,
  // as postgres_exporter does.
  pqxx::result r = tx.exec(
      "SELECT datid::text, datname, numbackends, xact_commit, xact_rollback, blks_read, blks_hit, "
      "tup_returned, tup_fetched, tup_inserted, tup_updated, tup_deleted, conflicts, temp_files, "
      "temp_bytes, deadlocks, blk_read_time, blk_write_time, "
      "COALESCE(EXTRACT(EPOCH FROM stats_reset), 0)::float8 "
      "FROM pg_stat_database WHERE datname IS NOT NULL ORDER BY datname");
  size_t i = 0;
  for (const Column& c : kColumns) {
    sink.family(c.metric, c.help, c.type);
    for (const auto& row : r)
      sink.sample(c.metric, {{"datid", row[0].c_str()}, {"datname", row[1].c_str()}},
                  field_value(row[static_cast<int>(i + 2)]));
    ++i;
  }
}

void DatabaseSizeCollector::collect(pqxx::transaction_base& tx, const ServerInfo&, MetricSink& sink) {
  pqxx::result r = tx.exec(
      "SELECT datname, pg_database_size(oid)::float8 FROM pg_database "
      "WHERE datallowconn AND has_database_privilege(oid, 'CONNECT') ORDER BY datname");
  sink.family("pg_database_size_bytes", "Disk space used by the database.", MetricType::kGauge);
  for (const auto& row : r)
    sink.sample("pg_database_size_bytes", {{"datname", row[0].c_str()}}, field_value(row[1]));
}

}  // namespace vigia::postgres

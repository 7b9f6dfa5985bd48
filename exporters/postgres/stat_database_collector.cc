#include "exporters/postgres/stat_database_collector.h"

#include <pqxx/pqxx>
#include <string>

namespace vigia::postgres {
namespace {

struct Column {
  const char* metric;
  const char* help;
  MetricType type;
};

// In the order of the SELECT below, after datid and datname.
constexpr Column kColumns[] = {
    {"pg_stat_database_numbackends", "Number of backends currently connected to this database.",
     MetricType::kGauge},
    {"pg_stat_database_xact_commit", "Number of transactions in this database that have been committed.",
     MetricType::kCounter},
    {"pg_stat_database_xact_rollback", "Number of transactions in this database that have been rolled back.",
     MetricType::kCounter},
    {"pg_stat_database_blks_read", "Number of disk blocks read in this database.", MetricType::kCounter},
    {"pg_stat_database_blks_hit", "Number of times disk blocks were found already in the buffer cache.",
     MetricType::kCounter},
    {"pg_stat_database_tup_returned", "Number of rows returned by queries in this database.",
     MetricType::kCounter},
    {"pg_stat_database_tup_fetched", "Number of rows fetched by queries in this database.",
     MetricType::kCounter},
    {"pg_stat_database_tup_inserted", "Number of rows inserted by queries in this database.",
     MetricType::kCounter},
    {"pg_stat_database_tup_updated", "Number of rows updated by queries in this database.",
     MetricType::kCounter},
    {"pg_stat_database_tup_deleted", "Number of rows deleted by queries in this database.",
     MetricType::kCounter},
    {"pg_stat_database_conflicts",
     "Number of queries canceled due to conflicts with recovery in this database.", MetricType::kCounter},
    {"pg_stat_database_temp_files", "Number of temporary files created by queries in this database.",
     MetricType::kCounter},
    {"pg_stat_database_temp_bytes",
     "Total amount of data written to temporary files by queries in this database.", MetricType::kCounter},
    {"pg_stat_database_deadlocks", "Number of deadlocks detected in this database.", MetricType::kCounter},
    {"pg_stat_database_blk_read_time",
     "Time spent reading data file blocks by backends in this database, in milliseconds.",
     MetricType::kCounter},
    {"pg_stat_database_blk_write_time",
     "Time spent writing data file blocks by backends in this database, in milliseconds.",
     MetricType::kCounter},
    {"pg_stat_database_stats_reset", "Time at which these statistics were last reset.", MetricType::kCounter},
    {"pg_stat_database_checksum_failures", "Number of data page checksum failures detected in this database.",
     MetricType::kCounter},
    // PostgreSQL 14+ (the query gives NULL before, and those are left out).
    {"pg_stat_database_session_time", "Time spent by database sessions in this database, in milliseconds.",
     MetricType::kCounter},
    {"pg_stat_database_active_time", "Time spent executing SQL statements in this database, in milliseconds.",
     MetricType::kCounter},
    {"pg_stat_database_idle_in_transaction_time",
     "Time spent idling while in a transaction in this database, in milliseconds.", MetricType::kCounter},
    {"pg_stat_database_sessions", "Total number of sessions established to this database.",
     MetricType::kCounter},
    {"pg_stat_database_sessions_abandoned",
     "Number of database sessions to this database that were terminated because connection to the client was "
     "lost.",
     MetricType::kCounter},
    {"pg_stat_database_sessions_fatal",
     "Number of database sessions to this database that were terminated by fatal errors.",
     MetricType::kCounter},
    {"pg_stat_database_sessions_killed",
     "Number of database sessions to this database that were terminated by operator intervention.",
     MetricType::kCounter},
};

struct Conflict {
  const char* column;
  const char* metric;
  const char* help;
};

constexpr Conflict kConflicts[] = {
    {"confl_tablespace", "pg_stat_database_conflicts_confl_tablespace",
     "Number of queries in this database that have been canceled due to dropped tablespaces"},
    {"confl_lock", "pg_stat_database_conflicts_confl_lock",
     "Number of queries in this database that have been canceled due to lock timeouts"},
    {"confl_snapshot", "pg_stat_database_conflicts_confl_snapshot",
     "Number of queries in this database that have been canceled due to old snapshots"},
    {"confl_bufferpin", "pg_stat_database_conflicts_confl_bufferpin",
     "Number of queries in this database that have been canceled due to pinned buffers"},
    {"confl_deadlock", "pg_stat_database_conflicts_confl_deadlock",
     "Number of queries in this database that have been canceled due to deadlocks"},
};

}  // namespace

void StatDatabaseCollector::collect(pqxx::transaction_base& tx, const ServerInfo& info, MetricSink& sink) {
  // Rows with a NULL datname (shared objects, PostgreSQL 12+) are left out.
  std::string sql =
      "SELECT datid::text, datname, numbackends, xact_commit, xact_rollback, blks_read, blks_hit, "
      "tup_returned, tup_fetched, tup_inserted, tup_updated, tup_deleted, conflicts, temp_files, "
      "temp_bytes, deadlocks, blk_read_time, blk_write_time, "
      "COALESCE(EXTRACT(EPOCH FROM stats_reset), 0)::float8, ";
  sql += info.version_num >= 120000 ? "checksum_failures, " : "NULL, ";
  sql += info.version_num >= 140000
             ? "session_time, active_time, idle_in_transaction_time, sessions, sessions_abandoned, "
               "sessions_fatal, sessions_killed "
             : "NULL, NULL, NULL, NULL, NULL, NULL, NULL ";
  sql += "FROM pg_stat_database WHERE datname IS NOT NULL ORDER BY datname";
  pqxx::result r = tx.exec(sql);
  int i = 2;
  for (const Column& c : kColumns) {
    bool any = false;
    for (const auto& row : r) {
      if (row[i].is_null()) continue;
      if (!any) sink.family(c.metric, c.help, c.type);
      any = true;
      sink.sample(c.metric, {{"datid", row[0].c_str()}, {"datname", row[1].c_str()}}, field_value(row[i]));
    }
    ++i;
  }

  pqxx::result cr = tx.exec(
      "SELECT datid::text, datname, confl_tablespace, confl_lock, confl_snapshot, confl_bufferpin, "
      "confl_deadlock FROM pg_stat_database_conflicts ORDER BY datname");
  i = 2;
  for (const Conflict& c : kConflicts) {
    sink.family(c.metric, c.help, MetricType::kCounter);
    for (const auto& row : cr)
      sink.sample(c.metric, {{"datid", row[0].c_str()}, {"datname", row[1].c_str()}}, field_value(row[i]));
    ++i;
  }
}

void DatabaseSizeCollector::collect(pqxx::transaction_base& tx, const ServerInfo&, MetricSink& sink) {
  // Every database, template0 (no connections allowed) included, as
  // postgres_exporter; pg_database_size needs CONNECT or pg_read_all_stats
  // (in pg_monitor): a database the role may not read is left out.
  pqxx::result r = tx.exec(
      "SELECT datname, CASE WHEN has_database_privilege(oid, 'CONNECT') "
      "OR pg_has_role(current_user, 'pg_read_all_stats', 'MEMBER') "
      "THEN pg_database_size(oid)::float8 END FROM pg_database ORDER BY datname");
  sink.family("pg_database_size_bytes", "Disk space used by the database.", MetricType::kGauge);
  for (const auto& row : r)
    if (!row[1].is_null())
      sink.sample("pg_database_size_bytes", {{"datname", row[0].c_str()}}, field_value(row[1]));
}

}  // namespace vigia::postgres

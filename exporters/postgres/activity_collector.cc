#include "exporters/postgres/activity_collector.h"

#include <pqxx/pqxx>

namespace vigia::postgres {

void ActivityCollector::collect(pqxx::transaction_base& tx, const ServerInfo&, MetricSink& sink) {
  pqxx::result r = tx.exec(
      "SELECT d.datname, s.state, COALESCE(a.count, 0)::float8, COALESCE(a.max_tx, 0)::float8 "
      "FROM (VALUES ('active'), ('idle'), ('idle in transaction'), "
      "('idle in transaction (aborted)'), ('fastpath function call'), ('disabled')) AS s(state) "
      "CROSS JOIN pg_database d "
      "LEFT JOIN (SELECT datname, state, count(*) AS count, "
      "  MAX(EXTRACT(EPOCH FROM now() - xact_start))::float8 AS max_tx "
      "  FROM pg_stat_activity GROUP BY datname, state) a "
      "ON a.datname = d.datname AND a.state = s.state "
      "ORDER BY d.datname, s.state");
  sink.family("pg_stat_activity_count", "number of connections in this state", MetricType::kGauge);
  for (const auto& row : r)
    sink.sample("pg_stat_activity_count", {{"datname", row[0].c_str()}, {"state", row[1].c_str()}},
                field_value(row[2]));
  sink.family("pg_stat_activity_max_tx_duration",
              "max duration in seconds any active transaction has been running", MetricType::kGauge);
  for (const auto& row : r)
    sink.sample("pg_stat_activity_max_tx_duration", {{"datname", row[0].c_str()}, {"state", row[1].c_str()}},
                field_value(row[3]));
}

void LocksCollector::collect(pqxx::transaction_base& tx, const ServerInfo&, MetricSink& sink) {
  pqxx::result r = tx.exec(
      "SELECT d.datname, m.mode, COALESCE(l.count, 0)::float8 "
      "FROM (VALUES ('accesssharelock'), ('rowsharelock'), ('rowexclusivelock'), "
      "('shareupdateexclusivelock'), ('sharelock'), ('sharerowexclusivelock'), "
      "('exclusivelock'), ('accessexclusivelock'), ('sireadlock')) AS m(mode) "
      "CROSS JOIN pg_database d "
      "LEFT JOIN (SELECT database, lower(mode) AS mode, count(*) AS count FROM pg_locks "
      "  WHERE database IS NOT NULL GROUP BY database, lower(mode)) l "
      "ON l.database = d.oid AND l.mode = m.mode "
      "ORDER BY d.datname, m.mode");
  sink.family("pg_locks_count", "Number of locks", MetricType::kGauge);
  for (const auto& row : r)
    sink.sample("pg_locks_count", {{"datname", row[0].c_str()}, {"mode", row[1].c_str()}},
                field_value(row[2]));
}

}  // namespace vigia::postgres

#include "exporters/postgres/replication_collector.h"

#include <pqxx/pqxx>

namespace vigia::postgres {
namespace {

void stat_replication(pqxx::transaction_base& tx, MetricSink& sink) {
  // postgres_exporter's label set: its `slot_name` label holds the WAL
  // sender's pid (its SELECT * has no slot_name column and the label takes
  // the pid); vigia gives the same value so series and joins match.
  pqxx::result r = tx.exec(
      "SELECT COALESCE(application_name, ''), COALESCE(host(client_addr), ''), "
      "COALESCE(state, ''), pid::text, "
      "pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::float8, "
      "pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::float8, "
      "EXTRACT(EPOCH FROM write_lag)::float8, EXTRACT(EPOCH FROM flush_lag)::float8, "
      "EXTRACT(EPOCH FROM replay_lag)::float8, EXTRACT(EPOCH FROM reply_time)::float8 "
      "FROM pg_stat_replication ORDER BY application_name, client_addr");
  struct Column {
    int index;
    const char* metric;
    const char* help;
  };
  static constexpr Column kColumns[] = {
      {4, "pg_stat_replication_pg_wal_lsn_diff",
       "Lag in bytes between the master and the standby's replay position"},
      {5, "pg_stat_replication_pg_current_wal_lsn_bytes", "WAL position in bytes"},
      {6, "pg_stat_replication_write_lag_seconds",
       "Time until the standby wrote recent WAL (0 when caught up)"},
      {7, "pg_stat_replication_flush_lag_seconds",
       "Time until the standby flushed recent WAL (0 when caught up)"},
      {8, "pg_stat_replication_replay_lag_seconds",
       "Time until the standby replayed recent WAL (0 when caught up)"},
      {9, "pg_stat_replication_reply_time", "Send time of last reply message received from standby server"},
  };
  for (const Column& c : kColumns) {
    sink.family(c.metric, c.help, MetricType::kGauge);
    for (const auto& row : r) {
      // The lag intervals are NULL once a standby has caught up and is idle.
      double v = row[c.index].is_null() && c.index >= 6 && c.index <= 8 ? 0 : field_value(row[c.index]);
      sink.sample(c.metric,
                  {{"application_name", row[0].c_str()},
                   {"client_addr", row[1].c_str()},
                   {"state", row[2].c_str()},
                   {"slot_name", row[3].c_str()}},
                  v);
    }
  }
}

void slots(pqxx::transaction_base& tx, const ServerInfo& info, MetricSink& sink) {
  pqxx::result r = tx.exec(
      std::string("SELECT slot_name, COALESCE(database, ''), active, ") +
      (info.in_recovery ? "NULL::float8" : "pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::float8") +
      " FROM pg_replication_slots ORDER BY slot_name");
  sink.family("pg_replication_slots_active", "Whether the slot is in use (1) or not (0).",
              MetricType::kGauge);
  for (const auto& row : r)
    sink.sample("pg_replication_slots_active", {{"slot_name", row[0].c_str()}, {"database", row[1].c_str()}},
                field_value(row[2]));
  if (info.in_recovery) return;
  sink.family("pg_replication_slots_pg_wal_lsn_diff",
              "WAL retained by the slot: bytes between the current WAL position and the slot's restart_lsn.",
              MetricType::kGauge);
  for (const auto& row : r)
    if (!row[3].is_null())
      sink.sample("pg_replication_slots_pg_wal_lsn_diff",
                  {{"slot_name", row[0].c_str()}, {"database", row[1].c_str()}}, field_value(row[3]));
}

void wal_receiver(pqxx::transaction_base& tx, MetricSink& sink) {
  pqxx::result r = tx.exec(
      "SELECT COALESCE(sender_host, ''), COALESCE(slot_name, ''), status, "
      "pg_wal_lsn_diff(receive_start_lsn, '0/0')::float8, receive_start_tli, "
      "pg_wal_lsn_diff(flushed_lsn, '0/0')::float8, received_tli, "
      "EXTRACT(EPOCH FROM last_msg_send_time)::float8, "
      "EXTRACT(EPOCH FROM last_msg_receipt_time)::float8, "
      "pg_wal_lsn_diff(latest_end_lsn, '0/0')::float8, "
      "EXTRACT(EPOCH FROM latest_end_time)::float8 FROM pg_stat_wal_receiver");
  struct Column {
    int index;
    const char* metric;
    const char* help;
  };
  static constexpr Column kColumns[] = {
      {3, "pg_stat_wal_receiver_receive_start_lsn",
       "First write-ahead log location used when WAL receiver is started represented as a decimal"},
      {4, "pg_stat_wal_receiver_receive_start_tli",
       "First timeline number used when WAL receiver is started"},
      {5, "pg_stat_wal_receiver_flushed_lsn",
       "Last write-ahead log location already received and flushed to disk, the initial value of this field "
       "being the first log location used when WAL receiver is started represented as a decimal"},
      {6, "pg_stat_wal_receiver_received_tli",
       "Timeline number of last write-ahead log location received and flushed to disk"},
      {7, "pg_stat_wal_receiver_last_msg_send_time",
       "Send time of last message received from origin WAL sender"},
      {8, "pg_stat_wal_receiver_last_msg_receipt_time",
       "Receipt time of last message received from origin WAL sender"},
      {9, "pg_stat_wal_receiver_latest_end_lsn",
       "Last write-ahead log location reported to origin WAL sender as integer"},
      {10, "pg_stat_wal_receiver_latest_end_time",
       "Time of last write-ahead log location reported to origin WAL sender"},
  };
  for (const Column& c : kColumns) {
    sink.family(c.metric, c.help, c.index == 7 || c.index == 8 ? MetricType::kCounter : MetricType::kGauge);
    for (const auto& row : r)
      if (!row[c.index].is_null())
        sink.sample(
            c.metric,
            {{"upstream_host", row[0].c_str()}, {"slot_name", row[1].c_str()}, {"status", row[2].c_str()}},
            field_value(row[c.index]));
  }
}

}  // namespace

void ReplicationCollector::collect(pqxx::transaction_base& tx, const ServerInfo& info, MetricSink& sink) {
  sink.gauge("pg_replication_is_replica", "Indicates if the server is a replica", info.in_recovery ? 1 : 0);
  pqxx::result r = tx.exec(
      "SELECT CASE WHEN NOT pg_is_in_recovery() THEN 0 "
      "WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
      "ELSE GREATEST(0, EXTRACT(EPOCH FROM (now() - pg_last_xact_replay_timestamp()))) "
      "END::float8");
  double lag = r.empty() || r[0][0].is_null() ? 0 : field_value(r[0][0]);
  sink.gauge("pg_replication_lag_seconds", "Replication lag behind master in seconds", lag);
  slots(tx, info, sink);
  if (info.in_recovery)
    wal_receiver(tx, sink);
  else
    stat_replication(tx, sink);
}

}  // namespace vigia::postgres

#pragma once

#include "exporters/postgres/query_collector.h"

namespace vigia::postgres {

// Streaming replication, both sides (postgres_exporter names):
//  every server:  pg_replication_is_replica, pg_replication_lag_seconds
//                 (0 on a primary and on a replica that has replayed all it
//                 received), pg_replication_slots_active /
//                 pg_replication_slots_pg_wal_lsn_diff{slot_name,database}
//                 (WAL retained by each slot, bytes; primary only)
//  primary:       pg_stat_replication_pg_wal_lsn_diff{application_name,
//                 client_addr,state,slot_name} (bytes the standby has not
//                 replayed yet), pg_stat_replication_pg_current_wal_lsn_bytes,
//                 pg_stat_replication_{write,flush,replay}_lag_seconds,
//                 pg_stat_replication_reply_time
//  replica:       pg_stat_wal_receiver_*{upstream_host,slot_name,status}
class ReplicationCollector final : public QueryCollector {
 public:
  std::string_view name() const override { return "replication"; }
  void collect(pqxx::transaction_base& tx, const ServerInfo& info, MetricSink& sink) override;
};

}  // namespace vigia::postgres

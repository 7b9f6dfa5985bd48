// The INFO ALL reply as redis_exporter 1.45's metrics: a pure function of the
// reply's text (no I/O), unit-tested from literals and fuzzed
// (tests/fuzz/redis_info_fuzz.cc).
//
// Families written (names and label names as redis_exporter's):
//   - the mapped fields of every section, one unlabelled family each
//     (redis_memory_used_bytes, redis_connected_clients, counters such as
//     redis_commands_processed_total, redis_rejected_connections_total,
//     redis_evicted_keys_total, redis_cpu_sys_seconds_total…); "ok"/"true"
//     read as 1, "err"/"fail"/"false" as 0, anything else not a number as 0;
//     latest_fork_usec as redis_latest_fork_seconds; cluster_* fields as
//     redis_cluster_*;
//   - redis_start_time_seconds (now - uptime_in_seconds);
//   - redis_commands_total, redis_commands_duration_seconds_total,
//     redis_commands_rejected_calls_total, redis_commands_failed_calls_total {cmd};
//   - redis_latency_percentiles_usec {cmd} (summary; quantile="50"/"99"/"99.9"
//     as redis_exporter writes them; _count/_sum from commandstats, sum in µs);
//   - redis_errors_total {err};
//   - redis_db_keys, redis_db_keys_expiring, redis_db_avg_ttl_seconds,
//     redis_db_keys_cached {db}; databases 0..db_count-1 missing from the
//     keyspace get redis_db_keys/_expiring 0;
//   - replica side: redis_master_link_up, redis_master_last_io_seconds_ago,
//     redis_master_sync_in_progress, redis_slave_repl_offset,
//     redis_master_link_down_since_seconds (vigia's; not in 1.45)
//     {master_host,master_port}; redis_slave_info {master_host,master_port,read_only};
//   - primary side: redis_connected_slave_offset_bytes,
//     redis_connected_slave_lag_seconds {slave_ip,slave_port,slave_state};
//   - redis_instance_info {role,redis_version,redis_build_id,redis_mode,os,
//     maxmemory_policy,tcp_port,run_id,process_id}.
// Malformed lines are skipped; a series repeated in the text is written once.
#pragma once

#include <cmath>
#include <string>
#include <string_view>

#include "core/metric.h"

namespace vigia::redis {

struct InfoOptions {
  double now_seconds = 0;  // Unix time, for redis_start_time_seconds
  int db_count = 16;       // CONFIG GET databases (16, Redis's default, if unknown)
};

// What the caller needs besides the metrics.
struct InfoFacts {
  std::string role;         // "master", "slave" or ""
  double maxmemory = NAN;   // INFO memory's maxmemory
  double maxclients = NAN;  // INFO clients' maxclients (Redis >= 7)
  bool cluster_enabled = false;
};

// INFO's text one "key:value" line at a time (spaces, tabs and CRs trimmed), with the
// section of the "# Section" heading above it ("" before any); other lines are skipped.
// `info` is consumed; `line` carries the section from one call to the next.
struct InfoLine {
  std::string_view section, key, value;
};
bool next_info_line(std::string_view& info, InfoLine& line);

void write_info(std::string_view info, const InfoOptions& opt, MetricSink& sink, InfoFacts& facts);

}  // namespace vigia::redis

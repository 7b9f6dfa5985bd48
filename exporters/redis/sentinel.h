// A Sentinel's view of its masters, as redis_exporter 1.45 exports it when
// INFO has a "# Sentinel" section (exporter/sentinels.go): pure functions of
// INFO's text and of the SENTINEL replies (no I/O), fuzzed with the INFO
// parser (tests/fuzz/redis_info_fuzz.cc) and the reply reader
// (tests/fuzz/redis_reply_fuzz.cc).
//
// From INFO: redis_sentinel_masters, redis_sentinel_tilt,
// redis_sentinel_running_scripts, redis_sentinel_scripts_queue_length,
// redis_sentinel_simulate_failure_flags; per "masterN:name=…,status=…,
// address=…,slaves=…,sentinels=…" line: redis_sentinel_master_status
// {master_name,master_address,master_status} (1 when status is ok),
// redis_sentinel_master_slaves and redis_sentinel_master_sentinels
// {master_name,master_address}.
// From SENTINEL MASTERS, then per master SENTINEL CKQUORUM / SENTINELS /
// SLAVES: redis_sentinel_master_ckquorum_status {master_name,message},
// redis_sentinel_master_ok_sentinels (this Sentinel plus the others not
// s_down/o_down) and redis_sentinel_master_ok_slaves {master_name,master_address};
// and, as redis_exporter >= 1.56 (not in 1.45), redis_sentinel_master_setting_ckquorum,
// _down_after_milliseconds, _failover_timeout, _parallel_syncs {master_name,master_address}.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <hiredis/hiredis.h>

#include "core/metric.h"

namespace vigia::redis {

// True when INFO's text is a Sentinel's (as redis_exporter decides).
bool is_sentinel_info(std::string_view info);

// The Sentinel section's families (nothing for a server that is no Sentinel).
void write_sentinel_info(std::string_view info, MetricSink& sink);

struct SentinelMaster {
  std::string name, address;  // address: ip:port
  // SENTINEL MASTERS' quorum, down-after-milliseconds, failover-timeout,
  // parallel-syncs (0 when missing, as redis_exporter >= 1.56).
  double quorum = 0, down_after_ms = 0, failover_timeout = 0, parallel_syncs = 0;
};

// The masters of a SENTINEL MASTERS reply (maps as flat arrays), at most max,
// each name once; entries without name, ip or port are skipped.
std::vector<SentinelMaster> sentinel_masters(const redisReply* r, size_t max);

// The replies to SENTINEL CKQUORUM, SENTINELS and SLAVES of one master.
struct SentinelDetail {
  SentinelMaster master;
  const redisReply* ckquorum = nullptr;
  const redisReply* sentinels = nullptr;
  const redisReply* slaves = nullptr;
};

void write_sentinel_details(const std::vector<SentinelDetail>& details, MetricSink& sink);

}  // namespace vigia::redis

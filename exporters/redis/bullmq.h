// BullMQ queues of a Redis target: BullMQ keeps each queue under
// <prefix>:<queue>:… (prefix "bull" by default): wait, active and paused are
// lists, delayed, prioritized, completed and failed sorted sets, meta a hash
// and id the job counter; each job is the hash <prefix>:<queue>:<id>, whose
// `timestamp` field is its creation time in ms. New jobs are pushed on the
// left of wait and workers take them from the right, so the oldest waiting
// job is wait's last element.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "core/collector.h"
#include "core/metric.h"
#include "exporters/redis/config.h"
#include "exporters/redis/connection.h"

namespace vigia::redis {

// The queue named by a key "<prefix>:<queue>:meta" or "<prefix>:<queue>:id";
// "" for any other key.
std::string_view bullmq_queue_of(std::string_view key, std::string_view prefix);

class BullmqCollector {
 public:
  explicit BullmqCollector(BullmqConfig cfg) : cfg_(std::move(cfg)) {}
  // Writes vigia_bullmq_jobs{queue,state} (state: waiting, active, paused,
  // delayed, prioritized, completed, failed), vigia_bullmq_oldest_waiting_job_age_seconds{queue}
  // (0 when none waits; absent when the job's hash has no timestamp) and
  // vigia_bullmq_queues. Queues are discovered with SCAN (never KEYS) at most
  // once a minute, at most 1000 SCAN calls and max_queues queues; counts are
  // read each time with pipelined LLEN/ZCARD (two round trips in all).
  Status collect(Connection& conn, const CollectContext& ctx, double now_seconds, MetricSink& sink);

 private:
  Status discover(Connection& conn, const CollectContext& ctx);

  BullmqConfig cfg_;
  std::vector<std::string> queues_;
  bool truncated_ = false;
  Clock::time_point discovered_{};
  bool have_discovered_ = false;
};

}  // namespace vigia::redis

// The Redis exporter: redis_exporter 1.45-compatible metrics of each target
// of the `redis:` section (exporters/redis/config.h), over one persistent
// hiredis connection per target, plus BullMQ queues (exporters/redis/bullmq.h).
//
// Per target, in one pipelined round trip: CONFIG GET maxmemory / maxclients
// / databases / io-threads, INFO ALL, SLOWLOG LEN, SLOWLOG GET 1, LATENCY
// LATEST; then the key checks and BullMQ queues if configured. Families:
// redis_up, everything of write_info (exporters/redis/info.h),
// redis_config_maxmemory / _maxclients / _io_threads (from INFO's maxmemory
// and maxclients when CONFIG is renamed or denied), redis_slowlog_length,
// redis_slowlog_last_id, redis_last_slow_execution_duration_seconds,
// redis_latency_spike_last / _duration_seconds {event_name},
// redis_key_size / redis_key_value {db,key}, redis_key_value_as_string
// {db,key,val}; after each collection redis_exporter_last_scrape_duration_seconds,
// redis_exporter_last_scrape_error {err} (the error's first 200 bytes, "" when
// none) and redis_exporter_scrapes_total.
#pragma once

#include <memory>
#include <vector>

#include "core/service.h"
#include "exporters/redis/config.h"

namespace vigia::redis {

std::shared_ptr<ServiceCollector> make_collector(const std::vector<TargetConfig>& targets);

}  // namespace vigia::redis

#include "exporters/postgres/bgwriter_collector.h"

#include <pqxx/pqxx>

namespace vigia::postgres {
namespace {

struct Column {
  const char* metric;
  const char* help;
};

constexpr Column kColumns[] = {
    {"pg_stat_bgwriter_checkpoints_timed_total", "Number of scheduled checkpoints that have been performed"},
    {"pg_stat_bgwriter_checkpoints_req_total", "Number of requested checkpoints that have been performed"},
    {"pg_stat_bgwriter_checkpoint_write_time_total",
     "Total amount of time that has been spent in the portion of checkpoint processing where files are "
     "written to disk, in milliseconds"},
    {"pg_stat_bgwriter_checkpoint_sync_time_total",
     "Total amount of time that has been spent in the portion of checkpoint processing where files are "
     "synchronized to disk, in milliseconds"},
    {"pg_stat_bgwriter_buffers_checkpoint_total", "Number of buffers written during checkpoints"},
    {"pg_stat_bgwriter_buffers_clean_total", "Number of buffers written by the background writer"},
    {"pg_stat_bgwriter_maxwritten_clean_total",
     "Number of times the background writer stopped a cleaning scan because it had written too many buffers"},
    {"pg_stat_bgwriter_buffers_backend_total", "Number of buffers written directly by a backend"},
    {"pg_stat_bgwriter_buffers_backend_fsync_total",
     "Number of times a backend had to execute its own fsync call"},
    {"pg_stat_bgwriter_buffers_alloc_total", "Number of buffers allocated"},
    {"pg_stat_bgwriter_stats_reset_total", "Time at which these statistics were last reset"},
};

}  // namespace

void BgwriterCollector::collect(pqxx::transaction_base& tx, const ServerInfo& info, MetricSink& sink) {
  // PostgreSQL 17 moved the checkpoint columns to pg_stat_checkpointer.
  if (info.version_num >= 170000) return;
  pqxx::result r = tx.exec(
      "SELECT checkpoints_timed, checkpoints_req, checkpoint_write_time, checkpoint_sync_time, "
      "buffers_checkpoint, buffers_clean, maxwritten_clean, buffers_backend, "
      "buffers_backend_fsync, buffers_alloc, "
      "COALESCE(EXTRACT(EPOCH FROM stats_reset), 0)::float8 FROM pg_stat_bgwriter");
  if (r.empty()) return;
  int i = 0;
  for (const Column& c : kColumns) sink.counter(c.metric, c.help, field_value(r[0][i++]));
}

}  // namespace vigia::postgres

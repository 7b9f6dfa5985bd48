#include "exporters/postgres/table_collectors.h"

#include <pqxx/pqxx>
#include <string>

namespace vigia::postgres {
namespace {

struct Column {
  const char* metric;
  const char* help;
  MetricType type;
};

// Writes one family per column, the first `nlabels` columns of r being the
// labels named in `labels`; NULL values are left out.
template <size_t N, size_t L>
void write_rows(const pqxx::result& r, const char* const (&labels)[L], const Column (&cols)[N],
                MetricSink& sink) {
  Label lv[L];
  for (size_t c = 0; c < N; ++c) {
    sink.family(cols[c].metric, cols[c].help, cols[c].type);
    for (const auto& row : r) {
      const pqxx::field f = row[static_cast<int>(L + c)];
      if (f.is_null()) continue;
      for (size_t i = 0; i < L; ++i) lv[i] = Label{labels[i], row[static_cast<int>(i)].c_str()};
      sink.sample(cols[c].metric, Labels(lv, L), field_value(f));
    }
  }
}

constexpr const char* kTableLabels[] = {"datname", "schemaname", "relname"};

// In the order of the SELECT in StatUserTablesCollector::collect.
constexpr Column kUserTables[] = {
    {"pg_stat_user_tables_seq_scan", "Number of sequential scans initiated on this table",
     MetricType::kCounter},
    {"pg_stat_user_tables_seq_tup_read", "Number of live rows fetched by sequential scans",
     MetricType::kCounter},
    {"pg_stat_user_tables_idx_scan", "Number of index scans initiated on this table", MetricType::kCounter},
    {"pg_stat_user_tables_idx_tup_fetch", "Number of live rows fetched by index scans", MetricType::kCounter},
    {"pg_stat_user_tables_n_tup_ins", "Number of rows inserted", MetricType::kCounter},
    {"pg_stat_user_tables_n_tup_upd", "Number of rows updated", MetricType::kCounter},
    {"pg_stat_user_tables_n_tup_del", "Number of rows deleted", MetricType::kCounter},
    {"pg_stat_user_tables_n_tup_hot_upd",
     "Number of rows HOT updated (i.e., with no separate index update required)", MetricType::kCounter},
    {"pg_stat_user_tables_n_live_tup", "Estimated number of live rows", MetricType::kGauge},
    {"pg_stat_user_tables_n_dead_tup", "Estimated number of dead rows", MetricType::kGauge},
    {"pg_stat_user_tables_n_mod_since_analyze", "Estimated number of rows changed since last analyze",
     MetricType::kGauge},
    {"pg_stat_user_tables_last_vacuum",
     "Last time at which this table was manually vacuumed (not counting VACUUM FULL)", MetricType::kGauge},
    {"pg_stat_user_tables_last_autovacuum",
     "Last time at which this table was vacuumed by the autovacuum daemon", MetricType::kGauge},
    {"pg_stat_user_tables_last_analyze", "Last time at which this table was manually analyzed",
     MetricType::kGauge},
    {"pg_stat_user_tables_last_autoanalyze",
     "Last time at which this table was analyzed by the autovacuum daemon", MetricType::kGauge},
    {"pg_stat_user_tables_vacuum_count",
     "Number of times this table has been manually vacuumed (not counting VACUUM FULL)",
     MetricType::kCounter},
    {"pg_stat_user_tables_autovacuum_count",
     "Number of times this table has been vacuumed by the autovacuum daemon", MetricType::kCounter},
    {"pg_stat_user_tables_analyze_count", "Number of times this table has been manually analyzed",
     MetricType::kCounter},
    {"pg_stat_user_tables_autoanalyze_count",
     "Number of times this table has been analyzed by the autovacuum daemon", MetricType::kCounter},
    {"pg_stat_user_tables_index_size_bytes", "Total disk space used by this index, in bytes",
     MetricType::kGauge},
    {"pg_stat_user_tables_table_size_bytes", "Total disk space used by this table, in bytes",
     MetricType::kGauge},
};

constexpr Column kStatioTables[] = {
    {"pg_statio_user_tables_heap_blocks_read", "Number of disk blocks read from this table",
     MetricType::kCounter},
    {"pg_statio_user_tables_heap_blocks_hit", "Number of buffer hits in this table", MetricType::kCounter},
    {"pg_statio_user_tables_idx_blocks_read", "Number of disk blocks read from all indexes on this table",
     MetricType::kCounter},
    {"pg_statio_user_tables_idx_blocks_hit", "Number of buffer hits in all indexes on this table",
     MetricType::kCounter},
    {"pg_statio_user_tables_toast_blocks_read",
     "Number of disk blocks read from this table's TOAST table (if any)", MetricType::kCounter},
    {"pg_statio_user_tables_toast_blocks_hit", "Number of buffer hits in this table's TOAST table (if any)",
     MetricType::kCounter},
    {"pg_statio_user_tables_tidx_blocks_read",
     "Number of disk blocks read from this table's TOAST table indexes (if any)", MetricType::kCounter},
    {"pg_statio_user_tables_tidx_blocks_hit",
     "Number of buffer hits in this table's TOAST table indexes (if any)", MetricType::kCounter},
};

constexpr const char* kStatementLabels[] = {"user", "datname", "queryid"};

constexpr Column kStatements[] = {
    {"pg_stat_statements_calls_total", "Number of times executed", MetricType::kCounter},
    {"pg_stat_statements_seconds_total", "Total time spent in the statement, in seconds",
     MetricType::kCounter},
    {"pg_stat_statements_rows_total", "Total number of rows retrieved or affected by the statement",
     MetricType::kCounter},
    {"pg_stat_statements_block_read_seconds_total",
     "Total time the statement spent reading blocks, in seconds", MetricType::kCounter},
    {"pg_stat_statements_block_write_seconds_total",
     "Total time the statement spent writing blocks, in seconds", MetricType::kCounter},
};

}  // namespace

void StatUserTablesCollector::collect(pqxx::transaction_base& tx, const ServerInfo&, MetricSink& sink) {
  // Never-run vacuums/analyzes are 0, as postgres_exporter reports them.
  pqxx::result r = tx.exec(
      "SELECT current_database(), schemaname, relname, seq_scan, seq_tup_read, idx_scan, "
      "idx_tup_fetch, n_tup_ins, n_tup_upd, n_tup_del, n_tup_hot_upd, n_live_tup, n_dead_tup, "
      "n_mod_since_analyze, "
      "COALESCE(EXTRACT(EPOCH FROM last_vacuum), 0)::float8, "
      "COALESCE(EXTRACT(EPOCH FROM last_autovacuum), 0)::float8, "
      "COALESCE(EXTRACT(EPOCH FROM last_analyze), 0)::float8, "
      "COALESCE(EXTRACT(EPOCH FROM last_autoanalyze), 0)::float8, "
      "vacuum_count, autovacuum_count, analyze_count, autoanalyze_count, "
      "pg_indexes_size(relid), pg_table_size(relid) "
      "FROM pg_stat_user_tables ORDER BY schemaname, relname");
  write_rows(r, kTableLabels, kUserTables, sink);
}

void StatioUserTablesCollector::collect(pqxx::transaction_base& tx, const ServerInfo&, MetricSink& sink) {
  // A table without an index or TOAST table has NULL counts; 0 as postgres_exporter.
  pqxx::result r = tx.exec(
      "SELECT current_database(), schemaname, relname, COALESCE(heap_blks_read, 0), "
      "COALESCE(heap_blks_hit, 0), COALESCE(idx_blks_read, 0), COALESCE(idx_blks_hit, 0), "
      "COALESCE(toast_blks_read, 0), COALESCE(toast_blks_hit, 0), COALESCE(tidx_blks_read, 0), "
      "COALESCE(tidx_blks_hit, 0) FROM pg_statio_user_tables ORDER BY schemaname, relname");
  write_rows(r, kTableLabels, kStatioTables, sink);
}

void StatStatementsCollector::collect(pqxx::transaction_base& tx, const ServerInfo& info, MetricSink& sink) {
  // The view exists only where the extension was created; its schema may be
  // any, so look it up rather than let an error mark the collector failed.
  pqxx::result ext = tx.exec(
      "SELECT quote_ident(n.nspname) FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
      "WHERE e.extname = 'pg_stat_statements'");
  if (ext.empty()) return;
  std::string view = std::string(ext[0][0].c_str()) + ".pg_stat_statements";
  // PostgreSQL 13 renamed total_time to total_exec_time; 17 renamed
  // blk_read_time to shared_blk_read_time.
  const char* total = info.version_num >= 130000 ? "total_exec_time" : "total_time";
  const char* rd = info.version_num >= 170000 ? "shared_blk_read_time" : "blk_read_time";
  const char* wr = info.version_num >= 170000 ? "shared_blk_write_time" : "blk_write_time";
  std::string sql = "SELECT pg_get_userbyid(s.userid), d.datname, s.queryid::text, s.calls, s." +
                    std::string(total) + " / 1000.0, s.rows, s." + rd + " / 1000.0, s." + wr +
                    " / 1000.0 FROM " + view +
                    " s JOIN pg_database d ON d.oid = s.dbid WHERE s.queryid IS NOT NULL ORDER BY s." +
                    total + " DESC LIMIT " + std::to_string(limit_);
  pqxx::result r = tx.exec(sql);
  write_rows(r, kStatementLabels, kStatements, sink);
}

}  // namespace vigia::postgres

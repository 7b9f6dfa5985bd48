// The postgres exporter: postgres_exporter-compatible metrics of each target
// in the `postgres:` config section. See exporters/postgres/README.md.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/collector.h"
#include "core/target_runner.h"
#include "exporters/postgres/connection.h"
#include "exporters/postgres/query_collector.h"
#include "exporters/postgres/target_config.h"

namespace pqxx {
class transaction_base;
}

namespace vigia::postgres {

// One target: its persistent connection, its worker (TargetRunner) and its
// query collectors. collect() is the worker's job: it (re)connects, sets
// statement_timeout to the time left, and writes pg_up, vigia_postgres_ping_seconds,
// pg_static, pg_postmaster_start_time_seconds and every collector's families.
//
// With auto_discover_databases and at least one per-database collector
// (stat_user_tables, statio_user_tables, custom queries without master: true),
// each collection also lists the other databases (pg_database, filtered by
// include/exclude_databases, at most max_databases by name) and runs those
// collectors in each, one after the other, over one persistent connection per
// database; the connection of a database that is gone is closed. Each writes
// vigia_postgres_database_up{datname}. A failing database fails alone.
class PostgresTarget {
 public:
  explicit PostgresTarget(TargetConfig cfg, Connection::Options opts = {});
  // Interrupts the connections (a worker stuck on a hung server returns at
  // once), then waits for the worker.
  ~PostgresTarget();
  PostgresTarget(const PostgresTarget&) = delete;
  // For shutdown: interrupts the target's connections, discovered databases'
  // included (also those being opened), and its runner (TargetRunner::interrupt).
  void interrupt();
  PostgresTarget& operator=(const PostgresTarget&) = delete;

  const std::string& name() const { return cfg_.name; }
  TargetRunner& runner() { return *runner_; }
  // Scrapes of this target so far (pg_exporter_scrapes_total).
  std::atomic<uint64_t> scrapes{0};

 private:
  struct Database;  // a discovered database: its connection and collectors

  Status collect(const CollectContext& ctx, MetricSink& sink);
  // Lists the databases to visit and opens/closes their entries in databases_.
  void discover(pqxx::transaction_base& tx);
  void collect_database(Database& db, const CollectContext& ctx, const ServerInfo& info,
                        MetricSink& sink, std::string& errors);

  TargetConfig cfg_;
  Connection::Options opts_;
  Connection conn_;
  std::vector<std::unique_ptr<QueryCollector>> collectors_;
  bool per_database_ = false;  // discovery on and some per-database collector
  std::mutex databases_mu_;    // guards databases_ and stopping_ against the destructor
  std::map<std::string, std::unique_ptr<Database>> databases_;
  bool stopping_ = false;
  std::string skipped_note_;  // last "max_databases reached" warning, logged once
  std::unique_ptr<TargetRunner> runner_;  // last: its worker uses the members above
};

// The "postgres" collector over every configured target. Targets are
// collected in parallel, each on its own worker, and waited for until the
// scrape's deadline: a target still running then (or still busy from an
// earlier scrape) gives pg_up 0 and is logged. Per target it also writes
// postgres_exporter's pg_exporter_last_scrape_duration_seconds,
// pg_exporter_last_scrape_error and pg_exporter_scrapes_total.
class PostgresCollector final : public TargetCollector {
 public:
  explicit PostgresCollector(const std::vector<TargetConfig>& targets);
  std::string_view name() const override { return "postgres"; }
  Status collect(const CollectContext& ctx, MetricSink& sink) override;
  // Interrupts every target (PostgresTarget::interrupt).
  void interrupt() override;
  bool has_target(std::string_view target) const override;
  Status collect_target(std::string_view target, const CollectContext& ctx,
                        MetricSink& sink) override;

 private:
  Status finish(PostgresTarget& t, uint64_t ticket, const CollectContext& ctx,
                Clock::time_point start, MetricSink& sink);
  std::vector<std::unique_ptr<PostgresTarget>> targets_;
};

}  // namespace vigia::postgres

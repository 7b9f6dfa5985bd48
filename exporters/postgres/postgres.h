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
#include "core/service.h"
#include "exporters/pq/connection.h"
#include "exporters/postgres/query_collector.h"
#include "exporters/pq/target_config.h"

namespace pqxx {
class transaction_base;
}

namespace vigia::postgres {

using pq::Connection;
using pq::CustomQuery;
using pq::TargetConfig;

// One target: its persistent connection and its query collectors, collected
// by the service-target runtime (core/service.h) on a worker of its own.
// collect() (re)connects, sets statement_timeout to the time left, and writes
// pg_up, vigia_postgres_ping_seconds, pg_static,
// pg_postmaster_start_time_seconds and every collector's families; after()
// writes postgres_exporter's pg_exporter_last_scrape_duration_seconds,
// pg_exporter_last_scrape_error and pg_exporter_scrapes_total.
//
// With auto_discover_databases and at least one per-database collector
// (stat_user_tables, statio_user_tables, custom queries without master: true),
// each collection also lists the other databases (pg_database, filtered by
// include/exclude_databases, at most max_databases by name) and runs those
// collectors in each, one after the other, over one persistent connection per
// database; the connection of a database that is gone is closed. Each writes
// vigia_postgres_database_up{datname}. A failing database fails alone.
class PostgresTarget final : public ServiceTarget {
 public:
  explicit PostgresTarget(TargetConfig cfg, Connection::Options opts = {});
  ~PostgresTarget() override;
  PostgresTarget(const PostgresTarget&) = delete;
  PostgresTarget& operator=(const PostgresTarget&) = delete;

  const std::string& name() const override { return cfg_.name; }
  Status collect(const CollectContext& ctx, MetricSink& sink) override;
  // Interrupts the target's connections, discovered databases' included (also
  // those being opened).
  void interrupt() override;
  void after(const Status& st, double seconds, MetricSink& sink) override;

 private:
  struct Database;  // a discovered database: its connection and collectors

  // Lists the databases to visit and opens/closes their entries in databases_.
  void discover(pqxx::transaction_base& tx);
  void collect_database(Database& db, const CollectContext& ctx, const ServerInfo& info, MetricSink& sink,
                        std::string& errors);

  TargetConfig cfg_;
  Connection::Options opts_;
  Connection conn_;
  std::vector<std::unique_ptr<QueryCollector>> collectors_;
  bool per_database_ = false;  // discovery on and some per-database collector
  std::mutex databases_mu_;    // guards databases_ and stopping_ against interrupt()
  std::map<std::string, std::unique_ptr<Database>> databases_;
  bool stopping_ = false;
  std::string skipped_note_;          // last "max_databases reached" warning, logged once
  std::atomic<uint64_t> scrapes_{0};  // pg_exporter_scrapes_total: after() runs on callers' threads
};

// The "postgres" collector over the targets (core/service.h: <area>_up is pg_up).
std::shared_ptr<ServiceCollector> make_collector(const std::vector<TargetConfig>& targets);

}  // namespace vigia::postgres

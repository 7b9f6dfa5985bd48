// The postgres exporter: postgres_exporter-compatible metrics of each target
// in the `postgres:` config section. See exporters/postgres/README.md.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "core/collector.h"
#include "core/target_runner.h"
#include "exporters/postgres/connection.h"
#include "exporters/postgres/query_collector.h"
#include "exporters/postgres/target_config.h"

namespace vigia::postgres {

// One target: its persistent connection, its worker (TargetRunner) and its
// query collectors. collect() is the worker's job: it (re)connects, sets
// statement_timeout to the time left, and writes pg_up, vigia_postgres_ping_seconds,
// pg_static, pg_postmaster_start_time_seconds and every collector's families.
class PostgresTarget {
 public:
  explicit PostgresTarget(TargetConfig cfg, Connection::Options opts = {});
  ~PostgresTarget();
  PostgresTarget(const PostgresTarget&) = delete;
  PostgresTarget& operator=(const PostgresTarget&) = delete;

  const std::string& name() const { return cfg_.name; }
  TargetRunner& runner() { return *runner_; }
  // Scrapes of this target so far (pg_exporter_scrapes_total).
  std::atomic<uint64_t> scrapes{0};

 private:
  Status collect(const CollectContext& ctx, MetricSink& sink);

  TargetConfig cfg_;
  Connection conn_;
  std::vector<std::unique_ptr<QueryCollector>> collectors_;
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
  bool has_target(std::string_view target) const override;
  Status collect_target(std::string_view target, const CollectContext& ctx,
                        MetricSink& sink) override;

 private:
  Status finish(PostgresTarget& t, uint64_t ticket, const CollectContext& ctx,
                Clock::time_point start, MetricSink& sink);
  std::vector<std::unique_ptr<PostgresTarget>> targets_;
};

}  // namespace vigia::postgres

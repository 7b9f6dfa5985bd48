// The pgbouncer exporter: prometheus-community pgbouncer_exporter-compatible
// metrics of each target in the `pgbouncer:` config section, read from the
// admin console (SHOW VERSION/POOLS/STATS/DATABASES/CONFIG/LISTS, simple query
// protocol) over libpq: libpqxx 6.4 refuses the console's server_version. Targets are configured as postgres targets are
// (exporters/postgres/target_config.h), with dbname pgbouncer.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/collector.h"
#include "core/target_runner.h"
#include "exporters/postgres/connection.h"
#include "exporters/postgres/target_config.h"

namespace vigia::pgbouncer {

// Per target: pgbouncer_up, pgbouncer_version_info{version}, the SHOW LISTS
// gauges (pgbouncer_databases, pgbouncer_free_clients…),
// pgbouncer_pools_*{database,user} (incl. client_maxwait_seconds),
// pgbouncer_stats_*_total{database},
// pgbouncer_databases_*{name,host,port,database,force_user,pool_mode},
// pgbouncer_config_max_client_connections / _max_user_connections.
// Columns are matched by name, so other PgBouncer versions' extra columns are
// ignored. Same threading and deadline rules as postgres::PostgresCollector.
class PgbouncerCollector final : public TargetCollector {
 public:
  explicit PgbouncerCollector(const std::vector<postgres::TargetConfig>& targets);
  ~PgbouncerCollector() override;
  std::string_view name() const override { return "pgbouncer"; }
  Status collect(const CollectContext& ctx, MetricSink& sink) override;
  // Interrupts every target's connection (also one being opened) and runner.
  void interrupt() override;
  bool has_target(std::string_view target) const override;
  Status collect_target(std::string_view target, const CollectContext& ctx,
                        MetricSink& sink) override;

 private:
  struct Target;
  Status finish(Target& t, uint64_t ticket, const CollectContext& ctx, MetricSink& sink);
  std::vector<std::unique_ptr<Target>> targets_;
};

}  // namespace vigia::pgbouncer

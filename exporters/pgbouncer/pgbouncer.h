// The pgbouncer exporter: prometheus-community pgbouncer_exporter-compatible
// metrics of each target in the `pgbouncer:` config section, read from the
// admin console (SHOW VERSION/POOLS/STATS/DATABASES/CONFIG/LISTS, simple query
// protocol) over libpq: libpqxx 6.4 refuses the console's server_version. Targets are configured as postgres
// targets are (exporters/pq/target_config.h), with dbname pgbouncer.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/collector.h"
#include "core/service.h"
#include "exporters/pq/target_config.h"

namespace vigia::pgbouncer {

// Per target: pgbouncer_up, pgbouncer_version_info{version}, the SHOW LISTS
// gauges (pgbouncer_databases, pgbouncer_free_clients…),
// pgbouncer_pools_*{database,user} (incl. client_maxwait_seconds),
// pgbouncer_stats_*_total{database},
// pgbouncer_databases_*{name,host,port,database,force_user,pool_mode},
// pgbouncer_config_max_client_connections / _max_user_connections.
// Columns are matched by name, so other PgBouncer versions' extra columns are
// ignored. Collected by the service-target runtime (core/service.h), whose
// pgbouncer_up 0 marks a target that did not finish.
std::shared_ptr<ServiceCollector> make_collector(const std::vector<pq::TargetConfig>& targets);

}  // namespace vigia::pgbouncer

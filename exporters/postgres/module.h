// The entry point of the postgres module (vigia-postgres.so): the PostgreSQL
// and PgBouncer exporters with libpqxx/libpq, loaded by cmd/vigia only when
// postgres: or pgbouncer: targets are configured, so that a host-only vigia
// does not map libpq, libssl, libcrypto, Kerberos and LDAP (about 6 MiB of
// resident memory).
#pragma once

#include <memory>
#include <vector>

#include "core/collector.h"
#include "core/registry.h"
#include "exporters/postgres/target_config.h"

namespace vigia::postgres {

// Adds the "postgres" and "pgbouncer" collectors (those with targets) to the
// catalogue and to `probes` (for /probe).
using AddCollectorsFn = void (*)(const std::vector<TargetConfig>& postgres_targets,
                                 const std::vector<TargetConfig>& pgbouncer_targets,
                                 CollectorCatalog& catalog,
                                 std::vector<std::shared_ptr<TargetCollector>>& probes);

}  // namespace vigia::postgres

// The module's one exported symbol, of type vigia::postgres::AddCollectorsFn.
#define VIGIA_POSTGRES_MODULE_ENTRY "vigia_postgres_add_collectors"

// Loading of the optional exporter modules (shared objects beside the vigia
// binary, or in ../lib/vigia/ of an installed one).
#pragma once

#include <memory>
#include <vector>

#include "core/registry.h"
#include "core/status.h"
#include "exporters/postgres/target_config.h"

namespace vigia {

// Loads vigia-postgres.so and lets it add its collectors. The error names the
// paths tried and the loader's reason.
Status add_postgres_module(const std::vector<postgres::TargetConfig>& postgres_targets,
                           const std::vector<postgres::TargetConfig>& pgbouncer_targets,
                           CollectorCatalog& catalog,
                           std::vector<std::shared_ptr<TargetCollector>>& probes);

}  // namespace vigia

#include "exporters/postgres/module.h"

#include "exporters/pgbouncer/pgbouncer.h"
#include "exporters/postgres/postgres.h"

extern "C" __attribute__((visibility("default"))) void vigia_postgres_add_collectors(
    const std::vector<vigia::postgres::TargetConfig>& postgres_targets,
    const std::vector<vigia::postgres::TargetConfig>& pgbouncer_targets, vigia::CollectorCatalog& catalog,
    std::vector<std::shared_ptr<vigia::TargetCollector>>& probes) {
  using namespace vigia;
  if (!postgres_targets.empty()) {
    auto pg = std::make_shared<postgres::PostgresCollector>(postgres_targets);
    probes.push_back(pg);
    catalog.add("postgres", true, [pg] { return std::make_unique<SharedCollector>(pg); });
  }
  if (!pgbouncer_targets.empty()) {
    auto pb = std::make_shared<pgbouncer::PgbouncerCollector>(pgbouncer_targets);
    probes.push_back(pb);
    catalog.add("pgbouncer", true, [pb] { return std::make_unique<SharedCollector>(pb); });
  }
}

// The type the loader expects.
static_assert(std::is_same_v<decltype(&vigia_postgres_add_collectors), vigia::postgres::AddCollectorsFn>);

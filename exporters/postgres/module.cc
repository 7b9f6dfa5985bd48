// The postgres module's entry point (vigia-postgres.so): the collectors with
// libpqxx/libpq, loaded only when postgres targets are configured.
#include "core/area_module.h"
#include "exporters/postgres/postgres.h"

VIGIA_AREA_MODULE(postgres) {
  (void)st;
  auto& targets = *static_cast<const std::vector<vigia::pq::TargetConfig>*>(config);
  vigia::add_service_collector(setup, vigia::postgres::make_collector(targets));
}

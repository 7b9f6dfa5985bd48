// The pgbouncer module's entry point (vigia-pgbouncer.so): the collector with
// libpq, loaded only when pgbouncer targets are configured.
#include "core/area_module.h"
#include "exporters/pgbouncer/pgbouncer.h"

VIGIA_AREA_MODULE(pgbouncer) {
  (void)st;
  auto& targets = *static_cast<const std::vector<vigia::pq::TargetConfig>*>(config);
  vigia::add_service_collector(setup, vigia::pgbouncer::make_collector(targets));
}

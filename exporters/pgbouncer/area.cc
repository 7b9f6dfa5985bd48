// The pgbouncer area's descriptor, linked into the binary: the `pgbouncer:`
// section (targets as postgres's, exporters/pq/target_config.h); the collector
// is in vigia-pgbouncer.so (module.cc).
#include "core/area_module.h"
#include "exporters/pq/target_config.h"

namespace vigia::pgbouncer {

// Listed in cmd/vigia/areas.cc.
std::unique_ptr<Area> make_area() {
  return std::make_unique<TargetListArea<pq::TargetConfig>>("pgbouncer", "vigia-pgbouncer.so",
                                                            pq::read_targets);
}

}  // namespace vigia::pgbouncer

// The postgres area's descriptor, linked into the binary: the `postgres:`
// section (exporters/pq/target_config.h), so that `vigia check config` needs
// no module; the collectors are in vigia-postgres.so (module.cc).
#include "core/area_module.h"
#include "exporters/pq/target_config.h"

namespace vigia::postgres {

// Listed in cmd/vigia/areas.cc.
std::unique_ptr<Area> make_area() {
  return std::make_unique<TargetListArea<pq::TargetConfig>>("postgres", "vigia-postgres.so",
                                                            pq::read_targets);
}

}  // namespace vigia::postgres

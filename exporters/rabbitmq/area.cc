// The rabbitmq area's descriptor: the `rabbitmq:` section (config.h), linked
// into the binary; libcurl is mapped only when a target is scraped.
#include "core/target_list.h"
#include "exporters/rabbitmq/config.h"
#include "exporters/rabbitmq/rabbitmq.h"

namespace vigia::rabbitmq {

// Listed in cmd/vigia/areas.cc.
std::unique_ptr<Area> make_area() {
  return std::make_unique<LinkedTargetListArea<TargetConfig>>("rabbitmq", read_targets, make_collector);
}

}  // namespace vigia::rabbitmq

// The redis area's descriptor, linked into the binary: the `redis:` section
// (exporters/redis/config.h), so that `vigia check config` needs no module;
// the collectors (hiredis, OpenSSL for rediss://) are in vigia-redis.so
// (module.cc).
#include "core/area_module.h"
#include "exporters/redis/config.h"

namespace vigia::redis {

// Listed in cmd/vigia/areas.cc.
std::unique_ptr<Area> make_area() {
  return std::make_unique<TargetListArea<TargetConfig>>("redis", "vigia-redis.so", read_targets);
}

}  // namespace vigia::redis

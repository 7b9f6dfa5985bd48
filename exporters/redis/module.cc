// The redis module's entry point (vigia-redis.so): the collectors with hiredis
// and OpenSSL, loaded only when redis targets are configured.
#include "core/area_module.h"
#include "exporters/redis/redis.h"

VIGIA_AREA_MODULE(redis) {
  (void)st;
  auto& targets = *static_cast<const std::vector<vigia::redis::TargetConfig>*>(config);
  vigia::add_service_collector(setup, vigia::redis::make_collector(targets));
}

// The redis area's descriptor: the `redis:` section (exporters/redis/config.h)
// and its collector, linked into the binary (hiredis is small: README.md).
#include "core/area.h"
#include "exporters/redis/config.h"
#include "exporters/redis/redis.h"

namespace vigia::redis {
namespace {

class RedisArea final : public Area {
 public:
  std::string_view name() const override { return "redis"; }
  void read_config(const YamlReader& r, const YAML::Node& n) override { targets_ = read_targets(r, n); }
  Status add_collectors(AreaSetup& setup) override {
    if (targets_.empty()) return Status::ok();
    add_service_collector(setup, make_collector(targets_));
    return Status::ok();
  }

 private:
  std::vector<TargetConfig> targets_;
};

}  // namespace

// Listed in cmd/vigia/areas.cc.
std::unique_ptr<Area> make_area() { return std::make_unique<RedisArea>(); }

}  // namespace vigia::redis

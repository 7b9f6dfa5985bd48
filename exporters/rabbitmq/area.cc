// The rabbitmq area's descriptor: the `rabbitmq:` section (config.h), linked
// into the binary; libcurl is mapped only when a target is scraped.
#include "core/area.h"
#include "exporters/rabbitmq/config.h"
#include "exporters/rabbitmq/rabbitmq.h"

namespace vigia::rabbitmq {
namespace {

class RabbitmqArea final : public Area {
 public:
  std::string_view name() const override { return "rabbitmq"; }
  void read_config(const YamlReader& r, const YAML::Node& n) override { targets_ = read_targets(r, n); }
  Status add_collectors(AreaSetup& setup) override {
    if (!targets_.empty()) add_service_collector(setup, make_collector(targets_));
    return Status::ok();
  }

 private:
  std::vector<TargetConfig> targets_;
};

}  // namespace

// Listed in cmd/vigia/areas.cc.
std::unique_ptr<Area> make_area() { return std::make_unique<RabbitmqArea>(); }

}  // namespace vigia::rabbitmq

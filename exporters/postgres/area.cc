// The postgres area's descriptor, linked into the binary: the `postgres:`
// section (exporters/pq/target_config.h), so that `vigia check config` needs
// no module; the collectors are in vigia-postgres.so (module.cc).
#include "core/area_module.h"
#include "core/area.h"
#include "exporters/pq/target_config.h"

namespace vigia::postgres {
namespace {

class PostgresArea final : public Area {
 public:
  std::string_view name() const override { return "postgres"; }
  void read_config(const YamlReader& r, const YAML::Node& n) override {
    targets_ = pq::read_targets(r, n, "postgres");
  }
  std::string_view module() const override { return "vigia-postgres.so"; }
  Status add_collectors(AreaSetup& setup) override {
    if (targets_.empty()) return Status::ok();
    return load_area_module(module(), name(), &targets_, setup);
  }

 private:
  std::vector<pq::TargetConfig> targets_;
};

}  // namespace

// Listed in cmd/vigia/areas.cc.
std::unique_ptr<Area> make_area() { return std::make_unique<PostgresArea>(); }

}  // namespace vigia::postgres

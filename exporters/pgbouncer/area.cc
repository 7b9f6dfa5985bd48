// The pgbouncer area's descriptor, linked into the binary: the `pgbouncer:`
// section (targets as postgres's, exporters/pq/target_config.h); the collector
// is in vigia-pgbouncer.so (module.cc).
#include "core/area_module.h"
#include "core/area.h"
#include "exporters/pq/target_config.h"

namespace vigia::pgbouncer {
namespace {

class PgbouncerArea final : public Area {
 public:
  std::string_view name() const override { return "pgbouncer"; }
  void read_config(const YamlReader& r, const YAML::Node& n) override {
    targets_ = pq::read_targets(r, n, "pgbouncer");
  }
  std::string_view module() const override { return "vigia-pgbouncer.so"; }
  Status add_collectors(AreaSetup& setup) override {
    if (targets_.empty()) return Status::ok();
    return load_area_module(module(), name(), &targets_, setup);
  }

 private:
  std::vector<pq::TargetConfig> targets_;
};

}  // namespace

// Listed in cmd/vigia/areas.cc.
std::unique_ptr<Area> make_area() { return std::make_unique<PgbouncerArea>(); }

}  // namespace vigia::pgbouncer

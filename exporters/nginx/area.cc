// The nginx area's descriptor: the `nginx:` section (exporters/nginx/nginx.h),
// linked into the binary; libcurl is mapped only when a target is scraped.
#include "core/area.h"
#include "exporters/nginx/nginx.h"

namespace vigia::nginx {
namespace {

class NginxArea final : public Area {
 public:
  std::string_view name() const override { return "nginx"; }
  void read_config(const YamlReader& r, const YAML::Node& n) override {
    targets_ = read_targets(r, n, "nginx");
  }
  Status add_collectors(AreaSetup& setup) override {
    if (!targets_.empty()) add_service_collector(setup, make_collector(targets_));
    return Status::ok();
  }

 private:
  std::vector<TargetConfig> targets_;
};

}  // namespace

// Listed in cmd/vigia/areas.cc.
std::unique_ptr<Area> make_area() { return std::make_unique<NginxArea>(); }

}  // namespace vigia::nginx

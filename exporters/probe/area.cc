// The probe area's descriptor, linked into the binary: it reads two sections,
// `probes` (its name) and `probe_modules` (exporters/probe/config/config.h),
// so that `vigia check config` needs no module; the probers (libcurl and
// OpenSSL) are in vigia-probe.so (module.cc), loaded only when modules or
// probes are configured.
#include "core/area_module.h"
#include "exporters/probe/config/config.h"

namespace vigia::probe {
namespace {

class ProbeArea final : public Area {
 public:
  std::string_view name() const override { return "probes"; }
  std::vector<std::string_view> extra_sections() const override { return {"probe_modules"}; }
  void read_extra_section(const YamlReader& r, std::string_view, const YAML::Node& n) override {
    cfg_.modules = read_probe_modules(r, n);
  }
  void read_config(const YamlReader& r, const YAML::Node& n) override {
    cfg_.probes = read_probes(r, n, cfg_.modules);
  }
  std::string_view module() const override { return "vigia-probe.so"; }
  Status add_collectors(AreaSetup& setup) override {
    if (cfg_.empty()) return Status::ok();
    return load_area_module("vigia-probe.so", "probe", &cfg_, setup);
  }

 private:
  AreaConfig cfg_;
};

}  // namespace

// Listed in cmd/vigia/areas.cc.
std::unique_ptr<Area> make_area() { return std::make_unique<ProbeArea>(); }

}  // namespace vigia::probe

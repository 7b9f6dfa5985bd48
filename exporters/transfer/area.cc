// The transfer area's descriptor: the `transfer:` section (exporters/transfer/transfer.h),
// linked into the binary; its collector, "transfer", exists when the section is
// present, and reads the trees the host area's --path.procfs/--path.sysfs name.
#include "core/area.h"
#include "exporters/host/host.h"
#include "exporters/transfer/transfer.h"

namespace vigia::transfer {
namespace {

class TransferArea final : public Area {
 public:
  std::string_view name() const override { return "transfer"; }
  void read_config(const YamlReader& r, const YAML::Node& n) override {
    cfg_ = read_transfer(r, n, "transfer");
  }
  Status add_collectors(AreaSetup& setup) override {
    if (!cfg_.configured) return Status::ok();
    auto cfg = cfg_;
    HostPaths paths = host::flag_paths();
    setup.catalog.add("transfer", true,
                      [cfg, paths] { return std::make_unique<TransferCollector>(cfg, paths); });
    return Status::ok();
  }

 private:
  TransferConfig cfg_;
};

}  // namespace

// Listed in cmd/vigia/areas.cc.
std::unique_ptr<Area> make_area() { return std::make_unique<TransferArea>(); }

}  // namespace vigia::transfer

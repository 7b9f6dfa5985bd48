// The backups area's descriptor: the `backups:` section (exporters/backup/backup.h),
// linked into the binary; its collector, "backup", exists when the section lists
// something to watch.
#include "core/area.h"
#include "exporters/backup/backup.h"

namespace vigia::backup {
namespace {

class BackupArea final : public Area {
 public:
  std::string_view name() const override { return "backups"; }
  void read_config(const YamlReader& r, const YAML::Node& n) override {
    backups_ = read_backups(r, n, "backups");
  }
  Status add_collectors(AreaSetup& setup) override {
    if (backups_.empty()) return Status::ok();
    auto backups = backups_;
    setup.catalog.add("backup", true, [backups] { return std::make_unique<BackupCollector>(backups); });
    return Status::ok();
  }

 private:
  std::vector<BackupConfig> backups_;
};

}  // namespace

// Listed in cmd/vigia/areas.cc.
std::unique_ptr<Area> make_area() { return std::make_unique<BackupArea>(); }

}  // namespace vigia::backup

#pragma once

#include <string>
#include <vector>

#include "core/collector.h"
#include "core/fs.h"

namespace vigia::host {

// The labels of node_dmi_info: the readable files of <sysfs>/class/dmi/id
// (sys_vendor becomes system_vendor), in label-name order, values trimmed and
// made valid UTF-8. A missing directory gives no labels; a file that cannot be
// read for lack of permission (the serials, product_uuid) is left out; any
// other unreadable file is an error (procfs's DMIClass).
Status read_dmi_labels(const std::string& dir, std::vector<std::pair<std::string, std::string>>& out);

// node_dmi_info, read once (DMI does not change until a reboot), as
// node_exporter 1.5 does when it starts. No DMI: no data.
class DmiCollector final : public Collector {
 public:
  explicit DmiCollector(const HostPaths& paths);
  std::string_view name() const override { return "dmi"; }
  Status collect(const CollectContext& ctx, MetricSink& sink) override;

 private:
  Status read_status_;
  std::vector<std::pair<std::string, std::string>> labels_;
};

}  // namespace vigia::host

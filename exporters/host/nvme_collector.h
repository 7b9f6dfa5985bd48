#pragma once

#include <string>
#include <vector>

#include "core/collector.h"
#include "core/fs.h"

namespace vigia::host {

struct NvmeDevice {
  std::string name, firmware_revision, model, serial, state;
};

// procfs's NVMeClass: every entry of <sysfs>/class/nvme, sorted by name, with
// its firmware_rev, model, serial and state. Returns no_data when the class
// directory or any of those files is missing (node_exporter 1.5 treats every
// "not exist" as no data), an error for any other failure.
Status read_nvme_class(const std::string& dir, std::vector<NvmeDevice>& out);

// node_nvme_info{device,firmware_revision,model,serial,state} 1.
class NvmeCollector final : public Collector {
 public:
  explicit NvmeCollector(const HostPaths& paths) : dir_(paths.sys_path("class/nvme")) {}
  std::string_view name() const override { return "nvme"; }
  Status collect(const CollectContext& ctx, MetricSink& sink) override;

 private:
  std::string dir_;
  std::vector<NvmeDevice> devices_;
};

}  // namespace vigia::host

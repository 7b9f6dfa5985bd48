#include "exporters/host/nvme_collector.h"

#include <cerrno>

#include "exporters/host/sysfs_read.h"

namespace vigia::host {

Status read_nvme_class(const std::string& dir, std::vector<NvmeDevice>& out) {
  out.clear();
  std::vector<std::string> names;
  int err = list_dir(dir, names);
  if (err == ENOENT) return Status::no_data("no " + dir);
  if (err) return Status::from_errno(dir, err);
  for (const std::string& n : names) {
    NvmeDevice d;
    d.name = n;
    std::string* fields[] = {&d.firmware_revision, &d.model, &d.serial, &d.state};
    const char* files[] = {"firmware_rev", "model", "serial", "state"};
    for (size_t i = 0; i < std::size(files); ++i) {
      std::string path = HostPaths::join(dir, n + "/" + files[i]);
      err = read_sys_value(path, *fields[i]);
      if (err == ENOENT) return Status::no_data(path + " missing");
      if (err) return Status::from_errno(path, err);
    }
    out.push_back(std::move(d));
  }
  return Status::ok();
}

Status NvmeCollector::collect(const CollectContext&, MetricSink& sink) {
  Status st = read_nvme_class(dir_, devices_);
  if (!st.is_ok()) return st;
  sink.family("node_nvme_info", "Non-numeric data from /sys/class/nvme/<device>, value is always 1.",
              MetricType::kGauge);
  for (const NvmeDevice& d : devices_)
    sink.sample("node_nvme_info",
                {{"device", d.name},
                 {"firmware_revision", d.firmware_revision},
                 {"model", d.model},
                 {"serial", d.serial},
                 {"state", d.state}},
                1);
  return Status::ok();
}

}  // namespace vigia::host

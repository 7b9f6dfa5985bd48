#include "exporters/host/dmi_collector.h"

#include <iterator>
#include <cerrno>

#include "core/strconv.h"
#include "exporters/host/sysfs_read.h"

namespace vigia::host {

namespace {
// File name -> label name, sorted by label name (the order of the labels on
// the series). chassis_type is read by procfs but not a label.
constexpr std::pair<std::string_view, std::string_view> kFiles[] = {
    {"bios_date", "bios_date"},
    {"bios_release", "bios_release"},
    {"bios_vendor", "bios_vendor"},
    {"bios_version", "bios_version"},
    {"board_asset_tag", "board_asset_tag"},
    {"board_name", "board_name"},
    {"board_serial", "board_serial"},
    {"board_vendor", "board_vendor"},
    {"board_version", "board_version"},
    {"chassis_asset_tag", "chassis_asset_tag"},
    {"chassis_serial", "chassis_serial"},
    {"chassis_vendor", "chassis_vendor"},
    {"chassis_version", "chassis_version"},
    {"product_family", "product_family"},
    {"product_name", "product_name"},
    {"product_serial", "product_serial"},
    {"product_sku", "product_sku"},
    {"product_uuid", "product_uuid"},
    {"product_version", "product_version"},
    {"sys_vendor", "system_vendor"},
};

constexpr std::string_view kHelp =
    "A metric with a constant '1' value labeled by bios_date, bios_release, bios_vendor, bios_version, "
    "board_asset_tag, board_name, board_serial, board_vendor, board_version, chassis_asset_tag, "
    "chassis_serial, chassis_vendor, chassis_version, product_family, product_name, product_serial, "
    "product_sku, product_uuid, product_version, system_vendor if provided by DMI.";
}  // namespace

Status read_dmi_labels(const std::string& dir, std::vector<std::pair<std::string, std::string>>& out) {
  out.clear();
  std::vector<std::string> names;
  int err = list_dir(dir, names, true);
  if (err == ENOENT) return Status::ok();
  if (err) return Status::from_errno(dir, err);
  // Every regular file is read (an unreadable one fails, as in procfs), then
  // the known ones become labels.
  std::vector<std::string> values(std::size(kFiles));
  std::vector<bool> have(std::size(kFiles));
  std::string value;
  for (const std::string& file : names) {
    if (file == "modalias" || file == "uevent") continue;
    std::string path = HostPaths::join(dir, file);
    err = read_sys_value(path, value);
    if (err == EACCES || err == EPERM) continue;
    if (err) return Status::from_errno(path, err);
    for (size_t i = 0; i < std::size(kFiles); ++i)
      if (kFiles[i].first == file) {
        values[i] = to_valid_utf8(value);
        have[i] = true;
      }
  }
  for (size_t i = 0; i < std::size(kFiles); ++i)
    if (have[i]) out.emplace_back(kFiles[i].second, std::move(values[i]));
  return Status::ok();
}

DmiCollector::DmiCollector(const HostPaths& paths) {
  read_status_ = read_dmi_labels(paths.sys_path("class/dmi/id"), labels_);
}

Status DmiCollector::collect(const CollectContext&, MetricSink& sink) {
  if (!read_status_.is_ok()) return read_status_;
  if (labels_.empty()) return Status::no_data("no DMI information");
  std::vector<Label> labels;
  labels.reserve(labels_.size());
  for (const auto& [k, v] : labels_) labels.push_back({k, v});
  sink.family("node_dmi_info", kHelp, MetricType::kGauge);
  sink.sample("node_dmi_info", Labels(labels), 1);
  return Status::ok();
}

}  // namespace vigia::host

#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/collector.h"
#include "core/fs.h"
#include "exporters/host/host.h"
#include "exporters/host/regex_filter.h"

namespace vigia::host {

// One line of /proc/diskstats. `count` is how many fields the line had
// (major, minor and name included), capped at 20: 14 on old kernels, 18 with
// discard fields (4.18), 20 with flush fields (5.5).
struct DiskStats {
  uint64_t major = 0;
  uint64_t minor = 0;
  std::string name;
  uint64_t values[17] = {};
  int count = 0;
};

// Parses /proc/diskstats into out (replacing its contents). Lines with fewer
// than 14 fields are skipped and fields past the 20th ignored, as procfs does;
// a field that is not a number is an error (the collector fails, as 1.5's).
Status parse_diskstats(std::string_view text, std::vector<DiskStats>& out);

// The udev properties node_exporter 1.5 reads from <udev_data>/b<major>:<minor>.
struct UdevInfo {
  // node_disk_info's serial is ID_SERIAL_SHORT (1.5 ignores SCSI_IDENT_SERIAL).
  std::string path, wwn, model, serial_short, revision;
  std::string fs_type, fs_usage, fs_uuid, fs_version;
  std::string dm_name, dm_uuid, dm_vg_name, dm_lv_name, dm_lv_layer;
  std::string ata;
  // ID_ATA_WRITE_CACHE, ID_ATA_WRITE_CACHE_ENABLED, ID_ATA_ROTATION_RATE_RPM.
  std::string ata_values[3];
  bool ata_present[3] = {};
  void clear();
};

// Parses a udev database file ("E:KEY=VALUE" lines; others ignored) into info
// (cleared first).
void parse_udev_properties(std::string_view text, UdevInfo& info);

// node_disk_* from <procfs>/diskstats (node_exporter 1.5 names and units:
// sectors*512 → bytes, milliseconds → seconds, discard and flush counters when
// the kernel has them), node_disk_info (udev model/serial/..., empty labels
// without udev data), node_disk_filesystem_info, node_disk_device_mapper_info
// and node_disk_ata_* when udev knows them. Devices matching
// diskstats_device_exclude are skipped.
class DiskstatsCollector final : public Collector {
 public:
  explicit DiskstatsCollector(const HostOptions& opts);
  std::string_view name() const override { return "diskstats"; }
  Status collect(const CollectContext& ctx, MetricSink& sink) override;

 private:
  HostPaths paths_;
  ProcFile file_;
  RegexFilter exclude_;
  std::string buf_;
  std::string udev_buf_;
  std::string udev_path_;
  std::vector<DiskStats> disks_;
  std::vector<size_t> order_;
  std::vector<UdevInfo> udev_;
};

}  // namespace vigia::host

#include "exporters/host/diskstats_collector.h"

#include <algorithm>
#include <array>
#include <charconv>

namespace vigia::host {

Status parse_diskstats(std::string_view text, std::vector<DiskStats>& out) {
  size_t n = 0;
  Status st;
  for_each_line(text, [&](std::string_view line) {
    if (!st.is_ok()) return;
    if (out.size() <= n) out.emplace_back();
    DiskStats& d = out[n];
    d.count = 0;
    bool bad = false;
    for_each_field(line, [&](std::string_view f) {
      bool ok = true;
      if (d.count == 0)
        ok = parse_u64(f, d.major);
      else if (d.count == 1)
        ok = parse_u64(f, d.minor);
      else if (d.count == 2)
        d.name.assign(f);
      else
        ok = parse_u64(f, d.values[d.count - 3]);
      if (!ok) {
        bad = true;
        return false;
      }
      return ++d.count < 20;
    });
    if (bad) {
      st = Status::error("unexpected field in line \"" + std::string(line) + "\"");
      return;
    }
    if (d.count >= 14) ++n;
  });
  out.resize(n);
  return st;
}

void UdevInfo::clear() {
  for (std::string* s : {&path, &wwn, &model, &serial_short, &revision, &fs_type, &fs_usage, &fs_uuid,
                         &fs_version, &dm_name, &dm_uuid, &dm_vg_name, &dm_lv_name, &dm_lv_layer, &ata,
                         &ata_values[0], &ata_values[1], &ata_values[2]})
    s->clear();
  for (bool& b : ata_present) b = false;
}

void parse_udev_properties(std::string_view text, UdevInfo& info) {
  info.clear();
  for_each_line(text, [&](std::string_view line) {
    if (line.substr(0, 2) != "E:") return;
    line.remove_prefix(2);
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) return;
    std::string_view key = line.substr(0, eq);
    std::string_view value = line.substr(eq + 1);
    std::string* dst = nullptr;
    if (key == "ID_PATH")
      dst = &info.path;
    else if (key == "ID_WWN")
      dst = &info.wwn;
    else if (key == "ID_MODEL")
      dst = &info.model;
    else if (key == "ID_SERIAL_SHORT")
      dst = &info.serial_short;
    else if (key == "ID_REVISION")
      dst = &info.revision;
    else if (key == "ID_FS_TYPE")
      dst = &info.fs_type;
    else if (key == "ID_FS_USAGE")
      dst = &info.fs_usage;
    else if (key == "ID_FS_UUID")
      dst = &info.fs_uuid;
    else if (key == "ID_FS_VERSION")
      dst = &info.fs_version;
    else if (key == "DM_NAME")
      dst = &info.dm_name;
    else if (key == "DM_UUID")
      dst = &info.dm_uuid;
    else if (key == "DM_VG_NAME")
      dst = &info.dm_vg_name;
    else if (key == "DM_LV_NAME")
      dst = &info.dm_lv_name;
    else if (key == "DM_LV_LAYER")
      dst = &info.dm_lv_layer;
    else if (key == "ID_ATA")
      dst = &info.ata;
    else {
      static constexpr std::string_view kAta[3] = {"ID_ATA_WRITE_CACHE", "ID_ATA_WRITE_CACHE_ENABLED",
                                                   "ID_ATA_ROTATION_RATE_RPM"};
      for (int i = 0; i < 3; ++i) {
        if (key == kAta[i]) {
          dst = &info.ata_values[i];
          info.ata_present[i] = true;
        }
      }
    }
    if (dst) dst->assign(value);
  });
}

namespace {

struct StatDesc {
  const char* name;
  const char* help;
  MetricType type;
  double factor;
};

// In /proc/diskstats field order.
constexpr StatDesc kStats[17] = {
    {"node_disk_reads_completed_total", "The total number of reads completed successfully.",
     MetricType::kCounter, 1},
    {"node_disk_reads_merged_total", "The total number of reads merged.", MetricType::kCounter, 1},
    {"node_disk_read_bytes_total", "The total number of bytes read successfully.", MetricType::kCounter, 512},
    {"node_disk_read_time_seconds_total", "The total number of seconds spent by all reads.",
     MetricType::kCounter, 0.001},
    {"node_disk_writes_completed_total", "The total number of writes completed successfully.",
     MetricType::kCounter, 1},
    {"node_disk_writes_merged_total", "The number of writes merged.", MetricType::kCounter, 1},
    {"node_disk_written_bytes_total", "The total number of bytes written successfully.", MetricType::kCounter,
     512},
    {"node_disk_write_time_seconds_total", "This is the total number of seconds spent by all writes.",
     MetricType::kCounter, 0.001},
    {"node_disk_io_now", "The number of I/Os currently in progress.", MetricType::kGauge, 1},
    {"node_disk_io_time_seconds_total", "Total seconds spent doing I/Os.", MetricType::kCounter, 0.001},
    {"node_disk_io_time_weighted_seconds_total", "The weighted # of seconds spent doing I/Os.",
     MetricType::kCounter, 0.001},
    {"node_disk_discards_completed_total", "The total number of discards completed successfully.",
     MetricType::kCounter, 1},
    {"node_disk_discards_merged_total", "The total number of discards merged.", MetricType::kCounter, 1},
    {"node_disk_discarded_sectors_total", "The total number of sectors discarded successfully.",
     MetricType::kCounter, 1},
    {"node_disk_discard_time_seconds_total", "This is the total number of seconds spent by all discards.",
     MetricType::kCounter, 0.001},
    {"node_disk_flush_requests_total", "The total number of flush requests completed successfully",
     MetricType::kCounter, 1},
    {"node_disk_flush_requests_time_seconds_total",
     "This is the total number of seconds spent by all flush requests.", MetricType::kCounter, 0.001},
};

constexpr StatDesc kAtaStats[3] = {
    {"node_disk_ata_write_cache", "ATA disk has a write cache.", MetricType::kGauge, 1},
    {"node_disk_ata_write_cache_enabled", "ATA disk has its write cache enabled.", MetricType::kGauge, 1},
    {"node_disk_ata_rotation_rate_rpm", "ATA disk rotation rate in RPMs (0 for SSDs).", MetricType::kGauge,
     1},
};

}  // namespace

DiskstatsCollector::DiskstatsCollector(const HostOptions& opts)
    : paths_(opts.paths),
      file_(opts.paths.proc_path("diskstats")),
      exclude_("collector.diskstats.device-exclude", opts.diskstats_device_exclude) {}

Status DiskstatsCollector::collect(const CollectContext&, MetricSink& sink) {
  if (!exclude_.status().is_ok()) return exclude_.status();
  Status st = file_.read(buf_);
  if (!st.is_ok()) return st;
  st = parse_diskstats(buf_, disks_);
  if (!st.is_ok()) return Status::error(file_.path() + ": " + st.message());

  order_.clear();
  for (size_t i = 0; i < disks_.size(); ++i)
    if (!exclude_.matches(disks_[i].name)) order_.push_back(i);
  std::sort(order_.begin(), order_.end(),
            [&](size_t a, size_t b) { return disks_[a].name < disks_[b].name; });

  if (udev_.size() < disks_.size()) udev_.resize(disks_.size());
  // "b<major>:<minor>": each number fits in 20 digits, so every write stays
  // inside num whatever to_chars returns (GCC -O3 checks that).
  char num[1 + 20 + 1 + 20];
  for (size_t i : order_) {
    const DiskStats& d = disks_[i];
    char* p = num;
    *p++ = 'b';
    p = std::to_chars(p, p + 20, d.major).ptr;
    *p++ = ':';
    p = std::to_chars(p, p + 20, d.minor).ptr;
    udev_path_ = HostPaths::join(paths_.udev_data, std::string_view(num, p - num));
    // A missing udev database only leaves the info labels empty.
    if (read_file(udev_path_, udev_buf_).is_ok())
      parse_udev_properties(udev_buf_, udev_[i]);
    else
      udev_[i].clear();
  }

  sink.family("node_disk_info", "Info of /sys/block/<block_device>.", MetricType::kGauge);
  for (size_t i : order_) {
    const DiskStats& d = disks_[i];
    const UdevInfo& u = udev_[i];
    char major[24], minor[24];
    std::string_view maj(major, std::to_chars(major, major + sizeof major, d.major).ptr - major);
    std::string_view min(minor, std::to_chars(minor, minor + sizeof minor, d.minor).ptr - minor);
    std::array<Label, 8> l{
        Label{"device", d.name},         Label{"major", maj},   Label{"minor", min},
        Label{"model", u.model},         Label{"path", u.path}, Label{"revision", u.revision},
        Label{"serial", u.serial_short}, Label{"wwn", u.wwn}};
    sink.sample("node_disk_info", Labels(l), 1);
  }

  for (int k = 0; k < 17; ++k) {
    sink.family(kStats[k].name, kStats[k].help, kStats[k].type);
    for (size_t i : order_) {
      const DiskStats& d = disks_[i];
      if (k >= d.count - 3) continue;
      Label l{"device", d.name};
      sink.sample(kStats[k].name, Labels(&l, 1), static_cast<double>(d.values[k]) * kStats[k].factor);
    }
  }

  sink.family("node_disk_filesystem_info", "Info about disk filesystem.", MetricType::kGauge);
  for (size_t i : order_) {
    const UdevInfo& u = udev_[i];
    if (u.fs_type.empty()) continue;
    std::array<Label, 5> l{Label{"device", disks_[i].name}, Label{"type", u.fs_type},
                           Label{"usage", u.fs_usage}, Label{"uuid", u.fs_uuid},
                           Label{"version", u.fs_version}};
    sink.sample("node_disk_filesystem_info", Labels(l), 1);
  }

  sink.family("node_disk_device_mapper_info", "Info about disk device mapper.", MetricType::kGauge);
  for (size_t i : order_) {
    const UdevInfo& u = udev_[i];
    if (u.dm_name.empty()) continue;
    std::array<Label, 6> l{Label{"device", disks_[i].name}, Label{"lv_layer", u.dm_lv_layer},
                           Label{"lv_name", u.dm_lv_name},  Label{"name", u.dm_name},
                           Label{"uuid", u.dm_uuid},        Label{"vg_name", u.dm_vg_name}};
    sink.sample("node_disk_device_mapper_info", Labels(l), 1);
  }

  for (int k = 0; k < 3; ++k) {
    sink.family(kAtaStats[k].name, kAtaStats[k].help, kAtaStats[k].type);
    for (size_t i : order_) {
      const UdevInfo& u = udev_[i];
      double v;
      if (u.ata.empty() || !u.ata_present[k] || !parse_double(u.ata_values[k], v)) continue;
      Label l{"device", disks_[i].name};
      sink.sample(kAtaStats[k].name, Labels(&l, 1), v);
    }
  }
  return Status::ok();
}

}  // namespace vigia::host

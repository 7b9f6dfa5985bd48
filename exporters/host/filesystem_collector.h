#pragma once

#include <sys/statfs.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/collector.h"
#include "core/fs.h"
#include "exporters/host/host.h"
#include "exporters/host/regex_filter.h"

namespace vigia::host {

// One line of /proc/mounts, with the mount point and device unescaped.
struct MountEntry {
  std::string device;
  std::string mount_point;
  std::string fs_type;
  std::string options;
};

// Decodes the octal escapes the kernel writes in /proc/mounts: \040 (space),
// \011 (tab), \012 (newline), \134 (backslash). Other backslashes are kept.
std::string unescape_mount_field(std::string_view s);

// Parses /proc/mounts text into out (replacing its contents). Blank lines are
// skipped; a line with fewer than 4 fields is an error naming the line (as
// node_exporter 1.5, which then fails the collector).
Status parse_mounts(std::string_view text, std::vector<MountEntry>& out);

// node_exporter's rootfsStripPrefix: the mount point as seen from the host
// when --path.rootfs is not "/" ("/" if nothing is left).
std::string_view strip_rootfs_prefix(std::string_view rootfs, std::string_view mount_point);

// True if the comma-separated mount options contain "ro".
bool has_ro_option(std::string_view options);

// True for filesystem types backed by a local disk or memory, whose statfs
// cannot wait on a remote server (ext4, xfs, btrfs, tmpfs…).
bool is_local_fs_type(std::string_view fs_type);

// Calls statfs(2): 0 or an errno. Replaceable for fault injection in tests.
using StatfsFn = std::function<int(const std::string& path, struct statfs& out)>;

// node_filesystem_{size,free,avail}_bytes, node_filesystem_{files,files_free},
// node_filesystem_readonly, node_filesystem_device_error with labels
// device, fstype, mountpoint (node_exporter 1.5).
//
// Mounts come from <procfs>/1/mounts (or <procfs>/mounts if that is missing),
// parsed again only when the kernel signals a change of the mount table;
// statfs is done on rootfs_path(mount point). Mounts matching
// fs_mount_points_exclude or fs_types_exclude are skipped; a repeated
// (device, mount point, type) is reported once, first one wins. A statfs error
// gives device_error 1 for that mount only.
//
// statfs of a local filesystem type (is_local_fs_type) runs inline; any other
// (NFS, CIFS, FUSE…) runs on a worker thread and is awaited for at most mount_timeout (or
// the scrape deadline): a mount that does not answer (dead NFS server) is
// reported with device_error 1 and marked stuck; stuck mounts are not statted
// again until their pending statfs returns (node_exporter's stuckMounts).
// The abandoned worker thread stays blocked in the kernel until then; the
// collector starts a new one for the other mounts.
class FilesystemCollector final : public Collector {
 public:
  explicit FilesystemCollector(const HostOptions& opts, StatfsFn statfs_fn = {},
                               std::chrono::milliseconds mount_timeout = std::chrono::seconds(5));
  ~FilesystemCollector() override;
  FilesystemCollector(const FilesystemCollector&) = delete;
  FilesystemCollector& operator=(const FilesystemCollector&) = delete;

  std::string_view name() const override { return "filesystem"; }
  Status collect(const CollectContext& ctx, MetricSink& sink) override;

  struct Worker;
  struct StuckSet;

 private:
  struct Row {
    size_t mount;  // index into mounts_
    std::string_view mount_point;
    bool error;
    double size, free, avail, files, files_free, ro;
  };
  // 0, an errno, or -1 if it did not answer within timeout.
  int run_statfs(const std::string& path, std::string_view mount_point, std::chrono::milliseconds timeout,
                 struct statfs& out);

  HostPaths paths_;
  StatfsFn statfs_;
  std::chrono::milliseconds mount_timeout_;
  RegexFilter mount_points_exclude_;
  RegexFilter fs_types_exclude_;
  std::shared_ptr<StuckSet> stuck_;
  std::shared_ptr<Worker> worker_;
  ProcFile mounts_file_, fallback_file_;
  ProcFile* mounts_from_ = nullptr;  // the file mounts_ was parsed from
  std::string buf_;
  std::string path_;
  std::vector<MountEntry> mounts_;
  std::vector<Row> rows_;
};

}  // namespace vigia::host

#pragma once

#include <string>
#include <string_view>

#include "core/collector.h"
#include "core/fs.h"

namespace vigia::host {

// The os-release(5) fields node_exporter 1.5 reports; absent ones are "".
struct OsRelease {
  std::string build_id, id, id_like, image_id, image_version, name, pretty_name, variant, variant_id, version,
      version_codename, version_id;
};

// Parses os-release: KEY=value lines, '#' comments and blank lines skipped;
// values unquoted, "double quoted" (\" \\ \$ \` escapes) or 'single quoted'
// (literal). False on an unterminated quote.
bool parse_os_release(std::string_view text, OsRelease& out);

// The number node_os_version reports: the leading "major[.minor]" of
// VERSION_ID ("22.04" -> 22.04, "1.2.3" -> 1.2, "rolling" -> 0).
double os_major_minor(std::string_view version_id);

// node_os_info{build_id,…,version_id} 1 and node_os_version{id,id_like,name}
// (only when the version is > 0) from <rootfs>/etc/os-release, else
// <rootfs>/usr/lib/os-release. Neither present: no_data. The file is parsed
// again only when its contents change.
class OsCollector final : public Collector {
 public:
  explicit OsCollector(const HostPaths& paths)
      : etc_path_(paths.rootfs_path("etc/os-release")),
        usr_lib_path_(paths.rootfs_path("usr/lib/os-release")) {}
  std::string_view name() const override { return "os"; }
  Status collect(const CollectContext& ctx, MetricSink& sink) override;

 private:
  std::string etc_path_, usr_lib_path_;
  std::string buf_, last_;
  OsRelease os_;
  double version_ = 0;
};

}  // namespace vigia::host

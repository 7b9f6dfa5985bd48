#pragma once

#include <string>
#include <string_view>

#include "core/collector.h"
#include "core/fs.h"

namespace vigia::host {

// Parses /proc/sys/fs/file-nr ("allocated unused maximum"). False if there
// are fewer than three numeric fields.
bool parse_file_nr(std::string_view text, double& allocated, double& maximum);

// node_filefd_allocated, node_filefd_maximum.
class FilefdCollector final : public Collector {
 public:
  explicit FilefdCollector(const HostPaths& paths)
      : file_(paths.proc_path("sys/fs/file-nr"), ProcFile::Reads::kOneCall) {}
  std::string_view name() const override { return "filefd"; }
  Status collect(const CollectContext& ctx, MetricSink& sink) override;

 private:
  ProcFile file_;
  std::string buf_;
};

}  // namespace vigia::host

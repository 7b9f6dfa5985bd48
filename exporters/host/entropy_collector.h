#pragma once

#include <string>
#include <string_view>

#include "core/collector.h"
#include "core/fs.h"

namespace vigia::host {

// node_entropy_available_bits and node_entropy_pool_size_bits, from
// /proc/sys/kernel/random/{entropy_avail,poolsize}. As in node_exporter 1.5, a
// missing file is an error ("couldn't get ...").
class EntropyCollector final : public Collector {
 public:
  explicit EntropyCollector(const HostPaths& paths)
      : avail_(paths.proc_path("sys/kernel/random/entropy_avail"), ProcFile::Reads::kOneCall),
        pool_(paths.proc_path("sys/kernel/random/poolsize"), ProcFile::Reads::kOneCall) {}
  std::string_view name() const override { return "entropy"; }
  Status collect(const CollectContext& ctx, MetricSink& sink) override;

 private:
  ProcFile avail_, pool_;
  std::string buf_;
};

}  // namespace vigia::host

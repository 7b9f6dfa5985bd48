#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/collector.h"
#include "core/fs.h"
#include "exporters/host/host.h"
#include "exporters/host/regex_filter.h"

namespace vigia::host {

// Counts /proc/net/arp's entries per device (its last column), as
// node_exporter 1.5 does: the header line (first field "IP") is skipped and
// any line with fewer than 6 fields is an error. out is sorted by device.
Status parse_arp_entries(std::string_view text, std::vector<std::pair<std::string, uint64_t>>& out);

// node_arp_entries{device}, with --collector.arp.device-include/-exclude.
class ArpCollector final : public Collector {
 public:
  explicit ArpCollector(const HostOptions& opts);
  std::string_view name() const override { return "arp"; }
  Status collect(const CollectContext& ctx, MetricSink& sink) override;

 private:
  ProcFile file_;
  RegexFilter include_, exclude_;
  bool has_include_;
  std::string buf_;
  std::vector<std::pair<std::string, uint64_t>> entries_;
};

}  // namespace vigia::host

#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/collector.h"
#include "core/fs.h"

namespace vigia::host {

// One line of /proc/interrupts: its name (without the ':'), per-CPU counts,
// info (the chip for numbered interrupts, else the description) and devices.
struct InterruptLine {
  std::string name, info, devices;
  std::vector<double> values;
};

// Parses /proc/interrupts as node_exporter 1.5 does: the header's column count
// is the CPU count, lines with fewer than CPUs + 2 fields (ERR, MIS) are
// skipped, a later line of the same name replaces an earlier one. An error if
// the file is empty or a count is not a number.
Status parse_interrupts(std::string_view text, std::vector<InterruptLine>& out);

// node_interrupts_total{cpu,devices,info,type} (off by default, as in
// node_exporter 1.5).
class InterruptsCollector final : public Collector {
 public:
  explicit InterruptsCollector(const HostPaths& paths) : file_(paths.proc_path("interrupts")) {}
  std::string_view name() const override { return "interrupts"; }
  Status collect(const CollectContext& ctx, MetricSink& sink) override;

 private:
  ProcFile file_;
  std::string buf_;
  std::vector<InterruptLine> lines_;
};

}  // namespace vigia::host

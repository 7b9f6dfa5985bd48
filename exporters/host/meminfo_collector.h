#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/collector.h"
#include "core/fs.h"

namespace vigia::host {

// One /proc/meminfo line: "Active(anon):   1568 kB".
struct MeminfoLine {
  std::string_view key;   // raw key without its last character (the ':')
  double value = 0;       // as written (kB not yet applied)
  bool has_unit = false;  // a third field: node_exporter presumes kB
};

// Parses one line. Returns 0 for a line to skip (blank, or a key without a
// value as in a file cut short), 1 for a parsed line, -1 for a malformed one
// (value not a number, or more than three fields).
int parse_meminfo_line(std::string_view line, MeminfoLine& out);

// node_exporter's metric suffix for a key: "Active(anon)" -> "Active_anon",
// plus "_bytes" when the line has a unit. Appends to out.
void append_meminfo_field(std::string& out, std::string_view key, bool has_unit);

// node_memory_<Field>[_bytes] gauges (counters if the field ends in _total),
// one per /proc/meminfo line, values in bytes (kB * 1024), with
// node_exporter 1.5's names and HELP ("Memory information field <Field>.").
// Names are built once per line position and reused while the file keeps
// its layout.
class MeminfoCollector final : public Collector {
 public:
  explicit MeminfoCollector(const HostPaths& paths) : file_(paths.proc_path("meminfo")) {}
  std::string_view name() const override { return "meminfo"; }
  Status collect(const CollectContext& ctx, MetricSink& sink) override;

 private:
  struct Field {
    std::string key;
    bool has_unit;
    std::string metric;
    std::string help;
    bool counter;
  };
  ProcFile file_;
  std::string buf_;
  std::vector<Field> fields_;  // by line position among parsed lines
};

}  // namespace vigia::host

#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/collector.h"
#include "core/fs.h"
#include "exporters/host/regex_filter.h"

namespace vigia::host {

// Parses one /proc/vmstat line ("pgfault 5240926"). Returns 0 for a line to
// skip (blank, or a key without a value as in a file cut short), 1 for a
// parsed line, -1 if the value is not a number.
int parse_vmstat_line(std::string_view line, std::string_view& key, double& value);

// node_vmstat_<field> (untyped, HELP "/proc/vmstat information field <field>.")
// for each /proc/vmstat field matched (unanchored search, like Go's
// MatchString) by the --collector.vmstat.fields regex. The regex is compiled
// once; whether a field matches is decided once per line position and reused
// while the file keeps its layout. An invalid regex makes every collect() an
// error that names it.
class VmstatCollector final : public Collector {
 public:
  VmstatCollector(const HostPaths& paths, const std::string& fields_regex);
  std::string_view name() const override { return "vmstat"; }
  Status collect(const CollectContext& ctx, MetricSink& sink) override;

 private:
  struct Field {
    std::string key;
    bool keep;
    std::string metric;
    std::string help;
  };
  ProcFile file_;
  RegexFilter fields_;  // its own cache is bypassed: decisions are cached by line
  bool select_all_;     // an empty pattern selects every field, as in Go
  std::string buf_;
  std::vector<Field> cache_;  // by line position
};

}  // namespace vigia::host

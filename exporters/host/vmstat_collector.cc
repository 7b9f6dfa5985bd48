#include "exporters/host/vmstat_collector.h"

namespace vigia::host {

int parse_vmstat_line(std::string_view line, std::string_view& key, double& value) {
  std::string_view parts[2];
  int n = 0;
  for_each_field(line, [&](std::string_view f) {
    parts[n] = f;
    return ++n < 2;
  });
  if (n < 2) return 0;
  key = parts[0];
  return parse_double(parts[1], value) ? 1 : -1;
}

VmstatCollector::VmstatCollector(const HostPaths& paths, const std::string& fields_regex)
    : file_(paths.proc_path("vmstat")),
      fields_("collector.vmstat.fields", fields_regex),
      select_all_(fields_regex.empty()) {}

Status VmstatCollector::collect(const CollectContext&, MetricSink& sink) {
  if (!fields_.status().is_ok()) return fields_.status();
  Status st = file_.read(buf_);
  if (!st.is_ok()) return st;
  size_t i = 0;
  for_each_line(buf_, [&](std::string_view line) {
    if (!st.is_ok()) return;
    std::string_view key;
    double value;
    int r = parse_vmstat_line(line, key, value);
    // node_exporter fails on any bad value, matched field or not.
    if (r < 0) st = Status::error(file_.path() + ": invalid line \"" + std::string(line) + "\"");
    if (r <= 0) return;
    if (i == cache_.size()) cache_.emplace_back();
    Field& f = cache_[i++];
    if (f.key != key) {
      f.key = key;
      f.keep = select_all_ || fields_.matches(f.key);
      f.metric = f.keep ? "node_vmstat_" + f.key : std::string();
      f.help = f.keep ? "/proc/vmstat information field " + f.key + "." : std::string();
    }
    if (!f.keep) return;
    sink.family(f.metric, f.help, MetricType::kUntyped);
    sink.sample(f.metric, {}, value);
  });
  return st;
}

}  // namespace vigia::host

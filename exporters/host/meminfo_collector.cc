#include "exporters/host/meminfo_collector.h"

namespace vigia::host {

int parse_meminfo_line(std::string_view line, MeminfoLine& out) {
  std::string_view parts[4];
  int n = 0;
  for_each_field(line, [&](std::string_view f) {
    parts[n] = f;
    return ++n < 4;
  });
  if (n < 2) return 0;
  if (n > 3 || !parse_double(parts[1], out.value)) return -1;
  out.key = parts[0].substr(0, parts[0].size() - 1);
  out.has_unit = n == 3;
  return 1;
}

void append_meminfo_field(std::string& out, std::string_view key, bool has_unit) {
  // node_exporter rewrites a greedy "\((.*)\)" to "_$1".
  size_t open = key.find('(');
  size_t close = open == std::string_view::npos ? open : key.rfind(')');
  if (close == std::string_view::npos || close < open) {
    out += key;
  } else {
    out += key.substr(0, open);
    out += '_';
    out += key.substr(open + 1, close - open - 1);
    out += key.substr(close + 1);
  }
  if (has_unit) out += "_bytes";
}

Status MeminfoCollector::collect(const CollectContext&, MetricSink& sink) {
  Status st = file_.read(buf_);
  if (!st.is_ok()) return st;
  size_t i = 0;
  for_each_line(buf_, [&](std::string_view line) {
    if (!st.is_ok()) return;
    MeminfoLine m;
    int r = parse_meminfo_line(line, m);
    if (r < 0) st = Status::error(file_.path() + ": invalid line \"" + std::string(line) + "\"");
    if (r <= 0) return;
    if (i == fields_.size()) fields_.emplace_back();
    Field& f = fields_[i++];
    if (f.key != m.key || f.has_unit != m.has_unit || f.metric.empty()) {
      f.key = m.key;
      f.has_unit = m.has_unit;
      std::string field;
      append_meminfo_field(field, m.key, m.has_unit);
      f.metric = "node_memory_" + field;
      f.help = "Memory information field " + field + ".";
      f.counter = field.size() >= 6 && field.compare(field.size() - 6, 6, "_total") == 0;
    }
    double v = m.has_unit ? m.value * 1024 : m.value;
    sink.family(f.metric, f.help, f.counter ? MetricType::kCounter : MetricType::kGauge);
    sink.sample(f.metric, {}, v);
  });
  return st;
}

}  // namespace vigia::host

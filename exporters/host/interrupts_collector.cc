#include "exporters/host/interrupts_collector.h"

#include <algorithm>
#include <tuple>

namespace vigia::host {

Status parse_interrupts(std::string_view text, std::vector<InterruptLine>& out) {
  out.clear();
  size_t cpus = 0;
  bool header = true;
  Status st;
  std::vector<std::string_view> parts;
  for_each_line(text, [&](std::string_view line) {
    if (!st.is_ok()) return;
    parts.clear();
    for_each_field(line, [&](std::string_view f) {
      parts.push_back(f);
      return true;
    });
    if (header) {
      header = false;
      cpus = parts.size();
      return;
    }
    if (parts.size() < cpus + 2) return;
    InterruptLine l;
    l.name = std::string(parts[0].substr(0, parts[0].size() - 1));
    for (size_t i = 1; i <= cpus; ++i) {
      double v;
      if (!parse_double(parts[i], v)) {
        st = Status::error("invalid value " + std::string(parts[i]) + " in interrupts");
        return;
      }
      l.values.push_back(v);
    }
    uint64_t unused;
    bool numbered = parse_u64(l.name, unused);
    auto join = [&](size_t from) {
      std::string s;
      for (size_t i = from; i < parts.size(); ++i) {
        if (i > from) s += ' ';
        s += parts[i];
      }
      return s;
    };
    if (numbered) {
      l.info = std::string(parts[cpus + 1]);
      l.devices = join(cpus + 2);
    } else {
      l.info = join(cpus + 1);
    }
    auto same =
        std::find_if(out.begin(), out.end(), [&](const InterruptLine& o) { return o.name == l.name; });
    if (same != out.end())
      *same = std::move(l);
    else
      out.push_back(std::move(l));
  });
  if (!st.is_ok()) return st;
  if (header) return Status::error("interrupts empty");
  return Status::ok();
}

Status InterruptsCollector::collect(const CollectContext&, MetricSink& sink) {
  Status st = file_.read(buf_);
  if (!st.is_ok()) return Status::error("couldn't get interrupts: " + st.message());
  st = parse_interrupts(buf_, lines_);
  if (!st.is_ok()) return Status::error(file_.path() + ": " + st.message());
  // node_exporter's order: label values by label name (cpu, devices, info, type), as strings.
  struct Row {
    std::string cpu;
    std::string_view devices, info, type;
    double value;
  };
  std::vector<Row> rows;
  for (const InterruptLine& l : lines_)
    for (size_t i = 0; i < l.values.size(); ++i)
      rows.push_back(Row{std::to_string(i), l.devices, l.info, l.name, l.values[i]});
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return std::tie(a.cpu, a.devices, a.info, a.type) < std::tie(b.cpu, b.devices, b.info, b.type);
  });
  sink.family("node_interrupts_total", "Interrupt details.", MetricType::kCounter);
  for (const Row& r : rows)
    sink.sample("node_interrupts_total",
                {{"cpu", r.cpu}, {"devices", r.devices}, {"info", r.info}, {"type", r.type}}, r.value);
  return Status::ok();
}

}  // namespace vigia::host

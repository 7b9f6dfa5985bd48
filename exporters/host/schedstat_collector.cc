#include "exporters/host/schedstat_collector.h"

#include <re2/re2.h>

#include <algorithm>

namespace vigia::host {

void parse_schedstat(std::string_view text, std::vector<SchedstatCpu>& out) {
  static const RE2 cpu_line(R"(cpu(\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+))");
  out.clear();
  for_each_line(text, [&](std::string_view line) {
    if (line.find("cpu") == std::string_view::npos) return;
    re2::StringPiece m[10];
    if (!RE2::PartialMatch(line, cpu_line, &m[0], &m[1], &m[2], &m[3], &m[4], &m[5], &m[6], &m[7], &m[8],
                           &m[9]))
      return;
    SchedstatCpu c;
    c.cpu.assign(m[0].data(), m[0].size());
    auto sv = [](const re2::StringPiece& p) { return std::string_view(p.data(), p.size()); };
    if (!parse_u64(sv(m[7]), c.running_ns) || !parse_u64(sv(m[8]), c.waiting_ns) ||
        !parse_u64(sv(m[9]), c.timeslices))
      return;
    out.push_back(std::move(c));
  });
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.cpu < b.cpu; });
}

Status SchedstatCollector::collect(const CollectContext&, MetricSink& sink) {
  Status st = file_.read(buf_);
  if (is_not_found(st)) return Status::no_data("schedstat file does not exist");
  if (!st.is_ok()) return st;
  parse_schedstat(buf_, cpus_);
  struct Family {
    std::string_view name, help;
    uint64_t SchedstatCpu::*field;
    double scale;
  };
  constexpr Family kFamilies[3] = {
      {"node_schedstat_running_seconds_total", "Number of seconds CPU spent running a process.",
       &SchedstatCpu::running_ns, 1e9},
      {"node_schedstat_waiting_seconds_total", "Number of seconds spent by processing waiting for this CPU.",
       &SchedstatCpu::waiting_ns, 1e9},
      {"node_schedstat_timeslices_total", "Number of timeslices executed by CPU.", &SchedstatCpu::timeslices,
       1},
  };
  for (const Family& f : kFamilies) {
    sink.family(f.name, f.help, MetricType::kCounter);
    for (const SchedstatCpu& c : cpus_) {
      Label l{"cpu", c.cpu};
      sink.sample(f.name, Labels(&l, 1), static_cast<double>(c.*f.field) / f.scale);
    }
  }
  return Status::ok();
}

}  // namespace vigia::host

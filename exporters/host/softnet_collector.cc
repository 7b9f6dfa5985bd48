#include "exporters/host/softnet_collector.h"

#include <algorithm>

#include "exporters/host/proc_values.h"

namespace vigia::host {

Status parse_softnet(std::string_view text, std::vector<SoftnetStat>& out) {
  out.clear();
  Status st;
  for_each_line(text, [&](std::string_view line) {
    if (!st.is_ok()) return;
    uint64_t v[3] = {};
    int n = 0;
    bool ok = true;
    for_each_field(line, [&](std::string_view f) {
      if (n < 3 && !parse_hex_u64(f, v[n], 32)) ok = false;
      ++n;
      return true;
    });
    if (n < 9) {
      st = Status::error(std::to_string(n) + " columns were detected, but at least 9 were expected");
      return;
    }
    if (!ok) {
      st = Status::error("invalid hex value in \"" + std::string(line) + "\"");
      return;
    }
    out.push_back({static_cast<uint32_t>(v[0]), static_cast<uint32_t>(v[1]), static_cast<uint32_t>(v[2])});
  });
  return st;
}

Status SoftnetCollector::collect(const CollectContext&, MetricSink& sink) {
  Status st = file_.read(buf_);
  if (!st.is_ok()) return Status::error("could not get softnet statistics: " + st.message());
  st = parse_softnet(buf_, stats_);
  if (!st.is_ok())
    return Status::error("could not get softnet statistics: failed to parse " + file_.path() + ": " +
                         st.message());
  if (cpus_.size() != stats_.size()) {
    cpus_.clear();
    for (size_t i = 0; i < stats_.size(); ++i) cpus_.emplace_back(std::to_string(i), i);
    std::sort(cpus_.begin(), cpus_.end());
  }
  struct Family {
    std::string_view name, help;
    uint32_t SoftnetStat::*field;
  };
  constexpr Family kFamilies[3] = {
      {"node_softnet_processed_total", "Number of processed packets", &SoftnetStat::processed},
      {"node_softnet_dropped_total", "Number of dropped packets", &SoftnetStat::dropped},
      {"node_softnet_times_squeezed_total", "Number of times processing packets ran out of quota",
       &SoftnetStat::time_squeezed},
  };
  for (const Family& f : kFamilies) {
    sink.family(f.name, f.help, MetricType::kCounter);
    for (const auto& [cpu, i] : cpus_) {
      Label l{"cpu", cpu};
      sink.sample(f.name, Labels(&l, 1), static_cast<double>(stats_[i].*f.field));
    }
  }
  return Status::ok();
}

}  // namespace vigia::host

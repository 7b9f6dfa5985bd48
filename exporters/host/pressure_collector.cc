#include "exporters/host/pressure_collector.h"

namespace vigia::host {

bool parse_psi(std::string_view text, PsiTotals& out) {
  out = PsiTotals{};
  bool ok = true;
  for_each_line(text, [&](std::string_view line) {
    bool some = line.substr(0, 5) == "some ";
    bool full = line.substr(0, 5) == "full ";
    if (!ok || (!some && !full)) return;
    bool found = false;
    uint64_t total = 0;
    for_each_field(line, [&](std::string_view f) {
      if (f.substr(0, 6) == "total=") found = parse_u64(f.substr(6), total);
      return true;
    });
    if (!found) {
      ok = false;
      return;
    }
    (some ? out.some_us : out.full_us) = total;
    (some ? out.has_some : out.has_full) = true;
  });
  return ok;
}

PressureCollector::PressureCollector(const HostPaths& paths) {
  for (const char* r : {"pressure/cpu", "pressure/io", "pressure/memory"})
    files_.emplace_back(paths.proc_path(r));
}

Status PressureCollector::collect(const CollectContext&, MetricSink& sink) {
  struct Resource {
    std::string_view name;
    std::string_view waiting, waiting_help, stalled, stalled_help;
  };
  static constexpr Resource kResources[] = {
      {"cpu",
       "node_pressure_cpu_waiting_seconds_total",
       "Total time in seconds that processes have waited for CPU time",
       {},
       {}},
      {"io", "node_pressure_io_waiting_seconds_total",
       "Total time in seconds that processes have waited due to IO congestion",
       "node_pressure_io_stalled_seconds_total",
       "Total time in seconds no process could make progress due to IO congestion"},
      {"memory", "node_pressure_memory_waiting_seconds_total",
       "Total time in seconds that processes have waited for memory",
       "node_pressure_memory_stalled_seconds_total",
       "Total time in seconds no process could make progress due to memory congestion"},
  };
  for (size_t i = 0; i < std::size(kResources); ++i) {
    const Resource& r = kResources[i];
    const std::string& path = files_[i].path();
    Status st = files_[i].read(buf_);
    if (is_not_found(st)) {
      return Status::no_data(path + ": PSI unavailable (needs Linux >= 4.20 with CONFIG_PSI)");
    }
    if (!st.is_ok()) return st;
    PsiTotals t;
    if (!parse_psi(buf_, t)) return Status::error(path + ": malformed pressure line");
    // Two divisions, as node_exporter does, so the values are bit-identical.
    if (t.has_some) sink.counter(r.waiting, r.waiting_help, static_cast<double>(t.some_us) / 1000.0 / 1000.0);
    if (t.has_full && !r.stalled.empty()) {
      sink.counter(r.stalled, r.stalled_help, static_cast<double>(t.full_us) / 1000.0 / 1000.0);
    }
  }
  return Status::ok();
}

}  // namespace vigia::host

#include "exporters/probe/prober.h"

#include <algorithm>

namespace vigia::probe {
namespace {
thread_local const std::atomic<bool>* t_cancel = nullptr;
}  // namespace

void set_thread_cancel(const std::atomic<bool>* flag) { t_cancel = flag; }
bool cancelled() { return t_cancel && t_cancel->load(std::memory_order_relaxed); }

bool run_probe(std::string_view target, const Module& m, Clock::time_point deadline, MetricSink& sink,
               std::string& reason) {
  auto begun = Clock::now();
  // blackbox_exporter: the module's timeout when shorter than the caller's.
  if (m.timeout > 0) {
    auto own = begun + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(m.timeout));
    deadline = std::min(deadline, own);
  }
  if (deadline == Clock::time_point::max())
    deadline =
        begun + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(kDefaultTimeout));
  bool ok = false;
  reason.clear();
  if (m.prober == "http")
    ok = probe_http(target, m.http, deadline, sink, reason);
  else if (m.prober == "tcp")
    ok = probe_tcp(target, m.tcp, deadline, sink, reason);
  else if (m.prober == "dns")
    ok = probe_dns(target, m.dns, deadline, sink, reason);
  else if (m.prober == "icmp")
    ok = probe_icmp(target, m.icmp, deadline, sink, reason);
  else
    reason = "Unknown prober \"" + m.prober + "\"";
  double took = std::chrono::duration<double>(Clock::now() - begun).count();
  sink.gauge("probe_duration_seconds", "Returns how long the probe took to complete in seconds", took);
  sink.gauge("probe_success", "Displays whether or not the probe was a success", ok ? 1 : 0);
  return ok;
}

}  // namespace vigia::probe

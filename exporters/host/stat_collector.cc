#include "exporters/host/stat_collector.h"

#include <utility>

namespace vigia::host {

Status parse_proc_stat(std::string_view text, ProcStat& out) {
  out = ProcStat{};
  Status st;
  for_each_line(text, [&](std::string_view line) {
    if (!st.is_ok()) return;
    std::string_view key, value;
    int n = 0;
    for_each_field(line, [&](std::string_view f) {
      (n == 0 ? key : value) = f;
      return ++n < 2;
    });
    if (n < 2) return;
    if (key == "softirq") {
      int k = 0;
      bool ok = true;
      for_each_field(line.substr(line.find(key) + key.size()), [&](std::string_view f) {
        ok = parse_u64(f, out.softirq[k]);
        return ok && ++k < 11;
      });
      if (!ok) st = Status::error("couldn't parse \"" + std::string(line) + "\" (softirq)");
      return;
    }
    uint64_t* dst = key == "intr"            ? &out.intr
                    : key == "ctxt"          ? &out.ctxt
                    : key == "btime"         ? &out.btime
                    : key == "processes"     ? &out.processes
                    : key == "procs_running" ? &out.procs_running
                    : key == "procs_blocked" ? &out.procs_blocked
                                             : nullptr;
    if (dst && !parse_u64(value, *dst)) {
      st = Status::error("cannot parse \"" + std::string(line) + "\"");
    }
  });
  return st;
}

Status StatCollector::collect(const CollectContext&, MetricSink& sink) {
  Status st = file_.read(buf_);
  if (!st.is_ok()) return st;
  ProcStat s;
  st = parse_proc_stat(buf_, s);
  if (!st.is_ok()) return Status::error(file_.path() + ": " + st.message());
  auto d = [](uint64_t v) { return static_cast<double>(v); };
  sink.counter("node_intr_total", "Total number of interrupts serviced.", d(s.intr));
  sink.counter("node_context_switches_total", "Total number of context switches.", d(s.ctxt));
  sink.counter("node_forks_total", "Total number of forks.", d(s.processes));
  sink.gauge("node_boot_time_seconds", "Node boot time, in unixtime.", d(s.btime));
  sink.gauge("node_procs_running", "Number of processes in runnable state.", d(s.procs_running));
  sink.gauge("node_procs_blocked", "Number of processes blocked waiting for I/O to complete.",
             d(s.procs_blocked));
  if (softirq_) {
    // node_exporter's order (by name), with each vector's index in the softirq line.
    static constexpr std::pair<std::string_view, int> kVectors[] = {
        {"block", 5},  {"block_iopoll", 6}, {"hi", 1},    {"hrtimer", 9}, {"net_rx", 4},
        {"net_tx", 3}, {"rcu", 10},         {"sched", 8}, {"tasklet", 7}, {"timer", 2}};
    sink.family("node_softirqs_total", "Number of softirq calls.", MetricType::kCounter);
    for (const auto& [v, i] : kVectors) sink.sample("node_softirqs_total", {{"vector", v}}, d(s.softirq[i]));
  }
  return Status::ok();
}

}  // namespace vigia::host

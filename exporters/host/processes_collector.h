#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "core/collector.h"
#include "core/fs.h"

namespace vigia::host {

// The state letter and thread count of a /proc/<pid>/stat line ("1 (comm) S
// 0 ... num_threads ..."; comm may hold spaces and parentheses: the last ')'
// ends it). False if the line has fewer than 20 fields or a bad count.
bool parse_pid_stat(std::string_view text, std::string& state, uint64_t& threads);

// node_exporter 1.5's processes collector (off by default): every process of
// <procfs>/[0-9]* and its threads (task/*):
//   node_processes_threads, node_processes_max_threads,
//   node_processes_state{state}, node_processes_threads_state{thread_state},
//   node_processes_pids, node_processes_max_processes.
// Processes and threads that vanish while being read are skipped.
class ProcessesCollector final : public Collector {
 public:
  explicit ProcessesCollector(const HostPaths& paths) : proc_(paths.proc) {}
  std::string_view name() const override { return "processes"; }
  Status collect(const CollectContext& ctx, MetricSink& sink) override;

 private:
  std::string proc_;
  std::string buf_, state_;
};

}  // namespace vigia::host

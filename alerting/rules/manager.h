// The rule manager: the loaded groups, when each is due, their alert state
// kept durably, and what the API and /metrics show of them.
//
// evaluate_due(t) is the scheduler's step: it evaluates every group whose
// time has come (each group every interval from its first evaluation) and
// then saves the alert state if it changed. The caller's loop (cmd/vigia)
// reads the clock; tests call evaluate_due with the times they choose.
//
// State file: JSON, written whole to FILE.tmp.<pid> and renamed over FILE (so a
// kill -9 leaves the old or the new state, never a torn one). Restored
// alerts keep their state and since-times, and their last_sent_at, so a
// restart neither resets a pending `for` nor sends a firing alert again
// before its resend delay. (Prometheus restores `for` from its TSDB and
// shifts pending alerts by the downtime; vigia keeps the times as they were:
// a `for: 7d` counts the restart's minutes too.)
//
// Threading: evaluate_due and set_groups from the scheduler thread; the
// readers (snapshot, write_metrics) from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "alerting/rules/group.h"
#include "core/metric.h"
#include "core/status.h"

namespace vigia::alerting {

struct ManagerOptions {
  GroupOptions group;
  std::string state_file;  // "": alert state is not kept across restarts
};

class RuleManager {
 public:
  explicit RuleManager(ManagerOptions opts);
  RuleManager(const RuleManager&) = delete;
  RuleManager& operator=(const RuleManager&) = delete;

  // Replaces the groups. Alert state comes from the groups being replaced
  // (same file, group and rule name) or, on the first call, from the state
  // file. A state file that cannot be read is logged and ignored.
  void set_groups(std::vector<GroupDef> defs);

  // Evaluates the groups due at t_ms; returns when the next one is due.
  int64_t evaluate_due(int64_t t_ms, Querier& q, Appender* app, const NotifyFn& notify);

  // The longest interval of any group (for the store's retention).
  int64_t max_interval_ms() const;
  std::vector<Group::Snapshot> snapshot() const;
  // ALERTS and ALERTS_FOR_STATE (as Prometheus stores them, here as gauges
  // without timestamps) and vigia_rule_* self-metrics.
  void write_metrics(MetricSink& sink) const;

  Status save_state();
  // Fills `out` with the state file's alerts by rule (an opaque key).
  static Status read_state(const std::string& path,
                           std::vector<std::pair<std::string, std::vector<Alert>>>& out);

 private:
  struct Entry {
    std::unique_ptr<Group> group;
    int64_t next_ms = 0;  // 0: not evaluated yet
    uint64_t failures = 0;
  };
  std::string state_json() const;

  ManagerOptions opts_;
  mutable std::mutex mu_;  // guards groups_ (the vector; each group has its own mutex)
  std::vector<Entry> groups_;
  bool loaded_once_ = false;
  std::string last_saved_;
};

}  // namespace vigia::alerting

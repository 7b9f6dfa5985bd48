// Rule groups and the alert state machine, with Prometheus 2.42's semantics
// (rules/alerting.go, rules/recording.go, rules/group.go):
//  - a group evaluates its rules in order at one timestamp; each rule's output
//    (a recording rule's series; an alerting rule's ALERTS and
//    ALERTS_FOR_STATE) is committed before the next rule runs, so later rules
//    see it;
//  - an alert is pending from the first evaluation its expression returns its
//    label set (active_at), firing once it has been for `for`; a pending alert
//    that vanishes is dropped; a firing one is resolved (kept 15 minutes so the
//    resolution is sent) unless `keep_firing_for` keeps it firing;
//  - an evaluation error (many-to-many matching, duplicate label sets after
//    templating, a limit exceeded, a remote query failure) sets the rule's
//    health to "err" with the message; the other rules go on.
// Evaluation is a pure step of the time it is given: only the caller (the
// rule manager's scheduler) reads the clock.
//
// Threading: a Group is evaluated by one thread at a time; readers that run
// concurrently (the API) take the group's mutex and copy (snapshot()).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "alerting/promql/value.h"
#include "alerting/querier.h"
#include "alerting/rules/rule_file.h"

namespace vigia::alerting {

enum class AlertState { kInactive, kPending, kFiring };
std::string_view alert_state_name(AlertState s);  // "inactive", "pending", "firing"

struct Alert {
  AlertState state = AlertState::kInactive;
  promql::LabelSet labels;       // without __name__; alertname included
  promql::LabelSet annotations;  // expanded
  double value = 0;
  // Milliseconds since the epoch; 0 when not (yet) set.
  int64_t active_at = 0;
  int64_t fired_at = 0;
  int64_t resolved_at = 0;
  int64_t last_sent_at = 0;
  int64_t valid_until = 0;
  int64_t keep_firing_since = 0;
};

enum class RuleHealth { kUnknown, kOk, kErr };
std::string_view rule_health_name(RuleHealth h);  // "unknown", "ok", "err"

// Called with the alerts of one rule that need sending (firing ones every
// resend_delay, resolved ones once), as Prometheus's NotifyFunc.
using NotifyFn = std::function<void(const RuleDef& rule, const std::vector<Alert>& alerts)>;

struct GroupOptions {
  int64_t default_interval_ms = 15000;
  int64_t resend_delay_ms = 60000;             // Prometheus's --rules.alert.resend-delay
  int64_t resolved_retention_ms = 15 * 60000;  // how long a resolved alert is kept
  promql::LabelSet external_labels;            // $externalLabels in templates
  std::string external_url;                    // $externalURL
  // A firing alert whose series vanished while a target it names (same job,
  // instance or target label) is down — `up` or an area's `<area>_up` is 0 —
  // stays firing instead of resolving (vigia's evaluator; off in rule unit
  // tests, which follow Prometheus exactly).
  bool hold_on_down_target = false;
};

// The query of the down targets: every `up` or `*_up` series at 0.
inline constexpr const char* kDownTargetsExpr = R"({__name__=~"up|.+_up"} == 0)";

class Rule {
 public:
  explicit Rule(RuleDef def) : def_(std::move(def)) {}

  const RuleDef& def() const { return def_; }
  RuleHealth health() const { return health_; }
  const std::string& last_error() const { return last_error_; }
  int64_t last_eval_ms() const { return last_eval_ms_; }
  double eval_seconds() const { return eval_seconds_; }
  // Active alerts (pending, firing, and resolved ones still kept), by labels.
  const std::map<promql::LabelSet, Alert>& alerts() const { return alerts_; }
  // The rule's state as firing if any alert fires, else pending if any is
  // pending, else inactive (the rules API's "state").
  AlertState state() const;

  // Evaluates at t_ms. On success fills `out` with the series to store and
  // returns true; on failure sets health "err" and returns false.
  bool eval(int64_t t_ms, Querier& q, const GroupOptions& opts, int64_t limit, promql::Vector& out);
  // The alerts due to be sent at t_ms, marked sent (sendAlerts).
  std::vector<Alert> alerts_to_send(int64_t t_ms, int64_t resend_delay_ms, int64_t interval_ms);
  // Replaces the alerts with restored ones (the state file).
  void restore(std::vector<Alert> alerts);

 private:
  bool eval_alerting(int64_t t_ms, promql::Vector& result, const GroupOptions& opts, int64_t limit,
                     promql::Vector& out, Querier& q);

  RuleDef def_;
  RuleHealth health_ = RuleHealth::kUnknown;
  std::string last_error_;
  int64_t last_eval_ms_ = 0;
  double eval_seconds_ = 0;
  std::map<promql::LabelSet, Alert> alerts_;
};

class Group {
 public:
  Group(GroupDef def, GroupOptions opts);
  Group(const Group&) = delete;
  Group& operator=(const Group&) = delete;

  const std::string& name() const { return name_; }
  const std::string& file() const { return file_; }
  int64_t interval_ms() const { return interval_ms_; }
  int64_t limit() const { return limit_; }
  // "rules/<file>/<name>": the store source prefix of this group's outputs.
  const std::string& source() const { return source_; }

  // One evaluation at t_ms: each rule in order, outputs committed through
  // `app` (null: not stored) as source() + "/" + rule index; alerts due to be
  // sent go to `notify` (may be empty).
  void evaluate(int64_t t_ms, Querier& q, Appender* app, const NotifyFn& notify);
  // Marks every series the group stored stale (the group was removed).
  void end(int64_t t_ms, Appender& app);

  // Under the group's mutex: a copy for readers on other threads.
  struct Snapshot {
    std::string name, file;
    int64_t interval_ms = 0, limit = 0;
    int64_t last_eval_ms = 0;
    double eval_seconds = 0;
    std::vector<Rule> rules;
  };
  Snapshot snapshot() const;
  // Runs f on the rules under the mutex (restore, persistence).
  void with_rules(const std::function<void(std::vector<Rule>&)>& f);

 private:
  std::string name_, file_, source_;
  int64_t interval_ms_, limit_;
  GroupOptions opts_;
  mutable std::mutex mu_;
  std::vector<Rule> rules_;
  int64_t last_eval_ms_ = 0;
  double eval_seconds_ = 0;
};

}  // namespace vigia::alerting

// Inhibition, as Alertmanager 0.25's inhibit.Inhibitor: an alert matching a
// rule's target matchers is muted while a firing alert matching its source
// matchers has the same values for the rule's `equal` labels (a label
// missing on both sides counts as equal). An alert matching both sides of a
// rule is never inhibited by itself, nor by another alert that also matches
// both sides of that rule.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "alerting/notify/config.h"
#include "alerting/notify/model.h"

namespace vigia::notify {

class Inhibitor {
 public:
  explicit Inhibitor(const std::vector<InhibitRuleConfig>& rules);

  // The inhibitor's subscription to the alert store: each alert put there
  // (after the merge) is remembered by the rules whose source it matches.
  void put(const Alert& a);
  // Inhibitor.Mutes: whether the label set is inhibited at now_ms; `by` gets
  // the fingerprint of an inhibiting alert.
  bool mutes(const Labels& ls, int64_t now_ms, uint64_t* by = nullptr) const;
  bool empty() const { return rules_.empty(); }
  // The rules' source caches drop resolved alerts (every 15 minutes in
  // Alertmanager; resolved sources never inhibit, so the timing is moot).
  void gc(int64_t now_ms);

 private:
  struct Rule {
    Matchers source, target;
    std::vector<std::string> equal;
    std::map<uint64_t, Alert> sources;  // by fingerprint
  };
  std::vector<Rule> rules_;
};

}  // namespace vigia::notify

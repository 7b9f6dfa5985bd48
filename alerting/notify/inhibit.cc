#include "alerting/notify/inhibit.h"

namespace vigia::notify {

Inhibitor::Inhibitor(const std::vector<InhibitRuleConfig>& rules) {
  for (const auto& rc : rules) rules_.push_back(Rule{rc.source_matchers, rc.target_matchers, rc.equal, {}});
}

void Inhibitor::put(const Alert& a) {
  for (auto& r : rules_)
    if (matches(r.source, a.labels)) r.sources[fingerprint(a.labels)] = a;
}

bool Inhibitor::mutes(const Labels& ls, int64_t now_ms, uint64_t* by) const {
  for (const auto& r : rules_) {
    if (!matches(r.target, ls)) continue;
    // hasEqual(lset, excludeTwoSidedMatch = the target also matches the source side).
    bool two_sided = matches(r.source, ls);
    for (const auto& [fp, src] : r.sources) {
      if (src.resolved_at(now_ms)) continue;
      bool equal = true;
      for (const auto& name : r.equal)
        if (label_of(src.labels, name) != label_of(ls, name)) {
          equal = false;
          break;
        }
      if (!equal) continue;
      if (two_sided && matches(r.target, src.labels)) continue;
      if (by) *by = fp;
      return true;
    }
  }
  return false;
}

void Inhibitor::gc(int64_t now_ms) {
  for (auto& r : rules_)
    for (auto it = r.sources.begin(); it != r.sources.end();)
      it = it->second.resolved_at(now_ms) ? r.sources.erase(it) : std::next(it);
}

}  // namespace vigia::notify

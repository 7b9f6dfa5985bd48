#include "alerting/notify/route.h"

#include <algorithm>

namespace vigia::notify {

std::unique_ptr<Route> Route::build(const RouteConfig& cr, const Route* parent) {
  auto r = std::make_unique<Route>();
  r->parent_ = parent;
  RouteOpts opts = parent ? parent->opts_ : RouteOpts{};
  if (!cr.receiver.empty()) opts.receiver = cr.receiver;
  if (!cr.group_by.empty()) {
    opts.group_by = cr.group_by;
    std::sort(opts.group_by.begin(), opts.group_by.end());
    opts.group_by.erase(std::unique(opts.group_by.begin(), opts.group_by.end()), opts.group_by.end());
    opts.group_by_all = false;
  } else if (cr.group_by_all) {
    opts.group_by_all = true;
  }
  if (cr.group_wait_ms >= 0) opts.group_wait_ms = cr.group_wait_ms;
  if (cr.group_interval_ms >= 0) opts.group_interval_ms = cr.group_interval_ms;
  if (cr.repeat_interval_ms >= 0) opts.repeat_interval_ms = cr.repeat_interval_ms;
  opts.mute_time_intervals = cr.mute_time_intervals;
  opts.active_time_intervals = cr.active_time_intervals;
  r->opts_ = std::move(opts);
  r->matchers_ = cr.matchers;
  sort_matchers(r->matchers_);
  r->continue_ = cr.continue_matching;
  r->key_ = (parent ? parent->key_ + "/" : std::string()) + matchers_string(r->matchers_);
  for (const auto& child : cr.routes) r->routes_.push_back(build(child, r.get()));
  return r;
}

std::vector<const Route*> Route::match(const LabelSet& ls) const {
  if (!matches(matchers_, ls)) return {};
  std::vector<const Route*> all;
  for (const auto& child : routes_) {
    auto found = child->match(ls);
    all.insert(all.end(), found.begin(), found.end());
    if (!found.empty() && !child->continue_) break;
  }
  if (all.empty()) all.push_back(this);
  return all;
}

void Route::walk(const std::function<void(const Route&)>& visit) const {
  visit(*this);
  for (const auto& child : routes_) child->walk(visit);
}

LabelSet Route::group_labels(const LabelSet& alert_labels) const {
  LabelSet out;
  for (const auto& [name, value] : alert_labels)
    if (opts_.group_by_all || std::binary_search(opts_.group_by.begin(), opts_.group_by.end(), name))
      out.emplace_back(name, value);
  return out;
}

bool time_muted(const RouteOpts& opts, const TimeIntervals& intervals, int64_t now_ms) {
  for (const auto& name : opts.mute_time_intervals)
    if (in_time_interval(intervals, name, now_ms)) return true;
  if (opts.active_time_intervals.empty()) return false;
  for (const auto& name : opts.active_time_intervals)
    if (in_time_interval(intervals, name, now_ms)) return false;
  return true;
}

}  // namespace vigia::notify

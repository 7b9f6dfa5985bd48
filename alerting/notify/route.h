// The routing tree, as Alertmanager 0.25's dispatch.Route: each route's
// options inherited from its parent, Match() with `continue`, and Key().
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "alerting/notify/config.h"
#include "alerting/notify/matcher.h"

namespace vigia::notify {

// dispatch.RouteOpts. Defaults (dispatch.DefaultRouteOpts) for the root:
// group_wait 30s, group_interval 5m, repeat_interval 4h, no grouping.
struct RouteOpts {
  std::string receiver;
  std::vector<std::string> group_by;  // sorted, unique
  bool group_by_all = false;
  int64_t group_wait_ms = 30'000;
  int64_t group_interval_ms = 5 * 60'000;
  int64_t repeat_interval_ms = 4 * 3600'000;
  // Not inherited (as Alertmanager): a route's own lists only.
  std::vector<std::string> mute_time_intervals, active_time_intervals;
};

// The notify pipeline's TimeMuteStage and TimeActiveStage for a flush at
// now_ms: muted while now is in any of the route's mute_time_intervals, or
// when it has active_time_intervals and now is in none of them.
bool time_muted(const RouteOpts& opts, const TimeIntervals& intervals, int64_t now_ms);

class Route {
 public:
  // dispatch.NewRoute over the whole tree; `parent` null for the root.
  static std::unique_ptr<Route> build(const RouteConfig& cr, const Route* parent = nullptr);

  // Route.Match: the deepest matching routes; a child that matches stops the
  // search among its siblings unless it has `continue`; a matching route
  // none of whose children match is itself the result. Empty when this
  // route's matchers do not match.
  std::vector<const Route*> match(const LabelSet& ls) const;
  // Route.Key(): the parent's key, "/", and this route's sorted matchers
  // (`{}` for the root): `{}/{severity="page"}/{team=~"db|web"}`.
  const std::string& key() const { return key_; }
  const RouteOpts& opts() const { return opts_; }
  const Matchers& matchers() const { return matchers_; }
  bool continue_matching() const { return continue_; }
  const Route* parent() const { return parent_; }
  const std::vector<std::unique_ptr<Route>>& routes() const { return routes_; }
  // Visits this route, then its children depth first (Route.Walk).
  void walk(const std::function<void(const Route&)>& visit) const;

  // getGroupLabels: the alert's labels named in group_by (all with `...`).
  LabelSet group_labels(const LabelSet& alert_labels) const;

 private:
  const Route* parent_ = nullptr;
  RouteOpts opts_;
  Matchers matchers_;
  bool continue_ = false;
  std::string key_;
  std::vector<std::unique_ptr<Route>> routes_;
};

}  // namespace vigia::notify

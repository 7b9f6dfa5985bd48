#include "alerting/notify/dispatch.h"

#include <algorithm>
#include <utility>

#include "alerting/notify/matcher.h"

namespace vigia::notify {
namespace {

constexpr int64_t kCleanupMs = 30'000;  // the dispatcher's cleanup ticker

// The first multiple of `step` after `start` that is later than `now`.
int64_t next_tick(int64_t start, int64_t step, int64_t now) {
  if (now < start) return start + step;
  return start + ((now - start) / step + 1) * step;
}

// removeEmptyLabels.
void drop_empty_labels(Alert& a) {
  for (const auto& [n, v] : a.labels)
    if (v.empty()) {
      LabelSet ls = a.labels;
      std::erase_if(ls, [](const auto& l) { return l.second.empty(); });
      a.labels = ls;
      return;
    }
}

}  // namespace

void apply_intake_defaults(Alert& a, int64_t now_ms, int64_t resolve_timeout_ms) {
  a.updated_at_ms = now_ms;
  if (a.starts_at_ms == 0) a.starts_at_ms = a.ends_at_ms == 0 ? now_ms : a.ends_at_ms;
  if (a.ends_at_ms == 0) {
    a.timeout = true;
    a.ends_at_ms = now_ms + resolve_timeout_ms;
  }
  drop_empty_labels(a);
}

Alert merge_alerts(const Alert& a, const Alert& o, int64_t now_ms) {
  if (o.updated_at_ms < a.updated_at_ms) return merge_alerts(o, a, now_ms);
  Alert res = o;
  if (a.starts_at_ms < o.starts_at_ms) res.starts_at_ms = a.starts_at_ms;
  if (o.resolved_at(now_ms)) {
    if (a.resolved_at(now_ms) && a.ends_at_ms > o.ends_at_ms) res.ends_at_ms = a.ends_at_ms;
  } else if (a.ends_at_ms > o.ends_at_ms && !a.timeout) {
    res.ends_at_ms = a.ends_at_ms;
  }
  return res;
}

bool labelset_before(const LabelSet& a, const LabelSet& b) { return labelset_before(Labels(a), Labels(b)); }

bool alert_before(const Alert& a, const Alert& b) {
  for (std::string_view key : {"job", "instance"}) {
    bool ah = a.labels.has(key), bh = b.labels.has(key);
    if (!ah && !bh) continue;
    if (!ah) return false;
    if (!bh) return true;
    std::string_view av = a.labels.get(key), bv = b.labels.get(key);
    if (av != bv) return av < bv;
  }
  return labelset_before(a.labels, b.labels);
}

Dispatcher::Dispatcher(std::shared_ptr<const Route> route, int64_t start_ms, int64_t gc_interval_ms)
    : route_(std::move(route)),
      start_ms_(start_ms),
      next_cleanup_ms_(start_ms + kCleanupMs),
      gc_interval_ms_(gc_interval_ms > 0 ? gc_interval_ms : 30 * 60'000),
      next_gc_ms_(start_ms + gc_interval_ms_) {}

Alert Dispatcher::put(const Alert& in, int64_t now_ms) {
  Alert a = in;
  // Alertmanager's intake drops empty labels (removeEmptyLabels): none is stored.
  drop_empty_labels(a);
  uint64_t fp = fingerprint(a.labels);
  auto old = store_.find(fp);
  if (old != store_.end()) {
    const Alert& o = old->second;
    if ((a.ends_at_ms > o.starts_at_ms && a.ends_at_ms < o.ends_at_ms) ||
        (a.starts_at_ms > o.starts_at_ms && a.starts_at_ms < o.ends_at_ms))
      a = merge_alerts(o, a, now_ms);
  }
  store_[fp] = a;
  route_alert(a, now_ms);
  return a;
}

void Dispatcher::route_alert(const Alert& a, int64_t now_ms) {
  uint64_t fp = fingerprint(a.labels);
  LabelSet labels = a.labels;
  for (const Route* r : route_->match(labels)) {
    LabelSet gl = r->group_labels(labels);
    auto [it, created] = groups_.try_emplace({r, fingerprint(gl)});
    Group& g = it->second;
    if (created) {
      g.id = next_group_id_++;
      g.route = r;
      g.key = r->key() + ":" + go_labelset_string(gl);
      g.labels = std::move(gl);
      g.next_ms = now_ms + r->opts().group_wait_ms;
    }
    g.alerts[fp] = a;
    // An alert older than group_wait: the group's first flush is now.
    if (!g.has_flushed && a.starts_at_ms + r->opts().group_wait_ms < now_ms) g.next_ms = now_ms;
    wake_hint_ms_ = std::min(wake_hint_ms_, g.next_ms);
  }
}

int64_t Dispatcher::take_wake_hint_ms() {
  return std::exchange(wake_hint_ms_, std::numeric_limits<int64_t>::max());
}

void Dispatcher::cleanup(int64_t now_ms) {
  if (now_ms >= next_gc_ms_) {
    for (auto it = store_.begin(); it != store_.end();)
      it = it->second.resolved_at(now_ms) ? store_.erase(it) : std::next(it);
    next_gc_ms_ = next_tick(start_ms_, gc_interval_ms_, now_ms);
  }
  if (now_ms >= next_cleanup_ms_) {
    for (auto it = groups_.begin(); it != groups_.end();)
      it = it->second.alerts.empty() && !it->second.in_flight ? groups_.erase(it) : std::next(it);
    next_cleanup_ms_ = next_tick(start_ms_, kCleanupMs, now_ms);
  }
}

std::vector<Flush> Dispatcher::due(int64_t now_ms, size_t max) {
  cleanup(now_ms);
  std::vector<Flush> out;
  for (auto& [k, g] : groups_) {
    if (out.size() >= max) break;
    if (g.in_flight || g.next_ms > now_ms) continue;
    g.next_ms = now_ms + g.route->opts().group_interval_ms;
    g.has_flushed = true;
    if (g.alerts.empty()) continue;
    Flush f;
    f.group_id = g.id;
    f.route = g.route;
    f.opts = g.route->opts();
    Notification& n = f.notification;
    n.receiver = f.opts.receiver;
    n.group_key = g.key;
    n.group_labels = g.labels;
    n.now_ms = now_ms;
    n.repeat_interval_ms = f.opts.repeat_interval_ms;
    n.alerts.reserve(g.alerts.size());
    for (const auto& [fp, a] : g.alerts) {
      Alert copy = a;
      if (!copy.resolved_at(now_ms)) copy.ends_at_ms = 0;
      n.alerts.push_back(std::move(copy));
    }
    std::stable_sort(n.alerts.begin(), n.alerts.end(), alert_before);
    g.in_flight = true;
    out.push_back(std::move(f));
  }
  return out;
}

void Dispatcher::done(const Flush& f, bool ok) {
  // The group by its key (route, group labels), its id checked: it may have
  // been removed and made anew since the flush.
  auto found = groups_.find({f.route, fingerprint(f.notification.group_labels)});
  if (found == groups_.end() || found->second.id != f.group_id) return;
  {
    Group& g = found->second;
    g.in_flight = false;
    if (!ok) return;
    for (const auto& a : f.notification.alerts) {
      if (a.ends_at_ms == 0) continue;  // firing at the flush
      uint64_t fp = fingerprint(a.labels);
      auto got = g.alerts.find(fp);
      if (got != g.alerts.end() && got->second.updated_at_ms == a.updated_at_ms) g.alerts.erase(got);
    }
    return;
  }
}

int64_t Dispatcher::next_due_ms() const {
  int64_t next = std::numeric_limits<int64_t>::max();
  bool any_empty = false;
  for (const auto& [k, g] : groups_) {
    if (g.alerts.empty())
      any_empty = true;
    else if (!g.in_flight)
      next = std::min(next, g.next_ms);
  }
  if (any_empty) next = std::min(next, next_cleanup_ms_);
  if (!store_.empty()) next = std::min(next, next_gc_ms_);
  return next;
}

void Dispatcher::set_route(std::shared_ptr<const Route> route, int64_t now_ms) {
  groups_.clear();
  route_ = std::move(route);
  for (const auto& [fp, a] : store_) route_alert(a, now_ms);
}

std::vector<AlertSnapshot> Dispatcher::alerts() const {
  std::vector<AlertSnapshot> out;
  for (const auto& [fp, a] : store_) {
    AlertSnapshot s{a, fp, {}};
    for (const Route* r : route_->match(a.labels)) s.receivers.push_back(r->opts().receiver);
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<AlertGroupSnapshot> Dispatcher::groups() const {
  std::vector<AlertGroupSnapshot> out;
  for (const auto& [k, g] : groups_) {
    if (g.alerts.empty()) continue;
    AlertGroupSnapshot s{g.labels, g.route->opts().receiver, g.key, {}};
    for (const auto& [fp, a] : g.alerts) s.alerts.push_back(a);
    std::stable_sort(s.alerts.begin(), s.alerts.end(), alert_before);
    out.push_back(std::move(s));
  }
  std::stable_sort(out.begin(), out.end(), [](const AlertGroupSnapshot& a, const AlertGroupSnapshot& b) {
    if (a.labels == b.labels) return a.receiver < b.receiver;
    return labelset_before(a.labels, b.labels);
  });
  return out;
}

}  // namespace vigia::notify

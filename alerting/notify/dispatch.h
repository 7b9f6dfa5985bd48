// The alert store and aggregation groups, as Alertmanager 0.25's
// provider/mem, dispatch.Dispatcher and aggrGroup, driven by a stepped clock
// (no threads, no timers: the caller passes now_ms and asks what is due).
//
//   put(alert, now)  merges the alert into the store by fingerprint
//                    (types.Alert.Merge when the two overlap in time), routes
//                    it and inserts it into one aggregation group per
//                    matching route (created on the first alert, flushing
//                    group_wait later, or at once when the alert started
//                    more than group_wait ago and the group never flushed).
//   due(now)         the groups whose timer has fired: each flush holds the
//                    group's alerts at that instant (firing ones with ends_at
//                    0), ordered as types.AlertSlice; the group's next flush
//                    is group_interval later. A group with a flush in flight
//                    is not flushed again until done().
//   done(flush, ok)  after the caller's notify pipeline: on success, the
//                    flushed resolved alerts not updated since are removed
//                    from the group (aggrGroup.flush).
//
// Empty groups are removed every 30 s of the clock (the dispatcher's
// cleanup ticker) and resolved alerts leave the store every gc interval
// (--alerts.gc-interval, 30 minutes). repeat_interval and "send only if
// changed" are the notification log's decision; the flush carries them.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "alerting/notify/model.h"
#include "alerting/notify/route.h"

namespace vigia::notify {

// What Alertmanager's intake (postAlertsHandler) does to an alert before it
// is stored: updated_at = now; a missing starts_at is ends_at, or now; a
// missing ends_at is now + resolve_timeout, marked as a timeout; labels with
// an empty value dropped. put() expects alerts shaped so.
void apply_intake_defaults(Alert& a, int64_t now_ms, int64_t resolve_timeout_ms);

// types.Alert.Merge(o) at now_ms: the younger (by updated_at) wins, with the
// earliest starts_at and the latest explicit ends_at.
Alert merge_alerts(const Alert& a, const Alert& o, int64_t now_ms);
// model.LabelSet.Before.
bool labelset_before(const LabelSet& a, const LabelSet& b);
// types.AlertSlice's order: by job, then instance (an alert with the label
// first), then the label sets.
bool alert_before(const Alert& a, const Alert& b);

struct Flush {
  uint64_t group_id = 0;  // for done()
  const Route* route = nullptr;
  RouteOpts opts;
  // receiver, group_key, group_labels, alerts, now_ms, repeat_interval_ms.
  Notification notification;
};

// One aggregation group, for GET /api/v2/alerts/groups.
struct AlertGroupSnapshot {
  LabelSet labels;
  std::string receiver;
  std::string group_key;
  std::vector<Alert> alerts;  // as stored (ends_at as received), AlertSlice order
};

// An alert of the store with the receivers of the routes it matches
// (GET /api/v2/alerts).
struct AlertSnapshot {
  Alert alert;
  uint64_t fingerprint = 0;
  std::vector<std::string> receivers;
};

class Dispatcher {
 public:
  // `route` is the tree built from the config; it must outlive the flushes.
  Dispatcher(std::shared_ptr<const Route> route, int64_t start_ms, int64_t gc_interval_ms = 30 * 60'000);

  // provider/mem Put + the dispatcher's routing; returns the stored alert
  // (labels with an empty value dropped, as Alertmanager's intake does; feed
  // this one to the Inhibitor).
  Alert put(const Alert& a, int64_t now_ms);
  // At most `max` flushes (the rest stay due for the next call).
  std::vector<Flush> due(int64_t now_ms, size_t max = SIZE_MAX);
  void done(const Flush& f, bool ok);
  // The next instant due() has work; INT64_MAX when none.
  int64_t next_due_ms() const;
  // The earliest flush time of the groups put() touched since the last call
  // (INT64_MAX when none), and reset: a caller that sleeps until
  // next_due_ms() need wake only when this is earlier (a burst of alerts for
  // groups that flush later does not wake it once per batch).
  int64_t take_wake_hint_ms();

  // A new routing tree (a reload): groups are rebuilt from the store at
  // now_ms, as Alertmanager's new dispatcher re-reads every alert.
  void set_route(std::shared_ptr<const Route> route, int64_t now_ms);

  std::vector<AlertSnapshot> alerts() const;  // by fingerprint
  // Sorted as dispatch.AlertGroups: by labels (LabelSet.Before), then receiver.
  std::vector<AlertGroupSnapshot> groups() const;
  size_t group_count() const { return groups_.size(); }
  const Route& route() const { return *route_; }

 private:
  struct Group {
    uint64_t id = 0;
    const Route* route = nullptr;
    LabelSet labels;
    std::string key;
    std::map<uint64_t, Alert> alerts;  // by fingerprint
    int64_t next_ms = 0;
    bool has_flushed = false;
    bool in_flight = false;
  };
  void route_alert(const Alert& a, int64_t now_ms);
  void cleanup(int64_t now_ms);

  std::shared_ptr<const Route> route_;
  std::map<uint64_t, Alert> store_;  // by fingerprint
  // By (route, group labels' fingerprint); the id keeps done() safe.
  std::map<std::pair<const Route*, uint64_t>, Group> groups_;
  uint64_t next_group_id_ = 1;
  int64_t start_ms_ = 0;
  int64_t next_cleanup_ms_ = 0;
  int64_t gc_interval_ms_ = 0;
  int64_t next_gc_ms_ = 0;
  int64_t wake_hint_ms_ = std::numeric_limits<int64_t>::max();
};

}  // namespace vigia::notify

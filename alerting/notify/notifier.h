// The notifier: Alertmanager 0.25 for one machine, made durable. It joins the
// parts of alerting/notify/: alerts come in (put: vigia's evaluator in
// process, or POST /api/v2/alerts), the dispatcher routes them into
// aggregation groups, and each flushed group goes through Alertmanager's
// notify pipeline: the inhibitor and the route's time intervals and the
// silences mute what they mute, then the outbox (durable) decides per
// integration from the notification log what to send and delivers it.
//
// One thread runs the dispatcher's clock (flushes when due, maintenance
// every 30 s); the outbox delivers with a small pool of threads, each
// aggregation group on its own.
//
// Threading: every public method may be called from any thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <limits>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "alerting/notify/config.h"
#include "alerting/notify/dispatch.h"
#include "alerting/notify/model.h"
#include "alerting/notify/outbox.h"
#include "alerting/notify/silence.h"
#include "core/metric.h"
#include "core/status.h"

namespace vigia::alerting {
struct Alert;
}

namespace vigia::notify {

class Inhibitor;
class TemplateSet;
struct AlertStatus;

struct NotifierOptions {
  // The notify: section read (core/config.h keeps it); `configured` false
  // when there is none: alerts are then only logged.
  NotifyConfig config;
  bool configured = false;
  std::string config_dir;  // base of relative file names in the config
  std::string data_dir;    // silences, outbox, notification log; "" keeps them in memory
  std::string external_url;
  std::function<int64_t()> now;  // the clock (tests); default: the system's
};

// The routing tree, receivers and integrations of a config, built and
// checked (as `amtool check-config` does): every receiver's integrations
// read, the templates parsed. An error names file:line:column.
struct NotifyPlan;
Status build_notify_plan(const NotifierOptions& opts, std::shared_ptr<NotifyPlan>& out);

class Notifier {
 public:
  static Status create(NotifierOptions opts, std::unique_ptr<Notifier>& out);
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  void start();
  void stop();

  // Takes alerts (already validated, times set: see alert_json.h).
  void put(const std::vector<Alert>& alerts);
  // A new configuration; the old one keeps running when it is refused.
  // Alerts, groups' alerts, silences, the outbox and the log are kept.
  Status reload(NotifierOptions opts);

  bool configured() const;
  std::vector<std::string> receivers() const;
  // For the API: alerts with receivers and status, groups, silences.
  struct AlertView {
    Alert alert;
    std::vector<std::string> receivers;
    std::string state;  // active, suppressed
    std::vector<std::string> silenced_by, inhibited_by;
  };
  std::vector<AlertView> alerts() const;
  std::vector<AlertGroupSnapshot> groups() const;
  Silences& silences() { return silences_; }
  const Outbox& outbox() const { return *outbox_; }
  int64_t resolve_timeout_ms() const;
  int64_t now() const;
  const std::string& config_text() const { return config_text_; }
  // Sends a test notification to every integration of `receiver` now,
  // bypassing grouping and the log; the outcome of each, one per line.
  // False when there is no such receiver.
  bool send_test(const std::string& receiver, std::vector<std::string>& outcomes);

  // alertmanager_alerts{state}, alertmanager_silences{state},
  // alertmanager_alerts_received_total, the outbox's.
  void write_metrics(MetricSink& sink) const;

 private:
  explicit Notifier(NotifierOptions opts);
  void loop();
  // The pipeline's mute stages on a flushed group's notification: true when
  // `n` (its muted alerts removed) goes on to the outbox.
  bool flush(const RouteOpts& opts, Notification& n, int64_t now_ms);
  AlertView view(const Alert& a, const std::vector<std::string>& receivers, int64_t now_ms) const;

  NotifierOptions opts_;
  std::string config_text_;
  mutable std::mutex mu_;  // the plan, dispatcher and inhibitor
  std::shared_ptr<NotifyPlan> plan_;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::unique_ptr<Inhibitor> inhibitor_;
  Silences silences_;
  std::unique_ptr<Outbox> outbox_;
  uint64_t received_firing_ = 0, received_resolved_ = 0;
  std::condition_variable cv_;
  bool stopping_ = false, woken_ = false;
  // When the waiting loop wakes by itself (the clock's ms); INT64_MIN while
  // it runs (it reads the dispatcher again before it waits).
  int64_t loop_wake_ms_ = std::numeric_limits<int64_t>::min();
  std::thread thread_;
};

// The alerts of one rule as Prometheus sends them to an Alertmanager
// (rules.SendAlerts and the notifier's external labels): startsAt the firing
// time, endsAt the resolution or the alert's valid-until time, generatorURL
// the expression's table link under external_url, and the external labels
// the alert does not have.
std::vector<Alert> alerts_from_rule(const std::string& expr, const std::vector<alerting::Alert>& alerts,
                                    const LabelSet& external_labels, const std::string& external_url,
                                    int64_t now_ms);

}  // namespace vigia::notify

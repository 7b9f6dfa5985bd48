// Forwarding alerts to external Alertmanagers (alerting.alertmanagers), as
// Prometheus 2.42's notifier package does it:
//  - the evaluator hands over the alerts due (firing ones when new or every
//    resend_delay, resolved ones while kept; Rule::alerts_to_send) with
//    Prometheus's startsAt/endsAt/generatorURL and the external labels
//    (notify::alerts_from_rule); send() only queues them, so an Alertmanager
//    that hangs never holds up the evaluation or the in-process notifier;
//  - a bounded queue (10000 alerts): when full, the oldest are dropped and
//    counted;
//  - a sender thread takes up to 64 alerts at a time and POSTs them as
//    Alertmanager's API v2 postableAlerts to <url>/api/v2/alerts of every
//    Alertmanager at once, waiting for all (each within its timeout); a
//    batch that no Alertmanager accepted (2xx) is counted as dropped (no
//    retry: the next resend carries the alerts again).
// Metrics: Prometheus's prometheus_notifications_* under vigia_ (see
// write_metrics). Errors are logged with the Alertmanager's URL, never a
// password.
//
// Threading: send(), write_metrics() and queue_length() from any thread;
// start()/stop() from the owner. Without start(), flush_batch() sends one
// batch on the caller's thread (unit tests).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "alerting/notify/model.h"
#include "core/config.h"
#include "core/http_client.h"
#include "core/metric.h"

namespace vigia::alerting {

// Prometheus's --alertmanager.notification-queue-capacity default.
inline constexpr size_t kForwardQueueCapacity = 10000;
// Prometheus's notifier.maxBatchSize.
inline constexpr size_t kForwardBatchSize = 64;

struct ForwarderOptions {
  std::vector<AlertmanagerTarget> alertmanagers;
  size_t queue_capacity = kForwardQueueCapacity;
  // Sends one request to Alertmanager `index` (tests); empty: over HTTP. Called
  // from one thread per Alertmanager at once: it must be thread-safe.
  std::function<HttpClientResponse(size_t index, const HttpClientRequest& req)> post;
};

class Forwarder {
 public:
  explicit Forwarder(ForwarderOptions opts);
  // The config's alertmanagers' forwarder; null without any.
  static std::unique_ptr<Forwarder> create(const AlertingConfig& config);
  ~Forwarder();
  Forwarder(const Forwarder&) = delete;
  Forwarder& operator=(const Forwarder&) = delete;

  // Queues the alerts (never blocks on the network).
  void send(const std::vector<notify::Alert>& alerts);
  void start();
  // Ends the sender thread; a POST in flight is interrupted.
  void stop();
  // Sends the next batch now; false if the queue was empty.
  bool flush_batch();

  size_t queue_length() const;
  // vigia_notifications_{sent,errors}_total{alertmanager},
  // vigia_notifications_latency_seconds{alertmanager} (sum and count),
  // vigia_notifications_dropped_total, vigia_notifications_queue_{length,capacity},
  // vigia_notifications_alertmanagers_discovered.
  void write_metrics(MetricSink& sink) const;

  // The body Prometheus POSTs: postableAlerts, fields as Prometheus's
  // alertsToOpenAPIAlerts fills them.
  static std::string postable_alerts_json(const std::vector<notify::Alert>& alerts);

 private:
  struct Target;
  void loop();
  // POSTs the batch to every Alertmanager; true if one accepted it.
  bool send_all(const std::vector<notify::Alert>& batch);
  void send_one(Target& t, const std::string& body, int64_t count,
                std::chrono::steady_clock::time_point begin);

  ForwarderOptions opts_;
  std::vector<std::unique_ptr<Target>> targets_;
  mutable std::mutex mu_;  // queue_, stopping_
  std::condition_variable cv_;
  std::deque<notify::Alert> queue_;
  bool stopping_ = false;
  std::atomic<uint64_t> dropped_{0};
  std::thread thread_;
};

}  // namespace vigia::alerting

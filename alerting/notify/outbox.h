// Delivery: the durable outbox, the notification log and the receivers'
// delivery threads (Alertmanager's notify pipeline from the dedup stage on:
// DedupStage, RetryStage, SetNotifiesStage, and its nflog), made durable:
//
//  - submit() is called with each flushed group for one receiver. For each
//    of the receiver's integrations it decides, as Alertmanager's
//    DedupStage.needsUpdate, from the notification log (what was last
//    delivered to that integration for that group) whether to send. If so,
//    the notification is written to the outbox journal (fsynced) before
//    submit() returns; it replaces an older undelivered notification of the
//    same group and integration when their alerts differ (the newer state
//    supersedes it; with the same alerts the older one, its idempotency key
//    and its retries go on). If not, an undelivered older one is dropped
//    (what was delivered is current).
//  - A pool of delivery threads (at most Options::max_in_flight deliveries
//    at once, 8 by default) delivers the outbox items, the earliest due first.
//    Each group's pipeline runs independently, as Alertmanager's aggregation
//    groups do: deliveries of different groups and integrations proceed
//    concurrently, while one group's notifications to one integration go one
//    at a time and in order (a newer one waits for the one in flight). An
//    integration never holds more than max_in_flight - 1 threads, so hanging
//    receivers of one integration leave a thread for the others. An
//    item leaves the outbox only when the receiver accepted it (then the
//    notification log records its firing and resolved alerts, fsynced) or
//    refused it for good (a 4xx: not retried, and logged as if delivered, so
//    the same alerts wait for the repeat interval). A network error, timeout or
//    5xx is retried with a doubling backoff (1 s to the group interval, at
//    most 5 min). A hanging receiver holds only its own delivery.
//  - After kill -9 or a reboot, open() reloads both: every notification not
//    yet delivered is delivered, and the notification log keeps what was
//    delivered from being sent again. The windows left: a crash after the
//    receiver accepted and before the log was written, and a power loss
//    before its sync: that notification is sent again, with the same
//    Idempotency-Key header.
//  - An exec integration's outcome (exit status, first lines of output) goes
//    on to the receiver's other integrations: the group's alerts with the
//    annotation `remediation` ("succeeded: exit status 0; output: ..."), as
//    an item of their own (durable, retried, not in the notification log).
//  - A write that fails (a full disk) is logged and counted
//    (vigia_notify_outbox_write_errors_total); delivery goes on from memory
//    and the files catch up when space is back.
//
// Threading: every public method may be called from any thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <tuple>
#include <string>
#include <thread>
#include <vector>

#include "alerting/notify/journal.h"
#include "alerting/notify/model.h"
#include "core/metric.h"
#include "core/status.h"

namespace vigia::notify {

// The notification log's entry of one group and integration: the alerts
// (fingerprints) of the last delivered notification, and when.
struct NflogEntry {
  std::set<uint64_t> firing, resolved;
  int64_t timestamp_ms = 0;
};

// DedupStage.needsUpdate: whether a flush with these firing and resolved
// alerts must be sent, given the last delivered entry (null: none).
bool needs_update(const NflogEntry* last, const std::set<uint64_t>& firing,
                  const std::set<uint64_t>& resolved, bool send_resolved, int64_t repeat_interval_ms,
                  int64_t now_ms);

// A receiver's integration, named as Alertmanager names it in its
// notification log: "<receiver>/<kind>/<index>".
struct NamedIntegration {
  std::string receiver;
  size_t index = 0;
  std::shared_ptr<Integration> integration;
  std::string key() const;
};

// One line of the audit log (GET /api/v1/notifications).
struct DeliveryRecord {
  int64_t time_ms = 0;
  std::string receiver, integration, group_key, status;  // status: delivered, failed, retrying, superseded
  int attempts = 0;
  std::string error, detail;
};

class Outbox {
 public:
  struct Options {
    std::string dir;  // outbox.jsonl and nflog.jsonl; "" keeps them in memory only
    int64_t nflog_retention_ms = 120LL * 3600 * 1000;
    std::chrono::milliseconds delivery_timeout{30000};
    int64_t max_backoff_ms = 5 * 60 * 1000;
    // Deliveries in flight at once (threads, started as needed); at least 2.
    int max_in_flight = 8;
    std::function<int64_t()> now;  // the clock (tests); default: the system's
  };
  explicit Outbox(Options opts);
  ~Outbox();
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  // Loads the journals (skipped records are logged).
  Status open();
  // The integrations (at start and on reload); a delivery in flight to a
  // removed one finishes (within its timeout). Outbox items of an
  // integration that no longer exists are kept until it exists again or
  // they are older than the retention.
  void set_integrations(std::vector<NamedIntegration> integrations);
  // A flushed group for one receiver (see above). group_interval_ms bounds the backoff.
  void submit(const Notification& n, int64_t group_interval_ms);
  // Several flushes (with their group intervals) durable together: one sync.
  void submit_all(const std::vector<std::pair<Notification, int64_t>>& flushes);
  // Ends the delivery threads (deliveries in flight finish first, within
  // their timeout); undelivered items stay in the outbox.
  void stop();
  // Forgets log entries older than the retention; retries failed writes.
  void maintain();

  // The most recent deliveries, newest first (at most `limit`), of one
  // receiver or all ("").
  std::vector<DeliveryRecord> recent(const std::string& receiver, size_t limit) const;
  size_t pending() const;
  // alertmanager_notifications_total{integration}, _failed_total,
  // alertmanager_notification_latency_seconds, vigia_notify_outbox_*.
  void write_metrics(MetricSink& sink) const;

 private:
  struct Item;
  struct Worker;
  void submit_locked(const Notification& n, int64_t group_interval_ms);
  // The delivery queue of an item's integration (items not in flight).
  void enqueue(Item* it);
  void dequeue(Item* it);
  std::string item_json(const Item& it) const;
  std::string new_id();
  void sync_nflog();
  void forward_outcome(const Worker& from, const Notification& n, const DeliveryResult& res,
                       int64_t group_interval_ms, int64_t now_ms);
  void run();
  // The earliest due item a thread may deliver now (null: none), and the
  // time the next one is due (INT64_MAX: none queued).
  Item* pick(int64_t now_ms, std::shared_ptr<Worker>& w, int64_t& next_ms);
  void deliver(const std::shared_ptr<Worker>& w, Item* due, std::unique_lock<std::mutex>& lk);
  void spawn_if_needed();
  void record(DeliveryRecord r);
  void write_item(const Item& it);
  int64_t now() const;

  Options opts_;
  mutable std::mutex mu_;
  Journal outbox_, nflog_;
  std::map<std::string, NflogEntry> log_;                   // nflog key -> entry
  std::map<std::string, std::unique_ptr<Item>> items_;      // nflog key -> undelivered notification
  std::map<std::string, std::shared_ptr<Worker>> workers_;  // integration key
  // The delivery pool: threads, those waiting for work, and the nflog keys
  // (integration and group) being delivered.
  std::vector<std::thread> threads_;
  size_t idle_ = 0;
  std::set<std::string> in_flight_keys_;
  std::condition_variable cv_;
  std::deque<DeliveryRecord> audit_;
  std::mt19937_64 rng_{std::random_device{}()};
  int64_t nflog_unsynced_since_ = 0;  // the first delivery logged and not yet synced; 0: none
  struct Counts {
    uint64_t total = 0, failed = 0;
    double latency_sum = 0;
  };
  std::map<std::string, Counts> counts_;  // by integration kind
  bool stopping_ = false;
};

}  // namespace vigia::notify

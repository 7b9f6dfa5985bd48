#include "alerting/notify/outbox.h"

#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <random>

#include <nlohmann/json.hpp>

#include "alerting/notify/outbox_text.h"
#include "core/log.h"
#include "core/strconv.h"

namespace vigia::notify {
namespace {

using json = nlohmann::json;
using namespace outbox_text;  // NOLINT(google-build-using-namespace): the file format's helpers

int64_t system_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool is_subset(const std::set<uint64_t>& a, const std::set<uint64_t>& b) {  // a ⊆ b
  return std::includes(b.begin(), b.end(), a.begin(), a.end());
}

}  // namespace

bool needs_update(const NflogEntry* last, const std::set<uint64_t>& firing,
                  const std::set<uint64_t>& resolved, bool send_resolved, int64_t repeat_interval_ms,
                  int64_t now_ms) {
  // Nothing sent yet for the group: send if something fires.
  if (!last) return !firing.empty();
  // New firing alerts since the last notification.
  if (!is_subset(firing, last->firing)) return true;
  // Everything resolved: send once, whatever send_resolved, so that the log
  // forgets the firing alerts; unless nothing that fired was ever sent.
  if (firing.empty()) return !last->firing.empty();
  if (send_resolved && !is_subset(resolved, last->resolved)) return true;
  // Nothing changed: only once the repeat interval has passed.
  return last->timestamp_ms < now_ms - repeat_interval_ms;
}

std::string NamedIntegration::key() const {
  return receiver + "/" + std::string(integration->kind()) + "/" + std::to_string(index);
}

struct Outbox::Item {
  std::string id;    // the idempotency key
  std::string key;   // in items_ and the outbox file: integration ":" group key
  std::string ikey;  // the integration
  Notification n;
  std::set<uint64_t> firing, resolved;
  int64_t created_ms = 0, next_ms = 0, group_interval_ms = 0;
  int attempts = 0;
  std::string last_error;
  bool in_flight = false;
  // An exec's outcome sent on to another integration (forward_outcome): an
  // event, not the group's state, so the notification log does not record it.
  bool remediation = false;
};

struct Outbox::Worker {
  NamedIntegration ni;
  std::string key;
  // Its items not in flight, by (next attempt, creation): the next to
  // deliver first.
  std::set<std::tuple<int64_t, int64_t, Outbox::Item*>> queue;
  int in_flight = 0;  // its deliveries under way
};

Outbox::Outbox(Options opts) : opts_(std::move(opts)) {}

std::string Outbox::new_id() {
  static const char* hex = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < 2; ++i) {
    uint64_t r = rng_();
    for (int k = 0; k < 16; ++k) s += hex[(r >> (4 * k)) & 15];
  }
  return s;
}

void Outbox::enqueue(Item* it) {
  auto w = workers_.find(it->ikey);
  if (w != workers_.end() && !it->in_flight) {
    w->second->queue.emplace(it->next_ms, it->created_ms, it);
    cv_.notify_all();
    spawn_if_needed();
  }
}

void Outbox::spawn_if_needed() {
  // Threads are started as work comes, one more whenever none waits for it
  // (so at most one waits idle beyond those the queues keep busy).
  if (stopping_ || idle_ > 0 || workers_.empty()) return;
  if (threads_.size() >= size_t(std::max(2, opts_.max_in_flight))) return;
  threads_.emplace_back([this] { run(); });
}

void Outbox::dequeue(Item* it) {
  auto w = workers_.find(it->ikey);
  if (w != workers_.end()) w->second->queue.erase({it->next_ms, it->created_ms, it});
}

Outbox::~Outbox() { stop(); }

int64_t Outbox::now() const { return opts_.now ? opts_.now() : system_now_ms(); }

Status Outbox::open() {
  std::lock_guard lk(mu_);
  std::string dir = opts_.dir;
  size_t skipped_o = 0, skipped_n = 0;
  Status so = outbox_.open(dir.empty() ? "" : dir + "/outbox.jsonl", &skipped_o);
  Status sn = nflog_.open(dir.empty() ? "" : dir + "/nflog.jsonl", &skipped_n);
  if (skipped_o + skipped_n)
    log::warn("Skipped unreadable notifier records", {{"count", std::to_string(skipped_o + skipped_n)}});
  for (const auto& [key, text] : nflog_.entries()) {
    json j = json::parse(text, nullptr, false);
    try {
      NflogEntry e{fps_from(j.at("firing")), fps_from(j.at("resolved")), j.at("ts").get<int64_t>()};
      log_[key] = std::move(e);
    } catch (const std::exception&) {
    }
  }
  for (const auto& [key, text] : outbox_.entries()) {
    json j = json::parse(text, nullptr, false);
    try {
      auto it = std::make_unique<Item>();
      it->key = key;
      it->id = j.at("id").get<std::string>();
      it->ikey = j.at("integration").get<std::string>();
      it->n = notification_from(j.at("notification"));
      it->firing = fps_from(j.at("firing"));
      it->resolved = fps_from(j.at("resolved"));
      it->created_ms = j.at("created").get<int64_t>();
      it->group_interval_ms = j.at("groupInterval").get<int64_t>();
      it->attempts = j.at("attempts").get<int>();
      it->remediation = j.value("remediation", false);
      it->next_ms = 0;  // due now
      items_[key] = std::move(it);
    } catch (const std::exception&) {
    }
  }
  if (!items_.empty())
    log::info("Undelivered notifications loaded", {{"count", std::to_string(items_.size())}});
  // The items hold the outbox's content from now on; a rewrite of its file
  // (compaction, or catching up after a failed write) serializes them.
  outbox_.keep_keys_only([this](const std::string& key) {
    auto it = items_.find(key);
    return it == items_.end() ? std::string() : item_json(*it->second);
  });
  return so.is_ok() ? sn : so;
}

std::string Outbox::item_json(const Item& it) const {
  std::string out;
  out.reserve(512 * (it.n.alerts.size() + 1));
  out += '{';
  append_key(out, "id");
  append_json_string(out, it.id);
  out += ',';
  append_key(out, "integration");
  append_json_string(out, it.ikey);
  out += ',';
  append_key(out, "notification");
  append_notification(out, it.n);
  out += ",\"firing\":";
  append_fps(out, it.firing);
  out += ",\"resolved\":";
  append_fps(out, it.resolved);
  out += ",\"created\":" + std::to_string(it.created_ms) +
         ",\"groupInterval\":" + std::to_string(it.group_interval_ms) +
         ",\"attempts\":" + std::to_string(it.attempts) + (it.remediation ? ",\"remediation\":true}" : "}");
  return out;
}

void Outbox::write_item(const Item& it) {
  Status st = outbox_.put(it.key, item_json(it));
  if (!st.is_ok())
    log::error("Writing the notification outbox failed; delivering from memory", {{"err", st.message()}});
}

void Outbox::set_integrations(std::vector<NamedIntegration> integrations) {
  std::lock_guard lk(mu_);
  // A delivery in flight to a replaced integration keeps its Worker (shared)
  // and finishes; its group's key stays in flight until then, so the new
  // Worker of the same integration does not deliver that group meanwhile.
  std::map<std::string, std::shared_ptr<Worker>> next;
  for (auto& ni : integrations) {
    std::string key = ni.key();
    auto w = std::make_shared<Worker>();
    w->ni = std::move(ni);
    w->key = key;
    next[key] = std::move(w);
  }
  workers_ = std::move(next);
  for (auto& [key, it] : items_) enqueue(it.get());
  spawn_if_needed();
  cv_.notify_all();
}

void Outbox::submit(const Notification& n, int64_t group_interval_ms) {
  std::lock_guard lk(mu_);
  submit_locked(n, group_interval_ms);
}

void Outbox::submit_all(const std::vector<std::pair<Notification, int64_t>>& flushes) {
  std::lock_guard lk(mu_);
  // One fdatasync for the whole flush cycle (a group commit), before any
  // delivery thread can take the lock and send one of them.
  outbox_.begin_batch();
  nflog_.begin_batch();
  for (const auto& [n, gi] : flushes) submit_locked(n, gi);
  Status a = outbox_.end_batch(), b = nflog_.end_batch();
  if (!a.is_ok() || !b.is_ok())
    log::error("Writing the notification outbox failed; delivering from memory",
               {{"err", (a.is_ok() ? b : a).message()}});
}

void Outbox::submit_locked(const Notification& n, int64_t group_interval_ms) {
  std::set<uint64_t> firing, resolved;
  for (const auto& a : n.alerts) (a.resolved_at(n.now_ms) ? resolved : firing).insert(fingerprint(a.labels));
  for (auto& [ikey, w] : workers_) {
    if (w->ni.receiver != n.receiver) continue;
    std::string key = ikey + ":" + n.group_key;
    bool send_resolved = w->ni.integration->send_resolved();
    auto le = log_.find(key);
    bool need = needs_update(le == log_.end() ? nullptr : &le->second, firing, resolved, send_resolved,
                             n.repeat_interval_ms, n.now_ms);
    auto old = items_.find(key);
    if (!need || (!send_resolved && firing.empty())) {
      // The delivered state is current: an older undelivered notification is obsolete.
      if (old != items_.end() && !old->second->in_flight) {
        record({n.now_ms, n.receiver, std::string(w->ni.integration->kind()), n.group_key, "superseded",
                old->second->attempts, old->second->last_error, ""});
        dequeue(old->second.get());
        items_.erase(old);
        (void)outbox_.erase(key, false);
      }
      // Only resolved alerts for an integration that does not send them:
      // logged as notified (Alertmanager's RetryStage and SetNotifiesStage).
      if (need) {
        log_[key] = NflogEntry{firing, resolved, n.now_ms};
        (void)nflog_.put(key, nflog_json(firing, resolved, n.now_ms));
      }
      continue;
    }
    // The same content as the undelivered one: keep it (its idempotency key,
    // attempts and backoff); a flush does not restart the retries.
    if (old != items_.end() && old->second->firing == firing && old->second->resolved == resolved) continue;
    auto it = std::make_unique<Item>();
    it->id = new_id();
    it->key = key;
    it->ikey = ikey;
    it->n = n;
    if (!send_resolved)
      it->n.alerts.erase(std::remove_if(it->n.alerts.begin(), it->n.alerts.end(),
                                        [&](const Alert& a) { return a.resolved_at(n.now_ms); }),
                         it->n.alerts.end());
    it->firing = firing;
    it->resolved = resolved;
    it->created_ms = n.now_ms;
    it->group_interval_ms = group_interval_ms;
    if (old != items_.end()) {
      it->attempts = 0;
      if (!old->second->in_flight) {
        record({n.now_ms, n.receiver, std::string(w->ni.integration->kind()), n.group_key, "superseded",
                old->second->attempts, old->second->last_error, ""});
        dequeue(old->second.get());
      }
    }
    Item* item = it.get();
    items_[key] = std::move(it);  // before the write: a rewrite of the file reads items_
    write_item(*item);
    enqueue(item);
  }
}

void Outbox::run() {
  std::unique_lock lk(mu_);
  while (!stopping_) {
    std::shared_ptr<Worker> w;
    int64_t t = now(), next = INT64_MAX;
    if (Item* due = pick(t, w, next)) {
      // Another item may be due with no thread left waiting (several were
      // queued while one thread waited): one more thread takes it.
      spawn_if_needed();
      deliver(w, due, lk);
      continue;
    }
    // Nothing due and no delivery in flight (the burst is over): make the
    // log of what was delivered durable, then wait for a submit, the end of
    // a delivery, or the earliest retry. While deliveries are still in
    // flight, the last one to end syncs, and a long burst syncs at least
    // once a second (deliver()): one fdatasync per burst, not one each time
    // one of the pool's threads finds nothing to take (150 of the 180
    // fdatasyncs of 1 000 webhooks before, bench/README.md).
    if (in_flight_keys_.empty()) sync_nflog();
    ++idle_;
    if (next == INT64_MAX)
      cv_.wait(lk);
    else
      cv_.wait_for(lk, std::chrono::milliseconds(std::clamp<int64_t>(next - t, 1, 60000)));
    --idle_;
  }
}

Outbox::Item* Outbox::pick(int64_t now_ms, std::shared_ptr<Worker>& w, int64_t& next_ms) {
  // An integration keeps a thread free for the others.
  int cap = std::max(1, std::max(2, opts_.max_in_flight) - 1);
  Item* best = nullptr;
  for (auto& [key, cand] : workers_) {
    if (cand->in_flight >= cap) continue;  // picked again when one of its deliveries ends
    for (const auto& [next, created, item] : cand->queue) {
      if (in_flight_keys_.count(item->key)) continue;  // after the group's delivery in flight
      if (next > now_ms) {
        next_ms = std::min(next_ms, next);
        break;
      }
      if (!best || std::tie(next, created) < std::tie(best->next_ms, best->created_ms)) {
        best = item;
        w = cand;
      }
      break;
    }
  }
  return best;
}

void Outbox::deliver(const std::shared_ptr<Worker>& w, Item* due, std::unique_lock<std::mutex>& lk) {
  int64_t t = now();
  w->queue.erase({due->next_ms, due->created_ms, due});
  std::string key = due->key;
  // A delivery of the group that ended after this item was written may have
  // made it redundant (the same alerts, within the repeat interval).
  if (auto le = log_.find(key);
      le != log_.end() && due->attempts == 0 &&
      !needs_update(&le->second, due->firing, due->resolved, w->ni.integration->send_resolved(),
                    due->n.repeat_interval_ms, due->n.now_ms)) {
    record({t, w->ni.receiver, std::string(w->ni.integration->kind()), due->n.group_key, "superseded", 0, "",
            ""});
    items_.erase(key);
    (void)outbox_.erase(key, false);
    return;
  }
  due->in_flight = true;
  in_flight_keys_.insert(key);
  w->in_flight++;
  // Copies: a submit may replace (and free) the item while it is delivered.
  Notification n = due->n;
  std::string id = due->id;
  std::set<uint64_t> sent_firing = due->firing, sent_resolved = due->resolved;
  bool remediation = due->remediation;
  int64_t group_interval_ms = due->group_interval_ms;
  DeliveryContext ctx{id, opts_.delivery_timeout};
  std::shared_ptr<Integration> integ = w->ni.integration;
  std::string kind(integ->kind());
  lk.unlock();
  auto start = std::chrono::steady_clock::now();
  DeliveryResult res;
  try {
    res = integ->deliver(n, ctx);
  } catch (const std::exception& e) {
    res.ok = false;
    res.retryable = true;
    res.error = std::string("internal error: ") + e.what();
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  lk.lock();
  in_flight_keys_.erase(key);
  w->in_flight--;
  cv_.notify_all();  // the group's next notification, or the integration's, may go now
  t = now();
  Counts& c = counts_[kind];
  c.latency_sum += secs;
  auto cur = items_.find(key);
  Item* item = cur != items_.end() && cur->second->id == id ? cur->second.get() : nullptr;
  int attempts = (item ? item->attempts : 0) + 1;
  if (attempts == 1) c.total++;
  // A command that ran: its outcome goes on to the receiver's other integrations.
  if (kind == "exec" && !res.detail.empty() && !remediation)
    forward_outcome(*w, n, res, group_interval_ms, t);
  if (res.ok) {
    // What was delivered (a newer item for the group, if one replaced this
    // one meanwhile, stays in the outbox and is compared with this).
    if (!remediation) {
      NflogEntry& e = log_[key];
      e = NflogEntry{sent_firing, sent_resolved, n.now_ms};
      Status st = nflog_.put(key, nflog_json(e.firing, e.resolved, e.timestamp_ms), false);
      if (!st.is_ok()) log::error("Writing the notification log failed", {{"err", st.message()}});
      if (nflog_unsynced_since_ == 0) nflog_unsynced_since_ = t;
      if (t - nflog_unsynced_since_ >= 1000) sync_nflog();
    }
    record({t, w->ni.receiver, kind, n.group_key, "delivered", attempts, "", res.detail});
    if (item) {
      items_.erase(cur);
      (void)outbox_.erase(key, false);
      // A burst delivered: give its memory back to the system (glibc keeps
      // freed memory in its arenas otherwise; a small host wants it back).
      if (items_.empty()) ::malloc_trim(0);
    }
    return;
  }
  log::warn("Notify attempt failed", {{"receiver", w->ni.receiver},
                                      {"integration", kind},
                                      {"attempts", std::to_string(attempts)},
                                      {"err", res.error}});
  if (!res.retryable) {
    // Refused for good (a 4xx): not retried, and the same alerts are not sent
    // again before the repeat interval, as if delivered; a change of the
    // group's alerts is sent (it may be accepted).
    c.failed++;
    if (!remediation) {
      log_[key] = NflogEntry{sent_firing, sent_resolved, n.now_ms};
      (void)nflog_.put(key, nflog_json(sent_firing, sent_resolved, n.now_ms));
    }
    record({t, w->ni.receiver, kind, n.group_key, "failed", attempts, res.error, res.detail});
    if (item) {
      items_.erase(cur);
      (void)outbox_.erase(key, false);
    }
    return;
  }
  record({t, w->ni.receiver, kind, n.group_key, "retrying", attempts, res.error, res.detail});
  if (item) {
    item->in_flight = false;
    item->attempts = attempts;
    item->last_error = res.error;
    int64_t cap = std::min<int64_t>(opts_.max_backoff_ms, std::max<int64_t>(item->group_interval_ms, 1000));
    int64_t delay = 1000;
    for (int i = 1; i < attempts && delay < cap; ++i) delay *= 2;
    item->next_ms = t + std::min(delay, cap);
    enqueue(item);
  }
}

void Outbox::forward_outcome(const Worker& from, const Notification& n, const DeliveryResult& res,
                             int64_t group_interval_ms, int64_t now_ms) {
  // The seeds' "mail, then restart": the mail tells what the restart did. The
  // group's alerts, each with the annotation `remediation`, as a new item
  // (durable, retried) for every other non-exec integration of the receiver.
  std::string outcome = (res.ok ? "succeeded: " : "failed: ") + res.detail;
  for (auto& [ikey, w] : workers_) {
    if (w.get() == &from || w->ni.receiver != from.ni.receiver || w->ni.integration->kind() == "exec")
      continue;
    auto it = std::make_unique<Item>();
    it->id = new_id();
    it->ikey = ikey;
    it->key = ikey + ":" + n.group_key + ":remediation:" + it->id;
    it->n = n;
    it->n.now_ms = now_ms;
    bool send_resolved = w->ni.integration->send_resolved();
    std::vector<Alert> alerts;
    for (const Alert& a : it->n.alerts) {
      bool resolved = a.resolved_at(now_ms);
      if (resolved && !send_resolved) continue;
      Alert copy = a;
      LabelSet ann = copy.annotations;
      promql::set_label(ann, "remediation", outcome);
      copy.annotations = ann;
      alerts.push_back(std::move(copy));
      (resolved ? it->resolved : it->firing).insert(fingerprint(a.labels));
    }
    if (it->firing.empty() && !send_resolved) continue;
    if (alerts.empty()) continue;
    it->n.alerts = std::move(alerts);
    it->created_ms = now_ms;
    it->group_interval_ms = group_interval_ms;
    it->remediation = true;
    Item* item = it.get();
    items_[it->key] = std::move(it);
    write_item(*item);
    enqueue(item);
  }
}

void Outbox::sync_nflog() {
  if (nflog_unsynced_since_ == 0) return;
  nflog_unsynced_since_ = 0;
  if (Status st = nflog_.sync(); !st.is_ok())
    log::error("Writing the notification log failed", {{"err", st.message()}});
}

void Outbox::record(DeliveryRecord r) {
  audit_.push_front(std::move(r));
  if (audit_.size() > 1000) audit_.pop_back();
}

void Outbox::stop() {
  std::vector<std::thread> ended;
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
    workers_.clear();
    ended.swap(threads_);
    cv_.notify_all();
  }
  for (auto& t : ended) t.join();
}

void Outbox::maintain() {
  std::lock_guard lk(mu_);
  int64_t t = now();
  for (auto it = log_.begin(); it != log_.end();) {
    if (it->second.timestamp_ms + opts_.nflog_retention_ms < t) {
      (void)nflog_.erase(it->first);
      it = log_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto it = items_.begin(); it != items_.end();) {
    if (!it->second->in_flight && it->second->created_ms + opts_.nflog_retention_ms < t) {
      log::warn("Dropping an undelivered notification past the retention",
                {{"group", it->second->n.group_key}});
      dequeue(it->second.get());
      (void)outbox_.erase(it->first, false);
      it = items_.erase(it);
    } else {
      ++it;
    }
  }
  (void)outbox_.flush();
  (void)nflog_.flush();
}

std::vector<DeliveryRecord> Outbox::recent(const std::string& receiver, size_t limit) const {
  std::lock_guard lk(mu_);
  std::vector<DeliveryRecord> out;
  for (const auto& r : audit_) {
    if (out.size() >= limit) break;
    if (receiver.empty() || r.receiver == receiver) out.push_back(r);
  }
  return out;
}

size_t Outbox::pending() const {
  std::lock_guard lk(mu_);
  return items_.size();
}

void Outbox::write_metrics(MetricSink& sink) const {
  std::lock_guard lk(mu_);
  std::set<std::string> kinds;
  for (const auto& [key, w] : workers_) kinds.insert(std::string(w->ni.integration->kind()));
  for (const auto& [k, c] : counts_) kinds.insert(k);
  auto per_kind = [&](std::string_view name, std::string_view help, MetricType type, auto value) {
    sink.family(name, help, type);
    for (const auto& k : kinds) {
      auto it = counts_.find(k);
      Counts c = it == counts_.end() ? Counts{} : it->second;
      sink.sample(name, {{"integration", k}}, value(c));
    }
  };
  per_kind("alertmanager_notifications_total", "The total number of attempted notifications.",
           MetricType::kCounter, [](const Counts& c) { return double(c.total); });
  per_kind("alertmanager_notifications_failed_total", "The total number of failed notifications.",
           MetricType::kCounter, [](const Counts& c) { return double(c.failed); });
  int64_t t = now(), oldest = t;
  for (const auto& [key, it] : items_) oldest = std::min(oldest, it->created_ms);
  sink.gauge("vigia_notify_outbox_notifications",
             "Notifications written to the outbox and not yet delivered.", double(items_.size()));
  sink.gauge("vigia_notify_outbox_oldest_age_seconds",
             "Age of the oldest undelivered notification in the outbox (0 when empty).",
             (t - oldest) / 1000.0);
  sink.counter("vigia_notify_outbox_write_errors_total",
               "Failed writes of the outbox and notification log files (e.g. a full disk).",
               double(outbox_.write_errors() + nflog_.write_errors()));
  sink.gauge("vigia_notify_outbox_write_pending",
             "1 while the outbox or notification log file lags memory after a failed write.",
             outbox_.pending() || nflog_.pending() ? 1 : 0);
  sink.gauge("alertmanager_nflog_entries",
             "Entries in the notification log (vigia: one per group and integration).", double(log_.size()));
}

}  // namespace vigia::notify

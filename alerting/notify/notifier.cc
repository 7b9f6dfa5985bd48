#include "alerting/notify/notifier.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "alerting/notify/inhibit.h"
#include "alerting/notify/integrations.h"
#include "alerting/notify/notify_template.h"
#include "alerting/notify/route.h"
#include "alerting/notify/time_interval.h"
#include "alerting/rules/group.h"
#include "core/log.h"
#include "core/text.h"
#include "core/yaml_reader.h"

namespace vigia::notify {
namespace {

int64_t system_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

constexpr int64_t kMaintenanceMs = 30000;
constexpr size_t kFlushChunk = 64;

}  // namespace

// What a config builds: the route tree, the templates, and the receivers'
// integrations (which keep the templates alive through their deleters).
struct NotifyPlan {
  std::shared_ptr<const Route> route;
  std::shared_ptr<TemplateSet> templates;
  std::map<std::string, std::vector<std::shared_ptr<Integration>>> receivers;
  NotifyConfig config;
};

Status build_notify_plan(const NotifierOptions& opts, std::shared_ptr<NotifyPlan>& out) {
  auto plan = std::make_shared<NotifyPlan>();
  plan->config = opts.config;
  plan->templates = std::make_shared<TemplateSet>();
  if (!opts.configured) {
    // No notify: section: one receiver that does nothing but log.
    RouteConfig rc;
    rc.receiver = "log";
    plan->route = Route::build(rc);
    plan->receivers["log"];
    out = std::move(plan);
    return Status::ok();
  }
  std::string dir = opts.config_dir;
  if (size_t slash = opts.config.file.rfind('/'); slash != std::string::npos)
    dir = opts.config.file.substr(0, slash);
  if (Status st = plan->templates->add_globs(opts.config.templates, dir); !st.is_ok()) return st;
  try {
    plan->route = Route::build(opts.config.route);
    YamlReader r(opts.config.file);
    for (const auto& rc : opts.config.receivers) {
      std::vector<std::unique_ptr<Integration>> made;
      Status st = make_integrations(r, rc, opts.config.global, dir, *plan->templates, made);
      if (!st.is_ok()) return st;
      auto& list = plan->receivers[rc.name];
      for (auto& m : made) {
        std::shared_ptr<TemplateSet> keep = plan->templates;
        list.push_back(std::shared_ptr<Integration>(m.release(), [keep](Integration* p) { delete p; }));
      }
    }
  } catch (const ConfigError& e) {
    return Status::error(e.what());
  }
  out = std::move(plan);
  return Status::ok();
}

Notifier::Notifier(NotifierOptions opts) : opts_(std::move(opts)) {}

Notifier::~Notifier() { stop(); }

int64_t Notifier::now() const { return opts_.now ? opts_.now() : system_now_ms(); }

Status Notifier::create(NotifierOptions opts, std::unique_ptr<Notifier>& out) {
  std::shared_ptr<NotifyPlan> plan;
  if (Status st = build_notify_plan(opts, plan); !st.is_ok()) return st;
  std::unique_ptr<Notifier> n(new Notifier(std::move(opts)));
  const std::string& dir = n->opts_.data_dir;
  if (Status st = n->silences_.open(dir.empty() ? "" : dir + "/silences.jsonl"); !st.is_ok()) return st;
  Outbox::Options oo;
  oo.dir = dir;
  oo.now = n->opts_.now;
  n->outbox_ = std::make_unique<Outbox>(oo);
  if (Status st = n->outbox_->open(); !st.is_ok()) return st;
  n->plan_ = plan;
  n->dispatcher_ = std::make_unique<Dispatcher>(plan->route, n->now());
  n->inhibitor_ = std::make_unique<Inhibitor>(plan->config.inhibit_rules);
  out = std::move(n);
  return Status::ok();
}

static std::vector<NamedIntegration> named(const NotifyPlan& plan) {
  std::vector<NamedIntegration> v;
  for (const auto& [name, list] : plan.receivers)
    for (size_t i = 0; i < list.size(); ++i) v.push_back({name, i, list[i]});
  return v;
}

void Notifier::start() {
  outbox_->set_integrations(named(*plan_));
  thread_ = std::thread([this] { loop(); });
}

void Notifier::stop() {
  {
    std::lock_guard lk(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (outbox_) outbox_->stop();
}

bool Notifier::configured() const { return opts_.configured; }

int64_t Notifier::resolve_timeout_ms() const {
  std::lock_guard lk(mu_);
  return plan_->config.global.resolve_timeout_ms;
}

std::vector<std::string> Notifier::receivers() const {
  std::lock_guard lk(mu_);
  std::vector<std::string> v;
  for (const auto& [name, list] : plan_->receivers) v.push_back(name);
  return v;
}

void Notifier::put(const std::vector<Alert>& alerts) {
  int64_t t = now();
  {
    std::lock_guard lk(mu_);
    for (const auto& a : alerts) {
      (a.resolved_at(t) ? received_resolved_ : received_firing_)++;
      Alert stored = dispatcher_->put(a, t);
      inhibitor_->put(stored);
    }
    // Wake the loop only when a group is due before it wakes by itself (or
    // a stepped clock passed that instant).
    if (dispatcher_->take_wake_hint_ms() >= loop_wake_ms_ && t < loop_wake_ms_) return;
    woken_ = true;
  }
  cv_.notify_all();
}

bool Notifier::flush(const RouteOpts& opts, Notification& n, int64_t now_ms) {
  // Alertmanager's pipeline: MuteStage(inhibitor), TimeMuteStage,
  // TimeActiveStage, MuteStage(silencer), then per integration the dedup
  // and delivery stages (the outbox).
  n.external_url = opts_.external_url;
  if (time_muted(opts, plan_->config.time_intervals, now_ms)) return false;
  std::vector<Alert> kept;
  kept.reserve(n.alerts.size());
  for (auto& a : n.alerts) {
    if (inhibitor_->mutes(a.labels, now_ms)) continue;
    if (!silences_.muting(a.labels, now_ms).empty()) continue;
    kept.push_back(std::move(a));
  }
  n.alerts = std::move(kept);
  if (n.alerts.empty()) return false;
  if (plan_->receivers.count(n.receiver) && plan_->receivers.at(n.receiver).empty()) {
    if (!opts_.configured) {
      for (const auto& a : n.alerts)
        log::info(a.resolved_at(now_ms) ? "Alert resolved (no receiver is configured)"
                                        : "Alert firing (no receiver is configured)",
                  {{"group", n.group_key}, {"labels", promql::labels_string(a.labels)}});
    }
    return false;
  }
  return true;
}

void Notifier::loop() {
  int64_t next_maintenance = now() + kMaintenanceMs;
  std::unique_lock lk(mu_);
  while (!stopping_) {
    int64_t t = now();
    // The due groups a chunk at a time (what a burst holds in memory at once
    // stays small), each chunk durable in the outbox with one sync.
    for (;;) {
      std::vector<Flush> due = dispatcher_->due(t, kFlushChunk);
      std::vector<std::pair<Notification, int64_t>> to_send;
      for (auto& f : due) {
        // The outbox holds what must be sent (durably): the group's flush is
        // done, and its resolved alerts (muted or not) leave it.
        dispatcher_->done(f, true);
        Notification n = std::move(f.notification);
        if (flush(f.opts, n, t)) to_send.emplace_back(std::move(n), f.opts.group_interval_ms);
      }
      if (!to_send.empty()) outbox_->submit_all(to_send);
      if (due.size() < kFlushChunk) break;
    }
    if (t >= next_maintenance) {
      next_maintenance = t + kMaintenanceMs;
      inhibitor_->gc(t);
      lk.unlock();
      silences_.gc(t);
      (void)silences_.flush();
      outbox_->maintain();
      lk.lock();
      continue;
    }
    int64_t next = std::min(dispatcher_->next_due_ms(), next_maintenance);
    int64_t wait = std::clamp<int64_t>(next - t, 1, kMaintenanceMs);
    loop_wake_ms_ = t + wait;
    cv_.wait_for(lk, std::chrono::milliseconds(wait), [this] { return stopping_ || woken_; });
    loop_wake_ms_ = std::numeric_limits<int64_t>::min();
    woken_ = false;
  }
}

Status Notifier::reload(NotifierOptions opts) {
  std::shared_ptr<NotifyPlan> plan;
  if (Status st = build_notify_plan(opts, plan); !st.is_ok()) return st;
  {
    std::lock_guard lk(mu_);
    int64_t t = now();
    opts.now = opts_.now;
    opts_.config = opts.config;
    opts_.configured = opts.configured;
    opts_.config_dir = opts.config_dir;
    opts_.external_url = opts.external_url;
    plan_ = plan;
    dispatcher_->set_route(plan->route, t);
    inhibitor_ = std::make_unique<Inhibitor>(plan->config.inhibit_rules);
    for (const auto& a : dispatcher_->alerts()) inhibitor_->put(a.alert);
    woken_ = true;
  }
  cv_.notify_all();
  outbox_->set_integrations(named(*plan));
  return Status::ok();
}

Notifier::AlertView Notifier::view(const Alert& a, const std::vector<std::string>& receivers,
                                   int64_t now_ms) const {
  AlertView v;
  v.alert = a;
  v.receivers = receivers;
  uint64_t by = 0;
  if (inhibitor_->mutes(a.labels, now_ms, &by)) v.inhibited_by.push_back(fingerprint_string(by));
  v.silenced_by = silences_.muting(a.labels, now_ms);
  v.state = v.inhibited_by.empty() && v.silenced_by.empty() ? "active" : "suppressed";
  return v;
}

std::vector<Notifier::AlertView> Notifier::alerts() const {
  std::lock_guard lk(mu_);
  int64_t t = now();
  std::vector<AlertView> out;
  for (const auto& s : dispatcher_->alerts()) out.push_back(view(s.alert, s.receivers, t));
  return out;
}

std::vector<AlertGroupSnapshot> Notifier::groups() const {
  std::lock_guard lk(mu_);
  return dispatcher_->groups();
}

bool Notifier::send_test(const std::string& receiver, std::vector<std::string>& outcomes) {
  std::vector<std::shared_ptr<Integration>> list;
  {
    std::lock_guard lk(mu_);
    auto it = plan_->receivers.find(receiver);
    if (it == plan_->receivers.end()) return false;
    list = it->second;
  }
  int64_t t = now();
  Notification n;
  n.receiver = receiver;
  Alert a;
  a.labels = {{"alertname", "TestAlert"}, {"instance", "vigia"}};
  a.annotations = {{"summary", "A test notification from vigia"}};
  a.starts_at_ms = t;
  a.updated_at_ms = t;
  n.alerts = {a};
  n.group_labels = {{"alertname", "TestAlert"}};
  n.group_key = "{}:{alertname=\"TestAlert\"}";
  n.now_ms = t;
  n.external_url = opts_.external_url;
  for (size_t i = 0; i < list.size(); ++i) {
    DeliveryContext ctx{"test-" + std::to_string(t) + "-" + std::to_string(i),
                        std::chrono::milliseconds(30000)};
    DeliveryResult r = list[i]->deliver(n, ctx);
    std::string line = receiver + "/" + std::string(list[i]->kind()) + "/" + std::to_string(i) + ": " +
                       (r.ok ? "ok" : "failed: " + r.error);
    if (!r.detail.empty()) line += " (" + r.detail + ")";
    outcomes.push_back(line);
  }
  return true;
}

void Notifier::write_metrics(MetricSink& sink) const {
  int64_t t = now();
  size_t active = 0, suppressed = 0, groups = 0;
  uint64_t firing = 0, resolved = 0;
  {
    std::lock_guard lk(mu_);
    for (const auto& s : dispatcher_->alerts()) {
      if (s.alert.resolved_at(t)) continue;
      AlertView v = view(s.alert, s.receivers, t);
      (v.state == "active" ? active : suppressed)++;
    }
    groups = dispatcher_->group_count();
    firing = received_firing_;
    resolved = received_resolved_;
  }
  sink.family("alertmanager_alerts", "How many alerts by state.", MetricType::kGauge);
  sink.sample("alertmanager_alerts", {{"state", "active"}}, double(active));
  sink.sample("alertmanager_alerts", {{"state", "suppressed"}}, double(suppressed));
  sink.sample("alertmanager_alerts", {{"state", "unprocessed"}}, 0);
  sink.family("alertmanager_alerts_received_total", "The total number of received alerts.",
              MetricType::kCounter);
  sink.sample("alertmanager_alerts_received_total", {{"status", "firing"}}, double(firing));
  sink.sample("alertmanager_alerts_received_total", {{"status", "resolved"}}, double(resolved));
  sink.gauge("alertmanager_dispatcher_aggregation_groups", "Number of active aggregation groups",
             double(groups));
  sink.family("alertmanager_silences", "How many silences by state.", MetricType::kGauge);
  for (SilenceState st : {SilenceState::kActive, SilenceState::kExpired, SilenceState::kPending})
    sink.sample("alertmanager_silences", {{"state", silence_state_name(st)}}, double(silences_.count(st, t)));
  sink.counter("vigia_notify_silences_write_errors_total",
               "Failed writes of the silences file (e.g. a full disk).", double(silences_.write_errors()));
  sink.gauge("vigia_notify_receivers_configured",
             "1 when the notify section names receivers, 0 when alerts are only logged.",
             opts_.configured ? 1 : 0);
  outbox_->write_metrics(sink);
}

std::vector<Alert> alerts_from_rule(const std::string& expr, const std::vector<alerting::Alert>& alerts,
                                    const LabelSet& external_labels, const std::string& external_url,
                                    int64_t now_ms) {
  std::vector<Alert> out;
  out.reserve(alerts.size());
  std::string url = external_url + "/graph?g0.expr=" + query_escape(expr) + "&g0.tab=1";
  for (const auto& a : alerts) {
    Alert n;
    LabelSet labels = a.labels;
    for (const auto& [k, v] : external_labels)
      if (promql::label_value(labels, k).empty()) promql::set_label(labels, k, v);
    n.labels = labels;
    n.annotations = a.annotations;
    n.starts_at_ms = a.fired_at;
    n.ends_at_ms = a.resolved_at != 0 ? a.resolved_at : a.valid_until;
    n.updated_at_ms = now_ms;
    n.generator_url = url;
    out.push_back(std::move(n));
  }
  return out;
}

}  // namespace vigia::notify

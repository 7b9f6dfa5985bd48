#include "alerting/forwarder.h"

#include <algorithm>
#include <chrono>

#include "alerting/notify/alert_json.h"
#include "core/log.h"
#include "core/secret.h"
#include "core/strconv.h"

namespace vigia::alerting {

using notify::append_label_object;

struct Forwarder::Target {
  AlertmanagerTarget cfg;
  size_t index = 0;
  std::string post_url;  // <url>/api/v2/alerts: also the `alertmanager` label
  HttpClient client;     // used by one send_all at a time
  std::atomic<uint64_t> sent{0}, errors{0};
  mutable std::mutex mu;  // latency_*
  double latency_sum = 0;
  uint64_t latency_count = 0;
};

Forwarder::Forwarder(ForwarderOptions opts) : opts_(std::move(opts)) {
  for (size_t i = 0; i < opts_.alertmanagers.size(); ++i) {
    auto t = std::make_unique<Target>();
    t->cfg = opts_.alertmanagers[i];
    t->index = i;
    t->post_url = t->cfg.url + "/api/v2/alerts";
    targets_.push_back(std::move(t));
  }
}

Forwarder::~Forwarder() { stop(); }

std::unique_ptr<Forwarder> Forwarder::create(const AlertingConfig& config) {
  if (config.alertmanagers.empty()) return nullptr;
  ForwarderOptions o;
  o.alertmanagers = config.alertmanagers;
  return std::make_unique<Forwarder>(std::move(o));
}

std::string Forwarder::postable_alerts_json(const std::vector<notify::Alert>& alerts) {
  // Go's encoding/json of models.PostableAlerts: the struct's field order,
  // label maps sorted by name, empty annotations and generatorURL omitted.
  std::string out = "[";
  for (size_t i = 0; i < alerts.size(); ++i) {
    const notify::Alert& a = alerts[i];
    if (i) out += ',';
    out += '{';
    if (!a.annotations.empty()) {
      out += "\"annotations\":";
      append_label_object(out, a.annotations.set());
      out += ',';
    }
    out += "\"endsAt\":\"" + notify::api_time(a.ends_at_ms) + "\",";
    out += "\"startsAt\":\"" + notify::api_time(a.starts_at_ms) + "\",";
    if (!a.generator_url.empty()) {
      out += "\"generatorURL\":";
      append_json_string(out, a.generator_url.view());
      out += ',';
    }
    out += "\"labels\":";
    append_label_object(out, a.labels.set());
    out += '}';
  }
  out += ']';
  return out;
}

void Forwarder::send(const std::vector<notify::Alert>& alerts) {
  if (alerts.empty()) return;
  size_t cap = opts_.queue_capacity;
  size_t skip = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (alerts.size() > cap) {
      skip = alerts.size() - cap;
      dropped_ += skip;
      log::warn("Alert batch larger than queue capacity, dropping alerts",
                {{"num_dropped", std::to_string(skip)}});
    }
    size_t incoming = alerts.size() - skip;
    if (queue_.size() + incoming > cap) {
      size_t d = queue_.size() + incoming - cap;
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(d));
      dropped_ += d;
      log::warn("Alert notification queue full, dropping alerts", {{"num_dropped", std::to_string(d)}});
    }
    queue_.insert(queue_.end(), alerts.begin() + static_cast<std::ptrdiff_t>(skip), alerts.end());
  }
  cv_.notify_all();
}

void Forwarder::start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable() || targets_.empty()) return;
  stopping_ = false;
  thread_ = std::thread([this] { loop(); });
}

void Forwarder::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : targets_) t->client.interrupt();
  if (thread_.joinable()) thread_.join();
}

void Forwarder::loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    if (queue_.empty()) {
      cv_.wait(lock);
      continue;
    }
    lock.unlock();
    flush_batch();
    lock.lock();
  }
}

bool Forwarder::flush_batch() {
  std::vector<notify::Alert> batch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (queue_.empty()) return false;
    size_t n = std::min(queue_.size(), kForwardBatchSize);
    batch.assign(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
  }
  if (!send_all(batch)) dropped_ += batch.size();
  return true;
}

bool Forwarder::send_all(const std::vector<notify::Alert>& batch) {
  if (targets_.empty()) return false;
  auto begin = std::chrono::steady_clock::now();
  std::string body = postable_alerts_json(batch);
  std::vector<char> ok(targets_.size(), 0);
  auto run = [&](size_t i) {
    Target& t = *targets_[i];
    std::string err;
    std::string password = t.cfg.password;
    if (!t.cfg.password_ref.empty()) {
      if (Status st = load_secret(t.cfg.password_ref, password); !st.is_ok()) err = st.message();
    }
    if (err.empty()) {
      HttpClientRequest req;
      req.method = "POST";
      req.url = t.post_url;
      req.body = body;
      req.headers.emplace_back("Content-Type", "application/json");
      if (!t.cfg.username.empty())
        req.headers.emplace_back("Authorization", basic_auth_header(t.cfg.username, password));
      req.timeout = std::chrono::milliseconds(static_cast<int64_t>(t.cfg.timeout_seconds * 1000));
      req.tls = t.cfg.tls;
      req.accept_gzip = false;
      req.max_body_bytes = 1 << 20;
      HttpClientResponse resp = opts_.post ? opts_.post(t.index, req) : t.client.fetch(req);
      err = resp.error;
      if (err.empty() && resp.status / 100 != 2) err = "bad response status " + std::to_string(resp.status);
    }
    if (!err.empty()) {
      t.errors++;
      log::error("Error sending alert", {{"alertmanager", redact_url(t.post_url)},
                                         {"count", std::to_string(batch.size())},
                                         {"err", redact(err, password)}});
    } else {
      ok[i] = 1;
    }
    t.sent += batch.size();
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
    std::lock_guard<std::mutex> lock(t.mu);
    t.latency_sum += seconds;
    t.latency_count++;
  };
  // Every Alertmanager at once; the batch is done when all have answered.
  std::vector<std::thread> others;
  for (size_t i = 1; i < targets_.size(); ++i) others.emplace_back(run, i);
  run(0);
  for (auto& th : others) th.join();
  for (char c : ok)
    if (c) return true;
  return false;
}

size_t Forwarder::queue_length() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

void Forwarder::write_metrics(MetricSink& sink) const {
  sink.family("vigia_notifications_latency_seconds",
              "Latency of sending alert notifications to Alertmanagers.", MetricType::kSummary);
  for (const auto& t : targets_) {
    std::lock_guard<std::mutex> lock(t->mu);
    sink.sample("vigia_notifications_latency_seconds_sum", {{"alertmanager", t->post_url}}, t->latency_sum);
    sink.sample("vigia_notifications_latency_seconds_count", {{"alertmanager", t->post_url}},
                static_cast<double>(t->latency_count));
  }
  sink.family("vigia_notifications_errors_total", "Total number of errors sending alert notifications.",
              MetricType::kCounter);
  for (const auto& t : targets_)
    sink.sample("vigia_notifications_errors_total", {{"alertmanager", t->post_url}},
                static_cast<double>(t->errors.load()));
  sink.family("vigia_notifications_sent_total", "Total number of alerts sent.", MetricType::kCounter);
  for (const auto& t : targets_)
    sink.sample("vigia_notifications_sent_total", {{"alertmanager", t->post_url}},
                static_cast<double>(t->sent.load()));
  sink.counter("vigia_notifications_dropped_total",
               "Total number of alerts dropped due to errors when sending to Alertmanager.",
               static_cast<double>(dropped_.load()));
  sink.gauge("vigia_notifications_queue_length", "The number of alert notifications in the queue.",
             static_cast<double>(queue_length()));
  sink.gauge("vigia_notifications_queue_capacity", "The capacity of the alert notifications queue.",
             static_cast<double>(opts_.queue_capacity));
  sink.gauge("vigia_notifications_alertmanagers_discovered",
             "The number of alertmanagers discovered and active.", static_cast<double>(targets_.size()));
}

}  // namespace vigia::alerting

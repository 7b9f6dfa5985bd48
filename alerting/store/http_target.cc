#include "alerting/store/http_target.h"

#include <algorithm>
#include <cstdio>
#include <thread>

namespace vigia::store {

namespace {

promql::LabelSet with_instance(promql::LabelSet labels, const std::string& url) {
  if (promql::label_value(labels, "instance").empty())
    promql::set_label(labels, "instance", url_host_port(url));
  return labels;
}

}  // namespace

ScrapeTarget::ScrapeTarget(ScrapeTargetConfig cfg)
    : cfg_(std::move(cfg)),
      sink_(with_instance(cfg_.labels, cfg_.url)),
      source_(target_source(sink_.target())) {}

ScrapeReport ScrapeTarget::scrape(Store& store, int64_t t_ms) {
  auto start = std::chrono::steady_clock::now();
  HttpClientRequest req;
  req.url = cfg_.url;
  req.timeout = cfg_.timeout;
  req.max_body_bytes = cfg_.max_body_bytes;
  // Only the text format: vigia does not parse OpenMetrics or protobuf.
  req.headers = {{"Accept", "text/plain;version=0.0.4;q=1,*/*;q=0.1"}};
  char timeout[32];
  std::snprintf(timeout, sizeof timeout, "%g", double(cfg_.timeout.count()) / 1000);
  req.headers.emplace_back("X-Prometheus-Scrape-Timeout-Seconds", timeout);
  HttpClientResponse resp = client_.fetch(req);
  ScrapeReport r;
  sink_.reset();
  if (!resp.ok()) {
    last_error_ = resp.error;
  } else if (resp.status != 200) {
    last_error_ = "server returned HTTP status " + std::to_string(resp.status);
  } else if (Status ps = parser_.parse(resp.body, sink_); !ps.is_ok()) {
    last_error_ = redact_url(cfg_.url) + ": " + ps.message();
  } else {
    last_error_.clear();
    r.up = true;
  }
  r.duration_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  commit_scrape(store, source_, sink_, r, t_ms);
  return r;
}

void ScrapeTarget::stop(Store& store, int64_t t_ms) { end_scrape(store, source_, t_ms); }

void Scraper::set_targets(std::vector<ScrapeTargetConfig> targets, Store& store, int64_t t_ms) {
  std::scoped_lock lock(mu_, targets_mu_);
  std::vector<std::unique_ptr<ScrapeTarget>> next;
  for (auto& cfg : targets) {
    auto same = [&](const std::unique_ptr<ScrapeTarget>& t) {
      return t && t->config().url == cfg.url && t->config().labels == cfg.labels;
    };
    auto it = std::find_if(targets_.begin(), targets_.end(), same);
    if (it != targets_.end() && (*it)->config().timeout == cfg.timeout) {
      next.push_back(std::move(*it));
    } else {
      next.push_back(std::make_unique<ScrapeTarget>(std::move(cfg)));
    }
  }
  for (auto& old : targets_) {
    if (!old) continue;
    // A target replaced by one with the same labels keeps its series (the
    // new one's first commit takes over the source).
    bool relabelled =
        std::any_of(next.begin(), next.end(), [&](const auto& t) { return t->labels() == old->labels(); });
    if (!relabelled) old->stop(store, t_ms);
  }
  targets_ = std::move(next);
  if (interrupted_)
    for (auto& t : targets_) t->interrupt();
}

void Scraper::interrupt() {
  std::lock_guard lock(targets_mu_);
  interrupted_ = true;
  for (auto& t : targets_) t->interrupt();
}

std::vector<ScrapeReport> Scraper::scrape_all(Store& store, int64_t t_ms) {
  std::lock_guard lock(mu_);
  std::vector<ScrapeReport> reports(targets_.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < targets_.size(); ++i) {
    threads.emplace_back([&, i] { reports[i] = targets_[i]->scrape(store, t_ms); });
  }
  for (auto& t : threads) t.join();
  return reports;
}

size_t Scraper::size() const {
  std::lock_guard lock(mu_);
  return targets_.size();
}

}  // namespace vigia::store

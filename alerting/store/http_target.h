// Scrape targets: any exporter's /metrics URL, scraped into the store as
// Prometheus scrapes it (text format 0.0.4, gzip, a timeout, the
// X-Prometheus-Scrape-Timeout-Seconds header). See scrape.h for the labels
// and report series. A failed scrape (transport error, HTTP status other
// than 200, an exposition that does not parse) writes up 0 and makes every
// series of the target stale, as Prometheus discards a partial scrape.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "alerting/store/scrape.h"
#include "core/exposition_parser.h"
#include "core/http_client.h"

namespace vigia::store {

struct ScrapeTargetConfig {
  std::string url;  // http(s)://[user:pass@]host:port/metrics
  // Target labels. job is required; instance defaults to the URL's
  // host:port as Prometheus 2.42 sets it.
  promql::LabelSet labels;
  std::chrono::milliseconds timeout{10000};
  size_t max_body_bytes = 64 << 20;  // decoded; a larger exposition fails the scrape
};

// One target. Not thread-safe: one scrape at a time.
class ScrapeTarget {
 public:
  explicit ScrapeTarget(ScrapeTargetConfig cfg);

  // Scrapes now and commits at t_ms (the scrape's start, as Prometheus
  // timestamps samples). Blocks up to the timeout.
  ScrapeReport scrape(Store& store, int64_t t_ms);
  // The target is removed: every series, report included, goes stale.
  void stop(Store& store, int64_t t_ms);
  // For shutdown, from any thread: a scrape in flight returns now (failed),
  // later ones fail at once (HttpClient::interrupt).
  void interrupt() { client_.interrupt(); }

  const promql::LabelSet& labels() const { return sink_.target(); }
  const ScrapeTargetConfig& config() const { return cfg_; }
  // The last scrape's error ("" if it succeeded); URLs redacted.
  const std::string& last_error() const { return last_error_; }

 private:
  ScrapeTargetConfig cfg_;
  StoreSink sink_;
  std::string source_;
  HttpClient client_;
  ExpositionParser parser_;
  std::string last_error_;
};

// A set of targets scraped together: each scrape_all() scrapes every target
// concurrently (one thread each) and commits each as it completes.
// Thread-safe.
class Scraper {
 public:
  // Replaces the targets (by URL and labels): removed ones are stopped at
  // t_ms, kept ones keep their state.
  void set_targets(std::vector<ScrapeTargetConfig> targets, Store& store, int64_t t_ms);
  std::vector<ScrapeReport> scrape_all(Store& store, int64_t t_ms);
  size_t size() const;
  // For shutdown, from any thread, while scrape_all() may run: every target's
  // scrape in flight returns now, and later ones (new targets' too) fail at
  // once. Irreversible.
  void interrupt();

 private:
  mutable std::mutex mu_;     // one scrape_all or set_targets at a time
  std::mutex targets_mu_;     // targets_'s elements change (set_targets), or interrupt reads them
  bool interrupted_ = false;  // under targets_mu_
  std::vector<std::unique_ptr<ScrapeTarget>> targets_;
};

}  // namespace vigia::store

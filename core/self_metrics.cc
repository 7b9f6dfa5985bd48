#include "core/self_metrics.h"

#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include "core/exposition.h"

namespace vigia {
namespace {

struct Families {
  prometheus::Family<prometheus::Histogram>& request_seconds;
  prometheus::Histogram& collection_seconds;
};

const prometheus::Histogram::BucketBoundaries kSecondsBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                                 0.5,   1,    2.5,   5,    10};

Families& families() {
  static Families f{
      prometheus::BuildHistogram()
          .Name("vigia_http_request_duration_seconds")
          .Help("Time spent answering HTTP requests, by handler.")
          .Register(self_registry()),
      prometheus::BuildHistogram()
          .Name("vigia_scrape_collection_duration_seconds")
          .Help("Duration of the collections that /metrics scrapes run (shared by concurrent scrapes).")
          .Register(self_registry())
          .Add({}, kSecondsBuckets),
  };
  return f;
}

MetricType type_of(prometheus::MetricType t) {
  switch (t) {
    case prometheus::MetricType::Counter: return MetricType::kCounter;
    case prometheus::MetricType::Gauge: return MetricType::kGauge;
    case prometheus::MetricType::Histogram: return MetricType::kHistogram;
    case prometheus::MetricType::Summary: return MetricType::kSummary;
    default: return MetricType::kUntyped;
  }
}

}  // namespace

prometheus::Registry& self_registry() {
  static prometheus::Registry registry;
  return registry;
}

void observe_http_request(std::string_view handler, double seconds) {
  families().request_seconds.Add({{"handler", std::string(handler)}}, kSecondsBuckets).Observe(seconds);
}

namespace {

struct Thresholds {
  std::mutex mu;
  std::vector<std::pair<std::string, double>> values;
};

Thresholds& thresholds() {
  static Thresholds t;
  return t;
}

}  // namespace

void set_alert_thresholds(const std::vector<std::pair<std::string, double>>& values) {
  Thresholds& t = thresholds();
  std::lock_guard lk(t.mu);
  t.values = values;
}

void write_alert_thresholds(MetricSink& sink) {
  Thresholds& t = thresholds();
  std::lock_guard lk(t.mu);
  if (t.values.empty()) return;  // no family without a configured threshold
  sink.family("vigia_alert_threshold",
              "A rule threshold set by alerting.thresholds: rules reading it use this value instead of their "
              "default.",
              MetricType::kGauge);
  for (const auto& [name, value] : t.values)
    sink.sample("vigia_alert_threshold", {{"threshold", name}}, value);
}

void observe_collection(double seconds) { families().collection_seconds.Observe(seconds); }

HttpHandler instrument(std::string_view name, HttpHandler handler) {
  families();  // registered before the first scrape, so they are never absent
  return
      [name = std::string(name), handler = std::move(handler)](const HttpRequest& req, HttpResponse& resp) {
        auto start = std::chrono::steady_clock::now();
        handler(req, resp);
        observe_http_request(name,
                             std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
      };
}

void write_self_metrics(MetricSink& sink) {
  std::vector<Label> labels;
  std::string le, name;
  for (prometheus::MetricFamily& fam : self_registry().Collect()) {
    // Families keep their series in hash order: sorted, the output is reproducible.
    std::sort(fam.metric.begin(), fam.metric.end(),
              [](const prometheus::ClientMetric& a, const prometheus::ClientMetric& b) {
                return a.label < b.label;
              });
    sink.family(fam.name, fam.help, type_of(fam.type));
    for (const prometheus::ClientMetric& m : fam.metric) {
      labels.clear();
      for (const auto& l : m.label) labels.push_back(Label{l.name, l.value});
      switch (fam.type) {
        case prometheus::MetricType::Counter: sink.sample(fam.name, labels, m.counter.value); break;
        case prometheus::MetricType::Gauge: sink.sample(fam.name, labels, m.gauge.value); break;
        case prometheus::MetricType::Histogram: {
          name = fam.name + "_bucket";
          labels.push_back(Label{"le", ""});
          for (const auto& b : m.histogram.bucket) {
            le.clear();
            append_double(le, b.upper_bound);
            labels.back().value = le;
            sink.sample(name, labels, static_cast<double>(b.cumulative_count));
          }
          labels.pop_back();
          sink.sample(fam.name + "_sum", labels, m.histogram.sample_sum);
          sink.sample(fam.name + "_count", labels, static_cast<double>(m.histogram.sample_count));
          break;
        }
        case prometheus::MetricType::Summary: {
          name = fam.name;
          labels.push_back(Label{"quantile", ""});
          for (const auto& q : m.summary.quantile) {
            le.clear();
            append_double(le, q.quantile);
            labels.back().value = le;
            sink.sample(name, labels, q.value);
          }
          labels.pop_back();
          sink.sample(fam.name + "_sum", labels, m.summary.sample_sum);
          sink.sample(fam.name + "_count", labels, static_cast<double>(m.summary.sample_count));
          break;
        }
        default: sink.sample(fam.name, labels, m.untyped.value);
      }
    }
  }
}

}  // namespace vigia

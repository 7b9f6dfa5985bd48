// Scrapes into the embedded store, as Prometheus's scrape loop appends them:
// target labels (job, instance, ...) added to every sample, conflicting
// scraped labels renamed exported_<name> (honor_labels: false), and the
// report series Prometheus adds per target:
//   up                                      1 if the scrape succeeded, else 0
//   scrape_duration_seconds                 how long it took
//   scrape_samples_scraped                  samples in the exposition
//   scrape_samples_post_metric_relabeling   the same (no metric relabelling)
//   scrape_series_added                     series not in the previous scrape
// Each target is one store source (and its report another), so the series it
// stops exposing, or all of them when it fails, go stale at the scrape's time.
//
// Timestamps in an exposition are honoured (honor_timestamps: true, the
// default): see Store::commit_scrape.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "alerting/promql/value.h"
#include "alerting/store/store.h"
#include "core/collector.h"
#include "core/metric.h"

namespace vigia::store {

// A MetricSink that turns what is written into samples with the target's
// labels. Reuse one per target (it keeps its buffers). Not thread-safe.
class StoreSink final : public MetricSink {
 public:
  // `target` is sorted by name (as a LabelSet is), e.g. {instance, job}.
  explicit StoreSink(promql::LabelSet target) : target_(std::move(target)) {}

  void family(std::string_view, std::string_view, MetricType) override {}
  void sample(std::string_view name, Labels labels, double value, int64_t timestamp_ms = -1) override;
  using MetricSink::sample;

  // Forgets the samples written so far.
  void reset() { n_ = 0; }
  // The samples written since reset(), with their labels final; t is the
  // exposition's timestamp or Store::kNoTimestamp.
  const promql::Vector& samples();
  size_t count() const { return n_; }

  const promql::LabelSet& target() const { return target_; }

 private:
  promql::LabelSet target_;
  promql::Vector buf_;
  size_t n_ = 0;
};

// Prometheus's mutateSampleLabels with honor_labels: false: for each target
// label, a scraped label of that name moves to exported_<name>, then the
// target's value is set. `ls` is sorted; it stays sorted.
void apply_target_labels(promql::LabelSet& ls, const promql::LabelSet& target);

// The report series of one scrape.
struct ScrapeReport {
  bool up = false;
  double duration_seconds = 0;
  size_t samples = 0;
  size_t series_added = 0;
};
// Appends the report samples (up, scrape_*) with the target's labels.
void append_report(promql::Vector& out, const promql::LabelSet& target, const ScrapeReport& r);

// The store source name of a target: "scrape/" + its labels.
std::string target_source(const promql::LabelSet& target);

// Commits one scrape of the target `sink` was filled for: its samples (none
// if !r.up) under `source`, then the report series under source + "/report".
// Sets r.series_added.
void commit_scrape(Store& store, const std::string& source, StoreSink& sink, ScrapeReport& r, int64_t t_ms);
// Ends a target: its series and its report go stale at t_ms.
void end_scrape(Store& store, const std::string& source, int64_t t_ms);

// An in-process target: vigia's own collectors, scraped without HTTP. What
// `vigia run` calls on each evaluation tick, e.g.
//   InProcessTarget self({{"instance", "localhost:9910"}, {"job", "vigia"}},
//       [&](const CollectContext& ctx, MetricSink& s) { registry.collect(ctx, s); });
//   self.scrape(store, now_ms, ctx);
// Not thread-safe: one scrape at a time per target.
class InProcessTarget {
 public:
  using CollectFn = std::function<void(const CollectContext&, MetricSink&)>;
  InProcessTarget(promql::LabelSet target, CollectFn collect);

  // Collects and commits at t_ms. If collect throws, the scrape fails: up 0
  // and every series of the previous scrape goes stale. Returns the report.
  ScrapeReport scrape(Store& store, int64_t t_ms, const CollectContext& ctx = {});
  // The target goes away: all its series, report included, go stale at t_ms.
  void stop(Store& store, int64_t t_ms);

 private:
  StoreSink sink_;
  CollectFn collect_;
  std::string source_;
};

}  // namespace vigia::store

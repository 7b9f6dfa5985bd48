#include "alerting/store/scrape.h"

#include <algorithm>
#include <chrono>
#include <exception>

#include "core/log.h"

namespace vigia::store {

using promql::LabelSet;

void apply_target_labels(LabelSet& ls, const LabelSet& target) {
  for (const auto& [name, value] : target) {
    // Read from the set as scraped: Prometheus reads lset, not the builder.
    std::string existing(promql::label_value(ls, name));
    if (!existing.empty()) promql::set_label(ls, "exported_" + name, existing);
    promql::set_label(ls, name, value);
  }
}

void StoreSink::sample(std::string_view name, Labels labels, double value, int64_t timestamp_ms) {
  if (n_ == buf_.size()) buf_.emplace_back();
  promql::Sample& s = buf_[n_++];
  s.v = value;
  s.t = timestamp_ms >= 0 ? timestamp_ms : Store::kNoTimestamp;
  // Reuse the slot's strings: a steady scrape allocates little.
  s.labels.resize(labels.size() + 1);
  s.labels[0].first.assign("__name__");
  s.labels[0].second.assign(name);
  for (size_t i = 0; i < labels.size(); ++i) {
    s.labels[i + 1].first.assign(labels[i].name);
    s.labels[i + 1].second.assign(labels[i].value);
  }
  auto by_name = [](const auto& a, const auto& b) { return a.first < b.first; };
  if (!std::is_sorted(s.labels.begin(), s.labels.end(), by_name)) {
    std::stable_sort(s.labels.begin(), s.labels.end(), by_name);
  }
  // A repeated name keeps its first value; empty values are no label.
  auto dup = std::unique(s.labels.begin(), s.labels.end(),
                         [](const auto& a, const auto& b) { return a.first == b.first; });
  s.labels.erase(dup, s.labels.end());
  std::erase_if(s.labels, [](const auto& l) { return l.second.empty(); });
  apply_target_labels(s.labels, target_);
}

const promql::Vector& StoreSink::samples() {
  buf_.resize(n_);
  return buf_;
}

void append_report(promql::Vector& out, const LabelSet& target, const ScrapeReport& r) {
  auto add = [&](const char* name, double v) {
    promql::Sample s;
    s.labels = {{"__name__", name}};
    // mutateReportSampleLabels: the same renaming, on a set that only has
    // __name__.
    apply_target_labels(s.labels, target);
    s.v = v;
    s.t = Store::kNoTimestamp;
    out.push_back(std::move(s));
  };
  add("up", r.up ? 1 : 0);
  add("scrape_duration_seconds", r.duration_seconds);
  add("scrape_samples_scraped", double(r.samples));
  add("scrape_samples_post_metric_relabeling", double(r.samples));
  add("scrape_series_added", double(r.series_added));
}

std::string target_source(const LabelSet& target) { return "scrape/" + promql::labels_string(target); }

void commit_scrape(Store& store, const std::string& source, StoreSink& sink, ScrapeReport& r, int64_t t_ms) {
  static const promql::Vector kNone;
  const promql::Vector& got = r.up ? sink.samples() : kNone;
  r.samples = got.size();
  r.series_added = store.commit_scrape(source, got, t_ms);
  promql::Vector report;
  append_report(report, sink.target(), r);
  store.commit(source + "/report", report, t_ms);
}

void end_scrape(Store& store, const std::string& source, int64_t t_ms) {
  store.end_source(source, t_ms);
  store.end_source(source + "/report", t_ms);
}

InProcessTarget::InProcessTarget(LabelSet target, CollectFn collect)
    : sink_(target), collect_(std::move(collect)), source_(target_source(target)) {}

ScrapeReport InProcessTarget::scrape(Store& store, int64_t t_ms, const CollectContext& ctx) {
  auto start = std::chrono::steady_clock::now();
  sink_.reset();
  ScrapeReport r;
  try {
    collect_(ctx, sink_);
    r.up = true;
  } catch (const std::exception& e) {
    log::error("scrape failed", {{"target", source_}, {"err", e.what()}});
  } catch (...) {
    log::error("scrape failed", {{"target", source_}, {"err", "unknown exception"}});
  }
  r.duration_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  commit_scrape(store, source_, sink_, r, t_ms);
  return r;
}

void InProcessTarget::stop(Store& store, int64_t t_ms) { end_scrape(store, source_, t_ms); }

}  // namespace vigia::store

// The embedded sample store: an in-memory window of samples per series, what
// `vigia run` evaluates rules against when there is no Prometheus.
//
// Semantics follow Prometheus 2.42's head block and scrape loop:
//  - a series is its label set (including __name__); labels with an empty
//    value are dropped, as Prometheus drops them;
//  - within a series, a sample older than the newest one is rejected (out of
//    order); one at the same timestamp is ignored if its value has the same
//    bits and rejected otherwise (duplicate sample for timestamp); a sample
//    older than the retention window is rejected (out of bounds);
//  - commit(source, ...) remembers which series each source produced; those
//    it produced at its previous commit and not in this one get a staleness
//    marker (promql::stale_nan()) at the commit's time; end_source() marks
//    all of a source's series stale (a target that went away, a rule group
//    that was removed);
//  - gc() drops samples older than the newest timestamp committed minus the
//    retention, and series left without samples that no source still
//    produces. Samples are dropped a chunk at a time (see chunk.h), so a
//    series may keep some older than the window; select() never returns
//    samples outside [mint, maxt].
//
// Threading: any number of threads may call select() and stats() while one
// commits; writers are serialized (a shared mutex).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "alerting/promql/engine.h"
#include "alerting/querier.h"
#include "alerting/store/chunk.h"
#include "core/metric.h"

namespace vigia::store {

struct StoreStats {
  uint64_t series = 0;
  uint64_t samples = 0;  // stored, including those awaiting gc in a retained chunk
  uint64_t chunks = 0;
  uint64_t bytes = 0;  // labels, index, chunks: an estimate of the heap used
  // Samples refused since the store was created, by reason.
  uint64_t out_of_order = 0;
  uint64_t duplicate = 0;
  uint64_t out_of_bounds = 0;
};

// Why a sample was not stored (or kOk).
enum class AppendResult { kOk, kIgnoredDuplicate, kOutOfOrder, kDuplicate, kOutOfBounds };

class Store final : public promql::Queryable, public alerting::Appender {
 public:
  static constexpr int64_t kDefaultRetentionMs = 10 * 60 * 1000;
  // Samples per chunk, as Prometheus cuts its head chunks.
  static constexpr uint32_t kChunkSamples = 120;

  Store() = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // promql::Queryable. Series are returned in label order.
  std::vector<promql::Series> select(const promql::MatcherSet& matchers, int64_t mint,
                                     int64_t maxt) const override;

  // alerting::Appender: every sample is appended at t_ms (their own t is
  // ignored). Refused samples are counted in stats(); see the header comment.
  void commit(std::string_view source, const promql::Vector& samples, int64_t t_ms) override;

  // A scrape's commit, as Prometheus appends with honor_timestamps: true:
  // samples whose t is not kNoTimestamp (the exposition gave one) are stored
  // at that time, are not tracked for staleness (never get a marker), and are
  // refused (out of bounds) more than 10 minutes ahead of t_ms; the others
  // are stored at t_ms as commit() does. Returns how many series are new to
  // the source (not in its previous commit; timestamped ones: new to the
  // store): Prometheus's approximate scrape_series_added.
  static constexpr int64_t kNoTimestamp = INT64_MIN;
  static constexpr int64_t kMaxAheadMs = 10 * 60 * 1000;
  size_t commit_scrape(std::string_view source, const promql::Vector& samples, int64_t t_ms);

  // Marks every series `source` produced at its last commit stale at t_ms and
  // forgets the source.
  void end_source(std::string_view source, int64_t t_ms);

  // Appends one sample outside any source (no staleness tracking).
  AppendResult append(const promql::LabelSet& labels, int64_t t_ms, double v);

  // How long samples are kept behind the newest timestamp committed: the
  // longest range the loaded rules use plus the 5-minute lookback. Takes
  // effect at the next gc.
  void set_retention(int64_t ms);
  int64_t retention() const;

  // Drops what is older than the newest timestamp minus the retention.
  // commit() runs it about once a minute of sample time.
  void gc();

  StoreStats stats() const;
  // stats() as vigia's own metrics, for /metrics (SharedScraper::set_extra):
  //   vigia_store_series, vigia_store_samples, vigia_store_bytes (gauges),
  //   vigia_store_samples_rejected_total{reason="out_of_order|duplicate|out_of_bounds"}.
  void write_metrics(MetricSink& sink) const;

 private:
  struct MemSeries {
    promql::LabelSet labels;
    std::string key;
    std::vector<Chunk> chunks;  // few per series: a vector, not a deque (whose blocks are 512 bytes)
    uint32_t producers = 0;     // sources whose last commit had this series
    uint64_t commit_mark = 0;   // the last commit that had this series
    uint64_t prev_mark = 0;     // set on the source's previous series during a commit
    bool has_samples() const { return !chunks.empty(); }
  };
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };

  size_t commit_impl(std::string_view source, const promql::Vector& samples, int64_t t_ms,
                     bool honor_timestamps);
  MemSeries& get_or_create(const promql::LabelSet& labels, const std::string& key, bool* created = nullptr);
  AppendResult append_locked(MemSeries& s, int64_t t, double v);
  void mark_stale_locked(std::vector<MemSeries*>& series, int64_t t);
  void gc_locked();

  mutable std::shared_mutex mu_;
  // Keyed by a view of MemSeries::key.
  std::unordered_map<std::string_view, std::unique_ptr<MemSeries>, KeyHash> series_;
  // Series by metric name, each list in label order.
  std::map<std::string, std::vector<MemSeries*>, std::less<>> by_name_;
  std::unordered_map<std::string, std::vector<MemSeries*>, KeyHash, std::equal_to<>> sources_;
  int64_t retention_ms_ = kDefaultRetentionMs;
  int64_t max_t_ = INT64_MIN;
  int64_t last_gc_t_ = INT64_MIN;
  uint64_t samples_ = 0, chunks_ = 0, commits_ = 0;
  uint64_t out_of_order_ = 0, duplicate_ = 0, out_of_bounds_ = 0;
  std::string key_buf_;
  promql::LabelSet label_buf_;
};

// How far back evaluating `e` reads: the longest range (range selectors) or
// lookback (instant selectors) plus its offset, at least the lookback. The
// store's retention is the maximum of this over the loaded rules (plus the
// evaluation interval as a margin).
int64_t retention_for(const promql::Expr& e, int64_t lookback_ms = 5 * 60 * 1000);

// The series key: labels joined with separators that cannot occur in UTF-8.
void series_key(const promql::LabelSet& labels, std::string& out);

}  // namespace vigia::store

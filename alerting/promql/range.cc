// Range queries: the instant evaluator at each step, over a Queryable that
// reads each selector's samples once for the whole range.
#include <algorithm>
#include <map>
#include <memory>

#include "alerting/promql/engine.h"
#include "alerting/promql/engine_internal.h"
#include "alerting/promql/functions.h"

namespace vigia::promql {

namespace {

// Serves the selects of consecutive steps from one select per selector: the
// first select with a given matcher set and window width fetches the window
// extended by the query's span, later ones slice it.
class RangeCache final : public Queryable {
 public:
  RangeCache(const Queryable& q, int64_t span_ms) : q_(q), span_(span_ms) {}

  std::vector<Series> select(const MatcherSet& m, int64_t mint, int64_t maxt) const override {
    std::string key = std::to_string(maxt - mint);
    for (const auto& mt : m.matchers()) {
      key += '\xff' + mt.name + '\xfe' + std::to_string(int(mt.type)) + '\xfe' + mt.value;
    }
    Entry*& e = entries_[key];
    if (!e) {
      owned_.push_back(std::make_unique<Entry>());
      e = owned_.back().get();
      e->mint = mint;
      e->maxt = maxt + span_;
      e->series = q_.select(m, e->mint, e->maxt);
    }
    if (mint < e->mint || maxt > e->maxt) return q_.select(m, mint, maxt);  // another offset
    std::vector<Series> out;
    for (const auto& s : e->series) {
      auto lo = std::lower_bound(s.points.begin(), s.points.end(), mint,
                                 [](const Point& p, int64_t t) { return p.t < t; });
      auto hi = std::upper_bound(lo, s.points.end(), maxt, [](int64_t t, const Point& p) { return t < p.t; });
      if (lo == hi) continue;
      out.push_back(Series{s.labels, std::vector<Point>(lo, hi)});
    }
    return out;
  }

 private:
  struct Entry {
    int64_t mint = 0, maxt = 0;
    std::vector<Series> series;
  };
  const Queryable& q_;
  int64_t span_;
  mutable std::map<std::string, Entry*> entries_;
  mutable std::vector<std::unique_ptr<Entry>> owned_;
};

}  // namespace

QueryResult evaluate_range(const Expr& expr, const Queryable& q, int64_t start_ms, int64_t end_ms,
                           int64_t step_ms, const EngineOptions& opts) {
  QueryResult r;
  r.type = ValueType::kMatrix;
  if (end_ms < start_ms) {
    r.error = "invalid parameter \"end\": end timestamp must not be before start time";
    return r;
  }
  if (step_ms <= 0) {
    r.error =
        "invalid parameter \"step\": zero or negative query resolution step widths are not accepted. Try a "
        "positive integer";
    return r;
  }
  if ((end_ms - start_ms) / step_ms > 11000) {
    r.error =
        "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution "
        "(?step=XX)";
    return r;
  }
  ValueType t = expr.type();
  if (t != ValueType::kScalar && t != ValueType::kVector) {
    r.error = "invalid expression type \"" + std::string(documented_type(t)) +
              "\" for range query, must be Scalar or instant Vector";
    return r;
  }
  RangeCache cache(q, end_ms - start_ms);
  internal::RangeSources sources;
  std::map<LabelSet, std::vector<Point>> series;
  for (int64_t ts = start_ms; ts <= end_ms; ts += step_ms) {
    QueryResult step = internal::evaluate_step(expr, cache, ts, opts, &sources);
    if (!step.ok()) {
      r.error = std::move(step.error);
      return r;
    }
    if (step.type == ValueType::kScalar) {
      series[LabelSet{}].push_back({ts, step.scalar});
      continue;
    }
    for (auto& s : step.vector) series[std::move(s.labels)].push_back({ts, s.v});
  }
  r.matrix.reserve(series.size());
  for (auto& [labels, points] : series) r.matrix.push_back(Series{labels, std::move(points)});
  return r;
}

}  // namespace vigia::promql

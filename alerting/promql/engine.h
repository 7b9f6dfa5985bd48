// PromQL evaluator for instant queries, after Prometheus 2.42's
// promql/engine.go and functions.go: 5m lookback for instant selectors,
// staleness markers end a series, closed [t-range, t] windows for range
// selectors, counter resets and extrapolation for rate/increase/delta.
//
// The engine reads samples through a Queryable; it holds no state between
// queries, so one Engine may be used from several threads if the Queryable
// allows it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "alerting/promql/ast.h"
#include "alerting/promql/value.h"

namespace vigia::promql {

class AnchoredRegex;

// Label matchers compiled once per selector.
class MatcherSet {
 public:
  explicit MatcherSet(const std::vector<Matcher>& matchers);
  ~MatcherSet();
  MatcherSet(const MatcherSet&) = delete;
  MatcherSet& operator=(const MatcherSet&) = delete;
  bool matches(const LabelSet& labels) const;
  const std::vector<Matcher>& matchers() const { return matchers_; }

 private:
  std::vector<Matcher> matchers_;
  std::vector<std::unique_ptr<AnchoredRegex>> regexes_;  // parallel; null unless =~ or !~
};

// The engine's source of samples (the embedded store, a test fixture).
class Queryable {
 public:
  virtual ~Queryable() = default;
  // Every series matching `matchers`, with its samples in [mint, maxt]
  // (milliseconds, inclusive) in ascending time order. Series without samples
  // in the window may be omitted.
  virtual std::vector<Series> select(const MatcherSet& matchers, int64_t mint, int64_t maxt) const = 0;
};

struct QueryResult {
  ValueType type = ValueType::kNone;
  double scalar = 0;  // kScalar
  std::string str;    // kString
  Vector vector;      // kVector (sample t = evaluation time)
  Matrix matrix;      // kMatrix
  std::string error;  // runtime error, e.g. "multiple matches for labels: ..."
  bool ok() const { return error.empty(); }
};

struct EngineOptions {
  int64_t lookback_delta_ms = 5 * 60 * 1000;
};

// Evaluates `expr` (a tree from parse()) at time `t_ms`.
QueryResult evaluate_instant(const Expr& expr, const Queryable& q, int64_t t_ms,
                             const EngineOptions& opts = {});

// Evaluates `expr` at start_ms, start_ms + step_ms, ... up to end_ms, as
// Prometheus's /api/v1/query_range does (range.cc): a kMatrix result, one
// series per label set seen at any step with a point at each step where it
// had a value, series sorted by labels; a scalar expression gives one series
// without labels. Errors are the API's: an expression that is not a scalar or
// an instant vector, end before start, a step <= 0, more than 11,000 steps,
// or any step's runtime error.
QueryResult evaluate_range(const Expr& expr, const Queryable& q, int64_t start_ms, int64_t end_ms,
                           int64_t step_ms, const EngineOptions& opts = {});

}  // namespace vigia::promql

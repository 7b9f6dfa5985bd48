// The two seams between rule evaluation and where samples live.
//
// Querier answers the instant queries of rules: over the embedded store
// (LocalQuerier) or over a Prometheus-compatible HTTP API (remote mode).
// Appender takes what evaluation produces (recording rules, ALERTS,
// ALERTS_FOR_STATE) and, in the embedded store, what scrapes produce.
#pragma once

#include <cstdint>
#include <string_view>

#include "alerting/promql/engine.h"

namespace vigia::alerting {

class Querier {
 public:
  virtual ~Querier() = default;
  // Evaluates `expr` at `t_ms`. `text` is the expression as written in the
  // rule file (what a remote API is sent); `expr` is its parsed tree.
  virtual promql::QueryResult query(const promql::Expr& expr, std::string_view text, int64_t t_ms) = 0;
};

class Appender {
 public:
  virtual ~Appender() = default;
  // Appends `samples` (labels include __name__) at `t_ms` as the output of
  // `source` (a scrape target, a rule). Series that `source` produced at its
  // previous commit and not in this one get a staleness marker at `t_ms`, as
  // Prometheus does for scrapes and rule outputs.
  virtual void commit(std::string_view source, const promql::Vector& samples, int64_t t_ms) = 0;
};

// Instant queries over an in-process Queryable (the embedded store).
class LocalQuerier final : public Querier {
 public:
  explicit LocalQuerier(const promql::Queryable& q, promql::EngineOptions opts = {}) : q_(q), opts_(opts) {}
  promql::QueryResult query(const promql::Expr& expr, std::string_view, int64_t t_ms) override {
    return promql::evaluate_instant(expr, q_, t_ms, opts_);
  }

 private:
  const promql::Queryable& q_;
  promql::EngineOptions opts_;
};

}  // namespace vigia::alerting

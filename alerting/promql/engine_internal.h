// Shared by engine.cc and engine_functions.cc; not a public interface.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "alerting/promql/ast.h"
#include "alerting/promql/engine.h"
#include "alerting/promql/value.h"

namespace vigia::promql::internal {

struct EvalError {
  std::string msg;
};

// An evaluated operand. Instant-vector samples carry the timestamp of the
// underlying sample when they come straight from a selector (timestamp()
// needs it), the evaluation time otherwise.
struct Val {
  ValueType type = ValueType::kNone;
  double scalar = 0;
  std::string str;
  Vector vec;
  Matrix mat;
};

// Evaluates a call whose arguments have been evaluated. Throws EvalError.
// If `sources` is given, a function of a range vector that drops the name
// appends, for each output sample, the name of the series it came from.
Val call_function(const Call& call, std::vector<Val>& args, int64_t ts,
                  std::vector<std::string>* sources = nullptr);

// A range query's memory of the series that unary minus and the functions of
// a range vector have renamed: for each such node and output labelset, the
// name of the series it came from. Prometheus checks those nodes for
// duplicate labelsets over the whole range (the other nodes step by step), so
// two series differing only in their names are an error there even when they
// never share a step.
using RangeSources = std::map<const Expr*, std::map<LabelSet, std::string>>;

// evaluate_instant(), with the range query's memory when it is one step of one.
QueryResult evaluate_step(const Expr& expr, const Queryable& q, int64_t t_ms, const EngineOptions& opts,
                          RangeSources* range);

// Prometheus's quantile() over values (sorted in place).
double quantile(double q, std::vector<double>& values);

// Removes __name__.
void drop_name(LabelSet& ls);

// Throws "vector cannot contain metrics with the same labelset" on duplicates.
void check_unique_labelsets(const Vector& v);

const Expr& unwrap_parens(const Expr& e);

}  // namespace vigia::promql::internal

// Shared by engine.cc and engine_functions.cc; not a public interface.
#pragma once

#include <string>
#include <vector>

#include "alerting/promql/ast.h"
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
Val call_function(const Call& call, std::vector<Val>& args, int64_t ts);

// Prometheus's quantile() over values (sorted in place).
double quantile(double q, std::vector<double>& values);

// Removes __name__.
void drop_name(LabelSet& ls);

// Throws "vector cannot contain metrics with the same labelset" on duplicates.
void check_unique_labelsets(const Vector& v);

const Expr& unwrap_parens(const Expr& e);

}  // namespace vigia::promql::internal

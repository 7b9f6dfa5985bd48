#include "alerting/promql/functions.h"

#include <algorithm>

namespace vigia::promql {
namespace {

constexpr ValueType S = ValueType::kScalar;
constexpr ValueType V = ValueType::kVector;
constexpr ValueType M = ValueType::kMatrix;
constexpr ValueType Str = ValueType::kString;

std::vector<Function> build() {
  std::vector<Function> f = {
      {FuncId::kAbs, "abs", {V}, 0, V},
      {FuncId::kAbsent, "absent", {V}, 0, V},
      {FuncId::kAbsentOverTime, "absent_over_time", {M}, 0, V},
      {FuncId::kAcos, "acos", {V}, 0, V},
      {FuncId::kAcosh, "acosh", {V}, 0, V},
      {FuncId::kAsin, "asin", {V}, 0, V},
      {FuncId::kAsinh, "asinh", {V}, 0, V},
      {FuncId::kAtan, "atan", {V}, 0, V},
      {FuncId::kAtanh, "atanh", {V}, 0, V},
      {FuncId::kAvgOverTime, "avg_over_time", {M}, 0, V},
      {FuncId::kCeil, "ceil", {V}, 0, V},
      {FuncId::kChanges, "changes", {M}, 0, V},
      {FuncId::kClamp, "clamp", {V, S, S}, 0, V},
      {FuncId::kClampMax, "clamp_max", {V, S}, 0, V},
      {FuncId::kClampMin, "clamp_min", {V, S}, 0, V},
      {FuncId::kCos, "cos", {V}, 0, V},
      {FuncId::kCosh, "cosh", {V}, 0, V},
      {FuncId::kCountOverTime, "count_over_time", {M}, 0, V},
      {FuncId::kDaysInMonth, "days_in_month", {V}, 1, V},
      {FuncId::kDayOfMonth, "day_of_month", {V}, 1, V},
      {FuncId::kDayOfWeek, "day_of_week", {V}, 1, V},
      {FuncId::kDayOfYear, "day_of_year", {V}, 1, V},
      {FuncId::kDeg, "deg", {V}, 0, V},
      {FuncId::kDelta, "delta", {M}, 0, V},
      {FuncId::kDeriv, "deriv", {M}, 0, V},
      {FuncId::kExp, "exp", {V}, 0, V},
      {FuncId::kFloor, "floor", {V}, 0, V},
      {FuncId::kHistogramQuantile, "histogram_quantile", {S, V}, 0, V},
      {FuncId::kHoltWinters, "holt_winters", {M, S, S}, 0, V},
      {FuncId::kHour, "hour", {V}, 1, V},
      {FuncId::kIdelta, "idelta", {M}, 0, V},
      {FuncId::kIncrease, "increase", {M}, 0, V},
      {FuncId::kIrate, "irate", {M}, 0, V},
      {FuncId::kLabelReplace, "label_replace", {V, Str, Str, Str, Str}, 0, V},
      {FuncId::kLabelJoin, "label_join", {V, Str, Str, Str}, -1, V},
      {FuncId::kLastOverTime, "last_over_time", {M}, 0, V},
      {FuncId::kLn, "ln", {V}, 0, V},
      {FuncId::kLog10, "log10", {V}, 0, V},
      {FuncId::kLog2, "log2", {V}, 0, V},
      {FuncId::kMaxOverTime, "max_over_time", {M}, 0, V},
      {FuncId::kMinOverTime, "min_over_time", {M}, 0, V},
      {FuncId::kMinute, "minute", {V}, 1, V},
      {FuncId::kMonth, "month", {V}, 1, V},
      {FuncId::kPi, "pi", {}, 0, S},
      {FuncId::kPredictLinear, "predict_linear", {M, S}, 0, V},
      {FuncId::kPresentOverTime, "present_over_time", {M}, 0, V},
      {FuncId::kQuantileOverTime, "quantile_over_time", {S, M}, 0, V},
      {FuncId::kRad, "rad", {V}, 0, V},
      {FuncId::kRate, "rate", {M}, 0, V},
      {FuncId::kResets, "resets", {M}, 0, V},
      {FuncId::kRound, "round", {V, S}, 1, V},
      {FuncId::kScalar, "scalar", {V}, 0, S},
      {FuncId::kSgn, "sgn", {V}, 0, V},
      {FuncId::kSin, "sin", {V}, 0, V},
      {FuncId::kSinh, "sinh", {V}, 0, V},
      {FuncId::kSort, "sort", {V}, 0, V},
      {FuncId::kSortDesc, "sort_desc", {V}, 0, V},
      {FuncId::kSqrt, "sqrt", {V}, 0, V},
      {FuncId::kStddevOverTime, "stddev_over_time", {M}, 0, V},
      {FuncId::kStdvarOverTime, "stdvar_over_time", {M}, 0, V},
      {FuncId::kSumOverTime, "sum_over_time", {M}, 0, V},
      {FuncId::kTan, "tan", {V}, 0, V},
      {FuncId::kTanh, "tanh", {V}, 0, V},
      {FuncId::kTime, "time", {}, 0, S},
      {FuncId::kTimestamp, "timestamp", {V}, 0, V},
      {FuncId::kVector, "vector", {S}, 0, V},
      {FuncId::kYear, "year", {V}, 1, V},
  };
  std::sort(f.begin(), f.end(), [](const Function& a, const Function& b) { return a.name < b.name; });
  return f;
}

}  // namespace

std::string_view documented_type(ValueType t) {
  switch (t) {
    case ValueType::kScalar: return "scalar";
    case ValueType::kVector: return "instant vector";
    case ValueType::kMatrix: return "range vector";
    case ValueType::kString: return "string";
    case ValueType::kNone: break;
  }
  return "none";
}

const std::vector<Function>& all_functions() {
  static const std::vector<Function> table = build();
  return table;
}

const Function* find_function(std::string_view name) {
  const auto& t = all_functions();
  auto it = std::lower_bound(t.begin(), t.end(), name,
                             [](const Function& f, std::string_view n) { return f.name < n; });
  return it != t.end() && it->name == name ? &*it : nullptr;
}

bool is_unsupported_function(std::string_view name) {
  return name == "histogram_count" || name == "histogram_sum" || name == "histogram_fraction";
}

}  // namespace vigia::promql

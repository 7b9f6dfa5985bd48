// The PromQL function table of Prometheus 2.42 (promql/parser/functions.go):
// name, argument types, how many optional/extra arguments, return type.
// Implementations live with the evaluator, which dispatches on Function::id.
#pragma once

#include <string_view>
#include <vector>

namespace vigia::promql {

enum class ValueType { kNone, kScalar, kVector, kMatrix, kString };

// Prometheus's DocumentedType: "scalar", "instant vector", "range vector",
// "string" (and "none").
std::string_view documented_type(ValueType t);

enum class FuncId {
  kAbs,
  kAbsent,
  kAbsentOverTime,
  kAcos,
  kAcosh,
  kAsin,
  kAsinh,
  kAtan,
  kAtanh,
  kAvgOverTime,
  kCeil,
  kChanges,
  kClamp,
  kClampMax,
  kClampMin,
  kCos,
  kCosh,
  kCountOverTime,
  kDaysInMonth,
  kDayOfMonth,
  kDayOfWeek,
  kDayOfYear,
  kDeg,
  kDelta,
  kDeriv,
  kExp,
  kFloor,
  kHistogramQuantile,
  kHoltWinters,
  kHour,
  kIdelta,
  kIncrease,
  kIrate,
  kLabelReplace,
  kLabelJoin,
  kLastOverTime,
  kLn,
  kLog10,
  kLog2,
  kMaxOverTime,
  kMinOverTime,
  kMinute,
  kMonth,
  kPi,
  kPredictLinear,
  kPresentOverTime,
  kQuantileOverTime,
  kRad,
  kRate,
  kResets,
  kRound,
  kScalar,
  kSgn,
  kSin,
  kSinh,
  kSort,
  kSortDesc,
  kSqrt,
  kStddevOverTime,
  kStdvarOverTime,
  kSumOverTime,
  kTan,
  kTanh,
  kTime,
  kTimestamp,
  kVector,
  kYear,
};

struct Function {
  FuncId id;
  std::string_view name;
  std::vector<ValueType> arg_types;
  // 0: exactly arg_types.size() arguments. n > 0: the last argument type may
  // be given 0..n times. -1: the last argument type may repeat without limit.
  // (Prometheus's Variadic field.)
  int variadic;
  ValueType return_type;
};

// The function named `name`, or nullptr. Pointers stay valid for the life of
// the program. Native-histogram functions of 2.42 (histogram_count,
// histogram_sum, histogram_fraction) are not in the table: see
// is_unsupported_function().
const Function* find_function(std::string_view name);

// True for functions Prometheus 2.42 knows but vigia does not evaluate.
bool is_unsupported_function(std::string_view name);

// All functions, in name order.
const std::vector<Function>& all_functions();

}  // namespace vigia::promql

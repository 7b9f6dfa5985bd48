// PromQL printer: an expression as Prometheus 2.42's String() methods spell
// it (e.g. `sum by (job) (rate(x{a="b"}[5m] offset 1m))`), so that
// parse(print(parse(s))) equals parse(s).
#pragma once

#include <cstdint>
#include <string>

#include "alerting/promql/ast.h"

namespace vigia::promql {

std::string print(const Expr& e);

// Like print(), but every binary and unary expression is wrapped in
// parentheses: shows how precedence and associativity grouped the tree.
std::string print_grouped(const Expr& e);

// Prometheus's model.Duration.String(): 90000 → "1m30s", 0 → "0s".
std::string format_duration(int64_t ms);

// Go's strconv.FormatFloat(v, 'f', -1, 64), with "+Inf", "-Inf", "NaN".
std::string format_number(double v);

}  // namespace vigia::promql

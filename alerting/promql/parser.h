// PromQL parser: a hand-written precedence-climbing parser that accepts what
// Prometheus 2.42's parser accepts (minus subqueries, the @ modifier and
// native-histogram functions, which are rejected with a message saying so),
// type-checks the tree as Prometheus's checkAST does, and reports the first
// error in Prometheus's format: "1:12: parse error: unexpected ...".
//
// Unlike Prometheus (whose Go stacks grow), it refuses an expression whose
// tree is more than kMaxExprDepth levels high (ast.h: `height`), with the
// parse error "expression nested too deeply (more than N levels)" at the
// first token or operator past the limit; its own recursion is bounded the
// same way. Every walker over a parsed tree recurses once per level, and the
// limit keeps the deepest walk (the evaluator) within a 1 MiB thread stack,
// ASan builds within 8 MiB (docs/architecture.md, "Nesting depth").
//
// Pure function of its input; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "alerting/promql/ast.h"

namespace vigia::promql {

inline constexpr uint32_t kMaxExprDepth = 1000;

struct ParseResult {
  ExprPtr expr;          // null on error
  std::string error;     // "line:col: parse error: message"; empty on success
  size_t error_pos = 0;  // byte offset the error points at
  bool ok() const { return expr != nullptr; }
};

ParseResult parse(std::string_view input);

// Parses a Prometheus duration ("1h30m", "5m", "250ms"); false if invalid.
bool parse_duration(std::string_view s, int64_t* ms);

}  // namespace vigia::promql

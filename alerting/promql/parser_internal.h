// Shared between parser.cc and check.cc; not part of the public interface.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include "alerting/promql/ast.h"

namespace vigia::promql::internal {

struct ParseError {
  size_t pos;
  std::string msg;
};

// Prometheus's checkAST: throws ParseError for the first typing error.
// `input` is the source (for operator positions).
void check_ast(std::string_view input, Expr& root);

}  // namespace vigia::promql::internal

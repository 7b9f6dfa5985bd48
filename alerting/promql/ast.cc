#include "alerting/promql/ast.h"

#include <cmath>

namespace vigia::promql {

std::string_view match_type_spelling(MatchType t) {
  switch (t) {
    case MatchType::kEqual: return "=";
    case MatchType::kNotEqual: return "!=";
    case MatchType::kRegex: return "=~";
    case MatchType::kNotRegex: return "!~";
  }
  return "?";
}

namespace {

bool equal_ptr(const Expr* a, const Expr* b) {
  if (!a || !b) return a == b;
  return equal(*a, *b);
}

bool equal_selector(const VectorSelector& a, const VectorSelector& b) {
  return a.name == b.name && a.matchers == b.matchers && a.offset_ms == b.offset_ms;
}

}  // namespace

bool equal(const Expr& a, const Expr& b) {
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case ExprKind::kNumberLiteral: {
      double x = static_cast<const NumberLiteral&>(a).value;
      double y = static_cast<const NumberLiteral&>(b).value;
      return x == y || (std::isnan(x) && std::isnan(y));
    }
    case ExprKind::kStringLiteral:
      return static_cast<const StringLiteral&>(a).value == static_cast<const StringLiteral&>(b).value;
    case ExprKind::kVectorSelector:
      return equal_selector(static_cast<const VectorSelector&>(a), static_cast<const VectorSelector&>(b));
    case ExprKind::kMatrixSelector: {
      const auto& x = static_cast<const MatrixSelector&>(a);
      const auto& y = static_cast<const MatrixSelector&>(b);
      return x.range_ms == y.range_ms && equal_selector(*x.selector, *y.selector);
    }
    case ExprKind::kUnary: {
      const auto& x = static_cast<const UnaryExpr&>(a);
      const auto& y = static_cast<const UnaryExpr&>(b);
      return x.op == y.op && equal(*x.expr, *y.expr);
    }
    case ExprKind::kBinary: {
      const auto& x = static_cast<const BinaryExpr&>(a);
      const auto& y = static_cast<const BinaryExpr&>(b);
      if (x.op != y.op || x.return_bool != y.return_bool) return false;
      if (bool(x.matching) != bool(y.matching)) return false;
      if (x.matching && !(*x.matching == *y.matching)) return false;
      return equal(*x.lhs, *y.lhs) && equal(*x.rhs, *y.rhs);
    }
    case ExprKind::kAggregate: {
      const auto& x = static_cast<const AggregateExpr&>(a);
      const auto& y = static_cast<const AggregateExpr&>(b);
      return x.op == y.op && x.without == y.without && x.grouping == y.grouping &&
             equal_ptr(x.param.get(), y.param.get()) && equal(*x.expr, *y.expr);
    }
    case ExprKind::kCall: {
      const auto& x = static_cast<const Call&>(a);
      const auto& y = static_cast<const Call&>(b);
      if (x.func != y.func || x.args.size() != y.args.size()) return false;
      for (size_t i = 0; i < x.args.size(); ++i) {
        if (!equal(*x.args[i], *y.args[i])) return false;
      }
      return true;
    }
    case ExprKind::kParen:
      return equal(*static_cast<const ParenExpr&>(a).expr, *static_cast<const ParenExpr&>(b).expr);
  }
  return false;
}

}  // namespace vigia::promql

// PromQL abstract syntax tree (after Prometheus's promql/parser/ast.go).
//
// Nodes are owned by their parent through std::unique_ptr; the root is owned
// by whoever called parse(). Every node records the byte range of the source
// it came from and answers its value type. Trees are immutable after parsing
// and may be read from several threads. Every walker over a tree (checker,
// evaluator, printer, equal(), the destructors) recurses once per level, so
// parse() refuses trees higher than kMaxExprDepth (parser.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "alerting/promql/functions.h"
#include "alerting/promql/lexer.h"

namespace vigia::promql {

struct PosRange {
  size_t start = 0;
  size_t end = 0;  // one past the last byte
};

enum class ExprKind {
  kNumberLiteral,
  kStringLiteral,
  kVectorSelector,
  kMatrixSelector,
  kUnary,
  kBinary,
  kAggregate,
  kCall,
  kParen,
};

struct Expr {
  explicit Expr(ExprKind k) : kind(k) {}
  virtual ~Expr() = default;
  Expr(const Expr&) = delete;
  Expr& operator=(const Expr&) = delete;

  virtual ValueType type() const = 0;
  const ExprKind kind;
  PosRange pos;
  // Nodes on the longest path from this one down to a leaf, itself included
  // (a leaf is 1; a range selector, which holds its vector selector, is 2).
  // Set by parse().
  uint32_t height = 1;
};
using ExprPtr = std::unique_ptr<Expr>;

struct NumberLiteral final : Expr {
  NumberLiteral() : Expr(ExprKind::kNumberLiteral) {}
  ValueType type() const override { return ValueType::kScalar; }
  double value = 0;
};

struct StringLiteral final : Expr {
  StringLiteral() : Expr(ExprKind::kStringLiteral) {}
  ValueType type() const override { return ValueType::kString; }
  std::string value;  // unquoted
};

enum class MatchType { kEqual, kNotEqual, kRegex, kNotRegex };
std::string_view match_type_spelling(MatchType t);  // "=", "!=", "=~", "!~"

// A label matcher. Regexes are fully anchored ("^(?:value)$") when evaluated.
struct Matcher {
  MatchType type = MatchType::kEqual;
  std::string name;
  std::string value;
  bool operator==(const Matcher&) const = default;
};

struct VectorSelector final : Expr {
  VectorSelector() : Expr(ExprKind::kVectorSelector) {}
  ValueType type() const override { return ValueType::kVector; }
  std::string name;  // metric name written before the braces, may be empty
  // The matchers in source order; as in Prometheus, a name written before the
  // braces is appended last as __name__="name".
  std::vector<Matcher> matchers;
  int64_t offset_ms = 0;  // as written; may be negative
};

struct MatrixSelector final : Expr {
  MatrixSelector() : Expr(ExprKind::kMatrixSelector) {}
  ValueType type() const override { return ValueType::kMatrix; }
  std::unique_ptr<VectorSelector> selector;  // carries the offset
  int64_t range_ms = 0;
};

struct UnaryExpr final : Expr {
  UnaryExpr() : Expr(ExprKind::kUnary) {}
  ValueType type() const override { return expr->type(); }
  Tok op = Tok::kSub;  // kAdd or kSub
  ExprPtr expr;
};

enum class Cardinality { kOneToOne, kManyToOne, kOneToMany, kManyToMany };

struct VectorMatching {
  Cardinality card = Cardinality::kOneToOne;
  bool on = false;                   // on(...) rather than ignoring(...)
  std::vector<std::string> labels;   // the on/ignoring labels
  std::vector<std::string> include;  // group_left/group_right labels
  bool operator==(const VectorMatching&) const = default;
};

struct BinaryExpr final : Expr {
  BinaryExpr() : Expr(ExprKind::kBinary) {}
  ValueType type() const override {
    return lhs->type() == ValueType::kScalar && rhs->type() == ValueType::kScalar ? ValueType::kScalar
                                                                                  : ValueType::kVector;
  }
  Tok op = Tok::kAdd;
  ExprPtr lhs, rhs;
  bool return_bool = false;
  // Present only when both sides are instant vectors (as in Prometheus);
  // set operators always have card kManyToMany.
  std::unique_ptr<VectorMatching> matching;
};

struct AggregateExpr final : Expr {
  AggregateExpr() : Expr(ExprKind::kAggregate) {}
  ValueType type() const override { return ValueType::kVector; }
  Tok op = Tok::kSum;
  ExprPtr expr;
  ExprPtr param;  // topk, bottomk, quantile, count_values only
  std::vector<std::string> grouping;
  bool without = false;
};

struct Call final : Expr {
  Call() : Expr(ExprKind::kCall) {}
  ValueType type() const override { return func->return_type; }
  const Function* func = nullptr;  // into the static function table
  std::vector<ExprPtr> args;
};

struct ParenExpr final : Expr {
  ParenExpr() : Expr(ExprKind::kParen) {}
  ValueType type() const override { return expr->type(); }
  ExprPtr expr;
};

// Structural equality, ignoring positions (NaN literals equal each other).
bool equal(const Expr& a, const Expr& b);

}  // namespace vigia::promql

// Type checking after Prometheus's checkAST (promql/parser/parse.go), in the
// same order, so the first error reported is the one Prometheus lists first.
#include <string>

#include "alerting/promql/parser_internal.h"
#include "alerting/promql/regex.h"

namespace vigia::promql::internal {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool matches_empty(const Matcher& m) {
  switch (m.type) {
    case MatchType::kEqual: return m.value.empty();
    case MatchType::kNotEqual: return !m.value.empty();
    case MatchType::kRegex: return AnchoredRegex(m.value).matches("");
    case MatchType::kNotRegex: return !AnchoredRegex(m.value).matches("");
  }
  return false;
}

class Checker {
 public:
  explicit Checker(std::string_view in) : in_(in) {}

  ValueType check(Expr& node) {
    ValueType typ = node.type();
    switch (node.kind) {
      case ExprKind::kAggregate: {
        auto& n = static_cast<AggregateExpr&>(node);
        expect(*n.expr, ValueType::kVector, "aggregation expression");
        if (n.op == Tok::kTopk || n.op == Tok::kBottomk || n.op == Tok::kQuantile) {
          expect(*n.param, ValueType::kScalar, "aggregation parameter");
        }
        if (n.op == Tok::kCountValues) expect(*n.param, ValueType::kString, "aggregation parameter");
        break;
      }
      case ExprKind::kBinary: check_binary(static_cast<BinaryExpr&>(node)); break;
      case ExprKind::kCall: check_call(static_cast<Call&>(node)); break;
      case ExprKind::kParen: check(*static_cast<ParenExpr&>(node).expr); break;
      case ExprKind::kUnary: {
        auto& n = static_cast<UnaryExpr&>(node);
        ValueType t = check(*n.expr);
        if (t != ValueType::kScalar && t != ValueType::kVector) {
          fail(n.pos.start,
               "unary expression only allowed on expressions of type scalar or instant vector, got \"" +
                   std::string(documented_type(t)) + "\"");
        }
        break;
      }
      case ExprKind::kMatrixSelector: check(*static_cast<MatrixSelector&>(node).selector); break;
      case ExprKind::kVectorSelector: check_selector(static_cast<VectorSelector&>(node)); break;
      case ExprKind::kNumberLiteral:
      case ExprKind::kStringLiteral: break;
    }
    return typ;
  }

 private:
  [[noreturn]] void fail(size_t pos, std::string msg) { throw ParseError{pos, std::move(msg)}; }

  void expect(Expr& e, ValueType want, const std::string& context) {
    ValueType t = check(e);
    if (t != want) {
      fail(e.pos.start, "expected type " + std::string(documented_type(want)) + " in " + context + ", got " +
                            std::string(documented_type(t)));
    }
  }

  void check_binary(BinaryExpr& n) {
    ValueType lt = check(*n.lhs);
    ValueType rt = check(*n.rhs);
    size_t op_pos = n.lhs->pos.end;
    while (op_pos < in_.size() && is_space(in_[op_pos])) ++op_pos;
    if (n.return_bool && !is_comparison(n.op)) {
      fail(op_pos, "bool modifier can only be used on comparison operators");
    }
    if (is_comparison(n.op) && !n.return_bool && lt == ValueType::kScalar && rt == ValueType::kScalar) {
      fail(op_pos, "comparisons between scalars must use BOOL modifier");
    }
    VectorMatching& vm = *n.matching;
    if (is_set_operator(n.op) && vm.card == Cardinality::kOneToOne) vm.card = Cardinality::kManyToMany;
    if (vm.on) {
      for (const auto& l1 : vm.labels) {
        for (const auto& l2 : vm.include) {
          if (l1 == l2) fail(op_pos, "label \"" + l1 + "\" must not occur in ON and GROUP clause at once");
        }
      }
    }
    if (lt != ValueType::kScalar && lt != ValueType::kVector) {
      fail(n.lhs->pos.start, "binary expression must contain only scalar and instant vector types");
    }
    if (rt != ValueType::kScalar && rt != ValueType::kVector) {
      fail(n.rhs->pos.start, "binary expression must contain only scalar and instant vector types");
    }
    std::string op_name = "\"" + std::string(tok_spelling(n.op)) + "\"";
    if (lt != ValueType::kVector || rt != ValueType::kVector) {
      if (!vm.labels.empty()) fail(n.pos.start, "vector matching only allowed between instant vectors");
      n.matching.reset();
    } else if (is_set_operator(n.op)) {
      if (vm.card == Cardinality::kOneToMany || vm.card == Cardinality::kManyToOne) {
        fail(n.pos.start, "no grouping allowed for " + op_name + " operation");
      }
    }
    if ((lt == ValueType::kScalar || rt == ValueType::kScalar) && is_set_operator(n.op)) {
      fail(n.pos.start, "set operator " + op_name + " not allowed in binary scalar expression");
    }
  }

  void check_call(Call& n) {
    const Function& f = *n.func;
    size_t nargs = f.arg_types.size();
    std::string name = "\"" + std::string(f.name) + "\"";
    if (f.variadic == 0) {
      if (nargs != n.args.size()) {
        fail(n.pos.start, "expected " + std::to_string(nargs) + " argument(s) in call to " + name + ", got " +
                              std::to_string(n.args.size()));
      }
    } else {
      size_t na = nargs - 1;
      if (na > n.args.size()) {
        fail(n.pos.start, "expected at least " + std::to_string(na) + " argument(s) in call to " + name +
                              ", got " + std::to_string(n.args.size()));
      }
      size_t max = na + f.variadic;
      if (f.variadic > 0 && max < n.args.size()) {
        fail(n.pos.start, "expected at most " + std::to_string(max) + " argument(s) in call to " + name +
                              ", got " + std::to_string(n.args.size()));
      }
    }
    for (size_t i = 0; i < n.args.size(); ++i) {
      size_t k = i;
      if (k >= nargs) {
        if (f.variadic == 0) break;
        k = nargs - 1;
      }
      expect(*n.args[i], f.arg_types[k], "call to function " + name);
    }
  }

  void check_selector(VectorSelector& n) {
    if (!n.name.empty()) {
      for (size_t i = 0; i + 1 < n.matchers.size(); ++i) {
        if (n.matchers[i].name == "__name__") {
          fail(n.pos.start,
               "metric name must not be set twice: " + quote(n.name) + " or " + quote(n.matchers[i].value));
        }
      }
      return;
    }
    bool not_empty = false;
    for (const auto& m : n.matchers) not_empty |= !matches_empty(m);
    if (!not_empty) fail(n.pos.start, "vector selector must contain at least one non-empty matcher");
  }

  std::string_view in_;
};

}  // namespace

void check_ast(std::string_view input, Expr& root) { Checker(input).check(root); }

}  // namespace vigia::promql::internal

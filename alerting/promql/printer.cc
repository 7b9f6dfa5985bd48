#include "alerting/promql/printer.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace vigia::promql {
namespace {

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += ", ";
    out += v[i];
  }
  return out;
}

std::string selector(const VectorSelector& vs) {
  std::vector<std::string> parts;
  for (const auto& m : vs.matchers) {
    if (m.name == "__name__" && m.type == MatchType::kEqual && m.value == vs.name) continue;
    parts.push_back(m.name + std::string(match_type_spelling(m.type)) + quote(m.value));
  }
  std::sort(parts.begin(), parts.end());
  std::string out = vs.name;
  if (!parts.empty()) {
    out += '{';
    for (size_t i = 0; i < parts.size(); ++i) {
      if (i) out += ',';
      out += parts[i];
    }
    out += '}';
  }
  return out;
}

std::string offset(int64_t ms) {
  if (ms > 0) return " offset " + format_duration(ms);
  if (ms < 0) return " offset -" + format_duration(-ms);
  return {};
}

std::string matching(const BinaryExpr& b) {
  const VectorMatching* vm = b.matching.get();
  if (!vm || (vm->labels.empty() && !vm->on)) return {};
  std::string out = vm->on ? " on (" : " ignoring (";
  out += join(vm->labels) + ")";
  if (vm->card == Cardinality::kManyToOne || vm->card == Cardinality::kOneToMany) {
    out += vm->card == Cardinality::kManyToOne ? " group_left (" : " group_right (";
    out += join(vm->include) + ")";
  }
  return out;
}

std::string render(const Expr& e, bool grouped) {
  switch (e.kind) {
    case ExprKind::kNumberLiteral: return format_number(static_cast<const NumberLiteral&>(e).value);
    case ExprKind::kStringLiteral: return quote(static_cast<const StringLiteral&>(e).value);
    case ExprKind::kVectorSelector: {
      const auto& vs = static_cast<const VectorSelector&>(e);
      return selector(vs) + offset(vs.offset_ms);
    }
    case ExprKind::kMatrixSelector: {
      const auto& m = static_cast<const MatrixSelector&>(e);
      return selector(*m.selector) + "[" + format_duration(m.range_ms) + "]" + offset(m.selector->offset_ms);
    }
    case ExprKind::kUnary: {
      const auto& u = static_cast<const UnaryExpr&>(e);
      std::string s = std::string(tok_spelling(u.op)) + render(*u.expr, grouped);
      return grouped ? "(" + s + ")" : s;
    }
    case ExprKind::kBinary: {
      const auto& b = static_cast<const BinaryExpr&>(e);
      // "+Inf ^ x" would read back as +(Inf ^ x): spell that operand "Inf".
      bool bare_inf = b.op == Tok::kPow && b.lhs->kind == ExprKind::kNumberLiteral &&
                      static_cast<const NumberLiteral&>(*b.lhs).value == INFINITY;
      std::string s = (bare_inf ? std::string("Inf") : render(*b.lhs, grouped)) + " " +
                      std::string(tok_spelling(b.op)) + (b.return_bool ? " bool" : "") + matching(b) + " " +
                      render(*b.rhs, grouped);
      return grouped ? "(" + s + ")" : s;
    }
    case ExprKind::kAggregate: {
      const auto& a = static_cast<const AggregateExpr&>(e);
      std::string s(tok_spelling(a.op));
      if (a.without) {
        s += " without (" + join(a.grouping) + ") ";
      } else if (!a.grouping.empty()) {
        s += " by (" + join(a.grouping) + ") ";
      }
      s += "(";
      if (a.param) s += render(*a.param, grouped) + ", ";
      return s + render(*a.expr, grouped) + ")";
    }
    case ExprKind::kCall: {
      const auto& c = static_cast<const Call&>(e);
      std::string s = std::string(c.func->name) + "(";
      for (size_t i = 0; i < c.args.size(); ++i) {
        if (i) s += ", ";
        s += render(*c.args[i], grouped);
      }
      return s + ")";
    }
    case ExprKind::kParen: return "(" + render(*static_cast<const ParenExpr&>(e).expr, grouped) + ")";
  }
  return {};
}

}  // namespace

std::string print(const Expr& e) { return render(e, false); }
std::string print_grouped(const Expr& e) { return render(e, true); }

std::string format_number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[400];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  return std::string(buf, r.ptr);
}

std::string format_duration(int64_t ms) {
  if (ms == 0) return "0s";
  std::string out;
  auto unit = [&](const char* name, int64_t mult, bool exact) {
    if (exact && ms % mult != 0) return;
    int64_t v = ms / mult;
    if (v > 0) {
      out += std::to_string(v) + name;
      ms -= v * mult;
    }
  };
  unit("y", 365LL * 86400000, true);
  unit("w", 7LL * 86400000, true);
  unit("d", 86400000, false);
  unit("h", 3600000, false);
  unit("m", 60000, false);
  unit("s", 1000, false);
  unit("ms", 1, false);
  return out;
}

}  // namespace vigia::promql

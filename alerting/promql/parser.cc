#include "alerting/promql/parser.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <utility>

#include "alerting/promql/parser_internal.h"
#include "alerting/promql/regex.h"
#include "core/text.h"

namespace vigia::promql {
namespace {

using internal::ParseError;

int precedence(Tok t) {
  switch (t) {
    case Tok::kLor: return 1;
    case Tok::kLand:
    case Tok::kLunless: return 2;
    case Tok::kEqlc:
    case Tok::kNeq:
    case Tok::kLte:
    case Tok::kLss:
    case Tok::kGte:
    case Tok::kGtr: return 3;
    case Tok::kAdd:
    case Tok::kSub: return 4;
    case Tok::kMul:
    case Tok::kDiv:
    case Tok::kMod:
    case Tok::kAtan2: return 5;
    case Tok::kPow: return 6;
    default: return 0;
  }
}
constexpr int kUnaryPrecedence = 5;  // as MUL: -a^b is -(a^b), -a*b is (-a)*b

struct DepthGuard {
  int& d;
  explicit DepthGuard(int& depth) : d(depth) { ++d; }
  ~DepthGuard() { --d; }
  DepthGuard(const DepthGuard&) = delete;
  DepthGuard& operator=(const DepthGuard&) = delete;
};

std::string too_deep() {
  return "expression nested too deeply (more than " + std::to_string(kMaxExprDepth) + " levels)";
}

bool is_label_name(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

// Go's strconv.ParseInt(s, 0, 64) then ParseFloat, as Prometheus's number().
bool parse_number(std::string_view text, double* out) {
  std::string s(text);
  std::string low;
  for (char c : s) low += char(std::tolower(static_cast<unsigned char>(c)));
  if (low == "inf") {
    *out = std::numeric_limits<double>::infinity();
    return true;
  }
  if (low == "nan") {
    *out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  int base = 10;
  std::string_view digits = s;
  if (low.size() > 2 && low[0] == '0' && low[1] == 'x') {
    base = 16;
    digits = std::string_view(s).substr(2);
  } else if (low.size() > 1 && low[0] == '0') {
    base = 8;
    digits = std::string_view(s).substr(1);
  }
  bool integer = !digits.empty();
  for (char c : digits) {
    int v = std::isdigit(static_cast<unsigned char>(c))    ? c - '0'
            : std::isxdigit(static_cast<unsigned char>(c)) ? std::tolower(c) - 'a' + 10
                                                           : 99;
    if (v >= base) integer = false;
  }
  if (integer) {
    errno = 0;
    long long v = std::strtoll(std::string(digits).c_str(), nullptr, base);
    if (errno == 0) {
      *out = double(v);
      return true;
    }
  }
  if (base == 16) return false;
  char* end = nullptr;
  errno = 0;
  *out = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() && errno != EINVAL;
}

class Parser {
 public:
  explicit Parser(std::string_view in) : in_(in), toks_(lex(in)) {}

  ExprPtr run() {
    if (peek().type == Tok::kEof) throw ParseError{0, "no expression found in input"};
    ExprPtr e = expr(1);
    if (peek().type != Tok::kEof) unexpected();
    return e;
  }

 private:
  const Token& peek(size_t ahead = 0) const {
    size_t i = std::min(idx_ + ahead, toks_.size() - 1);
    return toks_[i];
  }
  const Token& next() {
    const Token& t = peek();
    if (t.type == Tok::kError) throw ParseError{t.pos, t.msg};
    if (idx_ < toks_.size() - 1) ++idx_;
    return t;
  }
  [[noreturn]] void unexpected(std::string_view context = {}, std::string_view expected = {}) {
    const Token& t = peek();
    if (t.type == Tok::kError) throw ParseError{t.pos, t.msg};
    // Prometheus's grammar recovers syntax errors inside an aggregation with
    // its "aggregate_op error" rule, hence that context.
    if (context.empty() && aggregation_depth_ > 0) context = "aggregation";
    std::string msg = "unexpected " + describe(t);
    if (!context.empty()) msg += " in " + std::string(context);
    if (!expected.empty()) msg += ", expected " + std::string(expected);
    throw ParseError{t.pos, std::move(msg)};
  }
  const Token& expect(Tok type, std::string_view context, std::string_view expected) {
    if (peek().type != type) unexpected(context, expected);
    return next();
  }

  // One level above `child`: refused past kMaxExprDepth, at `pos`, before
  // anything walks the tree (destroying it included).
  static void above(Expr& parent, const Expr& child, size_t pos) {
    if (child.height >= kMaxExprDepth) throw ParseError{pos, too_deep()};
    parent.height = std::max(parent.height, child.height + 1);
  }

  ExprPtr expr(int min_prec) {
    // Every nested construct recurses through here: bounded as the tree is
    // (folded unary signs recurse without adding a level).
    DepthGuard guard(nesting_);
    if (nesting_ > int(kMaxExprDepth)) throw ParseError{peek().pos, too_deep()};
    ExprPtr lhs = unary();
    for (;;) {
      Tok op = peek().type;
      int prec = precedence(op);
      if (prec == 0 || prec < min_prec) return lhs;
      size_t op_pos = next().pos;
      auto bin = std::make_unique<BinaryExpr>();
      bin->op = op;
      bin->matching = std::make_unique<VectorMatching>();
      modifiers(*bin);
      bin->rhs = expr(op == Tok::kPow ? prec : prec + 1);
      bin->pos = {lhs->pos.start, bin->rhs->pos.end};
      above(*bin, *lhs, op_pos);
      above(*bin, *bin->rhs, op_pos);
      bin->lhs = std::move(lhs);
      lhs = std::move(bin);
    }
  }

  void modifiers(BinaryExpr& bin) {
    if (peek().type == Tok::kBool) {
      next();
      bin.return_bool = true;
    }
    Tok t = peek().type;
    if (t != Tok::kOn && t != Tok::kIgnoring) return;
    next();
    bin.matching->on = t == Tok::kOn;
    bin.matching->labels = grouping_labels();
    t = peek().type;
    if (t != Tok::kGroupLeft && t != Tok::kGroupRight) return;
    next();
    bin.matching->card = t == Tok::kGroupLeft ? Cardinality::kManyToOne : Cardinality::kOneToMany;
    if (peek().type == Tok::kLeftParen) bin.matching->include = grouping_labels();
  }

  std::vector<std::string> grouping_labels() {
    std::vector<std::string> out;
    if (peek().type != Tok::kLeftParen) unexpected("grouping opts", "\"(\"");
    next();
    for (;;) {
      if (peek().type == Tok::kRightParen) break;
      const Token& t = peek();
      bool word = t.type == Tok::kIdentifier || t.type == Tok::kMetricIdentifier || is_keyword(t.type) ||
                  is_aggregator(t.type) || t.type == Tok::kLand || t.type == Tok::kLor ||
                  t.type == Tok::kLunless || t.type == Tok::kAtan2;
      if (!word || !is_label_name(t.text)) unexpected("grouping opts", "label");
      out.emplace_back(next().text);
      if (peek().type == Tok::kComma) {
        next();
        continue;
      }
      if (peek().type != Tok::kRightParen) unexpected("grouping opts", "\",\" or \")\"");
    }
    next();
    return out;
  }

  ExprPtr unary() {
    Tok t = peek().type;
    if (t != Tok::kAdd && t != Tok::kSub) return postfix(primary());
    size_t start = next().pos;
    ExprPtr operand = expr(kUnaryPrecedence + 1);
    if (operand->kind == ExprKind::kNumberLiteral) {
      auto& n = static_cast<NumberLiteral&>(*operand);
      if (t == Tok::kSub) n.value = -n.value;
      n.pos.start = start;
      return operand;
    }
    auto u = std::make_unique<UnaryExpr>();
    u->op = t;
    u->pos = {start, operand->pos.end};
    above(*u, *operand, start);
    u->expr = std::move(operand);
    return u;
  }

  int64_t duration(const Token& t) {
    int64_t ms = 0;
    if (!parse_duration(t.text, &ms)) {
      throw ParseError{t.pos, "not a valid duration string: " + quote(t.text)};
    }
    if (ms == 0) throw ParseError{t.pos, "duration must be greater than 0"};
    return ms;
  }

  // Range selectors, offsets, and the rejected subqueries and @.
  ExprPtr postfix(ExprPtr e) {
    for (;;) {
      const Token& t = peek();
      if (t.type == Tok::kLeftBracket) {
        size_t open = next().pos;
        const Token& d = expect(Tok::kDuration, "", "");
        if (peek().type == Tok::kColon) {
          // A lexing error inside the brackets comes first, as in Prometheus.
          for (size_t i = idx_; i < toks_.size() && toks_[i].type != Tok::kRightBracket; ++i) {
            if (toks_[i].type == Tok::kError) throw ParseError{toks_[i].pos, toks_[i].msg};
          }
          throw ParseError{open, "subqueries are not supported by vigia"};
        }
        int64_t range = duration(d);
        size_t close = expect(Tok::kRightBracket, "", "").end();
        const char* err = nullptr;
        if (e->kind != ExprKind::kVectorSelector) {
          err = "ranges only allowed for vector selectors";
        } else if (static_cast<VectorSelector&>(*e).offset_ms != 0) {
          err = "no offset modifiers allowed before range";
        }
        if (err) throw ParseError{open, err};
        auto m = std::make_unique<MatrixSelector>();
        m->pos = {e->pos.start, close};
        m->range_ms = range;
        m->height = 2;
        m->selector.reset(static_cast<VectorSelector*>(e.release()));
        e = std::move(m);
      } else if (t.type == Tok::kOffset) {
        next();
        bool neg = false;
        if (peek().type == Tok::kSub) {
          next();
          neg = true;
        }
        const Token& d = expect(Tok::kDuration, "offset", "duration");
        int64_t off = duration(d);
        VectorSelector* vs = nullptr;
        if (e->kind == ExprKind::kVectorSelector) vs = static_cast<VectorSelector*>(e.get());
        if (e->kind == ExprKind::kMatrixSelector) vs = static_cast<MatrixSelector&>(*e).selector.get();
        if (!vs) {
          throw ParseError{e->pos.start,
                           "offset modifier must be preceded by an instant vector selector or range "
                           "vector selector or a subquery"};
        }
        if (vs->offset_ms != 0) throw ParseError{e->pos.start, "offset may not be set multiple times"};
        vs->offset_ms = neg ? -off : off;
        e->pos.end = d.end();
        if (e->kind == ExprKind::kMatrixSelector) vs->pos.end = d.end();
      } else if (t.type == Tok::kAt) {
        throw ParseError{t.pos, "the @ modifier is not supported by vigia"};
      } else {
        return e;
      }
    }
  }

  ExprPtr primary() {
    const Token& t = peek();
    switch (t.type) {
      case Tok::kNumber: {
        next();
        auto n = std::make_unique<NumberLiteral>();
        n->pos = {t.pos, t.end()};
        if (!parse_number(t.text, &n->value)) {
          throw ParseError{t.pos, "error parsing number: strconv.ParseFloat: parsing " + quote(t.text) +
                                      ": invalid syntax"};
        }
        return n;
      }
      case Tok::kString: {
        next();
        auto s = std::make_unique<StringLiteral>();
        s->pos = {t.pos, t.end()};
        s->value = unquote(t.text);
        return s;
      }
      case Tok::kLeftParen: {
        next();
        auto p = std::make_unique<ParenExpr>();
        p->expr = expr(1);
        p->pos = {t.pos, expect(Tok::kRightParen, "", "").end()};
        above(*p, *p->expr, t.pos);
        return p;
      }
      case Tok::kLeftBrace: return selector(nullptr);
      case Tok::kAt: throw ParseError{t.pos, "the @ modifier is not supported by vigia"};
      case Tok::kIdentifier:
        if (peek(1).type == Tok::kLeftParen) return call();
        return selector(&next());
      case Tok::kMetricIdentifier: return selector(&next());
      default: break;
    }
    if (is_aggregator(t.type)) {
      Tok n = peek(1).type;
      if (n == Tok::kLeftParen || n == Tok::kBy || n == Tok::kWithout) return aggregate();
      return selector(&next());
    }
    // Prometheus accepts these keywords as metric names, but not bool, on,
    // ignoring, group_left, group_right or atan2.
    switch (t.type) {
      case Tok::kBy:
      case Tok::kWithout:
      case Tok::kOffset:
      case Tok::kLand:
      case Tok::kLor:
      case Tok::kLunless:
      case Tok::kStart:
      case Tok::kEnd: return selector(&next());
      default: unexpected();
    }
  }

  ExprPtr selector(const Token* name) {
    auto vs = std::make_unique<VectorSelector>();
    size_t start = name ? name->pos : peek().pos;
    size_t end = name ? name->end() : start;
    if (peek().type == Tok::kLeftBrace) {
      next();
      for (;;) {
        if (peek().type == Tok::kRightBrace) break;
        if (peek().type != Tok::kIdentifier) unexpected("label matching", "identifier or \"}\"");
        const Token& label = next();
        Matcher m;
        m.name = std::string(label.text);
        switch (peek().type) {
          case Tok::kEql: m.type = MatchType::kEqual; break;
          case Tok::kNeq: m.type = MatchType::kNotEqual; break;
          case Tok::kEqlRegex: m.type = MatchType::kRegex; break;
          case Tok::kNeqRegex: m.type = MatchType::kNotRegex; break;
          default: unexpected("label matching", "label matching operator");
        }
        next();
        if (peek().type != Tok::kString) unexpected("label matching", "string");
        m.value = unquote(next().text);
        if (m.type == MatchType::kRegex || m.type == MatchType::kNotRegex) {
          AnchoredRegex re(m.value);
          if (!re.ok()) throw ParseError{label.pos, re.error()};
        }
        vs->matchers.push_back(std::move(m));
        if (peek().type == Tok::kComma) {
          next();
          continue;
        }
        if (peek().type != Tok::kRightBrace) unexpected("label matching", "\",\" or \"}\"");
      }
      end = next().end();
    }
    vs->pos = {start, end};
    if (name) {
      vs->name = std::string(name->text);
      vs->matchers.push_back(Matcher{MatchType::kEqual, "__name__", vs->name});
    }
    return vs;
  }

  // "(" [expr {"," expr}] ")"
  // `context` names the construct in "unexpected" errors ("aggregation").
  std::vector<ExprPtr> call_body(size_t* end, std::string_view context) {
    std::vector<ExprPtr> args;
    next();  // (
    if (peek().type != Tok::kRightParen) {
      for (;;) {
        args.push_back(expr(1));
        if (peek().type != Tok::kComma) break;
        const Token& comma = next();
        if (peek().type == Tok::kError) throw ParseError{peek().pos, peek().msg};
        if (!can_start_expr(peek().type)) {
          throw ParseError{comma.pos, "trailing commas not allowed in function call args"};
        }
      }
    }
    *end = expect(Tok::kRightParen, context, "").end();
    return args;
  }

  ExprPtr call() {
    const Token& name = next();
    auto c = std::make_unique<Call>();
    size_t end = 0;
    c->args = call_body(&end, "");
    c->pos = {name.pos, end};
    for (const auto& a : c->args) above(*c, *a, name.pos);
    // Checked after the arguments, as Prometheus reduces the whole call first.
    const Function* f = find_function(name.text);
    if (!f) {
      if (is_unsupported_function(name.text)) {
        throw ParseError{name.pos, "function " + quote(name.text) + " is not supported by vigia"};
      }
      throw ParseError{name.pos, "unknown function with name " + quote(name.text)};
    }
    c->func = f;
    return c;
  }

  void aggregate_modifier(AggregateExpr& a) {
    a.without = next().type == Tok::kWithout;
    a.grouping = grouping_labels();
  }

  static bool can_start_expr(Tok t) {
    switch (t) {
      case Tok::kNumber:
      case Tok::kString:
      case Tok::kLeftParen:
      case Tok::kLeftBrace:
      case Tok::kIdentifier:
      case Tok::kMetricIdentifier:
      case Tok::kAdd:
      case Tok::kSub:
      case Tok::kAt:
      case Tok::kBy:
      case Tok::kWithout:
      case Tok::kOffset:
      case Tok::kLand:
      case Tok::kLor:
      case Tok::kLunless:
      case Tok::kStart:
      case Tok::kEnd: return true;
      default: return is_aggregator(t);
    }
  }

  ExprPtr aggregate() {
    DepthGuard guard(aggregation_depth_);
    const Token& op = next();
    auto a = std::make_unique<AggregateExpr>();
    a->op = op.type;
    Tok t = peek().type;
    bool modifier_first = t == Tok::kBy || t == Tok::kWithout;
    if (modifier_first) aggregate_modifier(*a);
    if (peek().type != Tok::kLeftParen) unexpected("aggregation", "");
    size_t end = 0;
    std::vector<ExprPtr> args = call_body(&end, "aggregation");
    a->pos = {op.pos, end};
    if (!modifier_first && (peek().type == Tok::kBy || peek().type == Tok::kWithout)) {
      aggregate_modifier(*a);
      a->pos.end = toks_[idx_ - 1].end();
    }
    if (args.empty()) throw ParseError{a->pos.start, "no arguments for aggregate expression provided"};
    size_t want = (a->op == Tok::kTopk || a->op == Tok::kBottomk || a->op == Tok::kQuantile ||
                   a->op == Tok::kCountValues)
                      ? 2
                      : 1;
    if (args.size() != want) {
      throw ParseError{a->pos.start,
                       "wrong number of arguments for aggregate expression provided, expected " +
                           std::to_string(want) + ", got " + std::to_string(args.size())};
    }
    for (const auto& arg : args) above(*a, *arg, a->pos.start);
    if (want == 2) a->param = std::move(args[0]);
    a->expr = std::move(args[want - 1]);
    return a;
  }

  std::string_view in_;
  std::vector<Token> toks_;
  size_t idx_ = 0;
  int aggregation_depth_ = 0;  // aggregations being parsed
  int nesting_ = 0;            // expr() calls under way
};

std::string position_prefix(std::string_view in, size_t pos) {
  size_t line = 1, line_start = 0;
  for (size_t i = 0; i < pos && i < in.size(); ++i) {
    if (in[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return std::to_string(line) + ":" + std::to_string(pos - line_start + 1);
}

}  // namespace

bool parse_duration(std::string_view s, int64_t* ms) {
  return parse_duration_ms(s, *ms) == DurationParse::kOk;
}

ParseResult parse(std::string_view input) {
  ParseResult r;
  try {
    ExprPtr e = Parser(input).run();
    internal::check_ast(input, *e);
    r.expr = std::move(e);
  } catch (const ParseError& err) {
    r.error_pos = err.pos;
    r.error = position_prefix(input, err.pos) + ": parse error: " + err.msg;
  }
  return r;
}

}  // namespace vigia::promql

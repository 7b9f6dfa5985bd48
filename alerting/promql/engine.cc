#include "alerting/promql/engine.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "alerting/promql/engine_internal.h"
#include "core/exposition.h"
#include "alerting/promql/printer.h"
#include "alerting/promql/regex.h"

namespace vigia::promql {

using internal::EvalError;
using internal::Val;

MatcherSet::MatcherSet(const std::vector<Matcher>& matchers) : matchers_(matchers) {
  for (const auto& m : matchers_) {
    bool re = m.type == MatchType::kRegex || m.type == MatchType::kNotRegex;
    regexes_.push_back(re ? std::make_unique<AnchoredRegex>(m.value) : nullptr);
  }
}

MatcherSet::~MatcherSet() = default;

bool MatcherSet::matches(const LabelSet& labels) const {
  for (size_t i = 0; i < matchers_.size(); ++i) {
    const Matcher& m = matchers_[i];
    std::string_view v = label_value(labels, m.name);
    bool ok = false;
    switch (m.type) {
      case MatchType::kEqual: ok = v == m.value; break;
      case MatchType::kNotEqual: ok = v != m.value; break;
      case MatchType::kRegex: ok = regexes_[i]->matches(v); break;
      case MatchType::kNotRegex: ok = !regexes_[i]->matches(v); break;
    }
    if (!ok) return false;
  }
  return true;
}

namespace internal {

void drop_name(LabelSet& ls) { set_label(ls, "__name__", ""); }

void check_unique_labelsets(const Vector& v) {
  if (has_duplicate_labelsets(v)) throw EvalError{"vector cannot contain metrics with the same labelset"};
}

const Expr& unwrap_parens(const Expr& e) {
  const Expr* p = &e;
  while (p->kind == ExprKind::kParen) p = static_cast<const ParenExpr*>(p)->expr.get();
  return *p;
}

double quantile(double q, std::vector<double>& values) {
  if (values.empty() || std::isnan(q)) return NAN;
  if (q < 0) return -INFINITY;
  if (q > 1) return INFINITY;
  // NaNs first, as Prometheus's sort; a strict weak order (NaN is not less
  // than NaN), which std::sort needs to stay within the range.
  std::sort(values.begin(), values.end(),
            [](double a, double b) { return std::isnan(a) ? !std::isnan(b) : a < b; });
  double n = double(values.size());
  double rank = q * (n - 1);
  double lower = std::max(0.0, std::floor(rank));
  double upper = std::min(n - 1, lower + 1);
  double weight = rank - std::floor(rank);
  return values[size_t(lower)] * (1 - weight) + values[size_t(upper)] * weight;
}

}  // namespace internal

namespace {

bool drops_name(Tok op) {
  switch (op) {
    case Tok::kAdd:
    case Tok::kSub:
    case Tok::kMul:
    case Tok::kDiv:
    case Tok::kMod:
    case Tok::kPow: return true;  // atan2 keeps the name in 2.42
    default: return false;
  }
}

// Prometheus's vectorElemBinop: the value and whether a comparison keeps it.
std::pair<double, bool> elem_binop(Tok op, double l, double r) {
  switch (op) {
    case Tok::kAdd: return {l + r, true};
    case Tok::kSub: return {l - r, true};
    case Tok::kMul: return {l * r, true};
    case Tok::kDiv: return {l / r, true};
    case Tok::kPow: return {std::pow(l, r), true};
    case Tok::kMod: return {std::fmod(l, r), true};
    case Tok::kAtan2: return {std::atan2(l, r), true};
    case Tok::kEqlc: return {l, l == r};
    case Tok::kNeq: return {l, l != r};
    case Tok::kGtr: return {l, l > r};
    case Tok::kLss: return {l, l < r};
    case Tok::kGte: return {l, l >= r};
    case Tok::kLte: return {l, l <= r};
    default: throw EvalError{"operator not allowed in binary expression"};
  }
}

// Matching signature: the on-labels, or all labels but the ignored ones and
// __name__.
std::string signature(const LabelSet& ls, const VectorMatching* vm) {
  std::string sig;
  for (const auto& [n, v] : ls) {
    bool listed = vm && std::find(vm->labels.begin(), vm->labels.end(), n) != vm->labels.end();
    bool use = (vm && vm->on) ? listed : (!listed && n != "__name__");
    if (!use) continue;
    sig += n;
    sig += '\xff';
    sig += v;
    sig += '\xff';
  }
  return sig;
}

LabelSet matched_labels(const LabelSet& ls, const VectorMatching& vm) {
  LabelSet out;
  for (const auto& l : ls) {
    bool listed = std::find(vm.labels.begin(), vm.labels.end(), l.first) != vm.labels.end();
    if (vm.on ? listed : (!listed && l.first != "__name__")) out.push_back(l);
  }
  return out;
}

class Evaluator {
 public:
  Evaluator(const Queryable& q, int64_t ts, const EngineOptions& o, internal::RangeSources* range)
      : q_(q), ts_(ts), opts_(o), range_(range) {}

  Val eval(const Expr& e) {
    switch (e.kind) {
      case ExprKind::kNumberLiteral: return scalar(static_cast<const NumberLiteral&>(e).value);
      case ExprKind::kStringLiteral: {
        Val v;
        v.type = ValueType::kString;
        v.str = static_cast<const StringLiteral&>(e).value;
        return v;
      }
      case ExprKind::kParen: return eval(*static_cast<const ParenExpr&>(e).expr);
      case ExprKind::kVectorSelector: return vector_selector(static_cast<const VectorSelector&>(e));
      case ExprKind::kMatrixSelector: return matrix_selector(static_cast<const MatrixSelector&>(e));
      case ExprKind::kUnary: return unary(static_cast<const UnaryExpr&>(e));
      case ExprKind::kBinary: return binary(static_cast<const BinaryExpr&>(e));
      case ExprKind::kAggregate: return aggregate(static_cast<const AggregateExpr&>(e));
      case ExprKind::kCall: return call(static_cast<const Call&>(e));
    }
    throw EvalError{"unknown expression"};
  }

 private:
  // eval() recurses once per level of the tree: what is not on that path is
  // kept out of line so that each level costs a few hundred bytes of stack
  // (parser.h, kMaxExprDepth).
  Val call(const Call& c) {
    std::vector<Val> args;
    for (const auto& a : c.args) args.push_back(eval(*a));
    return call_result(c, args);
  }

  [[gnu::noinline]] Val call_result(const Call& c, std::vector<Val>& args) {
    std::vector<std::string> sources;
    Val out = internal::call_function(c, args, ts_, range_ ? &sources : nullptr);
    if (out.type == ValueType::kVector) {
      for (auto& s : out.vec) s.t = ts_;
      internal::check_unique_labelsets(out.vec);
      remember_sources(c, out.vec, sources);
    }
    return out;
  }

  static Val scalar(double v) {
    Val out;
    out.type = ValueType::kScalar;
    out.scalar = v;
    return out;
  }

  [[gnu::noinline]] Val vector_selector(const VectorSelector& vs) {
    MatcherSet ms(vs.matchers);
    int64_t ref = ts_ - vs.offset_ms;
    Val out;
    out.type = ValueType::kVector;
    for (auto& s : q_.select(ms, ref - opts_.lookback_delta_ms, ref)) {
      const Point* last = nullptr;
      for (const auto& p : s.points) {
        if (p.t <= ref) last = &p;
      }
      if (!last || last->t < ref - opts_.lookback_delta_ms || is_stale_nan(last->v)) continue;
      out.vec.push_back(Sample{std::move(s.labels), last->v, last->t});
    }
    return out;
  }

  [[gnu::noinline]] Val matrix_selector(const MatrixSelector& m) {
    MatcherSet ms(m.selector->matchers);
    int64_t maxt = ts_ - m.selector->offset_ms;
    int64_t mint = maxt - m.range_ms;
    Val out;
    out.type = ValueType::kMatrix;
    for (auto& s : q_.select(ms, mint, maxt)) {
      Series kept{std::move(s.labels), {}};
      for (const auto& p : s.points) {
        if (p.t >= mint && p.t <= maxt && !is_stale_nan(p.v)) kept.points.push_back(p);
      }
      if (!kept.points.empty()) out.mat.push_back(std::move(kept));
    }
    return out;
  }

  Val unary(const UnaryExpr& u) { return negate(u, eval(*u.expr)); }

  [[gnu::noinline]] Val negate(const UnaryExpr& u, Val v) {
    if (u.op != Tok::kSub) return v;
    if (v.type == ValueType::kScalar) {
      v.scalar = -v.scalar;
      return v;
    }
    std::vector<std::string> sources;
    for (auto& s : v.vec) {
      s.v = -s.v;
      s.t = ts_;
      if (range_) sources.emplace_back(label_value(s.labels, "__name__"));
      internal::drop_name(s.labels);
    }
    internal::check_unique_labelsets(v.vec);
    remember_sources(u, v.vec, sources);
    return v;
  }

  // Within a range query: fails if an output labelset of `node` came from a
  // series of another name at an earlier step.
  void remember_sources(const Expr& node, const Vector& out, const std::vector<std::string>& sources) {
    if (!range_ || sources.size() != out.size()) return;
    auto& seen = (*range_)[&node];
    for (size_t i = 0; i < out.size(); ++i) {
      auto it = seen.find(out[i].labels);
      if (it == seen.end()) {
        seen.emplace(out[i].labels, sources[i]);
      } else if (it->second != sources[i]) {
        throw EvalError{"vector cannot contain metrics with the same labelset"};
      }
    }
  }

  Val binary(const BinaryExpr& b) {
    Val l = eval(*b.lhs);
    Val r = eval(*b.rhs);
    return combine(b, l, r);
  }

  [[gnu::noinline]] Val combine(const BinaryExpr& b, Val& l, Val& r) {
    if (l.type == ValueType::kScalar && r.type == ValueType::kScalar) {
      auto [v, keep] = elem_binop(b.op, l.scalar, r.scalar);
      if (is_comparison(b.op)) v = keep ? 1 : 0;
      return scalar(v);
    }
    Val out;
    out.type = ValueType::kVector;
    if (l.type == ValueType::kScalar || r.type == ValueType::kScalar) {
      bool swap = l.type == ValueType::kScalar;
      Vector& vec = swap ? r.vec : l.vec;
      double sc = swap ? l.scalar : r.scalar;
      for (auto& s : vec) {
        double lv = swap ? sc : s.v, rv = swap ? s.v : sc;
        auto [v, keep] = elem_binop(b.op, lv, rv);
        if (is_comparison(b.op) && swap) v = rv;
        if (b.return_bool) {
          v = keep ? 1 : 0;
          keep = true;
        }
        if (!keep) continue;
        s.v = v;
        s.t = ts_;
        if (drops_name(b.op) || b.return_bool) internal::drop_name(s.labels);
        out.vec.push_back(std::move(s));
      }
    } else if (is_set_operator(b.op)) {
      out.vec = set_op(b, l.vec, r.vec);
    } else {
      out.vec = vector_binop(b, l.vec, r.vec);
    }
    for (auto& s : out.vec) s.t = ts_;
    internal::check_unique_labelsets(out.vec);
    return out;
  }

  Vector set_op(const BinaryExpr& b, Vector& lhs, Vector& rhs) {
    const VectorMatching* vm = b.matching.get();
    Vector out;
    if (b.op == Tok::kLor) {
      std::unordered_set<std::string> left;
      for (auto& s : lhs) {
        left.insert(signature(s.labels, vm));
        out.push_back(std::move(s));
      }
      for (auto& s : rhs) {
        if (!left.count(signature(s.labels, vm))) out.push_back(std::move(s));
      }
      return out;
    }
    std::unordered_set<std::string> right;
    for (const auto& s : rhs) right.insert(signature(s.labels, vm));
    bool want = b.op == Tok::kLand;
    for (auto& s : lhs) {
      if (right.count(signature(s.labels, vm)) == size_t(want)) out.push_back(std::move(s));
    }
    return out;
  }

  Vector vector_binop(const BinaryExpr& b, Vector& lhs, Vector& rhs) {
    if (lhs.empty() || rhs.empty()) return {};  // as Prometheus: no duplicate check either
    const VectorMatching& vm = *b.matching;
    bool one_to_many = vm.card == Cardinality::kOneToMany;
    Vector& left = one_to_many ? rhs : lhs;
    Vector& right = one_to_many ? lhs : rhs;
    std::unordered_map<std::string, const Sample*> right_sigs;
    for (const auto& rs : right) {
      std::string sig = signature(rs.labels, &vm);
      auto [it, inserted] = right_sigs.emplace(sig, &rs);
      if (!inserted) {
        throw EvalError{"found duplicate series for the match group " +
                        labels_string(matched_labels(rs.labels, vm)) + " on the " +
                        (one_to_many ? "left" : "right") + " hand-side of the operation: [" +
                        labels_string(rs.labels) + ", " + labels_string(it->second->labels) +
                        "];many-to-many matching not allowed: matching labels must be unique on one side"};
      }
    }
    std::unordered_map<std::string, std::set<LabelSet>> matched;
    Vector out;
    for (const auto& ls : left) {
      std::string sig = signature(ls.labels, &vm);
      auto it = right_sigs.find(sig);
      if (it == right_sigs.end()) continue;
      const Sample& rs = *it->second;
      double vl = ls.v, vr = rs.v;
      if (one_to_many) std::swap(vl, vr);
      auto [v, keep] = elem_binop(b.op, vl, vr);
      if (b.return_bool) {
        v = keep ? 1 : 0;
      } else if (!keep) {
        continue;
      }
      LabelSet metric = result_metric(ls.labels, rs.labels, b.op, vm);
      if (b.return_bool) internal::drop_name(metric);
      auto m = matched.find(sig);
      if (vm.card == Cardinality::kOneToOne) {
        if (m != matched.end()) {
          throw EvalError{
              "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)"};
        }
        matched[sig];
      } else if (!matched[sig].insert(metric).second) {
        throw EvalError{"multiple matches for labels: grouping labels must ensure unique matches"};
      }
      out.push_back(Sample{std::move(metric), v, ts_});
    }
    return out;
  }

  static LabelSet result_metric(const LabelSet& lhs, const LabelSet& rhs, Tok op, const VectorMatching& vm) {
    LabelSet out = lhs;
    if (drops_name(op)) internal::drop_name(out);
    if (vm.card == Cardinality::kOneToOne) {
      LabelSet kept;
      for (auto& l : out) {
        bool listed = std::find(vm.labels.begin(), vm.labels.end(), l.first) != vm.labels.end();
        if (listed == vm.on) kept.push_back(std::move(l));
      }
      out = std::move(kept);
    }
    for (const auto& name : vm.include) set_label(out, name, label_value(rhs, name));
    return out;
  }

  Val aggregate(const AggregateExpr& a) {
    Val p;
    if (a.param) p = eval(*a.param);
    return aggregate_values(a, p, eval(*a.expr));
  }

  [[gnu::noinline]] Val aggregate_values(const AggregateExpr& a, const Val& p, Val in);

  const Queryable& q_;
  int64_t ts_;
  const EngineOptions& opts_;
  internal::RangeSources* range_;
};

struct Group {
  LabelSet labels;
  double value = 0, mean = 0;
  double count = 0;
  std::vector<Sample> samples;  // topk, bottomk
  std::vector<double> values;   // quantile
};

Val Evaluator::aggregate_values(const AggregateExpr& a, const Val& p, Val in) {
  double param = 0;
  std::string value_label;
  if (a.param) {
    param = p.scalar;
    value_label = p.str;
  }
  Tok op = a.op;
  if (op == Tok::kCountValues && !valid_label_name(value_label)) {
    throw EvalError{"invalid label name " + quote(value_label)};
  }
  Val out;
  out.type = ValueType::kVector;
  int64_t k = 0;
  if (op == Tok::kTopk || op == Tok::kBottomk) {
    if (!(param >= -9223372036854775808.0 && param <= 9223372036854775807.0)) {
      std::string v;
      append_double(v, param);  // Go's %v of a float
      throw EvalError{"Scalar value " + v + " overflows int64"};
    }
    if (param >= 9223372036854775807.0) param = 9223372036854775807.0 - 1024;
    k = int64_t(param);
    if (k < 1) return out;
  }

  std::map<std::string, Group> groups;
  std::vector<std::string> order;  // first appearance, as Prometheus emits groups
  for (auto& s : in.vec) {
    LabelSet key;
    for (const auto& l : s.labels) {
      bool listed = std::find(a.grouping.begin(), a.grouping.end(), l.first) != a.grouping.end();
      if (a.without ? (!listed && l.first != "__name__") : listed) key.push_back(l);
    }
    if (op == Tok::kCountValues) set_label(key, value_label, format_number(s.v));
    std::string sig = signature(key, nullptr) + "\xfe" + std::string(label_value(key, "__name__"));
    auto [it, fresh] = groups.try_emplace(sig);
    Group& g = it->second;
    if (fresh) {
      order.push_back(sig);
      g.labels = key;
      g.value = s.v;
      g.mean = s.v;
      g.count = 1;
      if (op == Tok::kStddev || op == Tok::kStdvar) g.value = 0;
      if (op == Tok::kCount || op == Tok::kCountValues || op == Tok::kGroup) g.value = 1;
      if (op == Tok::kTopk || op == Tok::kBottomk) g.samples.push_back(std::move(s));
      if (op == Tok::kQuantile) g.values.push_back(s.v);
      continue;
    }
    switch (op) {
      case Tok::kSum: g.value += s.v; break;
      case Tok::kAvg:
        g.count++;
        if (std::isinf(g.mean)) {
          if (std::isinf(s.v) && (g.mean > 0) == (s.v > 0)) break;
          if (!std::isinf(s.v) && !std::isnan(s.v)) break;
        }
        g.mean += s.v / g.count - g.mean / g.count;
        break;
      case Tok::kCount:
      case Tok::kCountValues: g.value++; break;
      case Tok::kGroup: break;
      case Tok::kMax:
        if (g.value < s.v || std::isnan(g.value)) g.value = s.v;
        break;
      case Tok::kMin:
        if (g.value > s.v || std::isnan(g.value)) g.value = s.v;
        break;
      case Tok::kStddev:
      case Tok::kStdvar: {
        g.count++;
        double delta = s.v - g.mean;
        g.mean += delta / g.count;
        g.value += delta * (s.v - g.mean);
        break;
      }
      case Tok::kTopk:
      case Tok::kBottomk: g.samples.push_back(std::move(s)); break;
      case Tok::kQuantile: g.values.push_back(s.v); break;
      default: break;
    }
  }
  for (const auto& sig : order) {
    Group& g = groups[sig];
    if (op == Tok::kTopk || op == Tok::kBottomk) {
      bool top = op == Tok::kTopk;
      // NaN sorts last in both directions, as Prometheus's heaps evict it first.
      std::stable_sort(g.samples.begin(), g.samples.end(), [top](const Sample& x, const Sample& y) {
        if (std::isnan(x.v)) return false;
        if (std::isnan(y.v)) return true;
        return top ? x.v > y.v : x.v < y.v;
      });
      if (int64_t(g.samples.size()) > k) g.samples.resize(size_t(k));
      for (auto& s : g.samples) {
        s.t = ts_;
        out.vec.push_back(std::move(s));
      }
      continue;
    }
    double v = g.value;
    switch (op) {
      case Tok::kAvg: v = g.mean; break;
      case Tok::kStddev: v = std::sqrt(g.value / g.count); break;
      case Tok::kStdvar: v = g.value / g.count; break;
      case Tok::kQuantile: v = internal::quantile(param, g.values); break;
      default: break;
    }
    out.vec.push_back(Sample{std::move(g.labels), v, ts_});
  }
  return out;
}

}  // namespace

QueryResult evaluate_instant(const Expr& expr, const Queryable& q, int64_t t_ms, const EngineOptions& opts) {
  return internal::evaluate_step(expr, q, t_ms, opts, nullptr);
}

QueryResult internal::evaluate_step(const Expr& expr, const Queryable& q, int64_t t_ms,
                                    const EngineOptions& opts, RangeSources* range) {
  QueryResult r;
  try {
    Val v = Evaluator(q, t_ms, opts, range).eval(expr);
    r.type = v.type;
    r.scalar = v.scalar;
    r.str = std::move(v.str);
    r.vector = std::move(v.vec);
    for (auto& s : r.vector) s.t = t_ms;
    r.matrix = std::move(v.mat);
  } catch (const EvalError& e) {
    r.error = e.msg;
  }
  return r;
}

}  // namespace vigia::promql

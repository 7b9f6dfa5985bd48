// Function implementations, after Prometheus 2.42's promql/functions.go.
#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include <re2/re2.h>

#include "alerting/promql/engine_internal.h"
#include "alerting/promql/regex.h"
#include "core/text.h"

namespace vigia::promql::internal {
namespace {

using Points = std::vector<Point>;

Val vector_val() {
  Val v;
  v.type = ValueType::kVector;
  return v;
}

const MatrixSelector& matrix_arg(const Call& c) {
  return static_cast<const MatrixSelector&>(unwrap_parens(*c.args[0]));
}

// rate(), increase(), delta(): extrapolated to the range boundaries.
std::optional<double> extrapolated_rate(const Points& p, const MatrixSelector& ms, int64_t ts, bool counter,
                                        bool rate) {
  if (p.size() < 2) return std::nullopt;
  int64_t range_start = ts - (ms.range_ms + ms.selector->offset_ms);
  int64_t range_end = ts - ms.selector->offset_ms;
  double result = p.back().v - p.front().v;
  if (counter) {
    double last = 0;
    for (const auto& s : p) {
      if (s.v < last) result += last;
      last = s.v;
    }
  }
  double to_start = double(p.front().t - range_start) / 1000;
  double to_end = double(range_end - p.back().t) / 1000;
  double sampled = double(p.back().t - p.front().t) / 1000;
  double avg_step = sampled / double(p.size() - 1);
  if (counter && result > 0 && p.front().v >= 0) {
    // A counter cannot go below zero: do not extrapolate past that point.
    double to_zero = sampled * (p.front().v / result);
    if (to_zero < to_start) to_start = to_zero;
  }
  double threshold = avg_step * 1.1;
  double interval = sampled;
  interval += to_start < threshold ? to_start : avg_step / 2;
  interval += to_end < threshold ? to_end : avg_step / 2;
  double factor = interval / sampled;
  if (rate) factor /= double(ms.range_ms) / 1000;
  return result * factor;
}

std::optional<double> instant_value(const Points& p, bool rate) {
  if (p.size() < 2) return std::nullopt;
  const Point& last = p[p.size() - 1];
  const Point& prev = p[p.size() - 2];
  double result = (rate && last.v < prev.v) ? last.v : last.v - prev.v;
  int64_t interval = last.t - prev.t;
  if (interval == 0) return std::nullopt;
  if (rate) result /= double(interval) / 1000;
  return result;
}

// One step of Neumaier's compensated summation, as 2.42's kahanSumInc: the
// running sum and the accumulated rounding error, added back at the end.
// It has no case for an infinite sum (later versions reset the error there).
void kahan_inc(double inc, double& sum, double& c) {
  double t = sum + inc;
  if (std::fabs(sum) >= std::fabs(inc)) {
    c += (sum - t) + inc;
  } else {
    c += (inc - t) + sum;
  }
  sum = t;
}

// 2.42's linearRegression: compensated sums of x, y, xy and x^2.
std::pair<double, double> linear_regression(const Points& p, int64_t intercept_time) {
  double n = 0, sx = 0, cx = 0, sy = 0, cy = 0, sxy = 0, cxy = 0, sx2 = 0, cx2 = 0;
  bool const_y = true;
  for (size_t i = 0; i < p.size(); ++i) {
    if (i > 0 && p[i].v != p[0].v) const_y = false;
    n += 1;
    double x = double(p[i].t - intercept_time) / 1e3;
    kahan_inc(x, sx, cx);
    kahan_inc(p[i].v, sy, cy);
    kahan_inc(x * p[i].v, sxy, cxy);
    kahan_inc(x * x, sx2, cx2);
  }
  if (const_y) {
    if (std::isinf(p[0].v)) return {NAN, NAN};
    return {0, p[0].v};
  }
  sx += cx;
  sy += cy;
  sxy += cxy;
  sx2 += cx2;
  double cov = sxy - sx * sy / n;
  double var = sx2 - sx * sx / n;
  double slope = cov / var;
  return {slope, sy / n - slope * sx / n};
}

std::optional<double> holt_winters(const Points& p, double sf, double tf) {
  if (!(sf > 0 && sf < 1))
    throw EvalError{"invalid smoothing factor. Expected: 0 < sf < 1, got: " + std::to_string(sf)};
  if (!(tf > 0 && tf < 1))
    throw EvalError{"invalid trend factor. Expected: 0 < tf < 1, got: " + std::to_string(tf)};
  if (p.size() < 2) return std::nullopt;
  double s0 = 0, s1 = p[0].v, b = p[1].v - p[0].v;
  for (size_t i = 1; i < p.size(); ++i) {
    double x = sf * p[i].v;
    if (i > 1) b = tf * (s1 - s0) + (1 - tf) * b;
    double y = (1 - sf) * (s1 + b);
    s0 = s1;
    s1 = x + y;
  }
  return s1;
}

std::optional<double> over_time(FuncId id, const Points& p, double q) {
  switch (id) {
    case FuncId::kAvgOverTime: {
      // The incremental mean, compensated; an infinite mean is final.
      double mean = 0, c = 0, count = 0;
      for (const auto& s : p) {
        count++;
        if (std::isinf(mean)) {
          if (std::isinf(s.v) && (mean > 0) == (s.v > 0)) continue;
          if (!std::isinf(s.v) && !std::isnan(s.v)) continue;
        }
        kahan_inc(s.v / count - mean / count, mean, c);
      }
      return std::isinf(mean) ? mean : mean + c;
    }
    case FuncId::kCountOverTime: return double(p.size());
    case FuncId::kSumOverTime: {
      double sum = 0, c = 0;
      for (const auto& s : p) kahan_inc(s.v, sum, c);
      return std::isinf(sum) ? sum : sum + c;
    }
    case FuncId::kMaxOverTime: {
      double m = p[0].v;
      for (const auto& s : p) {
        if (s.v > m || std::isnan(m)) m = s.v;
      }
      return m;
    }
    case FuncId::kMinOverTime: {
      double m = p[0].v;
      for (const auto& s : p) {
        if (s.v < m || std::isnan(m)) m = s.v;
      }
      return m;
    }
    case FuncId::kStddevOverTime:
    case FuncId::kStdvarOverTime: {
      // Welford's method with both running sums compensated.
      double count = 0, mean = 0, c_mean = 0, aux = 0, c_aux = 0;
      for (const auto& s : p) {
        count++;
        double delta = s.v - (mean + c_mean);
        kahan_inc(delta / count, mean, c_mean);
        kahan_inc(delta * (s.v - (mean + c_mean)), aux, c_aux);
      }
      double var = (aux + c_aux) / count;
      return id == FuncId::kStdvarOverTime ? var : std::sqrt(var);
    }
    case FuncId::kQuantileOverTime: {
      std::vector<double> v;
      for (const auto& s : p) v.push_back(s.v);
      return quantile(q, v);
    }
    case FuncId::kLastOverTime: return p.back().v;
    case FuncId::kPresentOverTime: return 1.0;
    case FuncId::kChanges:
    case FuncId::kResets: {
      double n = 0;
      for (size_t i = 1; i < p.size(); ++i) {
        double prev = p[i - 1].v, cur = p[i].v;
        if (id == FuncId::kChanges ? (cur != prev && !(std::isnan(cur) && std::isnan(prev))) : cur < prev)
          n++;
      }
      return n;
    }
    default: return std::nullopt;
  }
}

double math_fn(FuncId id, double v) {
  switch (id) {
    case FuncId::kAbs: return std::fabs(v);
    case FuncId::kCeil: return std::ceil(v);
    case FuncId::kFloor: return std::floor(v);
    case FuncId::kExp: return std::exp(v);
    case FuncId::kSqrt: return std::sqrt(v);
    case FuncId::kLn: return std::log(v);
    case FuncId::kLog2: return std::log2(v);
    case FuncId::kLog10: return std::log10(v);
    case FuncId::kSgn: return v < 0 ? -1 : v > 0 ? 1 : v;
    case FuncId::kAcos: return std::acos(v);
    case FuncId::kAcosh: return std::acosh(v);
    case FuncId::kAsin: return std::asin(v);
    case FuncId::kAsinh: return std::asinh(v);
    case FuncId::kAtan: return std::atan(v);
    case FuncId::kAtanh: return std::atanh(v);
    case FuncId::kCos: return std::cos(v);
    case FuncId::kCosh: return std::cosh(v);
    case FuncId::kSin: return std::sin(v);
    case FuncId::kSinh: return std::sinh(v);
    case FuncId::kTan: return std::tan(v);
    case FuncId::kTanh: return std::tanh(v);
    case FuncId::kDeg: return v * 180 / M_PI;
    case FuncId::kRad: return v * M_PI / 180;
    default: return NAN;
  }
}

// Calendar fields as Go's time.Unix(int64(v), 0).UTC() computes them,
// including Go's (amd64) int64 conversion of NaN, Inf and out-of-range
// values to the minimum int64, and its unsigned "absolute" time.
double date_fn(FuncId id, double v) {
  int64_t sec = (v >= -9223372036854775808.0 && v < 9223372036854775808.0) ? int64_t(v) : INT64_MIN;
  constexpr int64_t kUnixToInternal = 62135596800LL;
  constexpr int64_t kInternalToAbsolute = 9223371966579724800LL;
  constexpr int64_t kAbsoluteZeroYear = -292277022399LL;
  uint64_t abs = uint64_t(sec) + uint64_t(kUnixToInternal) + uint64_t(kInternalToAbsolute);
  if (id == FuncId::kHour) return double((abs % 86400) / 3600);
  if (id == FuncId::kMinute) return double((abs % 3600) / 60);
  if (id == FuncId::kDayOfWeek) return double(((abs + 86400) % (7 * 86400)) / 86400);
  uint64_t d = abs / 86400;
  uint64_t n = d / 146097;
  uint64_t y = 400 * n;
  d -= 146097 * n;
  n = d / 36524;
  n -= n >> 2;
  y += 100 * n;
  d -= 36524 * n;
  n = d / 1461;
  y += 4 * n;
  d -= 1461 * n;
  n = d / 365;
  n -= n >> 2;
  y += n;
  d -= 365 * n;
  int64_t year = int64_t(y) + kAbsoluteZeroYear;
  int yday = int(d);
  if (id == FuncId::kYear) return double(year);
  if (id == FuncId::kDayOfYear) return yday + 1;
  bool leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
  static constexpr int kDaysBefore[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365};
  int day = yday, month = 0;
  if (leap && day == 31 + 29 - 1) {
    month = 2;
    day = 29;
  } else {
    if (leap && day > 31 + 29 - 1) day--;
    month = day / 31;
    int end = kDaysBefore[month + 1];
    int begin = 0;
    if (day >= end) {
      month++;
      begin = end;
    } else {
      begin = kDaysBefore[month];
    }
    month++;
    day = day - begin + 1;
  }
  switch (id) {
    case FuncId::kMonth: return month;
    case FuncId::kDayOfMonth: return day;
    case FuncId::kDaysInMonth:
      return kDaysBefore[month] - kDaysBefore[month - 1] + (month == 2 && leap ? 1 : 0);
    default: return NAN;
  }
}

// Labels for absent(): the equality matchers of the selector, minus __name__
// and minus names matched twice.
LabelSet absent_labels(const Expr& arg) {
  const Expr& e = unwrap_parens(arg);
  const std::vector<Matcher>* ms = nullptr;
  if (e.kind == ExprKind::kVectorSelector) ms = &static_cast<const VectorSelector&>(e).matchers;
  if (e.kind == ExprKind::kMatrixSelector) ms = &static_cast<const MatrixSelector&>(e).selector->matchers;
  LabelSet out;
  if (!ms) return out;
  std::map<std::string, int> seen;
  for (const auto& m : *ms) seen[m.name]++;
  for (const auto& m : *ms) {
    if (m.type == MatchType::kEqual && m.name != "__name__" && seen[m.name] == 1)
      set_label(out, m.name, m.value);
  }
  return out;
}

double bucket_quantile(double q, std::vector<std::pair<double, double>>& b) {
  if (std::isnan(q)) return NAN;
  if (q < 0) return -INFINITY;
  if (q > 1) return INFINITY;
  std::sort(b.begin(), b.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  if (!std::isinf(b.back().first) || b.back().first < 0) return NAN;
  std::vector<std::pair<double, double>> c;  // coalesce equal bounds
  for (const auto& x : b) {
    if (!c.empty() && c.back().first == x.first) {
      c.back().second += x.second;
    } else {
      c.push_back(x);
    }
  }
  double max = -INFINITY;
  for (auto& x : c) {
    if (x.second > max) {
      max = x.second;
    } else if (x.second < max) {
      x.second = max;
    }
  }
  if (c.size() < 2) return NAN;
  double observations = c.back().second;
  if (observations == 0) return NAN;
  double rank = q * observations;
  size_t i = 0;
  while (i < c.size() - 1 && !(c[i].second >= rank)) ++i;
  if (i == c.size() - 1) return c[c.size() - 2].first;
  if (i == 0 && c[0].first <= 0) return c[0].first;
  double start = 0, end = c[i].first, count = c[i].second;
  if (i > 0) {
    start = c[i - 1].first;
    count -= c[i - 1].second;
    rank -= c[i - 1].second;
  }
  return start + (end - start) * (rank / count);
}

}  // namespace

Val call_function(const Call& c, std::vector<Val>& args, int64_t ts, std::vector<std::string>* sources) {
  FuncId id = c.func->id;
  Val out = vector_val();
  auto renamed = [&](LabelSet& labels) {
    if (sources) sources->emplace_back(label_value(labels, "__name__"));
    drop_name(labels);
  };
  auto each_series = [&](auto fn) {
    for (auto& s : args[0].mat) {
      std::optional<double> v = fn(s.points);
      if (!v) continue;
      LabelSet labels = std::move(s.labels);
      if (id != FuncId::kLastOverTime) renamed(labels);
      out.vec.push_back(Sample{std::move(labels), *v, ts});
    }
  };
  switch (id) {
    case FuncId::kRate:
    case FuncId::kIncrease:
    case FuncId::kDelta: {
      const MatrixSelector& ms = matrix_arg(c);
      each_series([&](const Points& p) {
        return extrapolated_rate(p, ms, ts, id != FuncId::kDelta, id == FuncId::kRate);
      });
      return out;
    }
    case FuncId::kIrate:
    case FuncId::kIdelta:
      each_series([&](const Points& p) { return instant_value(p, id == FuncId::kIrate); });
      return out;
    case FuncId::kDeriv:
      each_series([&](const Points& p) -> std::optional<double> {
        if (p.size() < 2) return std::nullopt;
        return linear_regression(p, p[0].t).first;
      });
      return out;
    case FuncId::kPredictLinear: {
      double d = args[1].scalar;
      each_series([&](const Points& p) -> std::optional<double> {
        if (p.size() < 2) return std::nullopt;
        auto [slope, intercept] = linear_regression(p, ts);
        return slope * d + intercept;
      });
      return out;
    }
    case FuncId::kHoltWinters: {
      double sf = args[1].scalar, tf = args[2].scalar;
      each_series([&](const Points& p) { return holt_winters(p, sf, tf); });
      return out;
    }
    case FuncId::kQuantileOverTime: {
      double q = args[0].scalar;
      for (auto& s : args[1].mat) {
        auto v = over_time(id, s.points, q);
        renamed(s.labels);
        out.vec.push_back(Sample{std::move(s.labels), *v, ts});
      }
      return out;
    }
    case FuncId::kAvgOverTime:
    case FuncId::kCountOverTime:
    case FuncId::kSumOverTime:
    case FuncId::kMaxOverTime:
    case FuncId::kMinOverTime:
    case FuncId::kStddevOverTime:
    case FuncId::kStdvarOverTime:
    case FuncId::kLastOverTime:
    case FuncId::kPresentOverTime:
    case FuncId::kChanges:
    case FuncId::kResets: each_series([&](const Points& p) { return over_time(id, p, 0); }); return out;
    case FuncId::kAbsent:
    case FuncId::kAbsentOverTime: {
      bool empty = id == FuncId::kAbsent ? args[0].vec.empty() : args[0].mat.empty();
      if (empty) out.vec.push_back(Sample{absent_labels(*c.args[0]), 1, ts});
      return out;
    }
    case FuncId::kTime:
    case FuncId::kPi: {
      Val s;
      s.type = ValueType::kScalar;
      s.scalar = id == FuncId::kTime ? double(ts) / 1000 : M_PI;
      return s;
    }
    case FuncId::kScalar: {
      Val s;
      s.type = ValueType::kScalar;
      s.scalar = args[0].vec.size() == 1 ? args[0].vec[0].v : NAN;
      return s;
    }
    case FuncId::kVector: out.vec.push_back(Sample{{}, args[0].scalar, ts}); return out;
    case FuncId::kTimestamp: {
      bool raw = unwrap_parens(*c.args[0]).kind == ExprKind::kVectorSelector;
      for (auto& s : args[0].vec) {
        drop_name(s.labels);
        out.vec.push_back(Sample{std::move(s.labels), double(raw ? s.t : ts) / 1000, ts});
      }
      return out;
    }
    case FuncId::kSort:
    case FuncId::kSortDesc: {
      out.vec = std::move(args[0].vec);
      bool desc = id == FuncId::kSortDesc;
      std::stable_sort(out.vec.begin(), out.vec.end(), [desc](const Sample& a, const Sample& b) {
        if (std::isnan(a.v)) return !std::isnan(b.v);
        if (std::isnan(b.v)) return false;
        return desc ? a.v > b.v : a.v < b.v;
      });
      return out;
    }
    case FuncId::kClamp:
    case FuncId::kClampMin:
    case FuncId::kClampMax: {
      double lo = -INFINITY, hi = INFINITY;
      if (id == FuncId::kClamp) lo = args[1].scalar, hi = args[2].scalar;
      if (id == FuncId::kClampMin) lo = args[1].scalar;
      if (id == FuncId::kClampMax) hi = args[1].scalar;
      if (id == FuncId::kClamp && hi < lo) return out;
      for (auto& s : args[0].vec) {
        drop_name(s.labels);
        double v = s.v;
        if (id != FuncId::kClampMin) v = std::fmin(hi, v);
        if (id != FuncId::kClampMax) v = std::fmax(lo, v);
        if (std::isnan(s.v) || (id == FuncId::kClamp && (std::isnan(lo) || std::isnan(hi)))) v = NAN;
        if (id == FuncId::kClampMax && std::isnan(hi)) v = NAN;
        if (id == FuncId::kClampMin && std::isnan(lo)) v = NAN;
        out.vec.push_back(Sample{std::move(s.labels), v, ts});
      }
      return out;
    }
    case FuncId::kRound: {
      double to = args.size() > 1 ? args[1].scalar : 1;
      double inv = 1.0 / to;
      for (auto& s : args[0].vec) {
        drop_name(s.labels);
        out.vec.push_back(Sample{std::move(s.labels), std::floor(s.v * inv + 0.5) / inv, ts});
      }
      return out;
    }
    case FuncId::kDaysInMonth:
    case FuncId::kDayOfMonth:
    case FuncId::kDayOfWeek:
    case FuncId::kDayOfYear:
    case FuncId::kHour:
    case FuncId::kMinute:
    case FuncId::kMonth:
    case FuncId::kYear: {
      if (args.empty()) {
        out.vec.push_back(Sample{{}, date_fn(id, double(ts) / 1000), ts});
        return out;
      }
      for (auto& s : args[0].vec) {
        drop_name(s.labels);
        out.vec.push_back(Sample{std::move(s.labels), date_fn(id, s.v), ts});
      }
      return out;
    }
    case FuncId::kLabelReplace: {
      const std::string &dst = args[1].str, &repl = args[2].str, &src = args[3].str, &re = args[4].str;
      RE2::Options opts;
      opts.set_log_errors(false);
      RE2 regex("^(?:" + re + ")$", opts);
      if (!regex.ok()) throw EvalError{"invalid regular expression in label_replace(): " + re};
      if (!valid_label_name(dst))
        throw EvalError{"invalid destination label name in label_replace(): " + dst};
      std::map<std::string, int> names(regex.NamedCapturingGroups().begin(),
                                       regex.NamedCapturingGroups().end());
      int n = regex.NumberOfCapturingGroups();
      for (auto& s : args[0].vec) {
        std::string value(label_value(s.labels, src));
        std::vector<re2::StringPiece> sub(size_t(n) + 1);
        if (regex.Match(value, 0, value.size(), RE2::ANCHOR_BOTH, sub.data(), n + 1)) {
          std::vector<std::string> groups;
          for (const auto& g : sub) groups.emplace_back(g.data() ? std::string(g.data(), g.size()) : "");
          set_label(s.labels, dst, go_regexp_expand(repl, groups, names));
        }
        out.vec.push_back(std::move(s));
      }
      return out;
    }
    case FuncId::kLabelJoin: {
      const std::string &dst = args[1].str, &sep = args[2].str;
      if (!valid_label_name(dst)) throw EvalError{"invalid destination label name in label_join(): " + dst};
      for (auto& s : args[0].vec) {
        std::string joined;
        for (size_t i = 3; i < args.size(); ++i) {
          if (i > 3) joined += sep;
          joined += label_value(s.labels, args[i].str);
        }
        set_label(s.labels, dst, joined);
        out.vec.push_back(std::move(s));
      }
      return out;
    }
    case FuncId::kHistogramQuantile: {
      double q = args[0].scalar;
      std::map<LabelSet, std::vector<std::pair<double, double>>> groups;
      std::vector<LabelSet> order;
      for (auto& s : args[1].vec) {
        std::string le(label_value(s.labels, "le"));
        char* end = nullptr;
        double bound = std::strtod(le.c_str(), &end);
        if (le.empty() || end != le.c_str() + le.size()) continue;
        // Grouped with the name, so that two histograms differing only in
        // their names stay apart (their results then collide as duplicates).
        LabelSet key = s.labels;
        set_label(key, "le", "");
        auto [it, fresh] = groups.try_emplace(key);
        if (fresh) order.push_back(key);
        it->second.push_back({bound, s.v});
      }
      for (auto& key : order) {
        double v = bucket_quantile(q, groups[key]);
        drop_name(key);
        out.vec.push_back(Sample{std::move(key), v, ts});
      }
      return out;
    }
    default: break;
  }
  if (c.func->arg_types.size() == 1 && c.func->arg_types[0] == ValueType::kVector) {
    for (auto& s : args[0].vec) {
      drop_name(s.labels);
      out.vec.push_back(Sample{std::move(s.labels), math_fn(id, s.v), ts});
    }
    return out;
  }
  throw EvalError{"function " + std::string(c.func->name) + " is not implemented"};
}

}  // namespace vigia::promql::internal

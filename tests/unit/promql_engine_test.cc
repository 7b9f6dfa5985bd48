// PromQL evaluator. Every expected result below is what Prometheus 2.42
// computes for the same series and expression (`promtool test rules` with the
// load block as input_series at a 1m interval), values printed with %.12g.
#include <catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <string>

#include "alerting/promql/engine.h"
#include "alerting/promql/parser.h"

using namespace vigia::promql;

namespace {

// Series as `promtool test rules` input_series: one per line,
// "metric{labels} values" with values in Prometheus's expanding notation
// (a+bxN, a-bxN, axN, _, stale), one sample per minute from t=0.
constexpr const char* kLoad = R"(
http_requests_total{job="api",instance="a",code="200"} 0+10x20
http_requests_total{job="api",instance="b",code="200"} 0+5x5 0+5x14
http_requests_total{job="api",instance="a",code="500"} 1+1x20
http_requests_total{job="db",instance="c",code="200"} 100+20x10 stale
node_load1{instance="a"} 1 2 3 2 1 0.5 0.5 4 5 3 2 1 1 1 1 1 1 1 1 1 1
node_load1{instance="b"} 2x20
node_memory_MemAvailable_bytes{instance="a"} 1000-10x20
node_memory_MemTotal_bytes{instance="a"} 2000x20
node_uname_info{instance="a",nodename="host-a"} 1x20
node_uname_info{instance="b",nodename="host-b"} 1x20
req_duration_bucket{le="0.1",job="api"} 0+1x20
req_duration_bucket{le="0.5",job="api"} 0+3x20
req_duration_bucket{le="1",job="api"} 0+4x20
req_duration_bucket{le="+Inf",job="api"} 0+5x20
sparse{job="x"} 1 _ _ _ _ _ _ 5
)";

// Edge cases: counter resets, NaN and Inf, malformed histograms, matching.
constexpr const char* kLoadEdges = R"(
cnt{i="1"} 5 10 2 8 20
cnt{i="2"} 0 0 0 0 0
cnt{i="3"} _ _ _ _ 3
cnt{i="4"} 100 110 120 130 140
gnan{i="1"} 1 NaN 3 NaN 5
ginf{i="1"} 1 Inf -Inf 2 Inf
ginf{i="2"} Inf Inf Inf Inf Inf
hist_bucket{le="1"} 10x4
hist_bucket{le="2"} 8x4
hist_bucket{le="5"} 20x4
hist_bucket{le="+Inf"} 20x4
hist2_bucket{le="1"} 0x4
hist2_bucket{le="+Inf"} 0x4
hist3_bucket{le="1"} 5x4
hist3_bucket{le="10"} 10x4
hist4_bucket{le="-1"} 2x4
hist4_bucket{le="+Inf"} 4x4
hist5_bucket{le="1"} 1x4
hist5_bucket{le="1.0"} 2x4
hist5_bucket{le="+Inf"} 5x4
dup{a="1",b="x"} 1x4
dup{a="1",b="y"} 2x4
dup{a="2",b="x"} 3x4
one{a="1"} 10x4
one{a="2"} 20x4
)";

class MemoryQueryable final : public Queryable {
 public:
  std::vector<Series> select(const MatcherSet& m, int64_t mint, int64_t maxt) const override {
    std::vector<Series> out;
    for (const auto& s : series_) {
      if (!m.matches(s.labels)) continue;
      Series copy{s.labels, {}};
      for (const auto& p : s.points) {
        if (p.t >= mint && p.t <= maxt) copy.points.push_back(p);
      }
      out.push_back(std::move(copy));
    }
    return out;
  }

  void load(std::string_view text, int64_t step_ms) {
    std::istringstream in{std::string(text)};
    std::string line;
    while (std::getline(in, line)) {
      size_t sp = line.find(' ');
      if (sp == std::string::npos) continue;
      ParseResult r = parse(line.substr(0, sp));
      REQUIRE(r.ok());
      const auto& vs = static_cast<const VectorSelector&>(*r.expr);
      Series s;
      for (const auto& m : vs.matchers) set_label(s.labels, m.name, m.value);
      std::istringstream values(line.substr(sp + 1));
      std::string tok;
      int64_t t = 0;
      while (values >> tok) {
        if (tok == "_") {
          t += step_ms;
          continue;
        }
        if (tok == "stale") {
          s.points.push_back({t, stale_nan()});
          t += step_ms;
          continue;
        }
        size_t x = tok.find('x');
        if (x == std::string::npos) {
          s.points.push_back({t, std::stod(tok)});
          t += step_ms;
          continue;
        }
        std::string head = tok.substr(0, x);
        size_t op = head.find_first_of("+-", 1);
        double start = std::stod(head.substr(0, op));
        double inc = op == std::string::npos ? 0 : std::stod(head.substr(op));
        int n = std::stoi(tok.substr(x + 1));
        for (int i = 0; i <= n; ++i) {
          s.points.push_back({t, start + inc * i});
          t += step_ms;
        }
      }
      series_.push_back(std::move(s));
    }
    std::sort(series_.begin(), series_.end(), [](const Series& a, const Series& b) { return a.labels < b.labels; });
  }

 private:
  std::vector<Series> series_;
};

std::string num(double v) {
  if (std::isnan(v)) return "nan";  // the sign of a NaN is not part of the result
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.12g", v);
  return buf;
}

// Renders a result as the oracle script does: sorted "{labels} value"
// joined by " | ", "nil" for an empty vector, "error: ..." on failure.
std::string render(const QueryResult& r) {
  if (!r.ok()) return "error: " + r.error;
  if (r.type == ValueType::kScalar) return "{} " + num(r.scalar);
  std::vector<std::string> parts;
  for (const auto& s : r.vector) {
    std::string labels = labels_string(s.labels);
    parts.push_back(labels + " " + num(s.v));
  }
  if (parts.empty()) return "nil";
  std::sort(parts.begin(), parts.end());
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? " | " : "") + parts[i];
  return out;
}

struct EvalCase {
  int64_t t_s;
  const char* expr;
  const char* expected;
};

const EvalCase kCases[] = {
    {600, R"~(http_requests_total)~",
     R"~({__name__="http_requests_total", code="200", instance="a", job="api"} 100 | {__name__="http_requests_total", code="200", instance="b", job="api"} 20 | {__name__="http_requests_total", code="200", instance="c", job="db"} 300 | {__name__="http_requests_total", code="500", instance="a", job="api"} 11)~"},
    {600, R"~(http_requests_total{code!="200"})~",
     R"~({__name__="http_requests_total", code="500", instance="a", job="api"} 11)~"},
    {600, R"~(http_requests_total{instance=~"a|b", code=~"2.."})~",
     R"~({__name__="http_requests_total", code="200", instance="a", job="api"} 100 | {__name__="http_requests_total", code="200", instance="b", job="api"} 20)~"},
    {600, R"~(http_requests_total{job!~"api"})~",
     R"~({__name__="http_requests_total", code="200", instance="c", job="db"} 300)~"},
    {600, R"~(http_requests_total offset 5m)~",
     R"~({__name__="http_requests_total", code="200", instance="a", job="api"} 50 | {__name__="http_requests_total", code="200", instance="b", job="api"} 25 | {__name__="http_requests_total", code="200", instance="c", job="db"} 200 | {__name__="http_requests_total", code="500", instance="a", job="api"} 6)~"},
    {600, R"~(rate(http_requests_total[5m]))~",
     R"~({code="200", instance="a", job="api"} 0.166666666667 | {code="200", instance="b", job="api"} 0.0666666666667 | {code="200", instance="c", job="db"} 0.333333333333 | {code="500", instance="a", job="api"} 0.0166666666667)~"},
    {600, R"~(rate(http_requests_total[5m] offset 3m))~",
     R"~({code="200", instance="a", job="api"} 0.166666666667 | {code="200", instance="b", job="api"} 0.0666666666667 | {code="200", instance="c", job="db"} 0.333333333333 | {code="500", instance="a", job="api"} 0.0166666666667)~"},
    {600, R"~(increase(http_requests_total[5m]))~",
     R"~({code="200", instance="a", job="api"} 50 | {code="200", instance="b", job="api"} 20 | {code="200", instance="c", job="db"} 100 | {code="500", instance="a", job="api"} 5)~"},
    {600, R"~(increase(http_requests_total[10m]))~",
     R"~({code="200", instance="a", job="api"} 100 | {code="200", instance="b", job="api"} 45 | {code="200", instance="c", job="db"} 200 | {code="500", instance="a", job="api"} 10)~"},
    {600, R"~(irate(http_requests_total[5m]))~",
     R"~({code="200", instance="a", job="api"} 0.166666666667 | {code="200", instance="b", job="api"} 0.0833333333333 | {code="200", instance="c", job="db"} 0.333333333333 | {code="500", instance="a", job="api"} 0.0166666666667)~"},
    {600, R"~(delta(node_load1[5m]))~",
     R"~({instance="a"} 1.5 | {instance="b"} 0)~"},
    {600, R"~(idelta(node_load1[5m]))~",
     R"~({instance="a"} -1 | {instance="b"} 0)~"},
    {600, R"~(deriv(node_memory_MemAvailable_bytes[10m]))~",
     R"~({instance="a"} -0.166666666667)~"},
    {600, R"~(predict_linear(node_memory_MemAvailable_bytes[10m], 3600))~",
     R"~({instance="a"} 300)~"},
    {600, R"~(holt_winters(node_load1[10m], 0.5, 0.5))~",
     R"~({instance="a"} 3.23590087891 | {instance="b"} 2)~"},
    {600, R"~(avg_over_time(node_load1[10m]))~",
     R"~({instance="a"} 2.18181818182 | {instance="b"} 2)~"},
    {600, R"~(min_over_time(node_load1[10m]))~",
     R"~({instance="a"} 0.5 | {instance="b"} 2)~"},
    {600, R"~(max_over_time(node_load1[10m]))~",
     R"~({instance="a"} 5 | {instance="b"} 2)~"},
    {600, R"~(sum_over_time(node_load1[10m]))~",
     R"~({instance="a"} 24 | {instance="b"} 22)~"},
    {600, R"~(count_over_time(node_load1[10m]))~",
     R"~({instance="a"} 11 | {instance="b"} 11)~"},
    {600, R"~(stddev_over_time(node_load1[10m]))~",
     R"~({instance="a"} 1.38617733473 | {instance="b"} 0)~"},
    {600, R"~(stdvar_over_time(node_load1[10m]))~",
     R"~({instance="a"} 1.92148760331 | {instance="b"} 0)~"},
    {600, R"~(quantile_over_time(0.9, node_load1[10m]))~",
     R"~({instance="a"} 4 | {instance="b"} 2)~"},
    {600, R"~(last_over_time(node_load1[10m]))~",
     R"~({__name__="node_load1", instance="a"} 2 | {__name__="node_load1", instance="b"} 2)~"},
    {600, R"~(present_over_time(node_load1[10m]))~",
     R"~({instance="a"} 1 | {instance="b"} 1)~"},
    {600, R"~(changes(node_load1[10m]))~",
     R"~({instance="a"} 9 | {instance="b"} 0)~"},
    {600, R"~(resets(http_requests_total[20m]))~",
     R"~({code="200", instance="a", job="api"} 0 | {code="200", instance="b", job="api"} 1 | {code="200", instance="c", job="db"} 0 | {code="500", instance="a", job="api"} 0)~"},
    {1200, R"~(resets(http_requests_total[20m]))~",
     R"~({code="200", instance="a", job="api"} 0 | {code="200", instance="b", job="api"} 1 | {code="200", instance="c", job="db"} 0 | {code="500", instance="a", job="api"} 0)~"},
    {600, R"~(absent(nothing{job="x", a=~"b"}))~",
     R"~({job="x"} 1)~"},
    {600, R"~(absent(node_load1))~",
     R"~(nil)~"},
    {600, R"~(absent_over_time(nothing{job="y"}[5m]))~",
     R"~({job="y"} 1)~"},
    {600, R"~(abs(-node_load1))~",
     R"~({instance="a"} 2 | {instance="b"} 2)~"},
    {600, R"~(ceil(node_load1 / 3))~",
     R"~({instance="a"} 1 | {instance="b"} 1)~"},
    {600, R"~(floor(node_load1 / 3))~",
     R"~({instance="a"} 0 | {instance="b"} 0)~"},
    {600, R"~(round(node_load1 / 3, 0.1))~",
     R"~({instance="a"} 0.7 | {instance="b"} 0.7)~"},
    {600, R"~(sqrt(node_load1))~",
     R"~({instance="a"} 1.41421356237 | {instance="b"} 1.41421356237)~"},
    {600, R"~(exp(node_load1))~",
     R"~({instance="a"} 7.38905609893 | {instance="b"} 7.38905609893)~"},
    {600, R"~(ln(node_load1))~",
     R"~({instance="a"} 0.69314718056 | {instance="b"} 0.69314718056)~"},
    {600, R"~(log2(node_load1))~",
     R"~({instance="a"} 1 | {instance="b"} 1)~"},
    {600, R"~(log10(node_load1))~",
     R"~({instance="a"} 0.301029995664 | {instance="b"} 0.301029995664)~"},
    {600, R"~(sgn(node_load1 - 2.5))~",
     R"~({instance="a"} -1 | {instance="b"} -1)~"},
    {600, R"~(clamp(node_load1, 2.5, 2.8))~",
     R"~({instance="a"} 2.5 | {instance="b"} 2.5)~"},
    {600, R"~(clamp_min(node_load1, 2.5))~",
     R"~({instance="a"} 2.5 | {instance="b"} 2.5)~"},
    {600, R"~(clamp_max(node_load1, 2.5))~",
     R"~({instance="a"} 2 | {instance="b"} 2)~"},
    {600, R"~(sin(node_load1) + cos(node_load1) + tan(node_load1) + atan(node_load1) + deg(node_load1) + rad(node_load1))~",
     R"~({instance="a"} 114.041725056 | {instance="b"} 114.041725056)~"},
    {600, R"~(time())~",
     R"~({} 600)~"},
    {600, R"~(timestamp(node_load1))~",
     R"~({instance="a"} 600 | {instance="b"} 600)~"},
    {600, R"~(timestamp(sparse))~",
     R"~({job="x"} 420)~"},
    {600, R"~(vector(5))~",
     R"~({} 5)~"},
    {600, R"~(scalar(node_load1))~",
     R"~({} nan)~"},
    {600, R"~(sort(node_load1))~",
     R"~({__name__="node_load1", instance="a"} 2 | {__name__="node_load1", instance="b"} 2)~"},
    {600, R"~(sort_desc(node_load1))~",
     R"~({__name__="node_load1", instance="a"} 2 | {__name__="node_load1", instance="b"} 2)~"},
    {600, R"~(year(vector(1700000000)))~",
     R"~({} 2023)~"},
    {600, R"~(month(vector(1700000000)) + day_of_month(vector(1700000000)) + day_of_week(vector(1700000000)) + hour(vector(1700000000)) + minute(vector(1700000000)) + day_of_year(vector(1700000000)) + days_in_month(vector(1700000000)))~",
     R"~({} 410)~"},
    {600, R"~(label_replace(node_load1, "host", "h-$1", "instance", "(.*)"))~",
     R"~({__name__="node_load1", host="h-a", instance="a"} 2 | {__name__="node_load1", host="h-b", instance="b"} 2)~"},
    {600, R"~(label_replace(node_load1, "instance", "", "instance", "a"))~",
     R"~({__name__="node_load1", instance="b"} 2 | {__name__="node_load1"} 2)~"},
    {600, R"~(label_join(node_uname_info, "both", "/", "instance", "nodename"))~",
     R"~({__name__="node_uname_info", both="a/host-a", instance="a", nodename="host-a"} 1 | {__name__="node_uname_info", both="b/host-b", instance="b", nodename="host-b"} 1)~"},
    {600, R"~(histogram_quantile(0.9, req_duration_bucket))~",
     R"~({job="api"} 1)~"},
    {600, R"~(histogram_quantile(0.5, rate(req_duration_bucket[5m])))~",
     R"~({job="api"} 0.4)~"},
    {600, R"~(histogram_quantile(0.99, sum by (le) (rate(req_duration_bucket[5m]))))~",
     R"~({} 1)~"},
    {600, R"~(sum(http_requests_total))~",
     R"~({} 431)~"},
    {600, R"~(sum by (job) (http_requests_total))~",
     R"~({job="api"} 131 | {job="db"} 300)~"},
    {600, R"~(sum without (instance, code) (http_requests_total))~",
     R"~({job="api"} 131 | {job="db"} 300)~"},
    {600, R"~(avg by (code) (http_requests_total))~",
     R"~({code="200"} 140 | {code="500"} 11)~"},
    {600, R"~(min by (job) (http_requests_total))~",
     R"~({job="api"} 11 | {job="db"} 300)~"},
    {600, R"~(max by (job) (http_requests_total))~",
     R"~({job="api"} 100 | {job="db"} 300)~"},
    {600, R"~(count by (job) (http_requests_total))~",
     R"~({job="api"} 3 | {job="db"} 1)~"},
    {600, R"~(group by (job) (http_requests_total))~",
     R"~({job="api"} 1 | {job="db"} 1)~"},
    {600, R"~(stddev(http_requests_total))~",
     R"~({} 116.276341102)~"},
    {600, R"~(stdvar by (job) (http_requests_total))~",
     R"~({job="api"} 1600.22222222 | {job="db"} 0)~"},
    {600, R"~(topk(2, http_requests_total))~",
     R"~({__name__="http_requests_total", code="200", instance="a", job="api"} 100 | {__name__="http_requests_total", code="200", instance="c", job="db"} 300)~"},
    {600, R"~(bottomk(1, http_requests_total) by (job))~",
     R"~({__name__="http_requests_total", code="200", instance="c", job="db"} 300 | {__name__="http_requests_total", code="500", instance="a", job="api"} 11)~"},
    {600, R"~(quantile(0.5, http_requests_total))~",
     R"~({} 60)~"},
    {600, R"~(count_values("v", node_load1))~",
     R"~({v="2"} 2)~"},
    {600, R"~(http_requests_total + 1)~",
     R"~({code="200", instance="a", job="api"} 101 | {code="200", instance="b", job="api"} 21 | {code="200", instance="c", job="db"} 301 | {code="500", instance="a", job="api"} 12)~"},
    {600, R"~(2 * http_requests_total)~",
     R"~({code="200", instance="a", job="api"} 200 | {code="200", instance="b", job="api"} 40 | {code="200", instance="c", job="db"} 600 | {code="500", instance="a", job="api"} 22)~"},
    {600, R"~(http_requests_total > 50)~",
     R"~({__name__="http_requests_total", code="200", instance="a", job="api"} 100 | {__name__="http_requests_total", code="200", instance="c", job="db"} 300)~"},
    {600, R"~(50 < http_requests_total)~",
     R"~({__name__="http_requests_total", code="200", instance="a", job="api"} 100 | {__name__="http_requests_total", code="200", instance="c", job="db"} 300)~"},
    {600, R"~(http_requests_total > bool 50)~",
     R"~({code="200", instance="a", job="api"} 1 | {code="200", instance="b", job="api"} 0 | {code="200", instance="c", job="db"} 1 | {code="500", instance="a", job="api"} 0)~"},
    {600, R"~(http_requests_total{code="200"} / ignoring(code) http_requests_total{code="500"})~",
     R"~({instance="a", job="api"} 9.09090909091)~"},
    {600, R"~(http_requests_total / on(instance) group_left node_load1)~",
     R"~({code="200", instance="a", job="api"} 50 | {code="200", instance="b", job="api"} 10 | {code="500", instance="a", job="api"} 5.5)~"},
    {600, R"~(node_load1 * on(instance) group_left(nodename) node_uname_info)~",
     R"~({instance="a", nodename="host-a"} 2 | {instance="b", nodename="host-b"} 2)~"},
    {600, R"~(node_uname_info * on(instance) group_right node_load1)~",
     R"~({instance="a"} 2 | {instance="b"} 2)~"},
    {600, R"~(node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes * 100)~",
     R"~({instance="a"} 45)~"},
    {600, R"~(node_load1 and node_uname_info)~",
     R"~(nil)~"},
    {600, R"~(node_load1 or nothing)~",
     R"~({__name__="node_load1", instance="a"} 2 | {__name__="node_load1", instance="b"} 2)~"},
    {600, R"~(http_requests_total unless on(instance) node_load1)~",
     R"~({__name__="http_requests_total", code="200", instance="c", job="db"} 300)~"},
    {600, R"~(node_load1 unless node_uname_info)~",
     R"~({__name__="node_load1", instance="a"} 2 | {__name__="node_load1", instance="b"} 2)~"},
    {600, R"~(node_load1 == bool on(instance) node_load1)~",
     R"~({instance="a"} 1 | {instance="b"} 1)~"},
    {600, R"~(1 + 2 * 3)~",
     R"~({} 7)~"},
    {600, R"~(2 ^ 3 ^ 2)~",
     R"~({} 512)~"},
    {600, R"~(5 % 3 - 10 / 4)~",
     R"~({} -0.5)~"},
    {600, R"~(1 > bool 2)~",
     R"~({} 0)~"},
    {600, R"~(node_load1 atan2 2)~",
     R"~({__name__="node_load1", instance="a"} 0.785398163397 | {__name__="node_load1", instance="b"} 0.785398163397)~"},
    {600, R"~(-node_load1)~",
     R"~({instance="a"} -2 | {instance="b"} -2)~"},
    {600, R"~(sparse)~",
     R"~({__name__="sparse", job="x"} 5)~"},
    {400, R"~(sparse)~",
     R"~(nil)~"},
    {420, R"~(sparse)~",
     R"~({__name__="sparse", job="x"} 5)~"},
    {720, R"~(http_requests_total{job="db"})~",
     R"~(nil)~"},
    {660, R"~(http_requests_total{job="db"})~",
     R"~(nil)~"},
    {600, R"~(rate(http_requests_total{job="db"}[5m]))~",
     R"~({code="200", instance="c", job="db"} 0.333333333333)~"},
    {900, R"~(rate(http_requests_total{job="db"}[5m]))~",
     R"~(nil)~"},
    {600, R"~(http_requests_total / on() group_left node_load1)~",
     R"~(error: found duplicate series for the match group {} on the right hand-side of the operation: [{__name__="node_load1", instance="b"}, {__name__="node_load1", instance="a"}];many-to-many matching not allowed: matching labels must be unique on one side)~"},
    {600, R"~(http_requests_total + on(job) http_requests_total)~",
     R"~(error: found duplicate series for the match group {job="api"} on the right hand-side of the operation: [{__name__="http_requests_total", code="200", instance="b", job="api"}, {__name__="http_requests_total", code="200", instance="a", job="api"}];many-to-many matching not allowed: matching labels must be unique on one side)~"},
    {600, R"~({__name__=~"node_load1|node_uname_info"} + 1)~",
     R"~({instance="a", nodename="host-a"} 2 | {instance="a"} 3 | {instance="b", nodename="host-b"} 2 | {instance="b"} 3)~"},
    {600, R"~(label_replace(node_load1, "instance", "x", "instance", ".*"))~",
     R"~(error: vector cannot contain metrics with the same labelset)~"},
};

const EvalCase kEdgeCases[] = {
    {240, R"~(rate(cnt[4m]))~",
     R"~({i="1"} 0.104166666667 | {i="2"} 0 | {i="4"} 0.166666666667)~"},
    {240, R"~(increase(cnt[4m]))~",
     R"~({i="1"} 25 | {i="2"} 0 | {i="4"} 40)~"},
    {240, R"~(increase(cnt[3m]))~",
     R"~({i="1"} 20 | {i="2"} 0 | {i="4"} 30)~"},
    {240, R"~(delta(cnt[4m]))~",
     R"~({i="1"} 15 | {i="2"} 0 | {i="4"} 40)~"},
    {240, R"~(irate(cnt[4m]))~",
     R"~({i="1"} 0.2 | {i="2"} 0 | {i="4"} 0.166666666667)~"},
    {240, R"~(idelta(cnt[4m]))~",
     R"~({i="1"} 12 | {i="2"} 0 | {i="4"} 10)~"},
    {240, R"~(resets(cnt[4m]))~",
     R"~({i="1"} 1 | {i="2"} 0 | {i="3"} 0 | {i="4"} 0)~"},
    {240, R"~(changes(cnt[4m]))~",
     R"~({i="1"} 4 | {i="2"} 0 | {i="3"} 0 | {i="4"} 4)~"},
    {240, R"~(increase(cnt[1m]))~",
     R"~({i="1"} 12 | {i="2"} 0 | {i="4"} 10)~"},
    {240, R"~(increase(cnt[30s]))~",
     R"~(nil)~"},
    {210, R"~(increase(cnt[2m]))~",
     R"~({i="1"} 11 | {i="2"} 0 | {i="4"} 20)~"},
    {240, R"~(deriv(cnt[4m]))~",
     R"~({i="1"} 0.0466666666667 | {i="2"} 0 | {i="4"} 0.166666666667)~"},
    {240, R"~(predict_linear(cnt[4m], 60))~",
     R"~({i="1"} 17.4 | {i="2"} 0 | {i="4"} 150)~"},
    {240, R"~(holt_winters(cnt[4m], 0.1, 0.9))~",
     R"~({i="1"} 19.59437 | {i="2"} 0 | {i="4"} 140)~"},
    {240, R"~(holt_winters(cnt[4m], 1, 0.5))~",
     R"~(error: invalid smoothing factor. Expected: 0 < sf < 1, got: 1.000000)~"},
    {240, R"~(max_over_time(gnan[4m]))~",
     R"~({i="1"} 5)~"},
    {240, R"~(min_over_time(gnan[4m]))~",
     R"~({i="1"} 1)~"},
    {240, R"~(avg_over_time(gnan[4m]))~",
     R"~({i="1"} nan)~"},
    {240, R"~(avg_over_time(ginf[4m]))~",
     R"~({i="1"} nan | {i="2"} inf)~"},
    {240, R"~(sum_over_time(ginf[4m]))~",
     R"~({i="1"} nan | {i="2"} inf)~"},
    {240, R"~(stddev_over_time(ginf[4m]))~",
     R"~({i="1"} nan | {i="2"} nan)~"},
    {240, R"~(quantile_over_time(2, cnt[4m]))~",
     R"~({i="1"} inf | {i="2"} inf | {i="3"} inf | {i="4"} inf)~"},
    {240, R"~(quantile_over_time(-1, cnt[4m]))~",
     R"~({i="1"} -inf | {i="2"} -inf | {i="3"} -inf | {i="4"} -inf)~"},
    {240, R"~(quantile_over_time(0.25, cnt[4m]))~",
     R"~({i="1"} 5 | {i="2"} 0 | {i="3"} 3 | {i="4"} 110)~"},
    {240, R"~(changes(gnan[4m]))~",
     R"~({i="1"} 4)~"},
    {240, R"~(deriv(ginf[4m]))~",
     R"~({i="1"} nan | {i="2"} nan)~"},
    {240, R"~(max(ginf))~",
     R"~({} inf)~"},
    {240, R"~(min(gnan))~",
     R"~({} 5)~"},
    {240, R"~(avg(ginf))~",
     R"~({} inf)~"},
    {240, R"~(sum(ginf))~",
     R"~({} inf)~"},
    {240, R"~(stddev(ginf))~",
     R"~({} nan)~"},
    {240, R"~(topk(1, gnan or ginf))~",
     R"~({__name__="ginf", i="2"} inf)~"},
    {240, R"~(bottomk(2, cnt))~",
     R"~({__name__="cnt", i="2"} 0 | {__name__="cnt", i="3"} 3)~"},
    {240, R"~(topk(0, cnt))~",
     R"~(nil)~"},
    {240, R"~(topk(2.9, cnt))~",
     R"~({__name__="cnt", i="1"} 20 | {__name__="cnt", i="4"} 140)~"},
    {240, R"~(quantile(0.3, cnt))~",
     R"~({} 2.7)~"},
    {240, R"~(quantile(1.5, cnt))~",
     R"~({} inf)~"},
    {240, R"~(count_values("val", cnt))~",
     R"~({val="0"} 1 | {val="140"} 1 | {val="20"} 1 | {val="3"} 1)~"},
    {240, R"~(count_values("val", dup) by (a))~",
     R"~({a="1", val="1"} 1 | {a="1", val="2"} 1 | {a="2", val="3"} 1)~"},
    {240, R"~(count_values without (b) ("val", dup))~",
     R"~({a="1", val="1"} 1 | {a="1", val="2"} 1 | {a="2", val="3"} 1)~"},
    {240, R"~(histogram_quantile(0.5, hist_bucket))~",
     R"~({} 1)~"},
    {240, R"~(histogram_quantile(0.9, hist_bucket))~",
     R"~({} 4.4)~"},
    {240, R"~(histogram_quantile(1, hist_bucket))~",
     R"~({} 5)~"},
    {240, R"~(histogram_quantile(0, hist_bucket))~",
     R"~({} 0)~"},
    {240, R"~(histogram_quantile(-0.5, hist_bucket))~",
     R"~({} -inf)~"},
    {240, R"~(histogram_quantile(1.5, hist_bucket))~",
     R"~({} inf)~"},
    {240, R"~(histogram_quantile(0.5, hist2_bucket))~",
     R"~({} nan)~"},
    {240, R"~(histogram_quantile(0.5, hist3_bucket))~",
     R"~({} nan)~"},
    {240, R"~(histogram_quantile(0.1, hist4_bucket))~",
     R"~({} -1)~"},
    {240, R"~(histogram_quantile(0.9, hist4_bucket))~",
     R"~({} -1)~"},
    {240, R"~(histogram_quantile(0.5, hist5_bucket))~",
     R"~({} 0.833333333333)~"},
    {240, R"~(dup * on(a) group_left one)~",
     R"~({a="1", b="x"} 10 | {a="1", b="y"} 20 | {a="2", b="x"} 60)~"},
    {240, R"~(one * on(a) group_right dup)~",
     R"~({a="1", b="x"} 10 | {a="1", b="y"} 20 | {a="2", b="x"} 60)~"},
    {240, R"~(dup * on(a) group_left(b) one)~",
     R"~(error: multiple matches for labels: grouping labels must ensure unique matches)~"},
    {240, R"~(dup + ignoring(b) one)~",
     R"~(error: multiple matches for labels: many-to-one matching must be explicit (group_left/group_right))~"},
    {240, R"~(one + ignoring(b) dup)~",
     R"~(error: found duplicate series for the match group {a="1"} on the right hand-side of the operation: [{__name__="dup", a="1", b="y"}, {__name__="dup", a="1", b="x"}];many-to-many matching not allowed: matching labels must be unique on one side)~"},
    {240, R"~(dup > on(a) group_left one)~",
     R"~(nil)~"},
    {240, R"~(dup == bool ignoring(b) group_left one)~",
     R"~({a="1", b="x"} 0 | {a="1", b="y"} 0 | {a="2", b="x"} 0)~"},
    {240, R"~(dup and on(b) one)~",
     R"~(nil)~"},
    {240, R"~(one or dup)~",
     R"~({__name__="dup", a="1", b="x"} 1 | {__name__="dup", a="1", b="y"} 2 | {__name__="dup", a="2", b="x"} 3 | {__name__="one", a="1"} 10 | {__name__="one", a="2"} 20)~"},
    {240, R"~(one unless ignoring(a) dup)~",
     R"~({__name__="one", a="1"} 10 | {__name__="one", a="2"} 20)~"},
    {240, R"~(dup unless on(a) one)~",
     R"~(nil)~"},
    {240, R"~(sum by (a) (dup) / on(a) one)~",
     R"~({a="1"} 0.3 | {a="2"} 0.15)~"},
    {240, R"~(sum without (b) (dup) / one)~",
     R"~({a="1"} 0.3 | {a="2"} 0.15)~"},
    {240, R"~(scalar(dup))~",
     R"~({} nan)~"},
    {240, R"~(vector(scalar(one)))~",
     R"~({} nan)~"},
    {240, R"~(one / 0)~",
     R"~({a="1"} inf | {a="2"} inf)~"},
    {240, R"~(-one % 3)~",
     R"~({a="1"} -1 | {a="2"} -2)~"},
    {240, R"~(one ^ 0.5)~",
     R"~({a="1"} 3.16227766017 | {a="2"} 4.472135955)~"},
    {240, R"~(0 / 0 > bool 1)~",
     R"~({} 0)~"},
    {240, R"~(one != bool one)~",
     R"~({a="1"} 0 | {a="2"} 0)~"},
    {240, R"~(count(nothing))~",
     R"~(nil)~"},
    {240, R"~(sum(nothing))~",
     R"~(nil)~"},
    {240, R"~(absent(nothing{a="1",a="2"}))~",
     R"~({} 1)~"},
    {240, R"~(absent(nothing{a="1",b=~"x"}))~",
     R"~({a="1"} 1)~"},
    {240, R"~(absent(sum(nothing)))~",
     R"~({} 1)~"},
    {240, R"~(absent(dup))~",
     R"~(nil)~"},
    {240, R"~(absent_over_time(nothing{a="1"}[1m]))~",
     R"~({a="1"} 1)~"},
    {240, R"~(label_join(dup, "a", "-", "a", "b"))~",
     R"~({__name__="dup", a="1-x", b="x"} 1 | {__name__="dup", a="1-y", b="y"} 2 | {__name__="dup", a="2-x", b="x"} 3)~"},
    {240, R"~(label_join(dup, "new", "", "nope"))~",
     R"~({__name__="dup", a="1", b="x"} 1 | {__name__="dup", a="1", b="y"} 2 | {__name__="dup", a="2", b="x"} 3)~"},
    {240, R"~(label_replace(dup, "c", "$2-${1}x$1x", "b", "(.)(.*)"))~",
     R"~({__name__="dup", a="1", b="x", c="-xx"} 1 | {__name__="dup", a="1", b="y", c="-yx"} 2 | {__name__="dup", a="2", b="x", c="-xx"} 3)~"},
    {240, R"~(label_replace(dup, "c", "$0$$", "b", "(?P<first>.)"))~",
     R"~({__name__="dup", a="1", b="x", c="x$"} 1 | {__name__="dup", a="1", b="y", c="y$"} 2 | {__name__="dup", a="2", b="x", c="x$"} 3)~"},
    {240, R"~(label_replace(dup, "c", "$first", "b", "(?P<first>.)"))~",
     R"~({__name__="dup", a="1", b="x", c="x"} 1 | {__name__="dup", a="1", b="y", c="y"} 2 | {__name__="dup", a="2", b="x", c="x"} 3)~"},
    {240, R"~(label_replace(dup, "c", "nomatch", "b", "z"))~",
     R"~({__name__="dup", a="1", b="x"} 1 | {__name__="dup", a="1", b="y"} 2 | {__name__="dup", a="2", b="x"} 3)~"},
    {240, R"~(label_replace(dup, "1c", "x", "b", ".*"))~",
     R"~(error: invalid destination label name in label_replace(): 1c)~"},
    {240, R"~(label_replace(dup, "c", "x", "b", "("))~",
     R"~(error: invalid regular expression in label_replace(): ()~"},
    {240, R"~(sort_desc(dup))~",
     R"~({__name__="dup", a="1", b="x"} 1 | {__name__="dup", a="1", b="y"} 2 | {__name__="dup", a="2", b="x"} 3)~"},
    {240, R"~(round(-one / 3))~",
     R"~({a="1"} -3 | {a="2"} -7)~"},
    {240, R"~(round(one / 4))~",
     R"~({a="1"} 3 | {a="2"} 5)~"},
    {240, R"~(round(one / 3, 5))~",
     R"~({a="1"} 5 | {a="2"} 5)~"},
    {240, R"~(clamp(one, 15, 5))~",
     R"~(nil)~"},
    {240, R"~(clamp_min(one, NaN))~",
     R"~({a="1"} nan | {a="2"} nan)~"},
    {240, R"~(sgn(-one))~",
     R"~({a="1"} -1 | {a="2"} -1)~"},
    {240, R"~(timestamp(one offset 1m))~",
     R"~({a="1"} 180 | {a="2"} 180)~"},
    {240, R"~(timestamp(-one))~",
     R"~({a="1"} 240 | {a="2"} 240)~"},
    {240, R"~(timestamp((one)))~",
     R"~({a="1"} 240 | {a="2"} 240)~"},
    {240, R"~(month())~",
     R"~({} 1)~"},
    {240, R"~(days_in_month(vector(951782400)))~",
     R"~({} 29)~"},
    {240, R"~(hour(vector(-3600)))~",
     R"~({} 23)~"},
    {240, R"~(cnt{i="3"})~",
     R"~({__name__="cnt", i="3"} 3)~"},
    {240, R"~(rate(cnt{i="3"}[4m]))~",
     R"~(nil)~"},
    {240, R"~(dup{b="x"} + on(b) dup{a="2"})~",
     R"~(error: multiple matches for labels: many-to-one matching must be explicit (group_left/group_right))~"},
    {240, R"~(topk(scalar(one), dup))~",
     R"~(error: Scalar value NaN overflows int64)~"},
    {240, R"~(bottomk(1, dup) by (b))~",
     R"~({__name__="dup", a="1", b="x"} 1 | {__name__="dup", a="1", b="y"} 2)~"},
    {240, R"~(sum by (__name__) (dup))~",
     R"~({__name__="dup"} 6)~"},
    {240, R"~(count by (b) (dup))~",
     R"~({b="x"} 2 | {b="y"} 1)~"},
    {240, R"~(sum by (nonexistent) (dup))~",
     R"~({} 6)~"},
    {240, R"~(group without (a) (dup))~",
     R"~({b="x"} 1 | {b="y"} 1)~"},
    {240, R"~(stddev without (b) (dup))~",
     R"~({a="1"} 0.5 | {a="2"} 0)~"},
};

}  // namespace

TEST_CASE("edge cases give Prometheus 2.42's results") {
  MemoryQueryable db;
  db.load(kLoadEdges, 60000);
  for (const EvalCase& c : kEdgeCases) {
    INFO(c.expr << " at " << c.t_s << "s");
    ParseResult p = parse(c.expr);
    REQUIRE(p.ok());
    QueryResult r = evaluate_instant(*p.expr, db, c.t_s * 1000);
    CHECK(render(r) == c.expected);
  }
}

TEST_CASE("instant queries give Prometheus 2.42's results") {
  MemoryQueryable db;
  db.load(kLoad, 60000);
  for (const EvalCase& c : kCases) {
    INFO(c.expr << " at " << c.t_s << "s");
    ParseResult p = parse(c.expr);
    REQUIRE(p.ok());
    QueryResult r = evaluate_instant(*p.expr, db, c.t_s * 1000);
    CHECK(render(r) == c.expected);
  }
}

TEST_CASE("range selectors return the samples of the closed window") {
  MemoryQueryable db;
  db.load(kLoad, 60000);
  ParseResult p = parse(R"(node_load1{instance="a"}[3m])");
  REQUIRE(p.ok());
  QueryResult r = evaluate_instant(*p.expr, db, 600000);
  REQUIRE(r.ok());
  REQUIRE(r.type == ValueType::kMatrix);
  REQUIRE(r.matrix.size() == 1);
  REQUIRE(r.matrix[0].points.size() == 4);  // 7m, 8m, 9m and 10m: both ends included
  CHECK(r.matrix[0].points.front().t == 420000);
  CHECK(r.matrix[0].points.back().v == 2);
}

// Not in the table: promtool loads samples only up to the evaluation time, so
// it cannot show what a negative offset reads from later samples.
TEST_CASE("a negative offset reads later samples") {
  MemoryQueryable db;
  db.load(kLoad, 60000);
  ParseResult p = parse(R"(http_requests_total{instance="a",code="200"} offset -2m)");
  REQUIRE(p.ok());
  QueryResult r = evaluate_instant(*p.expr, db, 600000);
  REQUIRE(r.vector.size() == 1);
  CHECK(r.vector[0].v == 120);  // the sample at 12m
}

TEST_CASE("staleness ends a series and the lookback is 5 minutes") {
  MemoryQueryable db;
  db.load(kLoad, 60000);
  auto count = [&](const char* e, int64_t t_s) {
    ParseResult p = parse(e);
    REQUIRE(p.ok());
    QueryResult r = evaluate_instant(*p.expr, db, t_s * 1000);
    REQUIRE(r.ok());
    return r.vector.size();
  };
  CHECK(count(R"(http_requests_total{job="db"})", 600) == 1);
  CHECK(count(R"(http_requests_total{job="db"})", 660) == 0);  // stale marker at 11m
  CHECK(count("sparse", 300) == 1);  // sample at 0 still within lookback (inclusive)
  CHECK(count("sparse", 301) == 0);
  EngineOptions opts;
  opts.lookback_delta_ms = 60000;
  ParseResult p = parse("sparse");
  CHECK(evaluate_instant(*p.expr, db, 120000, opts).vector.empty());
}

// PromQL evaluator. Every expected result below is what Prometheus 2.42
// computes for the same series and expression (`promtool test rules` with the
// load block as input_series at a 1m interval), values printed with %.12g.
#include "tests/unit/promql_test_util.h"

using namespace vigia::promql;
using namespace vigia::promql::testing;

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

const EvalCase
    kCases
        [] =
            {
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
                {600, R"~(delta(node_load1[5m]))~", R"~({instance="a"} 1.5 | {instance="b"} 0)~"},
                {600, R"~(idelta(node_load1[5m]))~", R"~({instance="a"} -1 | {instance="b"} 0)~"},
                {600, R"~(deriv(node_memory_MemAvailable_bytes[10m]))~",
                 R"~({instance="a"} -0.166666666667)~"},
                {600, R"~(predict_linear(node_memory_MemAvailable_bytes[10m], 3600))~",
                 R"~({instance="a"} 300)~"},
                {600, R"~(holt_winters(node_load1[10m], 0.5, 0.5))~",
                 R"~({instance="a"} 3.23590087891 | {instance="b"} 2)~"},
                {600, R"~(avg_over_time(node_load1[10m]))~",
                 R"~({instance="a"} 2.18181818182 | {instance="b"} 2)~"},
                {600, R"~(min_over_time(node_load1[10m]))~", R"~({instance="a"} 0.5 | {instance="b"} 2)~"},
                {600, R"~(max_over_time(node_load1[10m]))~", R"~({instance="a"} 5 | {instance="b"} 2)~"},
                {600, R"~(sum_over_time(node_load1[10m]))~", R"~({instance="a"} 24 | {instance="b"} 22)~"},
                {600, R"~(count_over_time(node_load1[10m]))~", R"~({instance="a"} 11 | {instance="b"} 11)~"},
                {600, R"~(stddev_over_time(node_load1[10m]))~",
                 R"~({instance="a"} 1.38617733473 | {instance="b"} 0)~"},
                {600, R"~(stdvar_over_time(node_load1[10m]))~",
                 R"~({instance="a"} 1.92148760331 | {instance="b"} 0)~"},
                {600, R"~(quantile_over_time(0.9, node_load1[10m]))~",
                 R"~({instance="a"} 4 | {instance="b"} 2)~"},
                {600, R"~(last_over_time(node_load1[10m]))~",
                 R"~({__name__="node_load1", instance="a"} 2 | {__name__="node_load1", instance="b"} 2)~"},
                {600, R"~(present_over_time(node_load1[10m]))~", R"~({instance="a"} 1 | {instance="b"} 1)~"},
                {600, R"~(changes(node_load1[10m]))~", R"~({instance="a"} 9 | {instance="b"} 0)~"},
                {600, R"~(resets(http_requests_total[20m]))~",
                 R"~({code="200", instance="a", job="api"} 0 | {code="200", instance="b", job="api"} 1 | {code="200", instance="c", job="db"} 0 | {code="500", instance="a", job="api"} 0)~"},
                {1200, R"~(resets(http_requests_total[20m]))~",
                 R"~({code="200", instance="a", job="api"} 0 | {code="200", instance="b", job="api"} 1 | {code="200", instance="c", job="db"} 0 | {code="500", instance="a", job="api"} 0)~"},
                {600, R"~(absent(nothing{job="x", a=~"b"}))~", R"~({job="x"} 1)~"},
                {600, R"~(absent(node_load1))~", R"~(nil)~"},
                {600, R"~(absent_over_time(nothing{job="y"}[5m]))~", R"~({job="y"} 1)~"},
                {600, R"~(abs(-node_load1))~", R"~({instance="a"} 2 | {instance="b"} 2)~"},
                {600, R"~(ceil(node_load1 / 3))~", R"~({instance="a"} 1 | {instance="b"} 1)~"},
                {600, R"~(floor(node_load1 / 3))~", R"~({instance="a"} 0 | {instance="b"} 0)~"},
                {600, R"~(round(node_load1 / 3, 0.1))~", R"~({instance="a"} 0.7 | {instance="b"} 0.7)~"},
                {600, R"~(sqrt(node_load1))~",
                 R"~({instance="a"} 1.41421356237 | {instance="b"} 1.41421356237)~"},
                {600, R"~(exp(node_load1))~",
                 R"~({instance="a"} 7.38905609893 | {instance="b"} 7.38905609893)~"},
                {600, R"~(ln(node_load1))~",
                 R"~({instance="a"} 0.69314718056 | {instance="b"} 0.69314718056)~"},
                {600, R"~(log2(node_load1))~", R"~({instance="a"} 1 | {instance="b"} 1)~"},
                {600, R"~(log10(node_load1))~",
                 R"~({instance="a"} 0.301029995664 | {instance="b"} 0.301029995664)~"},
                {600, R"~(sgn(node_load1 - 2.5))~", R"~({instance="a"} -1 | {instance="b"} -1)~"},
                {600, R"~(clamp(node_load1, 2.5, 2.8))~", R"~({instance="a"} 2.5 | {instance="b"} 2.5)~"},
                {600, R"~(clamp_min(node_load1, 2.5))~", R"~({instance="a"} 2.5 | {instance="b"} 2.5)~"},
                {600, R"~(clamp_max(node_load1, 2.5))~", R"~({instance="a"} 2 | {instance="b"} 2)~"},
                {600,
                 R"~(sin(node_load1) + cos(node_load1) + tan(node_load1) + atan(node_load1) + deg(node_load1) + rad(node_load1))~",
                 R"~({instance="a"} 114.041725056 | {instance="b"} 114.041725056)~"},
                {600, R"~(time())~", R"~({} 600)~"},
                {600, R"~(timestamp(node_load1))~", R"~({instance="a"} 600 | {instance="b"} 600)~"},
                {600, R"~(timestamp(sparse))~", R"~({job="x"} 420)~"},
                {600, R"~(vector(5))~", R"~({} 5)~"},
                {600, R"~(scalar(node_load1))~", R"~({} nan)~"},
                {600, R"~(sort(node_load1))~",
                 R"~({__name__="node_load1", instance="a"} 2 | {__name__="node_load1", instance="b"} 2)~"},
                {600, R"~(sort_desc(node_load1))~",
                 R"~({__name__="node_load1", instance="a"} 2 | {__name__="node_load1", instance="b"} 2)~"},
                {600, R"~(year(vector(1700000000)))~", R"~({} 2023)~"},
                {600,
                 R"~(month(vector(1700000000)) + day_of_month(vector(1700000000)) + day_of_week(vector(1700000000)) + hour(vector(1700000000)) + minute(vector(1700000000)) + day_of_year(vector(1700000000)) + days_in_month(vector(1700000000)))~",
                 R"~({} 410)~"},
                {600, R"~(label_replace(node_load1, "host", "h-$1", "instance", "(.*)"))~",
                 R"~({__name__="node_load1", host="h-a", instance="a"} 2 | {__name__="node_load1", host="h-b", instance="b"} 2)~"},
                {600, R"~(label_replace(node_load1, "instance", "", "instance", "a"))~",
                 R"~({__name__="node_load1", instance="b"} 2 | {__name__="node_load1"} 2)~"},
                {600,
                 R"~(label_join(node_uname_info, "both", "/", "instance", "nodename"))~", R"~({__name__="node_uname_info", both="a/host-a", instance="a", nodename="host-a"} 1 | {__name__="node_uname_info", both="b/host-b", instance="b", nodename="host-b"} 1)~"},
                {600, R"~(histogram_quantile(0.9, req_duration_bucket))~", R"~({job="api"} 1)~"},
                {600, R"~(histogram_quantile(0.5, rate(req_duration_bucket[5m])))~", R"~({job="api"} 0.4)~"},
                {600, R"~(histogram_quantile(0.99, sum by (le) (rate(req_duration_bucket[5m]))))~",
                 R"~({} 1)~"},
                {600, R"~(sum(http_requests_total))~", R"~({} 431)~"},
                {600, R"~(sum by (job) (http_requests_total))~", R"~({job="api"} 131 | {job="db"} 300)~"},
                {600, R"~(sum without (instance, code) (http_requests_total))~",
                 R"~({job="api"} 131 | {job="db"} 300)~"},
                {600, R"~(avg by (code) (http_requests_total))~", R"~({code="200"} 140 | {code="500"} 11)~"},
                {600, R"~(min by (job) (http_requests_total))~", R"~({job="api"} 11 | {job="db"} 300)~"},
                {600, R"~(max by (job) (http_requests_total))~", R"~({job="api"} 100 | {job="db"} 300)~"},
                {600, R"~(count by (job) (http_requests_total))~", R"~({job="api"} 3 | {job="db"} 1)~"},
                {600, R"~(group by (job) (http_requests_total))~", R"~({job="api"} 1 | {job="db"} 1)~"},
                {600, R"~(stddev(http_requests_total))~", R"~({} 116.276341102)~"},
                {600, R"~(stdvar by (job) (http_requests_total))~",
                 R"~({job="api"} 1600.22222222 | {job="db"} 0)~"},
                {600, R"~(topk(2, http_requests_total))~",
                 R"~({__name__="http_requests_total", code="200", instance="a", job="api"} 100 | {__name__="http_requests_total", code="200", instance="c", job="db"} 300)~"},
                {600, R"~(bottomk(1, http_requests_total) by (job))~",
                 R"~({__name__="http_requests_total", code="200", instance="c", job="db"} 300 | {__name__="http_requests_total", code="500", instance="a", job="api"} 11)~"},
                {600, R"~(quantile(0.5, http_requests_total))~", R"~({} 60)~"},
                {600, R"~(count_values("v", node_load1))~", R"~({v="2"} 2)~"},
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
                {600, R"~(node_load1 and node_uname_info)~", R"~(nil)~"},
                {600, R"~(node_load1 or nothing)~",
                 R"~({__name__="node_load1", instance="a"} 2 | {__name__="node_load1", instance="b"} 2)~"},
                {600, R"~(http_requests_total unless on(instance) node_load1)~",
                 R"~({__name__="http_requests_total", code="200", instance="c", job="db"} 300)~"},
                {600, R"~(node_load1 unless node_uname_info)~",
                 R"~({__name__="node_load1", instance="a"} 2 | {__name__="node_load1", instance="b"} 2)~"},
                {600, R"~(node_load1 == bool on(instance) node_load1)~",
                 R"~({instance="a"} 1 | {instance="b"} 1)~"},
                {600, R"~(1 + 2 * 3)~", R"~({} 7)~"},
                {600, R"~(2 ^ 3 ^ 2)~", R"~({} 512)~"},
                {600, R"~(5 % 3 - 10 / 4)~", R"~({} -0.5)~"},
                {600, R"~(1 > bool 2)~", R"~({} 0)~"},
                {600, R"~(node_load1 atan2 2)~",
                 R"~({__name__="node_load1", instance="a"} 0.785398163397 | {__name__="node_load1", instance="b"} 0.785398163397)~"},
                {600, R"~(-node_load1)~", R"~({instance="a"} -2 | {instance="b"} -2)~"},
                {600, R"~(sparse)~", R"~({__name__="sparse", job="x"} 5)~"},
                {400, R"~(sparse)~", R"~(nil)~"},
                {420, R"~(sparse)~", R"~({__name__="sparse", job="x"} 5)~"},
                {720, R"~(http_requests_total{job="db"})~", R"~(nil)~"},
                {660, R"~(http_requests_total{job="db"})~", R"~(nil)~"},
                {600, R"~(rate(http_requests_total{job="db"}[5m]))~",
                 R"~({code="200", instance="c", job="db"} 0.333333333333)~"},
                {900, R"~(rate(http_requests_total{job="db"}[5m]))~", R"~(nil)~"},
                {600, R"~(http_requests_total / on() group_left node_load1)~",
                 R"~(error: found duplicate series for the match group {} on the right hand-side of the operation: [{__name__="node_load1", instance="b"}, {__name__="node_load1", instance="a"}];many-to-many matching not allowed: matching labels must be unique on one side)~"},
                {600, R"~(http_requests_total + on(job) http_requests_total)~",
                 R"~(error: found duplicate series for the match group {job="api"} on the right hand-side of the operation: [{__name__="http_requests_total", code="200", instance="b", job="api"}, {__name__="http_requests_total", code="200", instance="a", job="api"}];many-to-many matching not allowed: matching labels must be unique on one side)~"},
                {600, R"~({__name__=~"node_load1|node_uname_info"} + 1)~",
                 R"~({instance="a", nodename="host-a"} 2 | {instance="a"} 3 | {instance="b", nodename="host-b"} 2 | {instance="b"} 3)~"},
                {600, R"~(label_replace(node_load1, "instance", "x", "instance", ".*"))~",
                 R"~(error: vector cannot contain metrics with the same labelset)~"},
};

}  // namespace

TEST_CASE("instant queries give Prometheus 2.42's results") { run_cases(kLoad, kCases, std::size(kCases)); }

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

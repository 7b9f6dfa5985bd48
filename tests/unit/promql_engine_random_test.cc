// PromQL evaluator, randomly generated expressions (scripts/promql: a typed
// generator over both load blocks of the other engine tests) plus calendar
// functions on extreme values. Every expected result is what Prometheus 2.42
// computes (`promtool test rules`, 1m interval), values printed with %.12g.
#include "tests/unit/promql_test_util.h"

using namespace vigia::promql;
using namespace vigia::promql::testing;

namespace {

constexpr const char* kLoadAll = R"(
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

const EvalCase kRandomCases[] = {
    {240, R"~((scalar(sparse offset 1m) * node_load1 offset 1m))~",
     R"~({instance="a"} 2 | {instance="b"} 2)~"},
    {240, R"~((avg_over_time(gnan[5m])))~", R"~({i="1"} nan)~"},
    {300, R"~((month(floor(quantile_over_time(0.5, gnan[90s] offset 2m)))))~", R"~({i="1"} 12)~"},
    {240, R"~((dup))~",
     R"~({__name__="dup", a="1", b="x"} 1 | {__name__="dup", a="1", b="y"} 2 | {__name__="dup", a="2", b="x"} 3)~"},
    {600, R"~((min_over_time(http_requests_total[5m])))~",
     R"~({code="200", instance="a", job="api"} 50 | {code="200", instance="b", job="api"} 0 | {code="200", instance="c", job="db"} 200 | {code="500", instance="a", job="api"} 6)~"},
    {1200, R"~((http_requests_total))~",
     R"~({__name__="http_requests_total", code="200", instance="a", job="api"} 200 | {__name__="http_requests_total", code="200", instance="b", job="api"} 70 | {__name__="http_requests_total", code="500", instance="a", job="api"} 21)~"},
    {300, R"~((increase(http_requests_total{job="api"}[1m])))~",
     R"~({code="200", instance="a", job="api"} 10 | {code="200", instance="b", job="api"} 5 | {code="500", instance="a", job="api"} 1)~"},
    {240, R"~((dup))~",
     R"~({__name__="dup", a="1", b="x"} 1 | {__name__="dup", a="1", b="y"} 2 | {__name__="dup", a="2", b="x"} 3)~"},
    {240, R"~((predict_linear(node_memory_MemAvailable_bytes[10m], 600)))~", R"~({instance="a"} 860)~"},
    {240, R"~((node_memory_MemAvailable_bytes))~",
     R"~({__name__="node_memory_MemAvailable_bytes", instance="a"} 960)~"},
    {600, R"~((avg_over_time(http_requests_total[3m])))~",
     R"~({code="200", instance="a", job="api"} 85 | {code="200", instance="b", job="api"} 12.5 | {code="200", instance="c", job="db"} 270 | {code="500", instance="a", job="api"} 9.5)~"},
    {60, R"~((scalar(last_over_time(ginf[2m])) ^ http_requests_total{code=~"2.."}))~",
     R"~({code="200", instance="a", job="api"} nan | {code="200", instance="b", job="api"} nan | {code="200", instance="c", job="db"} nan)~"},
    {300, R"~((time() != bool present_over_time(cnt[4m]) ^ Inf))~",
     R"~({i="1"} 1 | {i="2"} 1 | {i="3"} 1 | {i="4"} 1)~"},
    {60, R"~((stddev without ()(delta(node_memory_MemAvailable_bytes[4m]))))~", R"~({instance="a"} 0)~"},
    {300, R"~((dup))~",
     R"~({__name__="dup", a="1", b="x"} 1 | {__name__="dup", a="1", b="y"} 2 | {__name__="dup", a="2", b="x"} 3)~"},
    {600, R"~((node_uname_info))~",
     R"~({__name__="node_uname_info", instance="a", nodename="host-a"} 1 | {__name__="node_uname_info", instance="b", nodename="host-b"} 1)~"},
    {240, R"~((quantile_over_time(1, http_requests_total[2m]) % (scalar(dup) * scalar(cnt{i!="2"}))))~",
     R"~({code="200", instance="a", job="api"} nan | {code="200", instance="b", job="api"} nan | {code="200", instance="c", job="db"} nan | {code="500", instance="a", job="api"} nan)~"},
    {1200, R"~((sum_over_time(http_requests_total{job="api"}[10m] offset 1m)))~",
     R"~({code="200", instance="a", job="api"} 1540 | {code="200", instance="b", job="api"} 440 | {code="500", instance="a", job="api"} 165)~"},
    {240, R"~((month(gnan) <= bool ignoring(job) cnt{i!="2"}))~", R"~({i="1"} 1)~"},
    {240, R"~((bottomk without (job, nodename)(2, idelta(cnt[3m]))))~",
     R"~({i="1"} 12 | {i="2"} 0 | {i="4"} 10)~"},
    {1200, R"~((node_load1 % 10))~", R"~({instance="a"} 1 | {instance="b"} 2)~"},
    {300, R"~((ginf <= bool max by (instance, i)(cnt{i!="2"} / 10)))~", R"~({i="1"} 0)~"},
    {300, R"~((stddev_over_time(ginf[10m])))~", R"~({i="1"} nan | {i="2"} nan)~"},
    {1200, R"~((day_of_week(http_requests_total{job="api"} unless ignoring(instance, i) node_load1)))~",
     R"~({code="200", instance="a", job="api"} 4 | {code="200", instance="b", job="api"} 4 | {code="500", instance="a", job="api"} 4)~"},
    {1200, R"~((max_over_time(node_memory_MemAvailable_bytes[10m])))~", R"~({instance="a"} 900)~"},
    {1200, R"~((clamp(node_uname_info, 0, 5)))~",
     R"~({instance="a", nodename="host-a"} 1 | {instance="b", nodename="host-b"} 1)~"},
    {240, R"~((count_over_time(node_memory_MemAvailable_bytes[5m])))~", R"~({instance="a"} 5)~"},
    {300, R"~((delta(cnt[1m] offset 1m)))~", R"~({i="1"} 12 | {i="2"} 0 | {i="4"} 10)~"},
    {600, R"~((sort_desc(present_over_time(node_memory_MemAvailable_bytes[2m]))))~", R"~({instance="a"} 1)~"},
    {240, R"~((idelta(dup[90s])))~", R"~({a="1", b="x"} 0 | {a="1", b="y"} 0 | {a="2", b="x"} 0)~"},
    {300, R"~((quantile_over_time(1, http_requests_total{code=~"2.."}[5m])))~",
     R"~({code="200", instance="a", job="api"} 50 | {code="200", instance="b", job="api"} 25 | {code="200", instance="c", job="db"} 200)~"},
    {900, R"~((histogram_quantile(0.9, rate(req_duration_bucket[5m]))))~", R"~({job="api"} 1)~"},
    {300, R"~((ceil(stddev_over_time(cnt[4m]))))~", R"~({i="1"} 7 | {i="2"} 0 | {i="3"} 0 | {i="4"} 12)~"},
    {900, R"~((node_memory_MemAvailable_bytes offset 1m <= bool Inf))~", R"~({instance="a"} 1)~"},
    {240, R"~((predict_linear(http_requests_total[3m], 600)))~",
     R"~({code="200", instance="a", job="api"} 140 | {code="200", instance="b", job="api"} 70 | {code="200", instance="c", job="db"} 380 | {code="500", instance="a", job="api"} 15)~"},
    {600, R"~((floor(node_memory_MemAvailable_bytes)))~", R"~({instance="a"} 900)~"},
    {300, R"~((http_requests_total{job="api"}))~",
     R"~({__name__="http_requests_total", code="200", instance="a", job="api"} 50 | {__name__="http_requests_total", code="200", instance="b", job="api"} 25 | {__name__="http_requests_total", code="500", instance="a", job="api"} 6)~"},
    {240, R"~((cnt))~",
     R"~({__name__="cnt", i="1"} 20 | {__name__="cnt", i="2"} 0 | {__name__="cnt", i="3"} 3 | {__name__="cnt", i="4"} 140)~"},
    {600, R"~((predict_linear(node_uname_info[2m], 600)))~",
     R"~({instance="a", nodename="host-a"} 1 | {instance="b", nodename="host-b"} 1)~"},
    {240, R"~((month(quantile by (code)(0.5, bottomk(1, node_load1)))))~", R"~({} 1)~"},
    {300, R"~((http_requests_total{code=~"2.."}))~",
     R"~({__name__="http_requests_total", code="200", instance="a", job="api"} 50 | {__name__="http_requests_total", code="200", instance="b", job="api"} 25 | {__name__="http_requests_total", code="200", instance="c", job="db"} 200)~"},
    {240, R"~((tanh(one)))~", R"~({a="1"} 0.999999995878 | {a="2"} 1)~"},
    {240, R"~((one))~", R"~({__name__="one", a="1"} 10 | {__name__="one", a="2"} 20)~"},
    {240, R"~((deg(node_load1)))~", R"~({instance="a"} 57.2957795131 | {instance="b"} 114.591559026)~"},
    {600, R"~((stdvar_over_time(sparse[5m]) != 3))~", R"~({job="x"} 0)~"},
    {240, R"~((stddev by (b, job)(sum by (job)(holt_winters(gnan[90s], 0.3, 0.6)))))~", R"~({} 0)~"},
    {300, R"~((max(count_over_time(cnt[1m]))))~", R"~({} 1)~"},
    {1200, R"~((count(increase(node_load1[2m] offset 2m))))~", R"~({} 2)~"},
    {60, R"~((stdvar without (code)(quantile_over_time(0.5, cnt{i!="2"}[90s]))))~",
     R"~({i="1"} 0 | {i="4"} 0)~"},
    {300, R"~((cnt))~",
     R"~({__name__="cnt", i="1"} 20 | {__name__="cnt", i="2"} 0 | {__name__="cnt", i="3"} 3 | {__name__="cnt", i="4"} 140)~"},
    {900, R"~((present_over_time(http_requests_total{job="api"}[90s])))~",
     R"~({code="200", instance="a", job="api"} 1 | {code="200", instance="b", job="api"} 1 | {code="500", instance="a", job="api"} 1)~"},
    {1200, R"~(((3 * 10) > bool sin(http_requests_total{code=~"2.."})))~",
     R"~({code="200", instance="a", job="api"} 1 | {code="200", instance="b", job="api"} 1)~"},
    {600, R"~((quantile_over_time(1, node_load1[4m])))~", R"~({instance="a"} 5 | {instance="b"} 2)~"},
    {300, R"~((node_memory_MemAvailable_bytes))~",
     R"~({__name__="node_memory_MemAvailable_bytes", instance="a"} 950)~"},
    {300, R"~((ginf offset 3m))~", R"~({__name__="ginf", i="1"} -inf | {__name__="ginf", i="2"} inf)~"},
    {600, R"~((sparse))~", R"~({__name__="sparse", job="x"} 5)~"},
    {1200, R"~((year(quantile(0.5, histogram_quantile(0.9, req_duration_bucket)))))~", R"~({} 1970)~"},
    {1200, R"~((http_requests_total))~",
     R"~({__name__="http_requests_total", code="200", instance="a", job="api"} 200 | {__name__="http_requests_total", code="200", instance="b", job="api"} 70 | {__name__="http_requests_total", code="500", instance="a", job="api"} 21)~"},
    {900, R"~((node_uname_info offset 3m))~",
     R"~({__name__="node_uname_info", instance="a", nodename="host-a"} 1 | {__name__="node_uname_info", instance="b", nodename="host-b"} 1)~"},
    {60, R"~((present_over_time(gnan[90s])))~", R"~({i="1"} 1)~"},
    {240, R"~((max_over_time(gnan[5m])))~", R"~({i="1"} 5)~"},
    {900, R"~((http_requests_total{code=~"2.."}))~",
     R"~({__name__="http_requests_total", code="200", instance="a", job="api"} 150 | {__name__="http_requests_total", code="200", instance="b", job="api"} 45)~"},
    {1200, R"~((count by ()(node_memory_MemAvailable_bytes)))~", R"~({} 1)~"},
    {60, R"~((node_load1))~",
     R"~({__name__="node_load1", instance="a"} 2 | {__name__="node_load1", instance="b"} 2)~"},
    {600, R"~((avg(clamp(node_load1, 0, 5))))~", R"~({} 2)~"},
    {300, R"~((sqrt(node_uname_info)))~",
     R"~({instance="a", nodename="host-a"} 1 | {instance="b", nodename="host-b"} 1)~"},
    {300, R"~((rad(count_values by (a)("v", cnt{i!="2"} % ignoring(code, i) gnan))))~",
     R"~(error: multiple matches for labels: many-to-one matching must be explicit (group_left/group_right))~"},
    {1200, R"~((idelta(node_uname_info[10m])))~",
     R"~({instance="a", nodename="host-a"} 0 | {instance="b", nodename="host-b"} 0)~"},
    {60, R"~((abs(histogram_quantile(0.9, hist_bucket))))~", R"~({} 4.4)~"},
    {300, R"~((log10(idelta(dup[2m]))))~",
     R"~({a="1", b="x"} -inf | {a="1", b="y"} -inf | {a="2", b="x"} -inf)~"},
    {240, R"~((deg(cnt unless dup == bool sparse)))~",
     R"~({i="1"} 1145.91559026 | {i="2"} 0 | {i="3"} 171.887338539 | {i="4"} 8021.40913183)~"},
    {240, R"~((gnan))~", R"~({__name__="gnan", i="1"} 5)~"},
    {300, R"~((sparse))~", R"~({__name__="sparse", job="x"} 1)~"},
    {60, R"~((clamp(resets(gnan[1m]), 0, 2)))~", R"~({i="1"} 0)~"},
    {300, R"~((sum_over_time(node_memory_MemAvailable_bytes[3m] offset 1m)))~", R"~({instance="a"} 3900)~"},
    {1200, R"~((avg(changes(http_requests_total[90s]) != NaN)))~", R"~({} 1)~"},
    {240, R"~((topk by (i, code)(3, round(-1 - sparse, 0.5))))~", R"~({job="x"} -2)~"},
    {240, R"~((node_memory_MemAvailable_bytes))~",
     R"~({__name__="node_memory_MemAvailable_bytes", instance="a"} 960)~"},
    {60, R"~((node_load1))~",
     R"~({__name__="node_load1", instance="a"} 2 | {__name__="node_load1", instance="b"} 2)~"},
    {60, R"~((quantile_over_time(0.9, ginf[1m])))~", R"~({i="1"} inf | {i="2"} inf)~"},
    {60, R"~((histogram_quantile(0.5, rate(req_duration_bucket[5m]))))~", R"~({job="api"} 0.4)~"},
    {60, R"~((one))~", R"~({__name__="one", a="1"} 10 | {__name__="one", a="2"} 20)~"},
    {60, R"~((http_requests_total))~",
     R"~({__name__="http_requests_total", code="200", instance="a", job="api"} 10 | {__name__="http_requests_total", code="200", instance="b", job="api"} 5 | {__name__="http_requests_total", code="200", instance="c", job="db"} 120 | {__name__="http_requests_total", code="500", instance="a", job="api"} 2)~"},
    {1200, R"~((sum(holt_winters(http_requests_total{job="api"}[1m], 0.3, 0.6))))~", R"~({} 291)~"},
    {900, R"~((asinh(min by ()(http_requests_total{code=~"2.."}))))~", R"~({} 4.49993310426)~"},
    {600, R"~((cnt offset 1m))~",
     R"~({__name__="cnt", i="1"} 20 | {__name__="cnt", i="2"} 0 | {__name__="cnt", i="3"} 3 | {__name__="cnt", i="4"} 140)~"},
    {900, R"~((count_over_time(node_memory_MemAvailable_bytes[2m] offset 1m)))~", R"~({instance="a"} 3)~"},
    {300, R"~((timestamp(cnt{i!="2"})))~", R"~({i="1"} 240 | {i="3"} 240 | {i="4"} 240)~"},
    {1200, R"~((changes(node_uname_info[1m])))~",
     R"~({instance="a", nodename="host-a"} 0 | {instance="b", nodename="host-b"} 0)~"},
    {300, R"~((stdvar_over_time(node_memory_MemAvailable_bytes[10m])))~",
     R"~({instance="a"} 291.666666667)~"},
    {240, R"~(((1 / Inf) % stdvar_over_time(one[5m])))~", R"~({a="1"} nan | {a="2"} nan)~"},
    {240, R"~((quantile_over_time(0.5, http_requests_total{code=~"2.."}[5m] offset 2m)))~",
     R"~({code="200", instance="a", job="api"} 10 | {code="200", instance="b", job="api"} 5 | {code="200", instance="c", job="db"} 120)~"},
    {600, R"~((http_requests_total))~",
     R"~({__name__="http_requests_total", code="200", instance="a", job="api"} 100 | {__name__="http_requests_total", code="200", instance="b", job="api"} 20 | {__name__="http_requests_total", code="200", instance="c", job="db"} 300 | {__name__="http_requests_total", code="500", instance="a", job="api"} 11)~"},
    {240, R"~((dup))~",
     R"~({__name__="dup", a="1", b="x"} 1 | {__name__="dup", a="1", b="y"} 2 | {__name__="dup", a="2", b="x"} 3)~"},
    {240, R"~((cnt))~",
     R"~({__name__="cnt", i="1"} 20 | {__name__="cnt", i="2"} 0 | {__name__="cnt", i="3"} 3 | {__name__="cnt", i="4"} 140)~"},
    {300, R"~((quantile_over_time(0.5, node_memory_MemAvailable_bytes[90s])))~", R"~({instance="a"} 955)~"},
    {60, R"~((gnan))~", R"~({__name__="gnan", i="1"} nan)~"},
    {240, R"~((changes(cnt{i!="2"}[90s])))~", R"~({i="1"} 1 | {i="3"} 0 | {i="4"} 1)~"},
    {600, R"~((count(stdvar_over_time(http_requests_total[3m]))))~", R"~({} 4)~"},
    {600, R"~((predict_linear(node_uname_info[2m], 600)))~",
     R"~({instance="a", nodename="host-a"} 1 | {instance="b", nodename="host-b"} 1)~"},
    {240, R"~((min_over_time(one[10m])))~", R"~({a="1"} 10 | {a="2"} 20)~"},
    {300, R"~((node_load1 offset 3m))~",
     R"~({__name__="node_load1", instance="a"} 3 | {__name__="node_load1", instance="b"} 2)~"},
    {600, R"~((quantile_over_time(1, node_uname_info[1m])))~",
     R"~({instance="a", nodename="host-a"} 1 | {instance="b", nodename="host-b"} 1)~"},
    {300, R"~((count_values by (instance)("v", http_requests_total{code=~"2.."} - (10 * 2))))~",
     R"~({instance="a", v="30"} 1 | {instance="b", v="5"} 1 | {instance="c", v="180"} 1)~"},
    {300, R"~((sparse))~", R"~({__name__="sparse", job="x"} 1)~"},
    {1200, R"~((quantile_over_time(1, node_uname_info[10m] offset 1m)))~",
     R"~({instance="a", nodename="host-a"} 1 | {instance="b", nodename="host-b"} 1)~"},
    {300, R"~((count_over_time(http_requests_total{code=~"2.."}[1m])))~",
     R"~({code="200", instance="a", job="api"} 2 | {code="200", instance="b", job="api"} 2 | {code="200", instance="c", job="db"} 2)~"},
    {60, R"~((irate(http_requests_total[4m])))~",
     R"~({code="200", instance="a", job="api"} 0.166666666667 | {code="200", instance="b", job="api"} 0.0833333333333 | {code="200", instance="c", job="db"} 0.333333333333 | {code="500", instance="a", job="api"} 0.0166666666667)~"},
    {1200, R"~((idelta(http_requests_total{job="api"}[5m])))~",
     R"~({code="200", instance="a", job="api"} 10 | {code="200", instance="b", job="api"} 5 | {code="500", instance="a", job="api"} 1)~"},
    {60, R"~((sin(increase(cnt{i!="2"}[5m]))))~", R"~({i="1"} -0.544021110889 | {i="4"} 0.650287840157)~"},
    {900, R"~((hour(quantile_over_time(0.9, node_uname_info[10m]) != 1)))~", R"~(nil)~"},
    {300, R"~((sum without (nodename)(clamp(node_load1 != gnan, 1, 5))))~", R"~(nil)~"},
    {600, R"~((count_over_time(sparse[1m])))~", R"~(nil)~"},
    {900, R"~((topk by (le)(1, quantile by ()(0, sum(cnt)))))~", R"~(nil)~"},
    {240, R"~((absent_over_time(cnt{i!="2"}[3m])))~", R"~(nil)~"},
    {300, R"~((last_over_time(sparse[2m])))~", R"~(nil)~"},
    {900, R"~((0.5 * avg without (instance)(count without (code, instance)(sparse))))~", R"~(nil)~"},
    {60, R"~((stddev_over_time(http_requests_total[4m] offset 5m)))~", R"~(nil)~"},
    {600,
     R"~((rate(dup[5m]) + on() node_uname_info and on(job, nodename) quantile_over_time(0, http_requests_total{job="api"}[5m])))~",
     R"~(nil)~"},
    {1200, R"~((cnt{i!="2"}))~", R"~(nil)~"},
    {0, R"~(year(vector(NaN)))~", R"~({} 292277026596)~"},
    {0, R"~(month(vector(NaN)))~", R"~({} 12)~"},
    {0, R"~(day_of_month(vector(NaN)))~", R"~({} 4)~"},
    {0, R"~(day_of_week(vector(NaN)))~", R"~({} 0)~"},
    {0, R"~(day_of_year(vector(NaN)))~", R"~({} 339)~"},
    {0, R"~(days_in_month(vector(NaN)))~", R"~({} 31)~"},
    {0, R"~(hour(vector(Inf)))~", R"~({} 15)~"},
    {0, R"~(minute(vector(-Inf)))~", R"~({} 30)~"},
    {0, R"~(year(vector(1e300)))~", R"~({} 292277026596)~"},
    {0, R"~(month(vector(-1e10)))~", R"~({} 2)~"},
    {0, R"~(day_of_month(vector(-62135596801)))~", R"~({} 31)~"},
    {0, R"~(days_in_month(vector(951782400)))~", R"~({} 29)~"},
    {0, R"~(days_in_month(vector(4107542400)))~", R"~({} 31)~"},
    {0, R"~(day_of_year(vector(1709164800)))~", R"~({} 60)~"},
    {0, R"~(day_of_week(vector(-1)))~", R"~({} 3)~"},
    {0, R"~(hour(vector(-1.5)))~", R"~({} 23)~"},
    {0, R"~(minute(vector(86399.9)))~", R"~({} 59)~"},
    {0, R"~(year(vector(253402300800)))~", R"~({} 10000)~"},
    {0, R"~(month(vector(1709251199)))~", R"~({} 2)~"},
    {0, R"~(day_of_month(vector(1709251199)))~", R"~({} 29)~"},
};

}  // namespace

TEST_CASE("random expressions give Prometheus 2.42's results") {
  run_cases(kLoadAll, kRandomCases, std::size(kRandomCases));
}

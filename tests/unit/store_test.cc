#include <catch.hpp>

#include <malloc.h>

#include <atomic>
#include <bit>
#include <cmath>
#include <cstdio>
#include <random>
#include <thread>

#include "alerting/promql/parser.h"
#include "alerting/store/store.h"
#include "core/exposition.h"

using namespace vigia;
using namespace vigia::promql;
using store::AppendResult;
using store::Chunk;
using store::Store;

namespace {

Sample S(std::string name, double v, LabelSet extra = {}) {
  Sample s;
  s.labels = std::move(extra);
  set_label(s.labels, "__name__", name);
  s.v = v;
  return s;
}

std::vector<Series> sel(const Store& st, const char* selector, int64_t mint, int64_t maxt) {
  ParseResult p = parse(selector);
  REQUIRE(p.ok());
  MatcherSet ms(static_cast<const VectorSelector&>(*p.expr).matchers);
  return st.select(ms, mint, maxt);
}

QueryResult eval(const Store& st, const char* expr, int64_t t) {
  ParseResult p = parse(expr);
  REQUIRE(p.ok());
  return evaluate_instant(*p.expr, st, t);
}

}  // namespace

TEST_CASE("chunk round-trips values by their bits and irregular timestamps") {
  std::mt19937_64 rng(42);
  std::vector<Point> in;
  int64_t t = -5000;
  double v = 0;
  for (int i = 0; i < 500; ++i) {
    switch (rng() % 8) {
      case 0: v = std::bit_cast<double>(rng()); break;
      case 1: v = stale_nan(); break;
      case 2: v = NAN; break;
      case 3: v = -INFINITY; break;
      case 4: v += 1; break;
      case 5: v = double(rng() % 1000) / 7; break;
      default: break;  // unchanged
    }
    in.push_back({t, v});
    t += (rng() % 3 == 0) ? int64_t(rng() % 100000) : 15000;
  }
  Chunk c(in[0].t, in[0].v);
  for (size_t i = 1; i < in.size(); ++i) c.append(in[i].t, in[i].v);
  REQUIRE(c.count() == in.size());
  std::vector<Point> out;
  c.decode(INT64_MIN, INT64_MAX, out);
  REQUIRE(out.size() == in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    CHECK(out[i].t == in[i].t);
    CHECK(std::bit_cast<uint64_t>(out[i].v) == std::bit_cast<uint64_t>(in[i].v));
  }
  out.clear();
  c.decode(in[10].t, in[20].t, out);  // inclusive at both ends
  REQUIRE(out.size() == 11);
  CHECK(out.front().t == in[10].t);
  CHECK(out.back().t == in[20].t);
}

TEST_CASE("select returns the samples in [mint, maxt], both ends included") {
  Store st;
  for (int64_t t = 0; t <= 60000; t += 15000) st.commit("job", {S("m", double(t)), S("other", 1)}, t);
  auto r = sel(st, "m", 15000, 45000);
  REQUIRE(r.size() == 1);
  REQUIRE(r[0].points.size() == 3);
  CHECK(r[0].points[0].t == 15000);
  CHECK(r[0].points[2].t == 45000);
  CHECK(label_value(r[0].labels, "__name__") == "m");
  CHECK(sel(st, "m", 15001, 29999).empty());  // series without samples in the window are left out
  CHECK(sel(st, "{__name__=~\"m|other\"}", 0, 0).size() == 2);
  CHECK(sel(st, "nothing", 0, 60000).empty());
}

TEST_CASE("series a source stops producing get a staleness marker") {
  Store st;
  st.commit("a", {S("up", 1, {{"instance", "x"}}), S("up", 1, {{"instance", "y"}})}, 0);
  st.commit("b", {S("z", 3)}, 0);
  st.commit("a", {S("up", 1, {{"instance", "x"}})}, 15000);
  auto y = sel(st, "up{instance=\"y\"}", 0, 20000);
  REQUIRE(y.size() == 1);
  REQUIRE(y[0].points.size() == 2);
  CHECK(is_stale_nan(y[0].points[1].v));
  CHECK(y[0].points[1].t == 15000);
  // The engine sees it gone from the marker on, not 5 minutes later.
  CHECK(eval(st, "up{instance=\"y\"}", 14999).vector.size() == 1);
  CHECK(eval(st, "up{instance=\"y\"}", 15000).vector.empty());
  CHECK(eval(st, "up", 16000).vector.size() == 1);
  // Another source's series are not touched.
  CHECK(eval(st, "z", 16000).vector.size() == 1);
  // Back again: a fresh sample after the marker.
  st.commit("a", {S("up", 1, {{"instance", "x"}}), S("up", 0, {{"instance", "y"}})}, 30000);
  CHECK(eval(st, "up{instance=\"y\"}", 30000).vector.size() == 1);
  // The whole source goes away.
  st.end_source("a", 45000);
  CHECK(eval(st, "up", 45000).vector.empty());
  CHECK(eval(st, "up", 44999).vector.size() == 2);
  CHECK(eval(st, "z", 45000).vector.size() == 1);
  // An empty commit ends every series too.
  st.commit("b", {}, 50000);
  CHECK(eval(st, "z", 50000).vector.empty());
}

TEST_CASE("out-of-order and duplicate samples are refused as Prometheus refuses them") {
  Store st;
  LabelSet ls{{"__name__", "m"}};
  CHECK(st.append(ls, 10000, 1) == AppendResult::kOk);
  CHECK(st.append(ls, 5000, 2) == AppendResult::kOutOfOrder);
  CHECK(st.append(ls, 10000, 1) == AppendResult::kIgnoredDuplicate);
  CHECK(st.append(ls, 10000, 2) == AppendResult::kDuplicate);
  CHECK(st.append(ls, 10000, NAN) == AppendResult::kDuplicate);
  CHECK(st.append(ls, 20000, 3) == AppendResult::kOk);
  auto s = st.stats();
  std::string text = encode_text([&](MetricSink& sink) { st.write_metrics(sink); });
  CHECK(text.find("vigia_store_samples_rejected_total{reason=\"out_of_order\"} 1\n") != std::string::npos);
  CHECK(text.find("vigia_store_samples_rejected_total{reason=\"duplicate\"} 2\n") != std::string::npos);
  CHECK(text.find("vigia_store_series 1\n") != std::string::npos);
  CHECK(text.find("vigia_store_samples 2\n") != std::string::npos);
  CHECK(s.out_of_order == 1);
  CHECK(s.duplicate == 2);
  CHECK(s.samples == 2);
  auto r = sel(st, "m", 0, 30000);
  REQUIRE(r[0].points.size() == 2);
  CHECK(r[0].points[0].v == 1);
  // The same series twice in one commit: the second is a duplicate.
  st.commit("src", {S("m", 4), S("m", 5)}, 30000);
  CHECK(st.stats().duplicate == 3);
  CHECK(eval(st, "m", 30000).vector.at(0).v == 4);
  // Labels out of order and empty values are normalized to one series.
  st.commit("src2", {Sample{{{"b", "2"}, {"__name__", "n"}, {"a", ""}}, 1, 0}}, 30000);
  auto n = sel(st, "n", 0, 30000);
  REQUIRE(n.size() == 1);
  CHECK(n[0].labels == LabelSet{{"__name__", "n"}, {"b", "2"}});
}

TEST_CASE("retention drops old samples and empty series no source produces") {
  Store st;
  st.set_retention(5 * 60 * 1000);
  for (int64_t t = 0; t <= 3600 * 1000; t += 15000) {
    promql::Vector v{S("kept", double(t))};
    if (t < 600 * 1000) v.push_back(S("gone", 1));
    st.commit("job", v, t);
  }
  st.append({{"__name__", "loose"}}, 0, 1);
  st.gc();
  auto s = st.stats();
  CHECK(s.series == 1);  // "gone" went stale at 600s and aged out, "loose" too
  // Chunks are dropped whole: at most a chunk's worth beyond the window.
  CHECK(s.samples >= 5 * 4 + 1);
  CHECK(s.samples <= 5 * 4 + 1 + Store::kChunkSamples);
  auto r = sel(st, "kept", 0, 3600 * 1000);
  REQUIRE(r.size() == 1);
  CHECK(r[0].points.front().t >= 3600 * 1000 - 5 * 60 * 1000 - 150 * 1000);
  CHECK(r[0].points.back().t == 3600 * 1000);
  // Older than the window: out of bounds.
  CHECK(st.append({{"__name__", "kept"}}, 3600 * 1000 - 6 * 60 * 1000, 1) == AppendResult::kOutOfBounds);
  // A huge retention is a long one, not an overflow.
  Store forever;
  forever.set_retention(INT64_MAX);
  CHECK(forever.append({{"__name__", "x"}}, -2000, 1) == AppendResult::kOk);
  CHECK(forever.append({{"__name__", "x"}}, -1000, 2) ==
        AppendResult::kOk);  // newest - INT64_MAX would overflow
  forever.gc();
  CHECK(forever.stats().samples == 2);
  // A series still produced is kept even when its samples age out.
  Store st2;
  st2.set_retention(60 * 1000);
  st2.commit("slow", {S("rare", 1)}, 0);
  st2.commit("fast", {S("tick", 1)}, 600 * 1000);
  st2.gc();
  CHECK(st2.stats().series == 2);
  st2.commit("slow", {S("rare", 2)}, 600 * 1000);
  CHECK(eval(st2, "rare", 600 * 1000).vector.at(0).v == 2);
}

TEST_CASE("readers see consistent series while one thread commits") {
  Store st;
  st.set_retention(10 * 60 * 1000);
  constexpr int kCommits = 2000;
  std::atomic<bool> done{false};
  std::atomic<int> bad{0}, reads{0};
  std::thread writer([&] {
    for (int i = 0; i < kCommits; ++i) {
      promql::Vector v;
      for (int j = 0; j < 20; ++j) v.push_back(S("c", double(i), {{"i", std::to_string(j)}}));
      st.commit("w", v, int64_t(i) * 1000);
    }
    done = true;
  });
  // Parsed here: Catch's assertions are not for other threads.
  ParseResult c_sel = parse("c"), rate = parse("sum(rate(c[1m]))");
  REQUIRE(c_sel.ok());
  REQUIRE(rate.ok());
  MatcherSet ms(static_cast<const VectorSelector&>(*c_sel.expr).matchers);
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      while (!done) {
        auto res = st.select(ms, 0, INT64_MAX);
        for (const auto& s : res) {
          for (size_t k = 0; k < s.points.size(); ++k) {
            // Each value is its timestamp in seconds; times strictly ascend.
            if (s.points[k].v * 1000 != double(s.points[k].t)) ++bad;
            if (k && s.points[k].t <= s.points[k - 1].t) ++bad;
          }
        }
        auto q = evaluate_instant(*rate.expr, st, int64_t(kCommits) * 1000);
        if (!q.ok()) ++bad;
        ++reads;
      }
    });
  }
  writer.join();
  for (auto& t : readers) t.join();
  CHECK(bad == 0);
  CHECK(reads > 0);
  auto r = eval(st, "sum(rate(c[1m]))", int64_t(kCommits - 1) * 1000);
  REQUIRE(r.vector.size() == 1);
  CHECK(r.vector[0].v == Approx(20.0));
}

// Not a benchmark: how compact the store is on host-like data (printed), and
// a check that stats().bytes accounts for what malloc says it uses.
TEST_CASE("memory per stored sample") {
  constexpr int kSeries = 2000;
  std::vector<LabelSet> labels;
  for (int i = 0; i < kSeries; ++i) {
    labels.push_back({{"__name__", i % 3 ? "node_cpu_seconds_total" : "node_memory_bytes"},
                      {"cpu", std::to_string(i)},
                      {"instance", "localhost:9100"},
                      {"job", "node"},
                      {"mode", i % 2 ? "user" : "system"}});
  }
  // An hour at 15 s: 2/3 busy counters, 1/6 gauges that change now and then,
  // 1/6 constant.
  for (int64_t retention : {int64_t(65 * 60 * 1000), Store::kDefaultRetentionMs}) {
    std::mt19937_64 rng(7);
    std::vector<double> values(kSeries, 0);
    size_t before = mallinfo2().uordblks;
    auto st = std::make_unique<Store>();
    st->set_retention(retention);
    for (int64_t t = 0; t < 60 * 60 * 1000; t += 15000) {
      promql::Vector v;
      v.reserve(kSeries);
      for (int i = 0; i < kSeries; ++i) {
        if (i % 3) {
          values[i] += double(rng() % 1500) / 100;  // a counter in centiseconds
        } else if (i % 6 == 0 && rng() % 4 == 0) {
          values[i] = double(rng() % (1u << 30)) * 4096;  // a gauge of pages
        }
        v.push_back(Sample{labels[size_t(i)], values[size_t(i)], 0});
      }
      st->commit("node", v, t + int64_t(rng() % 3));  // a little jitter, as real scrapes have
    }
    st->gc();
    auto s = st->stats();
    size_t after = mallinfo2().uordblks;
    double per_sample = double(s.bytes) / double(s.samples);
    std::printf(
        "store, retention %lld min: %llu series, %llu samples, %llu chunks, %llu bytes: %.2f bytes/sample "
        "(malloc: %zu bytes)\n",
        (long long)(retention / 60000), (unsigned long long)s.series, (unsigned long long)s.samples,
        (unsigned long long)s.chunks, (unsigned long long)s.bytes, per_sample, after - before);
    if (retention > 60 * 60 * 1000) CHECK(s.samples == uint64_t(kSeries) * 240);
    if (after > before) {  // sanitizers' allocators leave mallinfo2 at 0
      CHECK(double(s.bytes) > 0.85 * double(after - before));
      CHECK(double(s.bytes) < 1.15 * double(after - before));
    }
    if (retention > 60 * 60 * 1000) {
      CHECK(per_sample < 16);  // less than a raw (int64, double) pair
    } else {
      CHECK(s.bytes / s.series < 2048);  // with a short window, the series' own cost dominates
    }
  }
}

TEST_CASE("retention_for: the longest range or lookback an expression reads, with offsets") {
  auto need = [](const char* expr) {
    ParseResult p = parse(expr);
    REQUIRE(p.ok());
    return store::retention_for(*p.expr);
  };
  constexpr int64_t m = 60 * 1000;
  CHECK(need("up") == 5 * m);
  CHECK(need("1 + 1") == 5 * m);
  CHECK(need("rate(x[1m])") == 5 * m);
  CHECK(need("avg_over_time(x[1h]) > 0.8") == 60 * m);
  CHECK(need("x offset 10m") == 15 * m);
  CHECK(need("x offset -10m") == 5 * m);
  CHECK(need("sum by (a) (rate(x[10m] offset 1h)) / ignoring(b) (predict_linear(y[6h], 3600) or z)") ==
        6 * 60 * m);  // the 6h range, the longest
  CHECK(need("topk(scalar(k offset 20m), -(x))") == 25 * m);
}

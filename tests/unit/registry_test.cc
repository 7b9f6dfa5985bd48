#include <catch.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <latch>
#include <map>
#include <stdexcept>
#include <thread>

#include "core/exposition_parser.h"
#include "core/log.h"
#include "core/registry.h"

using namespace vigia;
using namespace std::chrono_literals;

namespace {

using CollectFn = std::function<Status(const CollectContext&, MetricSink&)>;

class FakeCollector final : public Collector {
 public:
  FakeCollector(std::string name, CollectFn f, std::shared_ptr<std::atomic<int>> calls,
                bool concurrent = false, std::function<void()> on_interrupt = {})
      : name_(std::move(name)),
        f_(std::move(f)),
        calls_(std::move(calls)),
        concurrent_(concurrent),
        on_interrupt_(std::move(on_interrupt)) {}
  std::string_view name() const override { return name_; }
  Status collect(const CollectContext& ctx, MetricSink& sink) override {
    ++*calls_;
    return f_(ctx, sink);
  }
  bool concurrent() const override { return concurrent_; }
  void interrupt() override {
    if (on_interrupt_) on_interrupt_();
  }

 private:
  std::string name_;
  CollectFn f_;
  std::shared_ptr<std::atomic<int>> calls_;
  bool concurrent_;
  std::function<void()> on_interrupt_;
};

// Collectors with call counters, by name.
struct Fakes {
  std::map<std::string, std::shared_ptr<std::atomic<int>>> calls;
  std::unique_ptr<Collector> make(const std::string& name, CollectFn f) {
    auto& c = calls[name];
    if (!c) c = std::make_shared<std::atomic<int>>(0);
    return std::make_unique<FakeCollector>(name, std::move(f), c);
  }
  int count(const std::string& name) { return calls.at(name)->load(); }
};

CollectFn writes(std::string metric, double v) {
  return [metric, v](const CollectContext&, MetricSink& s) {
    s.gauge(metric, "test", v);
    return Status::ok();
  };
}

// Parses an exposition into "name{k=v,...}" -> value.
class MapSink final : public MetricSink {
 public:
  std::map<std::string, double> m;
  void family(std::string_view, std::string_view, MetricType) override {}
  void sample(std::string_view name, Labels labels, double value, int64_t) override {
    std::string k(name);
    k += '{';
    for (const Label& l : labels) k += std::string(l.name) + "=" + std::string(l.value) + ",";
    k += '}';
    m[k] = value;
  }
  using MetricSink::sample;
};

std::map<std::string, double> parse_map(std::string_view text) {
  MapSink sink;
  Status st = parse_exposition(text, sink);
  INFO(st.message());
  REQUIRE(st.is_ok());
  return sink.m;
}

std::map<std::string, double> collect(CollectorRegistry& r, const CollectContext& ctx,
                                      const std::vector<std::string>& only = {}) {
  TextEncoder enc;
  r.collect(ctx, enc, only);
  std::string text;
  enc.finish(text);
  return parse_map(text);
}

std::string success(const std::string& c) { return "vigia_collector_success{collector=" + c + ",}"; }
std::string duration(const std::string& c) {
  return "vigia_collector_duration_seconds{collector=" + c + ",}";
}

struct QuietLogs {
  QuietLogs() { log::configure(log::Level::kError, log::Format::kLogfmt); }
};
const QuietLogs quiet;

}  // namespace

TEST_CASE("catalog: defaults, --collector.x, --no-collector.x, unknown names") {
  auto names = [](const CollectorCatalog& c) {
    std::vector<std::string> out;
    for (const auto& col : c.build()) out.emplace_back(col->name());
    return out;
  };
  Fakes f;
  CollectorCatalog c;
  c.add("zeta", true, [&] { return f.make("zeta", writes("z", 1)); });
  c.add("alpha", true, [&] { return f.make("alpha", writes("a", 1)); });
  c.add("beta", false, [&] { return f.make("beta", writes("b", 1)); });
  using V = std::vector<std::string>;
  CHECK(names(c) == V{"alpha", "zeta"});  // defaults on, in name order
  CHECK(c.has("beta"));
  CHECK_FALSE(c.has("gamma"));
  CHECK_FALSE(c.set_enabled("gamma", true));
  CHECK(c.set_enabled("beta", true));
  CHECK(c.set_enabled("zeta", false));
  CHECK(names(c) == V{"alpha", "beta"});
  auto list = c.list();
  REQUIRE(list.size() == 3);
  CHECK(list[0] == std::pair<std::string, bool>{"zeta", false});  // registration order
  CHECK(list[2] == std::pair<std::string, bool>{"beta", true});
}

TEST_CASE("catalog: disable_defaults keeps only explicit enables, before or after it") {
  auto count_on = [](const CollectorCatalog& c) {
    std::vector<std::string> out;
    for (const auto& [n, on] : c.list())
      if (on) out.push_back(n);
    return out;
  };
  Fakes f;
  CollectorCatalog c;
  for (const char* n : {"cpu", "meminfo", "loadavg", "nfs"})
    c.add(n, std::string(n) != "nfs", [&f, n] { return f.make(n, writes(std::string(n) + "_x", 1)); });
  c.set_enabled("meminfo", true);
  c.disable_defaults();
  c.set_enabled("nfs", true);
  CHECK(count_on(c) == std::vector<std::string>{"meminfo", "nfs"});
  CHECK(c.build().size() == 2);
}

TEST_CASE("registry: success and duration per collector; failures cost only their samples") {
  Fakes f;
  CollectorRegistry r;
  r.add(f.make("ok", writes("ok_metric", 7)));
  r.add(f.make("failing", [](const CollectContext&, MetricSink& s) {
    s.gauge("failing_partial", "written before the error", 1);
    return Status::error("/proc/x: boom");
  }));
  r.add(f.make("nodata", [](const CollectContext&, MetricSink&) { return Status::no_data("no PSI"); }));
  r.add(f.make("throws",
               [](const CollectContext&, MetricSink&) -> Status { throw std::runtime_error("pqxx broke"); }));
  r.add(f.make("throws_int", [](const CollectContext&, MetricSink&) -> Status { throw 42; }));
  r.add(f.make("slow", [](const CollectContext&, MetricSink& s) {
    std::this_thread::sleep_for(60ms);
    s.gauge("slow_metric", "test", 1);
    return Status::ok();
  }));
  auto m = collect(r, CollectContext{});
  CHECK(m.at("ok_metric{}") == 7);
  CHECK(m.at("slow_metric{}") == 1);
  CHECK(m.at("failing_partial{}") == 1);
  CHECK(m.at(success("ok")) == 1);
  CHECK(m.at(success("failing")) == 0);
  CHECK(m.at(success("nodata")) == 1);
  CHECK(m.at(success("throws")) == 0);
  CHECK(m.at(success("throws_int")) == 0);
  CHECK(m.at(success("slow")) == 1);
  CHECK(m.at(duration("slow")) >= 0.06);
  CHECK(m.at(duration("slow")) < 5);
  CHECK(m.at(duration("ok")) < m.at(duration("slow")));
  CHECK(m.size() == 3 + 2 * 6);
}

TEST_CASE("registry: `only` runs just the named collectors") {
  Fakes f;
  CollectorRegistry r;
  r.add(f.make("a", writes("a_metric", 1)));
  r.add(f.make("b", writes("b_metric", 2)));
  auto m = collect(r, CollectContext{}, {"b", "unknown"});
  CHECK(f.count("a") == 0);
  CHECK(f.count("b") == 1);
  CHECK(m.count("a_metric{}") == 0);
  CHECK(m.count(success("a")) == 0);
  CHECK(m.at("b_metric{}") == 2);
  CHECK(m.at(success("b")) == 1);
  CHECK(m.size() == 3);
}

TEST_CASE("registry: collectors whose turn comes after the deadline are skipped") {
  Fakes f;
  CollectorRegistry r;
  r.add(f.make("first", writes("first_metric", 1)));
  r.add(f.make("hangs", [](const CollectContext& ctx, MetricSink&) {
    std::this_thread::sleep_for(ctx.remaining() + 30ms);
    return Status::ok();
  }));
  r.add(f.make("late", writes("late_metric", 1)));
  CollectContext ctx;
  ctx.deadline = Clock::now() + 100ms;
  auto m = collect(r, ctx);
  CHECK(f.count("late") == 0);
  CHECK(m.count("late_metric{}") == 0);
  CHECK(m.at(success("late")) == 0);
  CHECK(m.at(duration("late")) == 0);
  CHECK(m.at(success("first")) == 1);
  CHECK(m.at(success("hangs")) == 1);  // it returned, late but without error
  CHECK(m.at(duration("hangs")) >= 0.1);

  CollectContext past;
  past.deadline = Clock::now() - 1ms;
  auto none = collect(r, past);
  CHECK(f.count("first") == 1);
  CHECK(none.at(success("first")) == 0);
}

TEST_CASE("SharedScraper: concurrent scrapes share one collection") {
  Fakes f;
  CollectorRegistry r;
  r.add(f.make("slow", [](const CollectContext&, MetricSink& s) {
    std::this_thread::sleep_for(400ms);
    s.gauge("slow_metric", "test", 1);
    return Status::ok();
  }));
  SharedScraper scraper(r);
  scraper.set_extra([](MetricSink& s) { s.gauge("vigia_extra", "extra", 3); });
  constexpr int kThreads = 8;
  std::latch start(kThreads);
  std::vector<std::shared_ptr<const std::string>> results(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      results[i] = scraper.scrape(CollectContext{});
    });
  for (auto& t : threads) t.join();
  CHECK(scraper.collections() == 1);
  CHECK(f.count("slow") == 1);
  for (const auto& res : results) {
    REQUIRE(res);
    CHECK(res == results[0]);  // the very same text
  }
  auto m = parse_map(*results[0]);
  CHECK(m.at("slow_metric{}") == 1);
  CHECK(m.at("vigia_extra{}") == 3);

  // A later scrape collects afresh.
  auto again = scraper.scrape(CollectContext{});
  CHECK(scraper.collections() == 2);
  CHECK(again != results[0]);
  CHECK(parse_map(*again).at("slow_metric{}") == 1);
}

TEST_CASE("SharedScraper: different filters do not share") {
  Fakes f;
  CollectorRegistry r;
  r.add(f.make("slow", [](const CollectContext&, MetricSink& s) {
    std::this_thread::sleep_for(300ms);
    s.gauge("slow_metric", "test", 1);
    return Status::ok();
  }));
  r.add(f.make("fast", writes("fast_metric", 2)));
  SharedScraper scraper(r);
  std::latch start(2);
  std::shared_ptr<const std::string> all, only_fast;
  std::thread a([&] {
    start.arrive_and_wait();
    all = scraper.scrape(CollectContext{});
  });
  std::thread b([&] {
    start.arrive_and_wait();
    only_fast = scraper.scrape(CollectContext{}, {"fast"});
  });
  a.join();
  b.join();
  CHECK(scraper.collections() == 2);
  CHECK(f.count("slow") == 1);
  CHECK(f.count("fast") == 2);
  CHECK(parse_map(*all).count("slow_metric{}") == 1);
  auto m = parse_map(*only_fast);
  CHECK(m.count("slow_metric{}") == 0);
  CHECK(m.at("fast_metric{}") == 2);
}

TEST_CASE("SharedScraper: a throwing collection fails every sharer and blocks nobody") {
  Fakes f;
  CollectorRegistry r;
  r.add(f.make("slow", [](const CollectContext&, MetricSink& s) {
    std::this_thread::sleep_for(200ms);
    s.gauge("slow_metric", "test", 1);
    return Status::ok();
  }));
  SharedScraper scraper(r);
  scraper.set_extra([](MetricSink&) { throw std::runtime_error("extra broke"); });
  constexpr int kThreads = 4;
  std::latch start(kThreads);
  std::vector<std::future<std::shared_ptr<const std::string>>> futures;
  for (int i = 0; i < kThreads; ++i)
    futures.push_back(std::async(std::launch::async, [&] {
      start.arrive_and_wait();
      return scraper.scrape(CollectContext{});
    }));
  for (auto& fut : futures) {
    REQUIRE(fut.wait_for(10s) == std::future_status::ready);
    CHECK_THROWS_WITH(fut.get(), "extra broke");
  }
  scraper.set_extra(nullptr);
  auto ok = scraper.scrape(CollectContext{});
  REQUIRE(ok);
  CHECK(parse_map(*ok).at("slow_metric{}") == 1);
}

TEST_CASE("registry: a collection does not queue past its deadline behind another one") {
  Fakes f;
  std::atomic<bool> release{false};
  auto hang = [&](const CollectContext&, MetricSink& s) {
    while (!release) std::this_thread::sleep_for(2ms);
    s.gauge("slow_metric", "test", 1);
    return Status::ok();
  };
  CollectorRegistry r;
  r.add(f.make("serial", hang));
  auto calls = std::make_shared<std::atomic<int>>(0);
  f.calls["parallel"] = calls;
  r.add(std::make_unique<FakeCollector>("parallel", writes("parallel_metric", 1), calls, true));
  r.add(std::make_unique<FakeCollector>("parallel_hangs", hang, std::make_shared<std::atomic<int>>(0), true));
  // The first collection (the evaluator's, say) holds "serial" until released.
  CollectContext slow;
  slow.deadline = Clock::now() + 10s;
  auto first = std::async(std::launch::async, [&] { return collect(r, slow); });
  for (int i = 0; i < 500 && f.count("serial") == 0; ++i) std::this_thread::sleep_for(2ms);
  REQUIRE(f.count("serial") == 1);

  // A scrape meanwhile: "serial" is skipped at its deadline, a concurrent
  // collector runs at once, and one hanging in the first collection too.
  CollectContext ctx;
  ctx.deadline = Clock::now() + 150ms;
  auto second = std::async(std::launch::async, [&] { return collect(r, ctx, {"serial", "parallel"}); });
  REQUIRE(second.wait_for(2s) == std::future_status::ready);
  auto m = second.get();
  CHECK(Clock::now() < ctx.deadline + 500ms);
  CHECK(f.count("serial") == 1);
  CHECK(m.at(success("serial")) == 0);
  CHECK(m.at(success("parallel")) == 1);
  CHECK(m.at("parallel_metric{}") == 1);
  release = true;
  auto m1 = first.get();
  CHECK(m1.at("slow_metric{}") == 1);
  CHECK(m1.at(success("serial")) == 1);
}

TEST_CASE("registry: interrupt reaches every collector, also during a collection") {
  Fakes f;
  std::atomic<bool> interrupted{false};
  std::atomic<int> interrupts{0};
  CollectorRegistry r;
  auto calls = std::make_shared<std::atomic<int>>(0);
  r.add(std::make_unique<FakeCollector>(
      "waits",
      [&](const CollectContext& ctx, MetricSink&) {
        while (!interrupted && Clock::now() < ctx.deadline) std::this_thread::sleep_for(2ms);
        return interrupted ? Status::error("interrupted") : Status::ok();
      },
      calls, false,
      [&] {
        ++interrupts;
        interrupted = true;
      }));
  // Wrapped as the postgres module wraps its collectors.
  auto shared = std::make_shared<FakeCollector>(
      "shared", writes("x", 1), std::make_shared<std::atomic<int>>(0), true, [&] { ++interrupts; });
  r.add(std::make_unique<SharedCollector>(shared));
  CollectContext ctx;
  ctx.deadline = Clock::now() + 10s;
  auto t0 = Clock::now();
  auto running = std::async(std::launch::async, [&] { return collect(r, ctx, {"waits"}); });
  for (int i = 0; i < 500 && calls->load() == 0; ++i) std::this_thread::sleep_for(2ms);
  r.interrupt();  // must not wait for the collection in flight
  CHECK(interrupts == 2);
  auto m = running.get();
  CHECK(Clock::now() - t0 < 2s);
  CHECK(m.at(success("waits")) == 0);
}

TEST_CASE("collectors with scrape_meta also report the reference exporter's meta-metrics") {
  static constexpr ScrapeMetaNames kMeta{"ref_scrape_collector_duration_seconds", "ref: Duration.",
                                         "ref_scrape_collector_success", "ref: Success."};
  CollectorCatalog c;
  c.add("ok", true, [] {
    return std::make_unique<FakeCollector>("ok", writes("a", 1), std::make_shared<std::atomic<int>>());
  });
  c.add("nodata", true, [] {
    return std::make_unique<FakeCollector>(
        "nodata", [](const CollectContext&, MetricSink&) { return Status::no_data("none"); },
        std::make_shared<std::atomic<int>>());
  });
  c.add("bad", true, [] {
    return std::make_unique<FakeCollector>(
        "bad", [](const CollectContext&, MetricSink&) { return Status::error("boom"); },
        std::make_shared<std::atomic<int>>());
  });
  c.add("other", true, [] {
    return std::make_unique<FakeCollector>("other", writes("b", 1), std::make_shared<std::atomic<int>>());
  });
  for (const char* n : {"ok", "nodata", "bad"}) CHECK(c.set_scrape_meta(n, &kMeta));
  CHECK_FALSE(c.set_scrape_meta("unknown", &kMeta));
  CollectorRegistry r(c.build());
  auto m = collect(r, CollectContext{});
  CHECK(m.at("ref_scrape_collector_success{collector=ok,}") == 1);
  // "no data" is a success for vigia but not for node_exporter.
  CHECK(m.at("ref_scrape_collector_success{collector=nodata,}") == 0);
  CHECK(m.at(success("nodata")) == 1);
  CHECK(m.at("ref_scrape_collector_success{collector=bad,}") == 0);
  CHECK(m.count("ref_scrape_collector_duration_seconds{collector=ok,}") == 1);
  CHECK(m.count("ref_scrape_collector_success{collector=other,}") == 0);
  CHECK(m.at(success("other")) == 1);
}

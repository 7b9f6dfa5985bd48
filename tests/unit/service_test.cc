// The service-target runtime (core/service.h) and its worker (core/target_runner.h).
#include <catch.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <map>
#include <thread>

#include "core/exposition.h"
#include "core/exposition_parser.h"
#include "core/log.h"
#include "core/registry.h"
#include "core/service.h"
#include "core/target_runner.h"

using namespace vigia;
using namespace std::chrono_literals;

namespace {

struct QuietLogs {
  QuietLogs() { log::configure(log::Level::kError, log::Format::kLogfmt); }
};
const QuietLogs quiet;

// "name{k=v,...}" -> value, in the order written (a vector keeps it).
class ListSink final : public MetricSink {
 public:
  std::vector<std::pair<std::string, double>> samples;
  void family(std::string_view, std::string_view, MetricType) override {}
  void sample(std::string_view name, Labels labels, double value, int64_t) override {
    std::string k(name);
    k += '{';
    for (const Label& l : labels) k += std::string(l.name) + "=" + std::string(l.value) + ",";
    k += '}';
    samples.emplace_back(k, value);
  }
  using MetricSink::sample;
  std::map<std::string, double> map() const { return {samples.begin(), samples.end()}; }
  size_t index(const std::string& key) const {
    for (size_t i = 0; i < samples.size(); ++i)
      if (samples[i].first == key) return i;
    return samples.size();
  }
};

using TargetFn = std::function<Status(const CollectContext&, MetricSink&)>;

// A target whose collection is a function; hang() blocks until interrupt().
class FakeTarget final : public ServiceTarget {
 public:
  FakeTarget(std::string name, TargetFn f) : name_(std::move(name)), f_(std::move(f)) {}
  const std::string& name() const override { return name_; }
  Status collect(const CollectContext& ctx, MetricSink& sink) override {
    ++calls;
    return f_(ctx, sink);
  }
  void interrupt() override { interrupted = true; }
  void after(const Status& st, double, MetricSink& sink) override {
    sink.gauge("fake_last_error", "test", st.is_error() ? 1 : 0);
  }
  std::atomic<int> calls{0};
  std::atomic<bool> interrupted{false};

 private:
  std::string name_;
  TargetFn f_;
};

TargetFn up(double v) {
  return [v](const CollectContext&, MetricSink& s) {
    s.gauge("fake_up", "test", 1);
    s.gauge("fake_value", "test", v);
    return Status::ok();
  };
}

// Waits until its target is interrupted (or 20 s: a test bug, not a hang).
TargetFn hangs(std::atomic<bool>& release) {
  return [&release](const CollectContext&, MetricSink& s) {
    for (int i = 0; i < 10000 && !release; ++i) std::this_thread::sleep_for(2ms);
    s.gauge("fake_up", "test", 1);
    return Status::ok();
  };
}

std::unique_ptr<ServiceCollector> make(std::vector<std::unique_ptr<ServiceTarget>> ts) {
  return std::make_unique<ServiceCollector>(ServiceArea{"fake", "fake_up", "test"}, std::move(ts));
}

}  // namespace

TEST_CASE("ServiceCollector: every target labelled on /metrics, one without the label on /probe") {
  std::vector<std::unique_ptr<ServiceTarget>> ts;
  ts.push_back(std::make_unique<FakeTarget>("a", up(1)));
  ts.push_back(std::make_unique<FakeTarget>("b", up(2)));
  auto c = make(std::move(ts));
  CollectContext ctx;
  ctx.deadline = Clock::now() + 5s;
  ListSink all;
  REQUIRE(c->collect(ctx, all).is_ok());
  auto m = all.map();
  CHECK(m.at("fake_value{target=a,}") == 1);
  CHECK(m.at("fake_value{target=b,}") == 2);
  CHECK(m.at("fake_last_error{target=b,}") == 0);
  CHECK(c->has_target("b"));
  CHECK_FALSE(c->has_target("c"));
  ListSink one;
  REQUIRE(c->collect_target("b", ctx, one).is_ok());
  CHECK(one.map() ==
        std::map<std::string, double>{{"fake_up{}", 1}, {"fake_value{}", 2}, {"fake_last_error{}", 0}});
  ListSink none;
  CHECK(c->collect_target("c", ctx, none).is_no_data());
  CHECK(none.samples.empty());
}

TEST_CASE("ServiceCollector: a hung target gives <area>_up 0 at the deadline and costs no other target") {
  std::atomic<bool> release{false};
  std::vector<std::unique_ptr<ServiceTarget>> ts;
  ts.push_back(std::make_unique<FakeTarget>("hung", hangs(release)));
  ts.push_back(std::make_unique<FakeTarget>("ok", up(7)));
  auto* hung = static_cast<FakeTarget*>(ts[0].get());
  auto c = make(std::move(ts));
  CollectContext ctx;
  ctx.deadline = Clock::now() + 300ms;
  ListSink s;
  REQUIRE(c->collect(ctx, s).is_ok());
  CHECK(Clock::now() < ctx.deadline + 1s);
  auto m = s.map();
  CHECK(m.at("fake_up{target=hung,}") == 0);
  CHECK(m.at("fake_last_error{target=hung,}") == 1);
  CHECK(m.count("fake_value{target=hung,}") == 0);
  CHECK(m.at("fake_value{target=ok,}") == 7);
  // Still running: the next collection does not start a second one on it.
  ctx.deadline = Clock::now() + 100ms;
  ListSink again;
  c->collect(ctx, again);
  CHECK(again.map().at("fake_up{target=hung,}") == 0);
  CHECK(hung->calls == 1);
  release = true;
  c.reset();  // joins the worker
}

TEST_CASE("ServiceCollector: in a registry, a hung target delays no other collector") {
  std::atomic<bool> release{false};
  std::vector<std::unique_ptr<ServiceTarget>> ts;
  ts.push_back(std::make_unique<FakeTarget>("hung", hangs(release)));
  std::shared_ptr<ServiceCollector> service = make(std::move(ts));
  // A collector after it in name order that records when it ran.
  class Stamp final : public Collector {
   public:
    std::string_view name() const override { return "zz_host"; }
    Status collect(const CollectContext&, MetricSink& s) override {
      at = Clock::now();
      s.gauge("zz_value", "test", 1);
      return Status::ok();
    }
    Clock::time_point at{};
  };
  auto stamp = std::make_unique<Stamp>();
  Stamp* st = stamp.get();
  CollectorRegistry r;
  r.add(std::make_unique<SharedCollector>(service));
  r.add(std::move(stamp));
  CollectContext ctx;
  auto t0 = Clock::now();
  ctx.deadline = t0 + 1500ms;
  ListSink s;
  r.collect(ctx, s);
  // The other collector ran before the service target's deadline passed, and
  // the service's samples follow the others'.
  CHECK(st->at < ctx.deadline);
  CHECK(st->at - t0 < 1s);
  CHECK(s.index("zz_value{}") < s.index("fake_up{target=hung,}"));
  auto m = s.map();
  CHECK(m.at("vigia_collector_success{collector=fake,}") == 1);
  CHECK(m.at("vigia_collector_duration_seconds{collector=fake,}") >= 1.0);
  release = true;
}

TEST_CASE("ServiceCollector: concurrent callers share one collection per target") {
  std::atomic<bool> release{false};
  std::vector<std::unique_ptr<ServiceTarget>> ts;
  ts.push_back(std::make_unique<FakeTarget>("slow", [&](const CollectContext&, MetricSink& s) {
    for (int i = 0; i < 5000 && !release; ++i) std::this_thread::sleep_for(2ms);
    s.gauge("fake_up", "test", 1);
    return Status::ok();
  }));
  auto c = make(std::move(ts));
  CollectContext ctx;
  ctx.deadline = Clock::now() + 10s;
  std::vector<std::future<std::map<std::string, double>>> fs;
  for (int i = 0; i < 4; ++i)
    fs.push_back(std::async(std::launch::async, [&] {
      ListSink s;
      c->collect(ctx, s);
      return s.map();
    }));
  std::this_thread::sleep_for(200ms);
  release = true;
  for (auto& f : fs) CHECK(f.get().at("fake_up{target=slow,}") == 1);
  CHECK(c->collections("slow") == 1);
}

TEST_CASE("ServiceCollector: interrupt reaches every target and wakes waiters at once") {
  std::atomic<bool> release{false};
  std::vector<std::unique_ptr<ServiceTarget>> ts;
  ts.push_back(std::make_unique<FakeTarget>("hung", [&](const CollectContext&, MetricSink& s) {
    for (int i = 0; i < 10000 && !release; ++i) std::this_thread::sleep_for(2ms);
    s.gauge("fake_up", "test", 1);
    return Status::ok();
  }));
  auto* hung = static_cast<FakeTarget*>(ts[0].get());
  auto c = make(std::move(ts));
  CollectContext ctx;
  ctx.deadline = Clock::now() + 20s;
  auto t0 = Clock::now();
  auto waiting = std::async(std::launch::async, [&] {
    ListSink s;
    c->collect(ctx, s);
    return s.map();
  });
  for (int i = 0; i < 500 && hung->calls == 0; ++i) std::this_thread::sleep_for(2ms);
  c->interrupt();
  auto m = waiting.get();
  CHECK(Clock::now() - t0 < 5s);
  CHECK(hung->interrupted);
  CHECK(m.at("fake_up{target=hung,}") == 0);
  release = true;
}

TEST_CASE("TargetRunner replays a finished collection") {
  TargetRunner r([](const CollectContext&, MetricSink& s) {
    s.gauge("x", "X.", 1, {{"a", "b"}});
    return Status::ok();
  });
  CollectContext ctx;
  ctx.deadline = Clock::now() + 5s;
  std::string out = encode_text([&](MetricSink& s) {
    Status st = Status::error("unset");
    CHECK(r.run(ctx, s, st) == TargetRunner::Outcome::kDone);
    CHECK(st.is_ok());
  });
  CHECK(out == "# HELP x X.\n# TYPE x gauge\nx{a=\"b\"} 1\n");
}

TEST_CASE("TargetRunner: a hung job costs its deadline once, then busy at once") {
  std::atomic<bool> release{false};
  std::atomic<int> calls{0};
  TargetRunner r([&](const CollectContext&, MetricSink& s) {
    ++calls;
    while (!release) std::this_thread::sleep_for(5ms);
    s.gauge("late", "L.", 1);
    return Status::ok();
  });
  CollectContext ctx;
  ctx.deadline = Clock::now() + 200ms;
  std::string out = encode_text([&](MetricSink& s) {
    Status st;
    auto t0 = Clock::now();
    CHECK(r.run(ctx, s, st) == TargetRunner::Outcome::kTimedOut);
    CHECK(Clock::now() - t0 < 1s);
    ctx.deadline = Clock::now() + 2s;
    t0 = Clock::now();
    CHECK(r.run(ctx, s, st) == TargetRunner::Outcome::kBusy);
    CHECK(Clock::now() - t0 < 100ms);
  });
  CHECK(out.empty());  // the late samples never reach a scrape that gave up
  CHECK(calls == 1);
  release = true;
  for (int i = 0; i < 200 && r.started() == 1; ++i) {
    ctx.deadline = Clock::now() + 2s;
    Status st;
    std::string got = encode_text([&](MetricSink& s) {
      if (r.run(ctx, s, st) != TargetRunner::Outcome::kBusy) CHECK(st.is_ok());
    });
    if (!got.empty()) {
      CHECK(got.find("late 1") != std::string::npos);
      break;
    }
    std::this_thread::sleep_for(10ms);
  }
  CHECK(calls == 2);
}

TEST_CASE("TargetRunner: concurrent callers share one collection") {
  std::atomic<int> calls{0};
  TargetRunner r([&](const CollectContext&, MetricSink& s) {
    ++calls;
    std::this_thread::sleep_for(200ms);
    s.gauge("v", "V.", 7);
    return Status::ok();
  });
  CollectContext ctx;
  ctx.deadline = Clock::now() + 3s;
  uint64_t a = r.start(ctx);
  uint64_t b = r.start(ctx);
  CHECK(a == b);
  std::string oa, ob;
  std::thread t([&] {
    oa = encode_text([&](MetricSink& s) {
      Status st;
      CHECK(r.wait(a, ctx.deadline, s, st) == TargetRunner::Outcome::kDone);
    });
  });
  ob = encode_text([&](MetricSink& s) {
    Status st;
    CHECK(r.wait(b, ctx.deadline, s, st) == TargetRunner::Outcome::kDone);
  });
  t.join();
  CHECK(calls == 1);
  CHECK(oa == ob);
  CHECK(oa.find("v 7") != std::string::npos);
}

TEST_CASE("TargetRunner: a caller that looks after a newer collection finished still gets a result") {
  // Two scrapes of one target (/metrics and /probe, or two Prometheus
  // servers): the first caller's collection finishes, a second caller starts
  // the next one, and it too finishes before the first caller wakes up. The
  // first caller gets the newest result, never a timeout.
  std::atomic<int> calls{0};
  TargetRunner r([&](const CollectContext&, MetricSink& s) {
    s.gauge("call", "C.", ++calls);
    return Status::ok();
  });
  CollectContext ctx;
  ctx.deadline = Clock::now() + 10s;
  uint64_t first = r.start(ctx);
  REQUIRE(first != 0);
  uint64_t second = first;
  for (int i = 0; i < 1000 && second == first; ++i) {
    second = r.start(ctx);  // the ticket in flight until the first collection finished
    if (second == first) std::this_thread::sleep_for(2ms);
  }
  REQUIRE(second == first + 1);
  std::string newer = encode_text([&](MetricSink& s) {
    Status st;
    CHECK(r.wait(second, ctx.deadline, s, st) == TargetRunner::Outcome::kDone);
  });
  std::string late = encode_text([&](MetricSink& s) {
    Status st = Status::error("unset");
    CHECK(r.wait(first, ctx.deadline, s, st) == TargetRunner::Outcome::kDone);
    CHECK(st.is_ok());
  });
  CHECK(calls == 2);
  CHECK(late == newer);
  CHECK(late.find("call 2") != std::string::npos);
}

TEST_CASE("TargetRunner: interrupt wakes waiters at once and starts nothing more") {
  std::atomic<bool> release{false};
  std::atomic<int> calls{0};
  TargetRunner r([&](const CollectContext&, MetricSink& s) {
    ++calls;
    while (!release) std::this_thread::sleep_for(2ms);
    s.gauge("late", "L.", 1);
    return Status::ok();
  });
  CollectContext ctx;
  ctx.deadline = Clock::now() + 10s;
  uint64_t ticket = r.start(ctx);
  REQUIRE(ticket != 0);
  std::string out;
  std::thread waiter([&] {
    out = encode_text([&](MetricSink& s) {
      Status st;
      auto t0 = Clock::now();
      CHECK(r.wait(ticket, ctx.deadline, s, st) == TargetRunner::Outcome::kInterrupted);
      CHECK(Clock::now() - t0 < 2s);
    });
  });
  for (int i = 0; i < 500 && calls == 0; ++i) std::this_thread::sleep_for(2ms);
  r.interrupt();
  waiter.join();
  CHECK(out.empty());  // nothing replayed
  // Later callers neither start a collection nor wait.
  auto t0 = Clock::now();
  Status st;
  std::string later =
      encode_text([&](MetricSink& s) { CHECK(r.run(ctx, s, st) == TargetRunner::Outcome::kInterrupted); });
  CHECK(Clock::now() - t0 < 100ms);
  CHECK(later.empty());
  release = true;  // the job in flight returns; the destructor joins it
  for (int i = 0; i < 500 && r.started() == 1 && calls == 1; ++i) std::this_thread::sleep_for(2ms);
  CHECK(r.started() == 1);
  CHECK(calls == 1);
}

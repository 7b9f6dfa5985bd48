#include "core/registry.h"

#include <algorithm>
#include <exception>
#include <system_error>

#include "core/log.h"
#include "core/self_metrics.h"

namespace vigia {
namespace {

// Runs f, turning what it throws into an error status: the one catch for
// what client libraries throw.
template <typename F>
void guard(F&& f, Status& st) {
  try {
    f();
  } catch (const std::exception& e) {
    st = Status::error(std::string("unexpected exception: ") + e.what());
  } catch (...) {
    st = Status::error("unexpected exception");
  }
}

// A collector that also reports a reference exporter's meta-metrics.
class MetaCollector final : public Collector {
 public:
  MetaCollector(std::unique_ptr<Collector> c, const ScrapeMetaNames* meta) : c_(std::move(c)), meta_(meta) {}
  std::string_view name() const override { return c_->name(); }
  Status collect(const CollectContext& ctx, MetricSink& sink) override { return c_->collect(ctx, sink); }
  void interrupt() override { c_->interrupt(); }
  bool concurrent() const override { return c_->concurrent(); }
  std::unique_ptr<Pending> start(const CollectContext& ctx) override { return c_->start(ctx); }
  const ScrapeMetaNames* scrape_meta() const override { return meta_; }

 private:
  std::unique_ptr<Collector> c_;
  const ScrapeMetaNames* meta_;
};

}  // namespace

void CollectorCatalog::add(std::string name, bool enabled_by_default, Factory make) {
  entries_.push_back(Entry{std::move(name), enabled_by_default, -1, std::move(make)});
}

bool CollectorCatalog::set_enabled(std::string_view name, bool enabled) {
  for (Entry& e : entries_)
    if (e.name == name) {
      e.explicit_state = enabled ? 1 : 0;
      return true;
    }
  return false;
}

bool CollectorCatalog::set_scrape_meta(std::string_view name, const ScrapeMetaNames* meta) {
  for (Entry& e : entries_)
    if (e.name == name) {
      e.meta = meta;
      return true;
    }
  return false;
}

void CollectorCatalog::disable_defaults() { defaults_disabled_ = true; }

bool CollectorCatalog::has(std::string_view name) const {
  return std::any_of(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.name == name; });
}

std::vector<std::pair<std::string, bool>> CollectorCatalog::list() const {
  std::vector<std::pair<std::string, bool>> out;
  for (const Entry& e : entries_) {
    bool on = e.explicit_state >= 0 ? e.explicit_state == 1 : (e.default_on && !defaults_disabled_);
    out.emplace_back(e.name, on);
  }
  return out;
}

std::vector<std::unique_ptr<Collector>> CollectorCatalog::build() const {
  std::vector<const Entry*> on;
  for (const Entry& e : entries_) {
    bool enabled = e.explicit_state >= 0 ? e.explicit_state == 1 : (e.default_on && !defaults_disabled_);
    if (enabled) on.push_back(&e);
  }
  std::sort(on.begin(), on.end(), [](const Entry* a, const Entry* b) { return a->name < b->name; });
  std::vector<std::unique_ptr<Collector>> out;
  for (const Entry* e : on) {
    std::unique_ptr<Collector> c = e->make();
    if (e->meta) c = std::make_unique<MetaCollector>(std::move(c), e->meta);
    out.push_back(std::move(c));
  }
  return out;
}

CollectorRegistry::CollectorRegistry(std::vector<std::unique_ptr<Collector>> collectors) {
  for (auto& c : collectors) add(std::move(c));
}

void CollectorRegistry::add(std::unique_ptr<Collector> c) {
  collectors_.push_back(Entry{std::move(c), std::make_unique<std::timed_mutex>()});
}

std::vector<std::string> CollectorRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& e : collectors_) out.emplace_back(e.collector->name());
  return out;
}

void CollectorRegistry::collect(const CollectContext& ctx, MetricSink& sink,
                                const std::vector<std::string>& only) {
  struct Outcome {
    std::string_view name;
    double seconds = 0;
    bool success = false;
    bool no_data = false;
    const ScrapeMetaNames* meta = nullptr;
  };
  std::vector<const Entry*> entries;
  for (const auto& e : collectors_)
    if (only.empty() || std::find(only.begin(), only.end(), e.collector->name()) != only.end())
      entries.push_back(&e);
  std::vector<Outcome> outcomes(entries.size());
  auto report = [](Outcome& o, const Status& st, Clock::time_point start) {
    o.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    o.success = !st.is_error();
    o.no_data = st.is_no_data();
    if (st.is_error())
      log::error("collector failed", {{"collector", o.name}, {"err", st.message()}});
    else if (st.is_no_data() && log::enabled(log::Level::kDebug))
      log::debug("collector returned no data", {{"collector", o.name}, {"reason", st.message()}});
  };
  auto run = [&](size_t i, MetricSink& out, bool wait) {
    Collector* c = entries[i]->collector.get();
    Outcome& o = outcomes[i];
    o.name = c->name();
    o.meta = c->scrape_meta();
    auto start = Clock::now();
    if (start >= ctx.deadline) {
      log::warn("collector skipped: scrape deadline exceeded", {{"collector", o.name}});
      return true;
    }
    std::unique_lock<std::timed_mutex> turn(*entries[i]->mu, std::defer_lock);
    if (!c->concurrent()) {
      bool unbounded = ctx.deadline == Clock::time_point::max();
      bool got = !wait       ? turn.try_lock()
                 : unbounded ? (turn.lock(), true)
                             : turn.try_lock_until(ctx.deadline);
      if (!got && !wait) return false;  // run after the others
      if (!got) {
        log::warn("collector skipped: busy with another collection until the scrape deadline",
                  {{"collector", o.name}});
        return true;
      }
      start = Clock::now();
    }
    Status st;
    guard([&] { st = c->collect(ctx, out); }, st);
    report(o, st, start);
    return true;
  };

  // Service-target collectors may wait on a hung server until the deadline:
  // when anything else is collected too, those that can (start()) begin their
  // collection on their own workers first and are finished after the others,
  // so that none of them delays the others (a hung server costs neither the
  // other areas' targets nor the host collectors their turn). Their families
  // follow the others'.
  struct Started {
    size_t index;
    Clock::time_point begun;
    std::unique_ptr<Collector::Pending> pending;
  };
  std::vector<Started> started;
  std::vector<bool> done(entries.size(), false);
  if (entries.size() > 1)
    for (size_t i = 0; i < entries.size(); ++i) {
      Collector* c = entries[i]->collector.get();
      if (!c->concurrent()) continue;
      outcomes[i].name = c->name();
      outcomes[i].meta = c->scrape_meta();
      auto begun = Clock::now();
      if (begun >= ctx.deadline) continue;  // run() reports the skip
      Status st;
      std::unique_ptr<Collector::Pending> p;
      guard([&] { p = c->start(ctx); }, st);
      if (st.is_error()) {
        report(outcomes[i], st, begun);
        done[i] = true;
      } else if (p) {
        started.push_back(Started{i, begun, std::move(p)});
        done[i] = true;
      }
    }
  std::vector<size_t> busy;  // collectors another collection holds
  for (size_t i = 0; i < entries.size(); ++i)
    if (!done[i] && !run(i, sink, false)) busy.push_back(i);
  // Those held by another collection (the evaluator's, a scrape's) last, so
  // that waiting for them until the deadline costs no other collector.
  for (size_t i : busy) run(i, sink, true);
  for (Started& s : started) {
    Status st;
    guard([&] { st = s.pending->finish(sink); }, st);
    report(outcomes[s.index], st, s.begun);
  }

  sink.family("vigia_collector_duration_seconds", "Duration of a collector's collection.",
              MetricType::kGauge);
  for (const Outcome& o : outcomes)
    sink.sample("vigia_collector_duration_seconds", {{"collector", o.name}}, o.seconds);
  sink.family("vigia_collector_success", "Whether a collector succeeded (1) or failed (0).",
              MetricType::kGauge);
  for (const Outcome& o : outcomes)
    sink.sample("vigia_collector_success", {{"collector", o.name}}, o.success ? 1 : 0);
  // The reference exporters' names, each meta once, for its collectors.
  std::vector<const ScrapeMetaNames*> metas;
  for (const Outcome& o : outcomes)
    if (o.meta && std::find(metas.begin(), metas.end(), o.meta) == metas.end()) metas.push_back(o.meta);
  for (const ScrapeMetaNames* m : metas) {
    sink.family(m->duration_name, m->duration_help, MetricType::kGauge);
    for (const Outcome& o : outcomes)
      if (o.meta == m) sink.sample(m->duration_name, {{"collector", o.name}}, o.seconds);
    sink.family(m->success_name, m->success_help, MetricType::kGauge);
    for (const Outcome& o : outcomes)
      if (o.meta == m) sink.sample(m->success_name, {{"collector", o.name}}, o.success && !o.no_data ? 1 : 0);
  }
}

void CollectorRegistry::interrupt() {
  // Without the collectors' locks: collect() holds them while it runs.
  for (const auto& e : collectors_) e.collector->interrupt();
}

std::shared_ptr<const std::string> SharedScraper::scrape(const CollectContext& ctx,
                                                         const std::vector<std::string>& only) {
  std::shared_ptr<Flight> flight;
  {
    std::unique_lock<std::mutex> lock(mu_);
    for (const auto& f : in_flight_)
      if (f->only == only) {
        flight = f;
        break;
      }
    if (flight) {
      cv_.wait(lock, [&] { return flight->done; });
      if (flight->error) std::rethrow_exception(flight->error);
      return flight->result;
    }
    flight = std::make_shared<Flight>();
    flight->only = only;
    in_flight_.push_back(flight);
  }
  std::shared_ptr<std::string> text;
  std::exception_ptr error;
  // Without this, an exception would leave the flight in in_flight_ unfinished
  // and every later scrape with the same filter would wait for it forever.
  try {
    text = std::make_shared<std::string>();
    std::lock_guard<std::mutex> enc_lock(encode_mu_);
    encoder_.reset();
    auto start = Clock::now();
    registry_.collect(ctx, encoder_, only);
    observe_collection(std::chrono::duration<double>(Clock::now() - start).count());
    if (extra_) extra_(encoder_);
    text->reserve(last_size_ + last_size_ / 8 + 256);
    encoder_.finish(*text);
    last_size_ = text->size();
  } catch (...) {
    error = std::current_exception();
    text.reset();
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    flight->result = std::move(text);
    flight->error = error;
    flight->done = true;
    ++collections_;
    in_flight_.erase(std::find(in_flight_.begin(), in_flight_.end(), flight));
  }
  cv_.notify_all();
  if (error) std::rethrow_exception(error);
  return flight->result;
}

uint64_t SharedScraper::collections() const {
  std::lock_guard<std::mutex> lock(mu_);
  return collections_;
}

}  // namespace vigia

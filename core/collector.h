// The collector contract: a collector has a name and writes metric families to
// a sink when asked. The registry (core/registry.h) times and guards every
// call; a collector never needs to catch or report its own duration.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "core/metric.h"
#include "core/status.h"

namespace vigia {

using Clock = std::chrono::steady_clock;

// What one collection may use: the deadline by which it must return.
// Collectors that do I/O which can block (network, NFS statfs) must bound it
// by the deadline; collectors reading procfs may ignore it.
struct CollectContext {
  Clock::time_point deadline = Clock::time_point::max();

  std::chrono::milliseconds remaining() const {
    auto left = deadline - Clock::now();
    return left.count() > 0 ? std::chrono::duration_cast<std::chrono::milliseconds>(left)
                            : std::chrono::milliseconds(0);
  }
};

// A reference exporter's own per-collector meta-metrics, which the registry
// writes beside vigia_collector_* for the collectors of an area that asks for
// them (CollectorCatalog::set_scrape_meta): node_exporter's
// node_scrape_collector_{duration_seconds,success}, which its dashboards read.
// Their success follows the reference: 0 for an error and for "no data" too.
struct ScrapeMetaNames {
  std::string_view duration_name, duration_help, success_name, success_help;
};

class Collector {
 public:
  virtual ~Collector() = default;

  // The collector's switch name: "cpu", "meminfo", an area's name…
  virtual std::string_view name() const = 0;

  // Writes this collector's families to sink. Returns ok, no_data (nothing to
  // report here: not an error, e.g. no PSI on an old kernel) or an error that
  // names its context. Samples written before an error are kept. May throw:
  // the registry catches and reports it as an error.
  // Called by one thread at a time, unless concurrent().
  virtual Status collect(const CollectContext& ctx, MetricSink& sink) = 0;

  // True if collect() may be called from several threads at once: the
  // registry then does not serialize it (a scrape is not queued behind the
  // evaluator's collection of a hung server, and vice versa).
  virtual bool concurrent() const { return false; }

  // A collection begun by start(), still running on threads the collector
  // owns. finish() waits for it (no later than the deadline it was started
  // with) and writes its families; called once, on the caller's thread.
  class Pending {
   public:
    virtual ~Pending() = default;
    virtual Status finish(MetricSink& sink) = 0;
  };
  // Collectors that wait on servers (concurrent() ones) may begin their
  // collection and return at once: the registry then runs the other
  // collectors meanwhile and calls finish() after them, so a hung server costs
  // no other collector its turn. null (the default): collect() is called.
  virtual std::unique_ptr<Pending> start(const CollectContext& ctx) {
    (void)ctx;
    return nullptr;
  }

  // For shutdown, from any thread, while collect() may be running: asks
  // collections in flight to return now; later collections fail at once.
  // Collectors whose I/O cannot block (procfs) keep the default, which does
  // nothing. Irreversible.
  virtual void interrupt() {}

  // The reference exporter's meta-metrics this collector also reports under
  // (static storage), or null: only vigia_collector_*.
  virtual const ScrapeMetaNames* scrape_meta() const { return nullptr; }
};

// A collector over named service targets (a primary and its replicas…).
// collect() serves every target, each series labelled target="<name>";
// collect_target() serves one, without that label, for /probe?target=NAME.
// Both may be called from several threads at once.
class TargetCollector : public Collector {
 public:
  bool concurrent() const override { return true; }
  virtual bool has_target(std::string_view target) const = 0;
  // no_data if there is no such target.
  virtual Status collect_target(std::string_view target, const CollectContext& ctx, MetricSink& sink) = 0;
};

// blackbox_exporter's multi-target probing: /probe?target=X&module=M runs the
// configured module M against X, once, and answers with that probe's series
// only. Called from several threads at once.
class ModuleProber {
 public:
  virtual ~ModuleProber() = default;
  virtual bool has_module(std::string_view module) const = 0;
  // Probes target with module within min(the module's timeout, ctx.deadline)
  // and writes probe_success, probe_duration_seconds and the prober's series.
  // A failed probe is probe_success 0, not an error: an error is returned
  // only when the request itself is wrong (no such module).
  virtual Status probe(std::string_view target, std::string_view module, const CollectContext& ctx,
                       MetricSink& sink) = 0;
};

// Lets a registry own (a handle to) a collector that something else, e.g.
// /probe, also uses. Calls are serialized by the registry as usual (unless
// the collector is concurrent()).
class SharedCollector final : public Collector {
 public:
  explicit SharedCollector(std::shared_ptr<Collector> c) : c_(std::move(c)) {}
  std::string_view name() const override { return c_->name(); }
  Status collect(const CollectContext& ctx, MetricSink& sink) override { return c_->collect(ctx, sink); }
  void interrupt() override { c_->interrupt(); }
  bool concurrent() const override { return c_->concurrent(); }
  std::unique_ptr<Pending> start(const CollectContext& ctx) override { return c_->start(ctx); }
  const ScrapeMetaNames* scrape_meta() const override { return c_->scrape_meta(); }

 private:
  std::shared_ptr<Collector> c_;
};

}  // namespace vigia

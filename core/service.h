// The service-target runtime: what every area with named servers (databases,
// connection poolers, caches, brokers) shares. An area implements ServiceTarget, one
// object per configured server; ServiceCollector runs them:
//   - each target on a worker thread of its own (core/target_runner.h), under
//     the collection's deadline: a target still running then, or still busy
//     from an abandoned collection, gives <area>_up 0 and costs nobody else;
//   - concurrent callers (several scrapes, the evaluator) join the collection
//     in flight, so a server answers one set of queries per burst;
//   - /metrics: every target, each series labelled target="<name>";
//     /probe?target=NAME: one target, without that label;
//   - interrupt at shutdown: every target's I/O and every waiter return now.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/collector.h"
#include "core/status.h"

namespace vigia {

// One configured server of an area.
class ServiceTarget {
 public:
  virtual ~ServiceTarget() = default;
  virtual const std::string& name() const = 0;
  // Collects the target: on its worker thread, one call at a time, bounded by
  // ctx.deadline (socket and statement timeouts). Writes <area>_up itself (1,
  // or 0 when the server cannot be reached) and returns an error that names
  // what failed; the error is logged, the samples written are kept.
  virtual Status collect(const CollectContext& ctx, MetricSink& sink) = 0;
  // For shutdown, from any thread: a collection in flight returns at once
  // (sockets shut down, connection attempts woken) and later ones fail at once.
  virtual void interrupt() {}
  // After each outcome (done, timed out, busy, interrupted), on the caller's
  // thread, into the caller's sink: per-target bookkeeping series such as
  // a reference exporter's last-scrape duration and error. `seconds` since the caller
  // began waiting for the collection.
  virtual void after(const Status& st, double seconds, MetricSink& sink) {
    (void)st, (void)seconds, (void)sink;
  }
};

// What the runtime writes for an area: the collector's name (its switch and
// vigia_collector_* label) and the <area>_up family written for a target that
// did not finish.
struct ServiceArea {
  std::string collector;  // the area's name
  std::string up_metric;  // "pg_up"
  std::string up_help;
};

class ServiceCollector final : public TargetCollector {
 public:
  ServiceCollector(ServiceArea area, std::vector<std::unique_ptr<ServiceTarget>> targets);
  // Interrupts every target, then joins their workers.
  ~ServiceCollector() override;
  ServiceCollector(const ServiceCollector&) = delete;
  ServiceCollector& operator=(const ServiceCollector&) = delete;

  std::string_view name() const override { return area_.collector; }
  // Every target, labelled target="<name>". A target that is down is reported
  // by <area>_up 0, not as a failed collector: always ok.
  Status collect(const CollectContext& ctx, MetricSink& sink) override;
  // Starts every target's collection and returns at once.
  std::unique_ptr<Pending> start(const CollectContext& ctx) override;
  void interrupt() override;
  bool has_target(std::string_view target) const override;
  Status collect_target(std::string_view target, const CollectContext& ctx, MetricSink& sink) override;

  // Collections started so far by the target's worker (for tests).
  uint64_t collections(std::string_view target) const;

 private:
  struct Slot;
  class Started;
  Status finish(Slot& s, uint64_t ticket, const CollectContext& ctx, Clock::time_point begun,
                MetricSink& sink);

  ServiceArea area_;
  std::vector<std::unique_ptr<Slot>> slots_;
};

}  // namespace vigia

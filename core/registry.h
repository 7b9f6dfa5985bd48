// The collector registry: the catalogue of collector factories with their
// switches, and the one place that runs, times and guards every collector.
#pragma once

#include <condition_variable>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/collector.h"
#include "core/exposition.h"

namespace vigia {

// Factories by name, each enabled by default or not (node_exporter's
// registerCollector). Exporters add theirs in exporters/<area>/register.cc.
class CollectorCatalog {
 public:
  using Factory = std::function<std::unique_ptr<Collector>()>;

  void add(std::string name, bool enabled_by_default, Factory make);

  // --collector.<name> / --no-collector.<name>. Returns false if unknown.
  bool set_enabled(std::string_view name, bool enabled);
  // --collector.disable-defaults: every collector off unless enabled by name
  // (set_enabled calls made before or after this both count).
  void disable_defaults();

  // The collector `name` also reports meta's families (core/collector.h), as
  // the reference exporter of its area does. Returns false if unknown.
  bool set_scrape_meta(std::string_view name, const ScrapeMetaNames* meta);

  bool has(std::string_view name) const;
  // Names in registration order, with their current switch.
  std::vector<std::pair<std::string, bool>> list() const;

  // Creates the enabled collectors, in name order.
  std::vector<std::unique_ptr<Collector>> build() const;

 private:
  struct Entry {
    std::string name;
    bool default_on;
    int explicit_state;  // -1 unset, 0 off, 1 on
    Factory make;
    const ScrapeMetaNames* meta = nullptr;
  };
  std::vector<Entry> entries_;
  bool defaults_disabled_ = false;
};

// Runs collectors. For each one it emits
//   vigia_collector_duration_seconds{collector}  how long collect() took
//   vigia_collector_success{collector}           1 ok or no data, 0 error
// (and the families of its scrape_meta(), if any, for the same outcome)
// catches anything collect() throws, and skips (success 0) collectors whose
// turn comes after the deadline. Errors are logged with the collector's name.
//
// Threading: collect() may be called from several threads (a scrape and the
// evaluator's feed). Calls of one collector are serialized unless it is
// concurrent(); a call that cannot have its collector by the deadline skips it
// (success 0) rather than queueing past the deadline. Within one collect(),
// concurrent() collectors (service targets, which may wait on a hung server
// until the deadline) each run on a thread of their own beside the others,
// when there are others; their families come after the others'.
class CollectorRegistry {
 public:
  CollectorRegistry() = default;
  explicit CollectorRegistry(std::vector<std::unique_ptr<Collector>> collectors);
  CollectorRegistry(const CollectorRegistry&) = delete;
  CollectorRegistry& operator=(const CollectorRegistry&) = delete;

  // Before the first collect().
  void add(std::unique_ptr<Collector> c);
  std::vector<std::string> names() const;

  // Collects every collector, or only those named in `only` when it is
  // non-empty (?collect[]=). Unknown names in `only` are ignored.
  void collect(const CollectContext& ctx, MetricSink& sink, const std::vector<std::string>& only = {});

  // For shutdown: interrupts every collector (Collector::interrupt), without
  // waiting for a collect() in flight, which then returns promptly. Not to be
  // called concurrently with add().
  void interrupt();

 private:
  struct Entry {
    std::unique_ptr<Collector> collector;
    std::unique_ptr<std::timed_mutex> mu;  // serializes a collector that is not concurrent()
  };
  std::vector<Entry> collectors_;
};

// Serves scrapes from a registry: concurrent scrapes with the same filter share
// one collection (the later ones wait for the one in flight and get its
// result), so two Prometheus replicas do not double the load on a server.
// Results are encoded text, shared read-only.
class SharedScraper {
 public:
  explicit SharedScraper(CollectorRegistry& registry) : registry_(registry) {}

  // `extra` writes more families into the same exposition (process metrics,
  // evaluator series); it runs inside the shared collection.
  using ExtraWriter = std::function<void(MetricSink&)>;
  void set_extra(ExtraWriter w) { extra_ = std::move(w); }

  // If the collection throws (the extra writer, or out of memory: collectors'
  // exceptions are caught by the registry), every scrape that shared it
  // rethrows that exception; the next scrape starts a new collection.
  std::shared_ptr<const std::string> scrape(const CollectContext& ctx,
                                            const std::vector<std::string>& only = {});

  // How many collections have run (for tests of sharing).
  uint64_t collections() const;

 private:
  struct Flight {
    std::vector<std::string> only;
    std::shared_ptr<const std::string> result;
    std::exception_ptr error;
    bool done = false;
  };
  CollectorRegistry& registry_;
  ExtraWriter extra_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::shared_ptr<Flight>> in_flight_;
  uint64_t collections_ = 0;
  std::mutex encode_mu_;
  TextEncoder encoder_;
  size_t last_size_ = 0;  // of the previous result: the next one's reservation
};

}  // namespace vigia

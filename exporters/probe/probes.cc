#include "exporters/probe/probes.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "core/buffer_sink.h"
#include "core/log.h"
#include "exporters/probe/prober.h"

namespace vigia::probe {
namespace {

class Prober final : public ModuleProber {
 public:
  explicit Prober(ModuleMap modules) : modules_(std::move(modules)) {}
  bool has_module(std::string_view module) const override { return modules_.count(module) > 0; }
  Status probe(std::string_view target, std::string_view module, const CollectContext& ctx,
               MetricSink& sink) override {
    auto it = modules_.find(module);
    if (it == modules_.end()) return Status::error("Unknown module \"" + std::string(module) + "\"");
    std::string reason;
    if (!run_probe(target, it->second, ctx.deadline, sink, reason))
      log::debug("Probe failed", {{"module", module}, {"target", target}, {"reason", reason}});
    return Status::ok();
  }

 private:
  ModuleMap modules_;
};

struct Result {
  BufferSink series;
  int consecutive_failures = 0;
  double finished_unix = 0;
};

class Scheduled final : public TargetCollector {
 public:
  Scheduled(const ModuleMap& modules, const std::vector<ProbeConfig>& probes) {
    for (const ProbeConfig& p : probes) {
      auto s = std::make_unique<Slot>();
      s->cfg = p;
      s->module = modules.at(p.module);
      slots_.push_back(std::move(s));
    }
    for (auto& s : slots_) s->thread = std::thread([this, slot = s.get()] { run(*slot); });
  }
  ~Scheduled() override {
    interrupt();
    for (auto& s : slots_)
      if (s->thread.joinable()) s->thread.join();
  }

  std::string_view name() const override { return "probe"; }
  void interrupt() override {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    cancel_ = true;  // probes in flight give up too
    cv_.notify_all();
  }
  bool has_target(std::string_view target) const override {
    for (const auto& s : slots_)
      if (s->cfg.name == target) return true;
    return false;
  }
  Status collect(const CollectContext&, MetricSink& sink) override {
    for (const auto& s : slots_) {
      LabelAddingSink labelled(sink, Label{"probe", s->cfg.name});
      write(*s, labelled);
    }
    return Status::ok();
  }
  Status collect_target(std::string_view target, const CollectContext&, MetricSink& sink) override {
    for (const auto& s : slots_)
      if (s->cfg.name == target) {
        write(*s, sink);
        return Status::ok();
      }
    return Status::no_data();
  }

 private:
  struct Slot {
    ProbeConfig cfg;
    Module module;
    std::thread thread;
    std::shared_ptr<const Result> latest;  // under mu_
  };

  void write(const Slot& s, MetricSink& sink) {
    std::shared_ptr<const Result> r;
    {
      std::lock_guard<std::mutex> lock(mu_);
      r = s.latest;
    }
    if (!r) return;  // not probed yet
    r->series.replay(sink);
    sink.gauge("vigia_probe_consecutive_failures", "Probes of this target that failed in a row, up to now",
               r->consecutive_failures);
    sink.gauge("vigia_probe_retries",
               "Consecutive failed probes that make the target down (the probe's retries)", s.cfg.retries);
    sink.gauge("vigia_probe_last_run_timestamp_seconds", "When the latest probe of this target ended",
               r->finished_unix);
  }

  void run(Slot& s) {
    set_thread_cancel(&cancel_);
    auto interval =
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s.cfg.interval));
    // The probe's budget: its module's timeout (run_probe), at most its interval.
    auto next = Clock::now();
    int failures = 0;
    while (true) {
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait_until(lock, next, [&] { return stop_; });
        if (stop_) break;
      }
      auto begun = Clock::now();
      auto r = std::make_shared<Result>();
      std::string reason;
      bool ok = run_probe(s.cfg.target, s.module, begun + interval, r->series, reason);
      if (cancel_.load()) break;
      failures = ok ? 0 : failures + 1;
      if (!ok)
        log::debug("Probe failed", {{"probe", s.cfg.name}, {"target", s.cfg.target}, {"reason", reason}});
      r->consecutive_failures = failures;
      r->finished_unix =
          std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
      {
        std::lock_guard<std::mutex> lock(mu_);
        s.latest = std::move(r);
      }
      next += interval;
      if (next < Clock::now()) next = Clock::now();  // a probe longer than its interval: no burst after it
    }
  }

  std::vector<std::unique_ptr<Slot>> slots_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::atomic<bool> cancel_{false};
};

}  // namespace

std::shared_ptr<ModuleProber> make_module_prober(const ModuleMap& modules) {
  return std::make_shared<Prober>(modules);
}

std::shared_ptr<TargetCollector> make_scheduled_probes(const ModuleMap& modules,
                                                       const std::vector<ProbeConfig>& probes) {
  return std::make_shared<Scheduled>(modules, probes);
}

}  // namespace vigia::probe

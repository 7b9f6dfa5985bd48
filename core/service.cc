#include "core/service.h"

#include "core/log.h"
#include "core/target_runner.h"

namespace vigia {

struct ServiceCollector::Slot {
  std::unique_ptr<ServiceTarget> target;
  std::unique_ptr<TargetRunner> runner;  // its worker uses *target
};

class ServiceCollector::Started final : public Collector::Pending {
 public:
  Started(ServiceCollector& c, const CollectContext& ctx) : c_(c), ctx_(ctx), begun_(Clock::now()) {
    tickets_.reserve(c.slots_.size());
    for (auto& s : c.slots_) tickets_.push_back(s->runner->start(ctx));
  }
  Status finish(MetricSink& sink) override {
    for (size_t i = 0; i < c_.slots_.size(); ++i) {
      Slot& s = *c_.slots_[i];
      LabelAddingSink labelled(sink, Label{"target", s.target->name()});
      c_.finish(s, tickets_[i], ctx_, begun_, labelled);
    }
    return Status::ok();
  }

 private:
  ServiceCollector& c_;
  CollectContext ctx_;
  Clock::time_point begun_;
  std::vector<uint64_t> tickets_;
};

ServiceCollector::ServiceCollector(ServiceArea area, std::vector<std::unique_ptr<ServiceTarget>> targets)
    : area_(std::move(area)) {
  for (auto& t : targets) {
    auto slot = std::make_unique<Slot>();
    slot->target = std::move(t);
    ServiceTarget* target = slot->target.get();
    slot->runner = std::make_unique<TargetRunner>(
        [target](const CollectContext& ctx, MetricSink& sink) { return target->collect(ctx, sink); });
    slots_.push_back(std::move(slot));
  }
}

ServiceCollector::~ServiceCollector() {
  // Every target first, so that the joins below are short and not sequential
  // waits on hung servers.
  interrupt();
  for (auto& s : slots_) s->runner.reset();
}

void ServiceCollector::interrupt() {
  for (auto& s : slots_) {
    s->target->interrupt();
    s->runner->interrupt();
  }
}

Status ServiceCollector::finish(Slot& s, uint64_t ticket, const CollectContext& ctx, Clock::time_point begun,
                                MetricSink& sink) {
  Status st;
  auto outcome = s.runner->wait(ticket, ctx.deadline, sink, st);
  switch (outcome) {
    case TargetRunner::Outcome::kDone: break;
    case TargetRunner::Outcome::kTimedOut:
      st = Status::error("collection did not finish before the scrape deadline");
      break;
    case TargetRunner::Outcome::kBusy: st = Status::error("an earlier collection is still running"); break;
    case TargetRunner::Outcome::kInterrupted: st = Status::error("interrupted: shutting down"); break;
  }
  if (outcome != TargetRunner::Outcome::kDone) sink.gauge(area_.up_metric, area_.up_help, 0);
  // Shutting down is not worth a warning.
  if (st.is_error() && outcome != TargetRunner::Outcome::kInterrupted)
    log::warn(area_.collector + " target failed", {{"target", s.target->name()}, {"err", st.message()}});
  s.target->after(st, std::chrono::duration<double>(Clock::now() - begun).count(), sink);
  return st;
}

Status ServiceCollector::collect(const CollectContext& ctx, MetricSink& sink) {
  return Started(*this, ctx).finish(sink);
}

std::unique_ptr<Collector::Pending> ServiceCollector::start(const CollectContext& ctx) {
  return std::make_unique<Started>(*this, ctx);
}

bool ServiceCollector::has_target(std::string_view target) const {
  for (const auto& s : slots_)
    if (s->target->name() == target) return true;
  return false;
}

Status ServiceCollector::collect_target(std::string_view target, const CollectContext& ctx,
                                        MetricSink& sink) {
  for (auto& s : slots_)
    if (s->target->name() == target) {
      finish(*s, s->runner->start(ctx), ctx, Clock::now(), sink);
      return Status::ok();
    }
  return Status::no_data("no " + area_.collector + " target named " + std::string(target));
}

uint64_t ServiceCollector::collections(std::string_view target) const {
  for (const auto& s : slots_)
    if (s->target->name() == target) return s->runner->started();
  return 0;
}

}  // namespace vigia

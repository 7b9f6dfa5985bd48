#include "core/target_runner.h"

#include <exception>
#include <string>

namespace vigia {

TargetRunner::TargetRunner(Job job) : job_(std::move(job)), worker_([this] { loop(); }) {}

TargetRunner::~TargetRunner() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  worker_.join();
}

uint64_t TargetRunner::start(const CollectContext& ctx) {
  std::lock_guard<std::mutex> lock(mu_);
  if (interrupted_) return 0;
  if (requested_ != finished_) {
    if (Clock::now() < in_flight_deadline_) return requested_;
    return 0;
  }
  ++requested_;
  pending_ = ctx;
  in_flight_deadline_ = ctx.deadline;
  cv_.notify_all();
  return requested_;
}

TargetRunner::Outcome TargetRunner::wait(uint64_t ticket, Clock::time_point deadline, MetricSink& sink,
                                         Status& status) {
  std::unique_lock<std::mutex> lock(mu_);
  if (ticket == 0) return interrupted_ ? Outcome::kInterrupted : Outcome::kBusy;
  bool done = cv_.wait_until(lock, deadline, [&] { return finished_ >= ticket || interrupted_; });
  if (done && finished_ < ticket) return Outcome::kInterrupted;
  if (!done) return Outcome::kTimedOut;
  // The newest result: this ticket's collection, or a later one that another
  // caller started after it and that also finished within this deadline.
  std::shared_ptr<const Result> result = result_;
  lock.unlock();
  result->samples.replay(sink);
  status = result->status;
  return Outcome::kDone;
}

TargetRunner::Outcome TargetRunner::run(const CollectContext& ctx, MetricSink& sink, Status& status) {
  return wait(start(ctx), ctx.deadline, sink, status);
}

void TargetRunner::interrupt() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    interrupted_ = true;
  }
  cv_.notify_all();
}

uint64_t TargetRunner::started() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requested_;
}

void TargetRunner::loop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stop_ || requested_ != finished_; });
    if (requested_ == finished_) return;  // stop_ and nothing in flight
    CollectContext ctx = pending_;
    uint64_t generation = requested_;
    lock.unlock();
    auto result = std::make_shared<Result>();
    try {
      result->status = job_(ctx, result->samples);
    } catch (const std::exception& e) {
      result->status = Status::error(std::string("unexpected exception: ") + e.what());
    } catch (...) {
      result->status = Status::error("unexpected exception");
    }
    lock.lock();
    result_ = std::move(result);
    finished_ = generation;
    cv_.notify_all();
  }
}

}  // namespace vigia

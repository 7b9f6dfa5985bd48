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
  // A later collection may have replaced this one's buffer: only the newest
  // generation's result is available.
  bool done = cv_.wait_until(lock, deadline, [&] { return finished_ >= ticket || interrupted_; });
  if (done && finished_ < ticket) return Outcome::kInterrupted;
  if (!done || finished_ != ticket) return Outcome::kTimedOut;
  buffer_.replay(sink);
  status = status_;
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
    buffer_.clear();
    lock.unlock();
    Status st;
    try {
      st = job_(ctx, buffer_);
    } catch (const std::exception& e) {
      st = Status::error(std::string("unexpected exception: ") + e.what());
    } catch (...) {
      st = Status::error("unexpected exception");
    }
    lock.lock();
    status_ = std::move(st);
    finished_ = generation;
    cv_.notify_all();
  }
}

}  // namespace vigia

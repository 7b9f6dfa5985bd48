// Runs one service target's collection (a database, a cache, a broker) on a
// worker thread of its own, under a hard deadline, so that a hung server
// costs that target's samples and never delays the scrape past its deadline.
//
// Used by the service-target runtime (core/service.h): each target of every
// service area owns one TargetRunner.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "core/buffer_sink.h"
#include "core/collector.h"
#include "core/status.h"

namespace vigia {

class TargetRunner {
 public:
  // The collection. Runs on the worker thread, one call at a time; writes into
  // a buffer that the runner replays to the caller only if the job finished
  // before the caller's deadline. It should bound its own I/O by ctx.deadline
  // (statement timeouts, socket timeouts); the runner does not interrupt it.
  using Job = std::function<Status(const CollectContext& ctx, MetricSink& sink)>;

  enum class Outcome {
    kDone,         // finished in time: samples replayed, status set
    kTimedOut,     // still running at the deadline: nothing replayed
    kBusy,         // an earlier, abandoned collection is still running: not started
    kInterrupted,  // interrupt() was called: nothing replayed, or not started
  };

  // Starts the worker thread.
  explicit TargetRunner(Job job);
  // Stops the worker; waits for a collection in flight to return.
  ~TargetRunner();
  TargetRunner(const TargetRunner&) = delete;
  TargetRunner& operator=(const TargetRunner&) = delete;

  // Starts a collection with ctx, unless one is in flight or the runner was
  // interrupted. A caller arriving
  // while a collection started by another caller is in flight and still within
  // that caller's deadline joins it (shares its result) instead of starting a
  // second one; a collection whose deadline has passed is "abandoned" and makes
  // later callers return kBusy at once until it returns.
  // Returns a ticket for wait(), or 0 if busy or interrupted.
  uint64_t start(const CollectContext& ctx);

  // Waits for the collection of `ticket` until `deadline`, or until
  // interrupt(). On kDone replays its samples into sink and copies its
  // status. Thread-safe.
  Outcome wait(uint64_t ticket, Clock::time_point deadline, MetricSink& sink, Status& status);

  // For shutdown, from any thread: every wait() returns kInterrupted now
  // (unless its collection has just finished) and no collection starts any
  // more. A collection in flight is not stopped: the owner interrupts its
  // I/O (e.g. Connection::interrupt) so that the destructor's join is short.
  void interrupt();

  // start() then wait(ctx.deadline).
  Outcome run(const CollectContext& ctx, MetricSink& sink, Status& status);

  // How many collections the worker has started (for tests).
  uint64_t started() const;

 private:
  void loop();

  Job job_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  uint64_t requested_ = 0;  // generation of the last collection asked for
  uint64_t finished_ = 0;   // generation of the last collection returned
  CollectContext pending_;
  Clock::time_point in_flight_deadline_{};
  bool stop_ = false;
  bool interrupted_ = false;
  // The newest finished collection's samples and status. Immutable once
  // published: a caller replays it outside the lock while the worker already
  // writes the next collection into a buffer of its own.
  struct Result {
    BufferSink samples;
    Status status;
  };
  std::shared_ptr<const Result> result_;
  std::thread worker_;  // last: started after everything above exists
};

}  // namespace vigia

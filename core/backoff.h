// Reconnection backoff for a service target's persistent connection: after a
// failed attempt no new one is made until the backoff has passed, doubling
// from `min` to `max`; a success resets it. Used by one worker thread (not
// thread-safe).
#pragma once

#include <algorithm>
#include <chrono>
#include <string>

#include "core/collector.h"
#include "core/status.h"

namespace vigia {

class Backoff {
 public:
  explicit Backoff(std::chrono::milliseconds min = std::chrono::milliseconds(500),
                   std::chrono::milliseconds max = std::chrono::milliseconds(8000))
      : min_(min), max_(max) {}

  // ok if an attempt may be made now; otherwise the error says so, with the
  // last attempt's error.
  Status check() const {
    if (Clock::now() < next_)
      return Status::error("not reconnecting before the backoff has passed; last error: " + last_error_);
    return Status::ok();
  }
  // A failed attempt (error already free of secrets): returns it as a status.
  Status failed(std::string error) {
    last_error_ = std::move(error);
    delay_ = delay_.count() == 0 ? min_ : std::min(delay_ * 2, max_);
    next_ = Clock::now() + delay_;
    return Status::error(last_error_);
  }
  void succeeded() {
    delay_ = std::chrono::milliseconds(0);
    next_ = {};
    last_error_.clear();
  }

 private:
  std::chrono::milliseconds min_, max_;
  std::chrono::milliseconds delay_{0};
  Clock::time_point next_{};
  std::string last_error_;
};

}  // namespace vigia

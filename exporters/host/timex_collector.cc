#include "exporters/host/timex_collector.h"

#include <sys/timex.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace vigia::host {

void TimexCollector::write(const struct timex& tx, int state, MetricSink& sink) {
  // STA_NANO: offset and jitter in ns, else in us. ppm with a 16-bit fraction.
  const double divisor = (tx.status & STA_NANO) ? 1e9 : 1e6;
  constexpr double kMicro = 1e6, kPpm16 = 1000000.0 * 65536.0;
  auto d = [](auto v) { return static_cast<double>(v); };
  auto g = [&](std::string_view name, std::string_view help, double v) { sink.gauge(name, help, v); };
  auto c = [&](std::string_view name, std::string_view help, double v) { sink.counter(name, help, v); };
  g("node_timex_sync_status", "Is clock synchronized to a reliable server (1 = yes, 0 = no).",
    state == TIME_ERROR ? 0 : 1);
  g("node_timex_offset_seconds", "Time offset in between local system and reference clock.",
    d(tx.offset) / divisor);
  g("node_timex_frequency_adjustment_ratio", "Local clock frequency adjustment.", 1 + d(tx.freq) / kPpm16);
  g("node_timex_maxerror_seconds", "Maximum error in seconds.", d(tx.maxerror) / kMicro);
  g("node_timex_estimated_error_seconds", "Estimated error in seconds.", d(tx.esterror) / kMicro);
  g("node_timex_status", "Value of the status array bits.", d(tx.status));
  g("node_timex_loop_time_constant", "Phase-locked loop time constant.", d(tx.constant));
  g("node_timex_tick_seconds", "Seconds between clock ticks.", d(tx.tick) / kMicro);
  g("node_timex_pps_frequency_hertz", "Pulse per second frequency.", d(tx.ppsfreq) / kPpm16);
  g("node_timex_pps_jitter_seconds", "Pulse per second jitter.", d(tx.jitter) / divisor);
  g("node_timex_pps_shift_seconds", "Pulse per second interval duration.", d(tx.shift));
  g("node_timex_pps_stability_hertz", "Pulse per second stability, average of recent frequency changes.",
    d(tx.stabil) / kPpm16);
  c("node_timex_pps_jitter_total", "Pulse per second count of jitter limit exceeded events.", d(tx.jitcnt));
  c("node_timex_pps_calibration_total", "Pulse per second count of calibration intervals.", d(tx.calcnt));
  c("node_timex_pps_error_total", "Pulse per second count of calibration errors.", d(tx.errcnt));
  c("node_timex_pps_stability_exceeded_total", "Pulse per second count of stability limit exceeded events.",
    d(tx.stbcnt));
  g("node_timex_tai_offset_seconds", "International Atomic Time (TAI) offset.", d(tx.tai));
}

Status TimexCollector::collect(const CollectContext&, MetricSink& sink) {
  struct timex tx;
  std::memset(&tx, 0, sizeof tx);
  int state = ::adjtimex(&tx);
  if (state < 0) {
    int err = errno;
    if (err == EPERM || err == EACCES) return Status::no_data("adjtimex: not permitted");
    return Status::error(std::string("failed to retrieve adjtimex stats: ") + std::strerror(err));
  }
  write(tx, state, sink);
  return Status::ok();
}

}  // namespace vigia::host

#pragma once

#include <string_view>

#include "core/collector.h"

struct timex;

namespace vigia::host {

// node_timex_* from one adjtimex(2) call (read-only: modes 0), converted as
// node_exporter 1.5 does. A denied call (EPERM, seccomp) is no_data.
class TimexCollector final : public Collector {
 public:
  std::string_view name() const override { return "timex"; }
  Status collect(const CollectContext& ctx, MetricSink& sink) override;
  // The families of one adjtimex result (state: its return value); for tests.
  static void write(const struct timex& tx, int state, MetricSink& sink);
};

}  // namespace vigia::host

// The probe area's collectors, in its module:
//   - a ModuleProber (core/collector.h) for /probe?target=X&module=M: one
//     probe per request, blackbox_exporter's answer;
//   - the configured probes (`probes:`): each on a thread of its own, every
//     `interval`, its latest result kept; /metrics replays the latest results
//     labelled probe="<name>" (a scrape never waits on a site), and
//     /probe?target=<name> one of them without the label. Beside the probe's
//     own series: vigia_probe_consecutive_failures, vigia_probe_retries (the
//     failures that make the site down: the seeds' health-check retries) and
//     vigia_probe_last_run_timestamp_seconds.
#pragma once

#include <memory>

#include "core/collector.h"
#include "exporters/probe/config/config.h"

namespace vigia::probe {

std::shared_ptr<ModuleProber> make_module_prober(const ModuleMap& modules);

// Starts the probes' threads; they stop at interrupt() or destruction.
std::shared_ptr<TargetCollector> make_scheduled_probes(const ModuleMap& modules,
                                                       const std::vector<ProbeConfig>& probes);

}  // namespace vigia::probe

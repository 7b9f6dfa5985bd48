#include "exporters/host/loadavg_collector.h"

namespace vigia::host {

bool parse_loadavg(std::string_view text, double out[3]) {
  int n = 0;
  bool ok = true;
  for_each_field(text.substr(0, text.find('\n')), [&](std::string_view f) {
    if (!parse_double(f, out[n])) ok = false;
    return ok && ++n < 3;
  });
  return ok && n == 3;
}

Status LoadavgCollector::collect(const CollectContext&, MetricSink& sink) {
  Status st = file_.read(buf_);
  if (!st.is_ok()) return st;
  double load[3];
  if (!parse_loadavg(buf_, load)) return Status::error(file_.path() + ": expected 3 load averages");
  sink.gauge("node_load1", "1m load average.", load[0]);
  sink.gauge("node_load5", "5m load average.", load[1]);
  sink.gauge("node_load15", "15m load average.", load[2]);
  return Status::ok();
}

}  // namespace vigia::host

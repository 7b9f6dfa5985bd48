#include "exporters/host/filefd_collector.h"

namespace vigia::host {

bool parse_file_nr(std::string_view text, double& allocated, double& maximum) {
  double v[3];
  int n = 0;
  bool ok = true;
  for_each_field(text.substr(0, text.find('\n')), [&](std::string_view f) {
    ok = parse_double(f, v[n]);
    return ok && ++n < 3;
  });
  if (!ok || n < 3) return false;
  allocated = v[0];
  maximum = v[2];
  return true;
}

Status FilefdCollector::collect(const CollectContext&, MetricSink& sink) {
  Status st = file_.read(buf_);
  if (!st.is_ok()) return st;
  double allocated, maximum;
  if (!parse_file_nr(buf_, allocated, maximum)) return Status::error(file_.path() + ": expected 3 numbers");
  sink.gauge("node_filefd_allocated", "File descriptor statistics: allocated.", allocated);
  sink.gauge("node_filefd_maximum", "File descriptor statistics: maximum.", maximum);
  return Status::ok();
}

}  // namespace vigia::host

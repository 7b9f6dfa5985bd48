#include "exporters/host/arp_collector.h"

#include <algorithm>

namespace vigia::host {

Status parse_arp_entries(std::string_view text, std::vector<std::pair<std::string, uint64_t>>& out) {
  out.clear();
  Status st;
  for_each_line(text, [&](std::string_view line) {
    if (!st.is_ok()) return;
    std::string_view first, last;
    int n = 0;
    for_each_field(line, [&](std::string_view f) {
      if (n++ == 0) first = f;
      last = f;
      return true;
    });
    if (n < 6) {
      st = Status::error("unexpected ARP table format");
      return;
    }
    if (first == "IP") return;
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& e) { return e.first == last; });
    if (it == out.end())
      out.emplace_back(std::string(last), 1);
    else
      ++it->second;
  });
  std::sort(out.begin(), out.end());
  return st;
}

ArpCollector::ArpCollector(const HostOptions& opts)
    : file_(opts.paths.proc_path("net/arp")),
      include_("collector.arp.device-include", opts.arp_device_include),
      exclude_("collector.arp.device-exclude", opts.arp_device_exclude),
      has_include_(!opts.arp_device_include.empty()) {}

Status ArpCollector::collect(const CollectContext&, MetricSink& sink) {
  if (!include_.status().is_ok()) return include_.status();
  if (!exclude_.status().is_ok()) return exclude_.status();
  Status st = file_.read(buf_);
  if (!st.is_ok()) return Status::error("could not get ARP entries: " + st.message());
  st = parse_arp_entries(buf_, entries_);
  if (!st.is_ok()) return Status::error("could not get ARP entries: " + file_.path() + ": " + st.message());
  constexpr std::string_view kName = "node_arp_entries";
  sink.family(kName, "ARP entries by device", MetricType::kGauge);
  for (const auto& [device, count] : entries_) {
    if (exclude_.matches(device) || (has_include_ && !include_.matches(device))) continue;
    Label l{"device", device};
    sink.sample(kName, Labels(&l, 1), static_cast<double>(count));
  }
  return Status::ok();
}

}  // namespace vigia::host

#include "exporters/host/conntrack_collector.h"

#include "exporters/host/proc_values.h"

namespace vigia::host {

Status parse_conntrack_stat(std::string_view text, ConntrackStats& out) {
  out = ConntrackStats{};
  bool header = true;
  Status st;
  for_each_line(text, [&](std::string_view line) {
    if (header || !st.is_ok()) {
      header = false;
      return;
    }
    std::string_view f[17];
    int n = 0;
    for_each_field(line, [&](std::string_view v) {
      if (n == 17) {
        n = 18;
        return false;
      }
      f[n++] = v;
      return true;
    });
    if (n != 17) {
      st = Status::error("invalid conntrackstat entry, missing fields: \"" + std::string(line) + "\"");
      return;
    }
    constexpr int kIndex[8] = {2, 4, 5, 8, 9, 10, 11, 16};
    uint64_t* dest[8] = {&out.found,         &out.invalid, &out.ignore,     &out.insert,
                         &out.insert_failed, &out.drop,    &out.early_drop, &out.search_restart};
    uint64_t entries;
    if (!parse_hex_u64(f[0], entries)) {
      st = Status::error("couldn't parse \"" + std::string(f[0]) + "\" field");
      return;
    }
    for (int i = 0; i < 8; ++i) {
      uint64_t v;
      if (!parse_hex_u64(f[kIndex[i]], v)) {
        st = Status::error("couldn't parse \"" + std::string(f[kIndex[i]]) + "\" field");
        return;
      }
      *dest[i] += v;
    }
  });
  return st;
}

ConntrackCollector::ConntrackCollector(const HostPaths& paths)
    : count_(paths.proc_path("sys/net/netfilter/nf_conntrack_count"), ProcFile::Reads::kOneCall),
      max_(paths.proc_path("sys/net/netfilter/nf_conntrack_max"), ProcFile::Reads::kOneCall),
      stat_(paths.proc_path("net/stat/nf_conntrack")) {}

Status ConntrackCollector::collect(const CollectContext&, MetricSink& sink) {
  auto fail = [](const Status& st) {
    if (is_not_found(st)) return Status::no_data("conntrack probably not loaded");
    return Status::error("failed to retrieve conntrack stats: " + st.message());
  };
  uint64_t v;
  Status st = read_u64_file(count_, buf_, v);
  if (!st.is_ok()) return fail(st);
  sink.gauge("node_nf_conntrack_entries",
             "Number of currently allocated flow entries for connection tracking.", static_cast<double>(v));
  st = read_u64_file(max_, buf_, v);
  if (!st.is_ok()) return fail(st);
  sink.gauge("node_nf_conntrack_entries_limit", "Maximum size of connection tracking table.",
             static_cast<double>(v));
  st = stat_.read(buf_);
  if (!st.is_ok()) return fail(st);
  ConntrackStats s;
  st = parse_conntrack_stat(buf_, s);
  if (!st.is_ok()) return fail(Status::error(stat_.path() + ": " + st.message()));
  auto d = [](uint64_t x) { return static_cast<double>(x); };
  sink.gauge("node_nf_conntrack_stat_found", "Number of searched entries which were successful.", d(s.found));
  sink.gauge("node_nf_conntrack_stat_invalid", "Number of packets seen which can not be tracked.",
             d(s.invalid));
  sink.gauge("node_nf_conntrack_stat_ignore",
             "Number of packets seen which are already connected to a conntrack entry.", d(s.ignore));
  sink.gauge("node_nf_conntrack_stat_insert", "Number of entries inserted into the list.", d(s.insert));
  sink.gauge("node_nf_conntrack_stat_insert_failed",
             "Number of entries for which list insertion was attempted but failed.", d(s.insert_failed));
  sink.gauge("node_nf_conntrack_stat_drop", "Number of packets dropped due to conntrack failure.", d(s.drop));
  sink.gauge(
      "node_nf_conntrack_stat_early_drop",
      "Number of dropped conntrack entries to make room for new ones, if maximum table size was reached.",
      d(s.early_drop));
  sink.gauge("node_nf_conntrack_stat_search_restart",
             "Number of conntrack table lookups which had to be restarted due to hashtable resizes.",
             d(s.search_restart));
  return Status::ok();
}

}  // namespace vigia::host

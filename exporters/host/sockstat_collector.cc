#include "exporters/host/sockstat_collector.h"

#include <unistd.h>

namespace vigia::host {

namespace {
constexpr std::string_view kFieldNames[SockstatProtocol::kFieldCount] = {"inuse", "orphan", "tw",
                                                                         "alloc", "mem",    "memory"};
}

Status parse_sockstat(std::string_view text, Sockstat& out) {
  out.sockets_used.reset();
  size_t n = 0;
  Status st;
  for_each_line(text, [&](std::string_view line) {
    if (!st.is_ok()) return;
    std::string_view fields[32];
    size_t k = 0;
    bool too_many = false;
    for_each_field(line, [&](std::string_view f) {
      if (k == std::size(fields)) {
        too_many = true;
        return false;
      }
      fields[k++] = f;
      return true;
    });
    if (k == 0) return;
    if (k < 3 || k % 2 == 0 || too_many) {
      st = Status::error("malformed sockstat line \"" + std::string(line) + "\"");
      return;
    }
    std::string_view proto = fields[0];
    if (proto.back() == ':') proto.remove_suffix(1);
    SockstatProtocol* p = nullptr;
    if (proto != "sockets") {
      if (out.protocols.size() <= n) out.protocols.emplace_back();
      p = &out.protocols[n++];
      p->protocol.assign(proto);
      for (auto& v : p->values) v.reset();
      p->values[SockstatProtocol::kInuse] = 0;
    }
    for (size_t i = 1; i + 1 < k; i += 2) {
      int64_t v;
      if (!parse_i64(fields[i + 1], v)) {
        st = Status::error("malformed sockstat line \"" + std::string(line) + "\"");
        return;
      }
      if (!p) {
        if (fields[i] == "used") out.sockets_used = v;
        continue;
      }
      for (int f = 0; f < SockstatProtocol::kFieldCount; ++f)
        if (fields[i] == kFieldNames[f]) p->values[f] = v;
    }
    // procfs sets used (0 if absent) whenever the sockets line is there.
    if (!p && !out.sockets_used) out.sockets_used = 0;
  });
  out.protocols.resize(n);
  return st;
}

SockstatCollector::SockstatCollector(const HostPaths& paths, int64_t page_size)
    : file4_(paths.proc_path("net/sockstat")),
      file6_(paths.proc_path("net/sockstat6")),
      page_size_(page_size > 0 ? page_size : static_cast<int64_t>(::sysconf(_SC_PAGESIZE))) {}

void SockstatCollector::emit(const Sockstat& s, bool ipv6, MetricSink& sink) {
  if (!ipv6 && s.sockets_used)
    sink.gauge("node_sockstat_sockets_used", "Number of IPv4 sockets in use.",
               static_cast<double>(*s.sockets_used));
  auto one = [&](const std::string& proto, std::string_view state, int64_t v) {
    name_.assign("node_sockstat_").append(proto).append("_").append(state);
    help_.assign("Number of ").append(proto).append(" sockets in state ").append(state).append(".");
    sink.gauge(name_, help_, static_cast<double>(v));
  };
  for (const SockstatProtocol& p : s.protocols) {
    for (int f = 0; f < SockstatProtocol::kFieldCount; ++f)
      if (p.values[f]) one(p.protocol, kFieldNames[f], *p.values[f]);
    if (const auto& mem = p.values[SockstatProtocol::kMem]) one(p.protocol, "mem_bytes", *mem * page_size_);
  }
}

Status SockstatCollector::collect(const CollectContext&, MetricSink& sink) {
  // Both files are parsed before anything is written: a bad file fails the
  // collector with no samples, as in node_exporter.
  bool found[2] = {false, false};
  for (int v6 = 0; v6 < 2; ++v6) {
    ProcFile& file = v6 ? file6_ : file4_;
    const std::string& path = file.path();
    Status st = file.read(buf_);
    if (is_not_found(st)) continue;  // IPv4 or IPv6 disabled
    if (!st.is_ok()) return st;
    st = parse_sockstat(buf_, v6 ? stat6_ : stat4_);
    if (!st.is_ok()) return Status::error(path + ": " + st.message());
    found[v6] = true;
  }
  if (found[0]) emit(stat4_, false, sink);
  if (found[1]) emit(stat6_, true, sink);
  if (!found[0] && !found[1]) return Status::no_data("no sockstat files");
  return Status::ok();
}

}  // namespace vigia::host

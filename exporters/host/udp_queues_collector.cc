#include "exporters/host/udp_queues_collector.h"

#include "exporters/host/proc_values.h"

namespace vigia::host {

namespace {

// "a:b" with exactly one ':'.
bool split_colon(std::string_view s, std::string_view& a, std::string_view& b) {
  size_t c = s.find(':');
  if (c == std::string_view::npos || s.find(':', c + 1) != std::string_view::npos) return false;
  a = s.substr(0, c);
  b = s.substr(c + 1);
  return true;
}

// An address as hex.DecodeString reads it: 4 or 16 bytes.
bool valid_hex_ip(std::string_view s) {
  if (s.size() != 8 && s.size() != 32) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  return true;
}

bool parse_go_uint_base0(std::string_view s, uint64_t& out) {
  if (s.empty() || s[0] == '+' || s[0] == '-') return false;
  int64_t v;
  // uid and inode fit int64; larger values would only matter for an error.
  if (!parse_go_int64(s, v)) return parse_u64(s, out);
  out = static_cast<uint64_t>(v);
  return true;
}

Status parse_line(std::string_view line, UdpQueues& out) {
  std::string_view f[10];
  int n = 0;
  for_each_field(line, [&](std::string_view v) {
    if (n < 10) f[n] = v;
    ++n;
    return true;
  });
  if (n < 10) return Status::error("cannot parse net socket line as it has less then 10 columns");
  std::string_view a, b;
  uint64_t v;
  if (!split_colon(f[0], a, b) || !parse_go_uint_base0(a, v))
    return Status::error("cannot parse sl field in socket line \"" + std::string(f[0]) + "\"");
  for (int i = 1; i <= 2; ++i)
    if (!split_colon(f[i], a, b) || !valid_hex_ip(a) || !parse_hex_u64(b, v))
      return Status::error("cannot parse address field in socket line \"" + std::string(f[i]) + "\"");
  if (!parse_hex_u64(f[3], v)) return Status::error("cannot parse st value in socket line");
  uint64_t tx, rx;
  if (!split_colon(f[4], a, b) || !parse_hex_u64(a, tx) || !parse_hex_u64(b, rx))
    return Status::error("cannot parse tx/rx queues in socket line \"" + std::string(f[4]) + "\"");
  if (!parse_go_uint_base0(f[7], v)) return Status::error("cannot parse uid value in socket line");
  if (!parse_go_uint_base0(f[9], v)) return Status::error("cannot parse inode value in socket line");
  out.tx += tx;
  out.rx += rx;
  return Status::ok();
}

}  // namespace

Status parse_udp_queues(std::string_view text, UdpQueues& out) {
  out = UdpQueues{};
  bool header = true;
  Status st;
  for_each_line(text, [&](std::string_view line) {
    if (header) {
      header = false;
      return;
    }
    if (st.is_ok()) st = parse_line(line, out);
  });
  return st;
}

Status UdpQueuesCollector::collect(const CollectContext&, MetricSink& sink) {
  constexpr std::string_view kName = "node_udp_queues";
  auto emit = [&](const UdpQueues& q, std::string_view ip) {
    sink.family(kName, "Number of allocated memory in the kernel for UDP datagrams in bytes.",
                MetricType::kGauge);
    Label rx[2] = {{"ip", ip}, {"queue", "rx"}};
    Label tx[2] = {{"ip", ip}, {"queue", "tx"}};
    sink.sample(kName, Labels(rx, 2), static_cast<double>(q.rx));
    sink.sample(kName, Labels(tx, 2), static_cast<double>(q.tx));
  };
  bool missing[2] = {false, false};
  for (int v6 = 0; v6 < 2; ++v6) {
    ProcFile& file = v6 ? file6_ : file4_;
    UdpQueues q;
    Status st = file.read(buf_);
    if (st.is_ok()) st = parse_udp_queues(buf_, q);
    if (st.is_ok()) {
      emit(q, v6 ? "v6" : "v4");
    } else if (is_not_found(st)) {
      missing[v6] = true;
    } else {
      return Status::error(
          std::string(v6 ? "couldn't get udp6 queued bytes: " : "couldn't get udp queued bytes: ") +
          file.path() + ": " + st.message());
    }
  }
  if (missing[0] && missing[1]) return Status::no_data("no /proc/net/udp nor udp6");
  return Status::ok();
}

}  // namespace vigia::host

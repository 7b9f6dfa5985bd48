#include "exporters/host/tcpstat_collector.h"

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cstring>

namespace vigia::host {

namespace {

constexpr std::string_view kStateNames[TcpStats::kCount] = {
    "unknown", "established", "syn_sent", "syn_recv", "fin_wait1", "fin_wait2",       "time_wait",
    "close",   "close_wait",  "last_ack", "listen",   "closing",   "rx_queued_bytes", "tx_queued_bytes"};

// The entries in label order, as node_exporter's registry sorts the series.
constexpr int kLabelOrder[TcpStats::kCount] = {7, 8, 11, 1, 4, 5, 9, 10, 12, 3, 2, 6, 13, 0};

// Every TCP state up to TCP_CLOSING (node_exporter's TCPFAll).
constexpr uint32_t kAllStates = 0xFFF;

void add_socket(uint16_t type, const uint8_t* body, size_t len, TcpStats& out, bool& short_msg) {
  if (type != SOCK_DIAG_BY_FAMILY) return;
  if (len < sizeof(inet_diag_msg)) {
    short_msg = true;
    return;
  }
  inet_diag_msg m;
  std::memcpy(&m, body, sizeof m);
  out.values[TcpStats::kTxQueued] += m.idiag_wqueue;
  out.values[TcpStats::kRxQueued] += m.idiag_rqueue;
  out.seen[TcpStats::kTxQueued] = out.seen[TcpStats::kRxQueued] = true;
  int state = m.idiag_state < TcpStats::kCount ? m.idiag_state : 0;
  out.values[state] += 1;
  out.seen[state] = true;
}

}  // namespace

std::string_view tcp_state_name(int i) { return i >= 0 && i < TcpStats::kCount ? kStateNames[i] : "unknown"; }

Status parse_tcp_diag_dump(const uint8_t* data, size_t len, TcpStats& out, bool& done) {
  bool short_msg = false;
  Status st = walk_netlink_dump(data, len, "SOCK_DIAG_BY_FAMILY", done,
                                [&](uint16_t type, const uint8_t* body, size_t n) {
                                  if (!short_msg) add_socket(type, body, n, out, short_msg);
                                });
  if (st.is_ok() && short_msg) return Status::error("netlink: truncated inet_diag_msg");
  return st;
}

TcpstatCollector::TcpstatCollector(const HostPaths& paths)
    : tcp6_path_(paths.proc_path("net/tcp6")), dumper_(NETLINK_SOCK_DIAG) {}

Status TcpstatCollector::dump(uint8_t family, TcpStats& out) {
  inet_diag_req_v2 req{};
  req.sdiag_family = family;
  req.sdiag_protocol = IPPROTO_TCP;
  req.idiag_states = kAllStates;
  bool short_msg = false;
  Status st = dumper_.dump(SOCK_DIAG_BY_FAMILY, &req, sizeof req, "SOCK_DIAG_BY_FAMILY",
                           [&](uint16_t type, const uint8_t* body, size_t n) {
                             if (!short_msg) add_socket(type, body, n, out, short_msg);
                           });
  if (st.is_ok() && short_msg) return Status::error("netlink: truncated inet_diag_msg");
  return st;
}

Status TcpstatCollector::collect(const CollectContext&, MetricSink& sink) {
  TcpStats stats;
  if (Status st = dump(AF_INET, stats); !st.is_ok())
    return Status::error("couldn't get tcpstats: " + st.message());
  // As node_exporter: IPv6 sockets only where <procfs>/net/tcp6 exists.
  struct stat sb;
  if (::stat(tcp6_path_.c_str(), &sb) == 0) {
    if (Status st = dump(AF_INET6, stats); !st.is_ok())
      return Status::error("couldn't get tcp6stats: " + st.message());
  }
  constexpr std::string_view kName = "node_tcp_connection_states";
  bool any = false;
  for (int i : kLabelOrder) {
    if (!stats.seen[i]) continue;
    if (!any) sink.family(kName, "Number of connection states.", MetricType::kGauge);
    any = true;
    Label l[1] = {{"state", tcp_state_name(i)}};
    sink.sample(kName, Labels(l, 1), stats.values[i]);
  }
  return Status::ok();
}

}  // namespace vigia::host

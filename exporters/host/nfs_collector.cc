#include "exporters/host/nfs_collector.h"

#include <algorithm>

#include "exporters/host/go_text.h"

namespace vigia::host {

const std::vector<std::string_view>& nfs_v2_methods() {
  static const std::vector<std::string_view> m = {
      "Null",   "GetAttr", "SetAttr", "Root", "Lookup",  "ReadLink", "Read",  "WrCache", "Write",
      "Create", "Remove",  "Rename",  "Link", "SymLink", "MkDir",    "RmDir", "ReadDir", "FsStat"};
  return m;
}

const std::vector<std::string_view>& nfs_v3_methods() {
  static const std::vector<std::string_view> m = {
      "Null",    "GetAttr",     "SetAttr", "Lookup", "Access",   "ReadLink", "Read",   "Write",
      "Create",  "MkDir",       "SymLink", "MkNod",  "Remove",   "RmDir",    "Rename", "Link",
      "ReadDir", "ReadDirPlus", "FsStat",  "FsInfo", "PathConf", "Commit"};
  return m;
}

const std::vector<std::string_view>& nfs_client_v4_methods() {
  static const std::vector<std::string_view> m = {"Null",
                                                  "Read",
                                                  "Write",
                                                  "Commit",
                                                  "Open",
                                                  "OpenConfirm",
                                                  "OpenNoattr",
                                                  "OpenDowngrade",
                                                  "Close",
                                                  "Setattr",
                                                  "FsInfo",
                                                  "Renew",
                                                  "SetClientID",
                                                  "SetClientIDConfirm",
                                                  "Lock",
                                                  "Lockt",
                                                  "Locku",
                                                  "Access",
                                                  "Getattr",
                                                  "Lookup",
                                                  "LookupRoot",
                                                  "Remove",
                                                  "Rename",
                                                  "Link",
                                                  "Symlink",
                                                  "Create",
                                                  "Pathconf",
                                                  "StatFs",
                                                  "ReadLink",
                                                  "ReadDir",
                                                  "ServerCaps",
                                                  "DelegReturn",
                                                  "GetACL",
                                                  "SetACL",
                                                  "FsLocations",
                                                  "ReleaseLockowner",
                                                  "Secinfo",
                                                  "FsidPresent",
                                                  "ExchangeID",
                                                  "CreateSession",
                                                  "DestroySession",
                                                  "Sequence",
                                                  "GetLeaseTime",
                                                  "ReclaimComplete",
                                                  "LayoutGet",
                                                  "GetDeviceInfo",
                                                  "LayoutCommit",
                                                  "LayoutReturn",
                                                  "SecinfoNoName",
                                                  "TestStateID",
                                                  "FreeStateID",
                                                  "GetDeviceList",
                                                  "BindConnToSession",
                                                  "DestroyClientID",
                                                  "Seek",
                                                  "Allocate",
                                                  "DeAllocate",
                                                  "LayoutStats",
                                                  "Clone"};
  return m;
}

bool split_rpc_lines(std::string_view text, std::vector<std::string_view>& lines) {
  lines.clear();
  size_t i = 0;
  while (i < text.size()) {
    size_t j = text.find('\n', i);
    if (j == std::string_view::npos) j = text.size();
    std::string_view line = text.substr(i, j - i);
    if (line.size() >= 65536) return false;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);  // bufio.ScanLines drops it
    lines.push_back(line);
    i = j + 1;
  }
  return true;
}

void add_requests(std::vector<NfsRequest>& out, std::string_view proto,
                  const std::vector<std::string_view>& methods, const std::vector<uint64_t>& values) {
  for (size_t i = 0; i < methods.size(); ++i)
    out.push_back({methods[i], proto, i < values.size() ? values[i] : 0});
}

namespace {

Status bad_line(std::string_view line) {
  return Status::error("invalid NFS metric line \"" + std::string(line) + "\"");
}

// "procN <count> <v>...": the values after the count into out (count must
// match; at least `min` of them; fewer than `pad_to` padded with zeros).
bool proc_values(const std::vector<uint64_t>& v, size_t min, size_t pad_to, std::vector<uint64_t>& out) {
  if (v[0] != v.size() - 1 || v[0] < min) return false;
  out.assign(v.begin() + 1, v.end());
  if (out.size() < pad_to) out.resize(pad_to, 0);
  return true;
}

}  // namespace

Status parse_nfs_client(std::string_view text, NfsClientStats& out) {
  out = NfsClientStats{};
  std::vector<std::string_view> lines, fields;
  if (!split_rpc_lines(text, lines)) return Status::error("error scanning NFS file: token too long");
  std::vector<uint64_t> v;
  for (std::string_view line : lines) {
    go_fields(line, fields);
    if (fields.size() < 2) return bad_line(line);
    v.clear();
    for (size_t i = 1; i < fields.size(); ++i) {
      uint64_t x;
      if (!parse_u64(fields[i], x)) return bad_line(line);
      v.push_back(x);
    }
    std::string_view key = fields[0];
    bool ok;
    if (key == "net") {
      ok = v.size() == 4;
      if (ok) std::copy(v.begin(), v.end(), out.net);
    } else if (key == "rpc") {
      ok = v.size() == 3;
      if (ok) std::copy(v.begin(), v.end(), out.rpc);
    } else if (key == "proc2") {
      ok = proc_values(v, 18, 0, out.proc2);
    } else if (key == "proc3") {
      ok = proc_values(v, 22, 0, out.proc3);
    } else if (key == "proc4") {
      ok = proc_values(v, 0, 59, out.proc4);
    } else {
      return Status::error("unknown NFS metric line \"" + std::string(key) + "\"");
    }
    if (!ok) return bad_line(line);
  }
  return Status::ok();
}

Status NfsCollector::collect(const CollectContext&, MetricSink& sink) {
  Status st = file_.read(buf_);
  if (is_not_found(st)) return Status::no_data("no " + file_.path());
  if (!st.is_ok()) return st;
  st = parse_nfs_client(buf_, stats_);
  if (!st.is_ok())
    return Status::error("failed to retrieve nfs stats: " + file_.path() + ": " + st.message());
  const NfsClientStats& s = stats_;
  sink.counter("node_nfs_connections_total", "Total number of NFSd TCP connections.",
               static_cast<double>(s.net[3]));
  sink.family("node_nfs_packets_total", "Total NFSd network packets (sent+received) by protocol type.",
              MetricType::kCounter);
  sink.sample("node_nfs_packets_total", {{"protocol", "tcp"}}, static_cast<double>(s.net[2]));
  sink.sample("node_nfs_packets_total", {{"protocol", "udp"}}, static_cast<double>(s.net[1]));
  sink.counter("node_nfs_rpc_authentication_refreshes_total",
               "Number of RPC authentication refreshes performed.", static_cast<double>(s.rpc[2]));
  sink.counter("node_nfs_rpc_retransmissions_total", "Number of RPC transmissions performed.",
               static_cast<double>(s.rpc[1]));
  sink.counter("node_nfs_rpcs_total", "Total number of RPCs performed.", static_cast<double>(s.rpc[0]));
  std::vector<NfsRequest> reqs;
  add_requests(reqs, "2", nfs_v2_methods(), s.proc2);
  add_requests(reqs, "3", nfs_v3_methods(), s.proc3);
  add_requests(reqs, "4", nfs_client_v4_methods(), s.proc4);
  std::sort(reqs.begin(), reqs.end(), [](const NfsRequest& a, const NfsRequest& b) {
    return a.method != b.method ? a.method < b.method : a.proto < b.proto;
  });
  sink.family("node_nfs_requests_total", "Number of NFS procedures invoked.", MetricType::kCounter);
  for (const NfsRequest& r : reqs)
    sink.sample("node_nfs_requests_total", {{"method", r.method}, {"proto", r.proto}},
                static_cast<double>(r.value));
  return Status::ok();
}

}  // namespace vigia::host

#include "exporters/host/nfsd_collector.h"

#include <algorithm>

#include "exporters/host/go_text.h"
#include "exporters/host/nfs_collector.h"

namespace vigia::host {

namespace {

// The series node_exporter 1.5 exports per version: (method, index in the
// line's values after the count).
struct Method {
  std::string_view name;
  size_t index;
};
constexpr Method kV2[] = {{"GetAttr", 1},  {"SetAttr", 2}, {"Root", 3},     {"Lookup", 4}, {"ReadLink", 5},
                          {"Read", 6},     {"WrCache", 7}, {"Write", 8},    {"Create", 9}, {"Remove", 10},
                          {"Rename", 11},  {"Link", 12},   {"SymLink", 13}, {"MkDir", 14}, {"RmDir", 15},
                          {"ReadDir", 16}, {"FsStat", 17}};
constexpr Method kV3[] = {
    {"GetAttr", 1}, {"SetAttr", 2},   {"Lookup", 3}, {"Access", 4},   {"ReadLink", 5},     {"Read", 6},
    {"Write", 7},   {"Create", 8},    {"MkDir", 9},  {"SymLink", 10}, {"MkNod", 11},       {"Remove", 12},
    {"RmDir", 13},  {"Rename", 14},   {"Link", 15},  {"ReadDir", 16}, {"ReadDirPlus", 17}, {"FsStat", 18},
    {"FsInfo", 19}, {"PathConf", 20}, {"Commit", 21}};
constexpr Method kV4[] = {
    {"Access", 3},      {"Close", 4},      {"Commit", 5},       {"Create", 6},      {"DelegPurge", 7},
    {"DelegReturn", 8}, {"GetAttr", 9},    {"GetFH", 10},       {"Link", 11},       {"Lock", 12},
    {"Lockt", 13},      {"Locku", 14},     {"Lookup", 15},      {"LookupRoot", 16}, {"Nverify", 17},
    {"Open", 18},       {"OpenAttr", 19},  {"OpenConfirm", 20}, {"OpenDgrd", 21},   {"PutFH", 22},
    {"Read", 25},       {"ReadDir", 26},   {"ReadLink", 27},    {"Remove", 28},     {"Rename", 29},
    {"Renew", 30},      {"RestoreFH", 31}, {"SaveFH", 32},      {"SecInfo", 33},    {"SetAttr", 34},
    {"Verify", 35},     {"Write", 36},     {"RelLockOwner", 37}};

Status bad_line(std::string_view line) {
  return Status::error("invalid NFSd metric line \"" + std::string(line) + "\"");
}

template <size_t N>
bool fixed(const std::vector<uint64_t>& v, uint64_t (&dst)[N]) {
  if (v.size() != N) return false;
  std::copy(v.begin(), v.end(), dst);
  return true;
}

// "<count> <v>...": count matches, and min <= count (max: exactly).
bool counted(const std::vector<uint64_t>& v, uint64_t min, uint64_t max, std::vector<uint64_t>* out) {
  if (v[0] != v.size() - 1 || v[0] < min || v[0] > max) return false;
  if (out) out->assign(v.begin() + 1, v.end());
  return true;
}

void add(std::vector<NfsRequest>& out, std::string_view proto, const Method* methods, size_t n,
         const std::vector<uint64_t>& values) {
  for (size_t i = 0; i < n; ++i)
    out.push_back({methods[i].name, proto, methods[i].index < values.size() ? values[methods[i].index] : 0});
}

}  // namespace

Status parse_nfsd(std::string_view text, NfsdStats& out) {
  out = NfsdStats{};
  std::vector<std::string_view> lines, fields;
  if (!split_rpc_lines(text, lines)) return Status::error("error scanning NFSd file: token too long");
  std::vector<uint64_t> v;
  for (std::string_view line : lines) {
    go_fields(line, fields);
    if (fields.size() < 2) return bad_line(line);
    std::string_view key = fields[0];
    size_t end = fields.size();
    if (key == "th") {
      if (fields.size() < 3) return bad_line(line);
      end = 3;
    }
    v.clear();
    for (size_t i = 1; i < end; ++i) {
      uint64_t x;
      if (!parse_u64(fields[i], x)) return bad_line(line);
      v.push_back(x);
    }
    bool ok;
    if (key == "rc")
      ok = fixed(v, out.rc);
    else if (key == "fh")
      ok = fixed(v, out.fh);
    else if (key == "io")
      ok = fixed(v, out.io);
    else if (key == "th")
      ok = fixed(v, out.th);
    else if (key == "ra")
      ok = fixed(v, out.ra);
    else if (key == "net")
      ok = fixed(v, out.net);
    else if (key == "rpc")
      ok = fixed(v, out.rpc);
    else if (key == "proc2")
      ok = counted(v, 18, UINT64_MAX, &out.proc2);
    else if (key == "proc3")
      ok = counted(v, 22, UINT64_MAX, &out.proc3);
    else if (key == "proc4")
      ok = counted(v, 2, 2, nullptr);
    else if (key == "proc4ops")
      ok = counted(v, 39, UINT64_MAX, &out.proc4ops);
    else
      return Status::error("unknown NFSd metric line \"" + std::string(key) + "\"");
    if (!ok) return bad_line(line);
  }
  return Status::ok();
}

Status NfsdCollector::collect(const CollectContext&, MetricSink& sink) {
  Status st = file_.read(buf_);
  if (is_not_found(st)) return Status::no_data("no " + file_.path());
  if (!st.is_ok()) return st;
  st = parse_nfsd(buf_, stats_);
  if (!st.is_ok())
    return Status::error("failed to retrieve nfsd stats: " + file_.path() + ": " + st.message());
  const NfsdStats& s = stats_;
  auto d = [](uint64_t v) { return static_cast<double>(v); };
  sink.counter("node_nfsd_connections_total", "Total number of NFSd TCP connections.", d(s.net[3]));
  sink.counter("node_nfsd_disk_bytes_read_total", "Total NFSd bytes read.", d(s.io[0]));
  sink.counter("node_nfsd_disk_bytes_written_total", "Total NFSd bytes written.", d(s.io[1]));
  sink.counter("node_nfsd_file_handles_stale_total", "Total number of NFSd stale file handles", d(s.fh[0]));
  sink.family("node_nfsd_packets_total", "Total NFSd network packets (sent+received) by protocol type.",
              MetricType::kCounter);
  sink.sample("node_nfsd_packets_total", {{"proto", "tcp"}}, d(s.net[2]));
  sink.sample("node_nfsd_packets_total", {{"proto", "udp"}}, d(s.net[1]));
  sink.counter("node_nfsd_read_ahead_cache_not_found_total",
               "Total number of NFSd read ahead cache not found.", d(s.ra[11]));
  sink.gauge("node_nfsd_read_ahead_cache_size_blocks", "How large the read ahead cache is in blocks.",
             d(s.ra[0]));
  sink.counter("node_nfsd_reply_cache_hits_total",
               "Total number of NFSd Reply Cache hits (client lost server response).", d(s.rc[0]));
  sink.counter("node_nfsd_reply_cache_misses_total",
               "Total number of NFSd Reply Cache an operation that requires caching (idempotent).",
               d(s.rc[1]));
  sink.counter("node_nfsd_reply_cache_nocache_total",
               "Total number of NFSd Reply Cache non-idempotent operations (rename/delete/\u2026).",
               d(s.rc[2]));
  std::vector<NfsRequest> reqs;
  add(reqs, "2", kV2, std::size(kV2), s.proc2);
  add(reqs, "3", kV3, std::size(kV3), s.proc3);
  add(reqs, "4", kV4, std::size(kV4), s.proc4ops);
  std::sort(reqs.begin(), reqs.end(), [](const NfsRequest& a, const NfsRequest& b) {
    return a.method != b.method ? a.method < b.method : a.proto < b.proto;
  });
  sink.family("node_nfsd_requests_total", "Total number NFSd Requests by method and protocol.",
              MetricType::kCounter);
  for (const NfsRequest& r : reqs)
    sink.sample("node_nfsd_requests_total", {{"method", r.method}, {"proto", r.proto}}, d(r.value));
  sink.family("node_nfsd_rpc_errors_total", "Total number of NFSd RPC errors by error type.",
              MetricType::kCounter);
  sink.sample("node_nfsd_rpc_errors_total", {{"error", "auth"}}, d(s.rpc[3]));
  sink.sample("node_nfsd_rpc_errors_total", {{"error", "cInt"}}, d(s.rpc[4]));
  sink.sample("node_nfsd_rpc_errors_total", {{"error", "fmt"}}, d(s.rpc[2]));
  sink.counter("node_nfsd_server_rpcs_total", "Total number of NFSd RPCs.", d(s.rpc[0]));
  sink.gauge("node_nfsd_server_threads", "Total number of NFSd kernel threads that are running.", d(s.th[0]));
  return Status::ok();
}

}  // namespace vigia::host

#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/collector.h"
#include "core/fs.h"

namespace vigia::host {

// /proc/net/rpc/nfs as procfs's ClientRPCStats (v0.8.0) reads it. Lines that
// are absent leave zeros.
struct NfsClientStats {
  uint64_t net[4] = {};                       // net: count, udp, tcp, tcp connections
  uint64_t rpc[3] = {};                       // rpc: calls, retransmissions, auth refreshes
  std::vector<uint64_t> proc2, proc3, proc4;  // procedure counts, method order
};

// procfs's method names (Go field names) of proc2, proc3 and proc4 in
// line order: 18, 22 and 59 of them.
const std::vector<std::string_view>& nfs_v2_methods();
const std::vector<std::string_view>& nfs_v3_methods();
const std::vector<std::string_view>& nfs_client_v4_methods();

// Every line must be "<key> <uint64>..." with a known key (net, rpc, proc2,
// proc3, proc4) and its count of values (procN: the first value counts the
// rest; proc2 needs >= 18, proc3 >= 22, proc4 pads missing ones with zeros);
// anything else is an error, as in procfs.
Status parse_nfs_client(std::string_view text, NfsClientStats& out);

// node_nfs_{packets,connections,rpcs,rpc_retransmissions,
// rpc_authentication_refreshes,requests}_total from <procfs>/net/rpc/nfs; no
// file (no NFS client module), no data.
class NfsCollector final : public Collector {
 public:
  explicit NfsCollector(const HostPaths& paths) : file_(paths.proc_path("net/rpc/nfs")) {}
  std::string_view name() const override { return "nfs"; }
  Status collect(const CollectContext& ctx, MetricSink& sink) override;

 private:
  ProcFile file_;
  std::string buf_;
  NfsClientStats stats_;
};

// The lines of a procfs-style RPC statistics file, split with procfs's
// (bufio.Scanner) rules; false if a line is 64 KiB or longer.
bool split_rpc_lines(std::string_view text, std::vector<std::string_view>& lines);

// The series of node_nfs(d)_requests_total: (method, proto) sorted as
// Prometheus's registry orders them, from per-version counts.
struct NfsRequest {
  std::string_view method, proto;
  uint64_t value;
};
void add_requests(std::vector<NfsRequest>& out, std::string_view proto,
                  const std::vector<std::string_view>& methods, const std::vector<uint64_t>& values);

}  // namespace vigia::host

#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/collector.h"
#include "core/fs.h"

namespace vigia::host {

// /proc/net/rpc/nfsd as procfs's ServerRPCStats (v0.8.0) reads it; lines that
// are absent leave zeros.
struct NfsdStats {
  uint64_t rc[3] = {};                           // reply cache: hits, misses, nocache
  uint64_t fh[5] = {};                           // file handles: stale, …
  uint64_t io[2] = {};                           // bytes read, written
  uint64_t th[2] = {};                           // threads, full count
  uint64_t ra[12] = {};                          // read-ahead cache: size, histogram[10], not found
  uint64_t net[4] = {};                          // count, udp, tcp, tcp connections
  uint64_t rpc[5] = {};                          // calls, bad, bad fmt, bad auth, bad client
  std::vector<uint64_t> proc2, proc3, proc4ops;  // procedure counts, line order
};

// Every line must be "<key> <uint64>..." with a known key (rc fh io th ra
// net rpc proc2 proc3 proc4 proc4ops) and its count of values (th: the first
// two are read, the rest ignored; proc2 >= 18, proc3 >= 22, proc4 exactly 2,
// proc4ops >= 39); anything else is an error, as in procfs.
Status parse_nfsd(std::string_view text, NfsdStats& out);

// node_nfsd_* from <procfs>/net/rpc/nfsd; no file (no NFS server), no data.
class NfsdCollector final : public Collector {
 public:
  explicit NfsdCollector(const HostPaths& paths) : file_(paths.proc_path("net/rpc/nfsd")) {}
  std::string_view name() const override { return "nfsd"; }
  Status collect(const CollectContext& ctx, MetricSink& sink) override;

 private:
  ProcFile file_;
  std::string buf_;
  NfsdStats stats_;
};

}  // namespace vigia::host

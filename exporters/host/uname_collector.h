#pragma once

#include <string>
#include <vector>
#include <string_view>

#include "core/collector.h"
#include "core/fs.h"

namespace vigia::host {

struct UnameInfo {
  std::string sysname, nodename, release, version, machine, domainname;
};

// Reads the uname fields from <proc>/sys/kernel/{ostype,hostname,osrelease,
// version,domainname,arch}: the same strings uname(2) returns (the hostname
// and domainname of the reader's UTS namespace, as with the syscall). If arch
// is absent (kernels before 6.1), machine comes from uname(2). Errors name
// the missing file.
Status read_uname_procfs(const HostPaths& paths, UnameInfo& out);

// uname(2).
Status read_uname_syscall(UnameInfo& out);

// node_uname_info{domainname,machine,nodename,release,sysname,version} 1.
// With --path.procfs=/proc (the default) from uname(2), as node_exporter;
// with another procfs root (fixtures) through its files (read_uname_procfs),
// falling back to uname(2) if they are missing.
class UnameCollector final : public Collector {
 public:
  explicit UnameCollector(const HostPaths& paths);
  std::string_view name() const override { return "uname"; }
  Status collect(const CollectContext& ctx, MetricSink& sink) override;

 private:
  // With the real /proc, uname(2) answers the same as the six files below in
  // a fraction of a microsecond (the files cost ~6 us each).
  bool use_syscall_;
  // sys/kernel/{ostype,hostname,osrelease,version,domainname,arch}
  std::vector<ProcFile> files_;
  UnameInfo info_;
};

}  // namespace vigia::host

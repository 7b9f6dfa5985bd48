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
// Read through procfs (see read_uname_procfs) so tests run on fixtures; if
// procfs lacks the files, falls back to uname(2) as node_exporter uses.
class UnameCollector final : public Collector {
 public:
  explicit UnameCollector(const HostPaths& paths);
  std::string_view name() const override { return "uname"; }
  Status collect(const CollectContext& ctx, MetricSink& sink) override;

 private:
  // sys/kernel/{ostype,hostname,osrelease,version,domainname,arch}
  std::vector<ProcFile> files_;
  UnameInfo info_;
};

}  // namespace vigia::host

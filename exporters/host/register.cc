// One line per host collector: name, enabled by default, factory.
#include <memory>

#include "exporters/host/host.h"
#include "exporters/host/diskstats_collector.h"
#include "exporters/host/filesystem_collector.h"
#include "exporters/host/loadavg_collector.h"
#include "exporters/host/netdev_collector.h"
#include "exporters/host/netstat_collector.h"
#include "exporters/host/sockstat_collector.h"

namespace vigia::host {

void register_collectors(CollectorCatalog& c, const HostOptions& o) {
  c.add("diskstats", true, [o] { return std::make_unique<DiskstatsCollector>(o); });
  c.add("filesystem", true, [o] { return std::make_unique<FilesystemCollector>(o); });
  c.add("loadavg", true, [o] { return std::make_unique<LoadavgCollector>(o.paths); });
  c.add("netdev", true, [o] { return std::make_unique<NetdevCollector>(o); });
  c.add("netstat", true, [o] { return std::make_unique<NetstatCollector>(o); });
  c.add("sockstat", true, [o] { return std::make_unique<SockstatCollector>(o.paths); });
}

}  // namespace vigia::host

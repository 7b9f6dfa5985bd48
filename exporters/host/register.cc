// One line per host collector: name, enabled by default, factory.
#include <memory>

#include "exporters/host/cpu_collector.h"
#include "exporters/host/diskstats_collector.h"
#include "exporters/host/filefd_collector.h"
#include "exporters/host/filesystem_collector.h"
#include "exporters/host/interrupts_collector.h"
#include "exporters/host/host.h"
#include "exporters/host/loadavg_collector.h"
#include "exporters/host/meminfo_collector.h"
#include "exporters/host/netdev_collector.h"
#include "exporters/host/netstat_collector.h"
#include "exporters/host/os_collector.h"
#include "exporters/host/pressure_collector.h"
#include "exporters/host/processes_collector.h"
#include "exporters/host/sockstat_collector.h"
#include "exporters/host/stat_collector.h"
#include "exporters/host/textfile_collector.h"
#include "exporters/host/time_collector.h"
#include "exporters/host/uname_collector.h"
#include "exporters/host/vmstat_collector.h"

namespace vigia::host {

void register_collectors(CollectorCatalog& c, const HostOptions& o) {
  c.add("cpu", true, [o] { return std::make_unique<CpuCollector>(o.paths, o.cpu_info); });
  c.add("diskstats", true, [o] { return std::make_unique<DiskstatsCollector>(o); });
  c.add("filefd", true, [o] { return std::make_unique<FilefdCollector>(o.paths); });
  c.add("filesystem", true, [o] { return std::make_unique<FilesystemCollector>(o); });
  c.add("interrupts", false, [o] { return std::make_unique<InterruptsCollector>(o.paths); });
  c.add("loadavg", true, [o] { return std::make_unique<LoadavgCollector>(o.paths); });
  c.add("meminfo", true, [o] { return std::make_unique<MeminfoCollector>(o.paths); });
  c.add("netdev", true, [o] { return std::make_unique<NetdevCollector>(o); });
  c.add("netstat", true, [o] { return std::make_unique<NetstatCollector>(o); });
  c.add("os", true, [o] { return std::make_unique<OsCollector>(o.paths); });
  c.add("pressure", true, [o] { return std::make_unique<PressureCollector>(o.paths); });
  c.add("processes", false, [o] { return std::make_unique<ProcessesCollector>(o.paths); });
  c.add("sockstat", true, [o] { return std::make_unique<SockstatCollector>(o.paths); });
  c.add("stat", true, [o] { return std::make_unique<StatCollector>(o.paths, o.stat_softirq); });
  c.add("textfile", true, [o] { return std::make_unique<TextfileCollector>(o.textfile_directory); });
  c.add("time", true, [o] { return std::make_unique<TimeCollector>(o.paths); });
  c.add("uname", true, [o] { return std::make_unique<UnameCollector>(o.paths); });
  c.add("vmstat", true, [o] { return std::make_unique<VmstatCollector>(o.paths, o.vmstat_fields); });
}

}  // namespace vigia::host

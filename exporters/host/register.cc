// One line per host collector: name, enabled by default, factory.
#include <memory>

#include "exporters/host/arp_collector.h"
#include "exporters/host/btrfs_collector.h"
#include "exporters/host/conntrack_collector.h"
#include "exporters/host/cpu_collector.h"
#include "exporters/host/cpufreq_collector.h"
#include "exporters/host/diskstats_collector.h"
#include "exporters/host/dmi_collector.h"
#include "exporters/host/entropy_collector.h"
#include "exporters/host/filefd_collector.h"
#include "exporters/host/filesystem_collector.h"
#include "exporters/host/interrupts_collector.h"
#include "exporters/host/host.h"
#include "exporters/host/hwmon_collector.h"
#include "exporters/host/loadavg_collector.h"
#include "exporters/host/mdadm_collector.h"
#include "exporters/host/meminfo_collector.h"
#include "exporters/host/netclass_collector.h"
#include "exporters/host/netdev_collector.h"
#include "exporters/host/netstat_collector.h"
#include "exporters/host/nfs_collector.h"
#include "exporters/host/nfsd_collector.h"
#include "exporters/host/nvme_collector.h"
#include "exporters/host/os_collector.h"
#include "exporters/host/pressure_collector.h"
#include "exporters/host/powersupply_collector.h"
#include "exporters/host/processes_collector.h"
#include "exporters/host/schedstat_collector.h"
#include "exporters/host/selinux_collector.h"
#include "exporters/host/sockstat_collector.h"
#include "exporters/host/softnet_collector.h"
#include "exporters/host/stat_collector.h"
#include "exporters/host/systemd_collector.h"
#include "exporters/host/tcpstat_collector.h"
#include "exporters/host/textfile_collector.h"
#include "exporters/host/thermal_zone_collector.h"
#include "exporters/host/time_collector.h"
#include "exporters/host/timex_collector.h"
#include "exporters/host/udp_queues_collector.h"
#include "exporters/host/uname_collector.h"
#include "exporters/host/vmstat_collector.h"
#include "exporters/host/xfs_collector.h"

namespace vigia::host {

void register_collectors(CollectorCatalog& c, const HostOptions& o) {
  c.add("arp", true, [o] { return std::make_unique<ArpCollector>(o); });
  c.add("btrfs", true, [o] { return std::make_unique<BtrfsCollector>(o.paths); });
  c.add("conntrack", true, [o] { return std::make_unique<ConntrackCollector>(o.paths); });
  c.add("cpu", true, [o] { return std::make_unique<CpuCollector>(o.paths, o.cpu_info); });
  c.add("cpufreq", true, [o] { return std::make_unique<CpufreqCollector>(o.paths); });
  c.add("diskstats", true, [o] { return std::make_unique<DiskstatsCollector>(o); });
  c.add("dmi", true, [o] { return std::make_unique<DmiCollector>(o.paths); });
  c.add("entropy", true, [o] { return std::make_unique<EntropyCollector>(o.paths); });
  c.add("filefd", true, [o] { return std::make_unique<FilefdCollector>(o.paths); });
  c.add("filesystem", true, [o] { return std::make_unique<FilesystemCollector>(o); });
  c.add("hwmon", true, [o] { return std::make_unique<HwmonCollector>(o.paths); });
  c.add("interrupts", false, [o] { return std::make_unique<InterruptsCollector>(o.paths); });
  c.add("loadavg", true, [o] { return std::make_unique<LoadavgCollector>(o.paths); });
  c.add("mdadm", true, [o] { return std::make_unique<MdadmCollector>(o.paths); });
  c.add("meminfo", true, [o] { return std::make_unique<MeminfoCollector>(o.paths); });
  // The catalogue is asked at build time, when every switch is set (c builds
  // the collectors it holds, so it outlives this factory's calls).
  c.add("netclass", true, [o, &c] {
    HostOptions n = o;
    for (const auto& [name, on] : c.list())
      if (name == "netdev") n.netclass_stats_beside_netdev = on;
    return std::make_unique<NetclassCollector>(n);
  });
  c.add("netdev", true, [o] { return std::make_unique<NetdevCollector>(o); });
  c.add("netstat", true, [o] { return std::make_unique<NetstatCollector>(o); });
  c.add("nfs", true, [o] { return std::make_unique<NfsCollector>(o.paths); });
  c.add("nfsd", true, [o] { return std::make_unique<NfsdCollector>(o.paths); });
  c.add("nvme", true, [o] { return std::make_unique<NvmeCollector>(o.paths); });
  c.add("os", true, [o] { return std::make_unique<OsCollector>(o.paths); });
  c.add("powersupplyclass", true, [o] { return std::make_unique<PowerSupplyCollector>(o); });
  c.add("pressure", true, [o] { return std::make_unique<PressureCollector>(o.paths); });
  c.add("processes", false, [o] { return std::make_unique<ProcessesCollector>(o.paths); });
  c.add("schedstat", true, [o] { return std::make_unique<SchedstatCollector>(o.paths); });
  c.add("selinux", true, [] { return std::make_unique<SelinuxCollector>(); });
  c.add("sockstat", true, [o] { return std::make_unique<SockstatCollector>(o.paths); });
  c.add("softnet", true, [o] { return std::make_unique<SoftnetCollector>(o.paths); });
  c.add("stat", true, [o] { return std::make_unique<StatCollector>(o.paths, o.stat_softirq); });
  c.add("systemd", false, [o] { return std::make_unique<SystemdCollector>(o); });
  c.add("tcpstat", false, [o] { return std::make_unique<TcpstatCollector>(o.paths); });
  c.add("textfile", true, [o] { return std::make_unique<TextfileCollector>(o.textfile_directory); });
  c.add("thermal_zone", true, [o] { return std::make_unique<ThermalZoneCollector>(o.paths); });
  c.add("time", true, [o] { return std::make_unique<TimeCollector>(o.paths); });
  c.add("timex", true, [] { return std::make_unique<TimexCollector>(); });
  c.add("udp_queues", true, [o] { return std::make_unique<UdpQueuesCollector>(o.paths); });
  c.add("uname", true, [o] { return std::make_unique<UnameCollector>(o.paths); });
  c.add("vmstat", true, [o] { return std::make_unique<VmstatCollector>(o.paths, o.vmstat_fields); });
  c.add("xfs", true, [o] { return std::make_unique<XfsCollector>(o.paths); });
}

}  // namespace vigia::host

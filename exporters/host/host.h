// The host exporter: node_exporter-compatible collectors (node_exporter 1.5
// names, labels and values). See exporters/host/README.md for the metrics.
#pragma once

#include <memory>
#include <string>

#include "core/area.h"
#include "core/fs.h"
#include "core/registry.h"
#include "exporters/host/cpu_info.h"

namespace vigia::host {

// Options of the host collectors, from flags and the `host:` config section.
// The defaults are node_exporter 1.5's.
struct HostOptions {
  HostPaths paths;
  // --collector.arp.device-include / device-exclude (empty: none)
  std::string arp_device_include;
  std::string arp_device_exclude;
  // --collector.cpu.info, --collector.cpu.info.flags-include, --collector.cpu.info.bugs-include
  CpuInfoOptions cpu_info;
  // --collector.filesystem.mount-points-exclude
  std::string fs_mount_points_exclude =
      "^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)";
  // --collector.filesystem.fs-types-exclude
  std::string fs_types_exclude =
      "^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|"
      "mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|sysfs|tracefs)$";
  // --collector.diskstats.device-exclude
  std::string diskstats_device_exclude = "^(ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\\d+n\\d+p)\\d+$";
  // --collector.netdev.device-exclude / device-include (empty: none;
  // mutually exclusive)
  std::string netdev_device_exclude;
  std::string netdev_device_include;
  // --collector.netdev.address-info: node_network_address_info
  bool netdev_address_info = false;
  // --collector.netdev.netlink: read interface statistics over rtnetlink
  // (used only with the real /proc; see NetdevCollector).
  bool netdev_netlink = true;
  // --collector.netclass.ignored-devices, .ignore-invalid-speed, .netlink,
  // --collector.netclass_rtnl.with-stats (the netlink mode reads the running
  // kernel's network namespace, whatever --path.sysfs is, as node_exporter)
  std::string netclass_ignored_devices = "^$";
  bool netclass_ignore_invalid_speed = false;
  bool netclass_netlink = false;
  bool netclass_rtnl_with_stats = false;
  // Set by the catalogue when netdev is on too: netclass's statistics then
  // leave out the families netdev writes (see NetclassNetlink).
  bool netclass_stats_beside_netdev = false;
  // --collector.netstat.fields
  std::string netstat_fields =
      "^(.*_(InErrors|InErrs)|Ip_Forwarding|Ip(6|Ext)_(InOctets|OutOctets)|Icmp6?_(InMsgs|OutMsgs)|"
      "TcpExt_(Listen.*|Syncookies.*|TCPSynRetrans|TCPTimeouts)|Tcp_(ActiveOpens|InSegs|OutSegs|"
      "OutRsts|PassiveOpens|RetransSegs|CurrEstab)|Udp6?_(InDatagrams|OutDatagrams|NoPorts|"
      "RcvbufErrors|SndbufErrors))$";
  // --collector.powersupply.ignored-supplies
  std::string powersupply_ignored_supplies = "^$";
  // --collector.systemd.*: unit-include, unit-exclude (and their deprecated
  // names unit-whitelist, unit-blacklist), private, enable-*-metrics
  std::string systemd_unit_include = ".+", systemd_unit_exclude = ".+\\.(automount|device|mount|scope|slice)";
  std::string systemd_unit_whitelist, systemd_unit_blacklist;
  bool systemd_private = false, systemd_task_metrics = false, systemd_restarts_metrics = false,
       systemd_start_time_metrics = false;
  // --collector.stat.softirq
  bool stat_softirq = false;
  // --collector.textfile.directory (empty: none)
  std::string textfile_directory;
  // --collector.vmstat.fields
  std::string vmstat_fields = "^(oom_kill|pgpg|pswp|pg.*fault).*";
};

// Adds every host collector's factory to the catalogue, with node_exporter's
// default switches.
void register_collectors(CollectorCatalog& catalog, const HostOptions& opts);

// The paths that the host area's --path.* flags set (once parsed), for the
// areas that read the same trees (transfer reads <procfs>/net/dev): those of
// the most recently made host area still alive, the defaults without one.
HostPaths flag_paths();

// The host area: node_exporter's flags (--path.*, --collector.<name>.*
// options), the `host:` section (collectors: {enable: [...], disable: [...]})
// and the host collectors.
std::unique_ptr<Area> make_area();

}  // namespace vigia::host

// The host area's descriptor: its flags, its `host:` section, its collectors.
#include "core/flags.h"
#include "core/yaml_reader.h"
#include "exporters/host/host.h"
#include "exporters/host/systemd_collector.h"

namespace vigia::host {
namespace {

const HostPaths* g_flag_paths = nullptr;  // set and cleared on the setup thread

// node_exporter's own per-collector metrics, beside vigia_collector_*.
constexpr ScrapeMetaNames kNodeScrapeMeta{
    "node_scrape_collector_duration_seconds", "node_exporter: Duration of a collector scrape.",
    "node_scrape_collector_success", "node_exporter: Whether a collector succeeded."};

class HostArea final : public Area {
 public:
  HostArea() { g_flag_paths = &opts_.paths; }
  ~HostArea() override {
    if (g_flag_paths == &opts_.paths) g_flag_paths = nullptr;
  }
  std::string_view name() const override { return "host"; }

  void add_flags(FlagSet& fs) override {
    HostOptions& o = opts_;
    fs.add_string("path.procfs", "procfs mountpoint.", &o.paths.proc);
    fs.add_string("path.sysfs", "sysfs mountpoint.", &o.paths.sys);
    fs.add_string("path.rootfs", "rootfs mountpoint.", &o.paths.rootfs);
    fs.add_string("path.udev.data", "udev data path.", &o.paths.udev_data);
    fs.add_string("collector.arp.device-include",
                  "Regexp of arp devices to include (mutually exclusive to device-exclude).",
                  &o.arp_device_include);
    fs.add_string("collector.arp.device-exclude",
                  "Regexp of arp devices to exclude (mutually exclusive to device-include).",
                  &o.arp_device_exclude);
    fs.add_bool("collector.cpu.info", "Enables metric cpu_info", &o.cpu_info.enabled);
    fs.add_string("collector.cpu.info.flags-include",
                  "Filter the `flags` field in cpuInfo with a value that must be a regular expression",
                  &o.cpu_info.flags_include);
    fs.add_string("collector.cpu.info.bugs-include",
                  "Filter the `bugs` field in cpuInfo with a value that must be a regular expression",
                  &o.cpu_info.bugs_include);
    fs.add_string("collector.filesystem.mount-points-exclude", "Regexp of mount points to exclude.",
                  &o.fs_mount_points_exclude);
    fs.add_string("collector.filesystem.fs-types-exclude", "Regexp of filesystem types to exclude.",
                  &o.fs_types_exclude);
    fs.add_string("collector.diskstats.device-exclude", "Regexp of diskstats devices to exclude.",
                  &o.diskstats_device_exclude);
    fs.add_string("collector.netdev.device-exclude", "Regexp of net devices to exclude.",
                  &o.netdev_device_exclude);
    fs.add_string("collector.netdev.device-include",
                  "Regexp of net devices to include (mutually exclusive to device-exclude).",
                  &o.netdev_device_include);
    fs.add_bool("collector.netdev.address-info", "Collect address-info for every device",
                &o.netdev_address_info);
    fs.add_bool("collector.netdev.netlink", "Use netlink to gather stats instead of /proc/net/dev.",
                &o.netdev_netlink);
    fs.add_string("collector.netclass.ignored-devices",
                  "Regexp of net devices to ignore for netclass collector.", &o.netclass_ignored_devices);
    fs.add_bool("collector.netclass.ignore-invalid-speed",
                "Ignore devices where the speed is invalid. This will be the default behavior in 2.x.",
                &o.netclass_ignore_invalid_speed);
    fs.add_bool("collector.netclass.netlink", "Use netlink to gather stats instead of /proc/net/dev.",
                &o.netclass_netlink);
    fs.add_bool("collector.netclass_rtnl.with-stats",
                "Expose the statistics for each network device, replacing netdev collector.",
                &o.netclass_rtnl_with_stats);
    fs.add_string("collector.netstat.fields", "Regexp of fields to return for the netstat collector.",
                  &o.netstat_fields);
    fs.add_string("collector.powersupply.ignored-supplies",
                  "Regexp of power supplies to ignore for powersupplyclass collector.",
                  &o.powersupply_ignored_supplies);
    add_systemd_flags(fs, o);
    fs.add_bool("collector.stat.softirq", "Export softirq calls per vector", &o.stat_softirq);
    fs.add_string("collector.textfile.directory", "Directory to read text files with metrics from.",
                  &o.textfile_directory);
    fs.add_string("collector.vmstat.fields", "Regexp of fields to return for the vmstat collector.",
                  &o.vmstat_fields);
  }

  void read_config(const YamlReader& r, const YAML::Node& n) override {
    if (!n) return;
    r.check_keys(n, "host", {"collectors"});
    if (!n.IsMap()) return;
    if (YAML::Node c = n["collectors"]) {
      r.check_keys(c, "host.collectors", {"enable", "disable"});
      if (!c.IsMap()) return;
      if (c["disable"])
        for (auto& name : r.get_string_list(c["disable"], "host.collectors.disable"))
          switches_.emplace_back(name, false);
      if (c["enable"])
        for (auto& name : r.get_string_list(c["enable"], "host.collectors.enable"))
          switches_.emplace_back(name, true);
    }
  }

  Status add_collectors(AreaSetup& setup) override {
    Status st = resolve_systemd_flags(opts_);
    if (!st.is_ok()) return st;
    size_t before = setup.catalog.list().size();
    register_collectors(setup.catalog, opts_);
    auto all = setup.catalog.list();
    for (size_t i = before; i < all.size(); ++i)
      setup.catalog.set_scrape_meta(all[i].first, &kNodeScrapeMeta);
    setup.config_switches.insert(setup.config_switches.end(), switches_.begin(), switches_.end());
    return Status::ok();
  }

 private:
  HostOptions opts_;
  std::vector<std::pair<std::string, bool>> switches_;  // disables first, as listed
};

}  // namespace

HostPaths flag_paths() { return g_flag_paths ? *g_flag_paths : HostPaths{}; }

std::unique_ptr<Area> make_area() { return std::make_unique<HostArea>(); }

}  // namespace vigia::host

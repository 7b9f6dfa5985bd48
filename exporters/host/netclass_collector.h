#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/collector.h"
#include "core/fs.h"
#include "exporters/host/host.h"
#include "exporters/host/netclass_netlink.h"
#include "exporters/host/regex_filter.h"

namespace vigia::host {

// What procfs 0.8 reads from /sys/class/net/<iface>/: the files it knows, as
// trimmed text (the first 128 bytes) or as integers (strconv.ParseInt base 0;
// text that does not parse counts as 0, as there).
struct NetClassIface {
  enum Num {
    kAddrAssignType,
    kCarrier,
    kCarrierChanges,
    kCarrierUpCount,
    kCarrierDownCount,
    kDevId,
    kDormant,
    kFlags,
    kIfIndex,
    kIfLink,
    kLinkMode,
    kMtu,
    kNameAssignType,
    kNetdevGroup,
    kSpeed,
    kTxQueueLen,
    kType,
    kNumCount
  };
  std::string name, address, broadcast, duplex, ifalias, operstate;
  std::optional<int64_t> nums[kNumCount];
};

// Sets one attribute of `iface` from a file's name and trimmed content;
// unknown names are ignored.
void set_netclass_attr(NetClassIface& iface, std::string_view file, std::string_view value);

// node_network_{up,info,...}{device} from /sys/class/net, as node_exporter
// 1.5's netclass (sysfs mode). Devices matching
// --collector.netclass.ignored-devices are skipped; a negative speed is
// reported unless --collector.netclass.ignore-invalid-speed. No
// /sys/class/net (or no permission) is no_data.
// Cost: each device's attribute files are listed once (again when the device
// is replaced: another inode) and kept open, re-read with pread at offset 0;
// only the files node_exporter exports are read.
// With --collector.netclass.netlink: NetclassNetlink's families instead.
class NetclassCollector final : public Collector {
 public:
  explicit NetclassCollector(const HostOptions& opts);
  std::string_view name() const override { return "netclass"; }
  Status collect(const CollectContext& ctx, MetricSink& sink) override;

 private:
  struct DeviceFiles;
  // 0 or the errno that stopped it (a file error procfs does not skip).
  int read_iface(const std::string& dev, NetClassIface& out);
  std::string root_;
  RegexFilter ignored_;
  bool ignore_invalid_speed_;
  std::unique_ptr<NetclassNetlink> netlink_;  // null: sysfs
  std::vector<NetClassIface> ifaces_;
  std::vector<size_t> info_order_;
  std::map<std::string, std::unique_ptr<DeviceFiles>, std::less<>> cache_;
  uint64_t generation_ = 0;

 public:
  ~NetclassCollector() override;
};

}  // namespace vigia::host

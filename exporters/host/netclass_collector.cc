#include "exporters/host/netclass_collector.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <tuple>

#include "core/text.h"
#include "exporters/host/proc_values.h"

namespace vigia::host {

namespace {

constexpr std::string_view kNumFiles[NetClassIface::kNumCount] = {"addr_assign_type",
                                                                  "carrier",
                                                                  "carrier_changes",
                                                                  "carrier_up_count",
                                                                  "carrier_down_count",
                                                                  "dev_id",
                                                                  "dormant",
                                                                  "flags",
                                                                  "ifindex",
                                                                  "iflink",
                                                                  "link_mode",
                                                                  "mtu",
                                                                  "name_assign_type",
                                                                  "netdev_group",
                                                                  "speed",
                                                                  "tx_queue_len",
                                                                  "type"};

// The families in node_exporter's order of pushes, with their field.
struct Prop {
  std::string_view name;
  NetClassIface::Num field;
  bool counter;
};
constexpr Prop kProps[] = {
    {"address_assign_type", NetClassIface::kAddrAssignType, false},
    {"carrier", NetClassIface::kCarrier, false},
    {"carrier_changes_total", NetClassIface::kCarrierChanges, true},
    {"carrier_up_changes_total", NetClassIface::kCarrierUpCount, true},
    {"carrier_down_changes_total", NetClassIface::kCarrierDownCount, true},
    {"device_id", NetClassIface::kDevId, false},
    {"dormant", NetClassIface::kDormant, false},
    {"flags", NetClassIface::kFlags, false},
    {"iface_id", NetClassIface::kIfIndex, false},
    {"iface_link", NetClassIface::kIfLink, false},
    {"iface_link_mode", NetClassIface::kLinkMode, false},
    {"mtu_bytes", NetClassIface::kMtu, false},
    {"name_assign_type", NetClassIface::kNameAssignType, false},
    {"net_dev_group", NetClassIface::kNetdevGroup, false},
    {"speed_bytes", NetClassIface::kSpeed, false},
    {"transmit_queue_length", NetClassIface::kTxQueueLen, false},
    {"protocol_type", NetClassIface::kType, false},
};

// Errors procfs skips a file for: gone, not permitted, not supported, invalid.
bool skippable(int err) {
  return err == ENOENT || err == EACCES || err == EPERM || err == EOPNOTSUPP || err == EINVAL;
}

// Directory entries sorted by name (os.ReadDir), with whether each is a
// regular file (d_type, or lstat where the file system leaves it unknown).
// 0 or the errno of opendir.
int list_dir(const std::string& path, std::vector<std::pair<std::string, bool>>& out) {
  out.clear();
  DIR* d = ::opendir(path.c_str());
  if (!d) return errno;
  while (dirent* e = ::readdir(d)) {
    std::string_view n = e->d_name;
    if (n == "." || n == "..") continue;
    bool regular = e->d_type == DT_REG;
    if (e->d_type == DT_UNKNOWN) {
      struct stat st;
      regular = ::lstat(HostPaths::join(path, n).c_str(), &st) == 0 && S_ISREG(st.st_mode);
    }
    out.emplace_back(std::string(n), regular);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return 0;
}

}  // namespace

void set_netclass_attr(NetClassIface& iface, std::string_view file, std::string_view value) {
  if (file == "address") {
    iface.address.assign(value);
  } else if (file == "broadcast") {
    iface.broadcast.assign(value);
  } else if (file == "duplex") {
    iface.duplex.assign(value);
  } else if (file == "ifalias") {
    iface.ifalias.assign(value);
  } else if (file == "operstate") {
    iface.operstate.assign(value);
  } else {
    for (int i = 0; i < NetClassIface::kNumCount; ++i) {
      if (kNumFiles[i] != file) continue;
      int64_t v = 0;
      if (!parse_go_int64(value, v)) v = 0;
      iface.nums[i] = v;
      return;
    }
  }
}

NetclassCollector::NetclassCollector(const HostOptions& opts)
    : root_(opts.paths.sys_path("class/net")),
      ignored_("collector.netclass.ignored-devices", opts.netclass_ignored_devices),
      ignore_invalid_speed_(opts.netclass_ignore_invalid_speed),
      netlink_(opts.netclass_netlink ? std::make_unique<NetclassNetlink>(opts) : nullptr) {}

// One device's attribute files that node_exporter exports, kept open.
struct NetclassCollector::DeviceFiles {
  dev_t dev = 0;
  ino_t ino = 0;
  uint64_t seen = 0;  // the generation of the last scrape that listed the device
  struct File {
    std::string name, path;
    int fd = -1;  // -1: opened on the next read
  };
  std::vector<File> files;
  DeviceFiles() = default;
  DeviceFiles(const DeviceFiles&) = delete;
  DeviceFiles& operator=(const DeviceFiles&) = delete;
  ~DeviceFiles() {
    for (File& f : files)
      if (f.fd >= 0) ::close(f.fd);
  }
};

NetclassCollector::~NetclassCollector() = default;

namespace {

bool exported_attr(std::string_view name) {
  if (name == "address" || name == "broadcast" || name == "duplex" || name == "ifalias" ||
      name == "operstate")
    return true;
  for (std::string_view n : kNumFiles)
    if (n == name) return true;
  return false;
}

}  // namespace

int NetclassCollector::read_iface(const std::string& dev, NetClassIface& out) {
  std::string dir = HostPaths::join(root_, dev);
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) return errno;
  std::unique_ptr<DeviceFiles>& slot = cache_[dev];
  if (!slot || slot->dev != st.st_dev || slot->ino != st.st_ino) {
    std::vector<std::pair<std::string, bool>> listing;
    if (int err = list_dir(dir, listing)) {
      slot.reset();
      return err;
    }
    slot = std::make_unique<DeviceFiles>();
    slot->dev = st.st_dev;
    slot->ino = st.st_ino;
    for (const auto& [name, regular] : listing)
      if (regular && exported_attr(name)) slot->files.push_back({name, HostPaths::join(dir, name), -1});
  }
  slot->seen = generation_;
  char buf[128];
  for (DeviceFiles::File& f : slot->files) {
    if (f.fd < 0) {
      f.fd = ::open(f.path.c_str(), O_RDONLY | O_CLOEXEC);
      if (f.fd < 0) {
        int err = errno;
        if (skippable(err)) continue;
        return err;
      }
    }
    ssize_t n;
    do n = ::pread(f.fd, buf, sizeof buf, 0);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
      int err = errno;
      if (skippable(err)) continue;
      // A device removed since it was listed: list it again next time.
      slot.reset();
      return err == ENODEV ? ENOENT : err;
    }
    set_netclass_attr(out, f.name, trim(std::string_view(buf, static_cast<size_t>(n))));
  }
  return 0;
}

Status NetclassCollector::collect(const CollectContext&, MetricSink& sink) {
  if (netlink_) return netlink_->collect(ignored_, sink);
  if (!ignored_.status().is_ok()) return ignored_.status();
  std::vector<std::pair<std::string, bool>> devices;
  int err = list_dir(root_, devices);
  ++generation_;
  size_t n = 0;
  for (size_t i = 0; err == 0 && i < devices.size(); ++i) {
    const auto& [dev, regular] = devices[i];
    if (regular || ignored_.matches(dev)) continue;
    if (ifaces_.size() <= n) ifaces_.emplace_back();
    NetClassIface& iface = ifaces_[n];
    iface = NetClassIface{};
    iface.name = dev;
    err = read_iface(dev, iface);
    ++n;
  }
  for (auto it = cache_.begin(); it != cache_.end();)  // devices gone
    it = it->second && it->second->seen == generation_ ? std::next(it) : cache_.erase(it);
  if (err != 0) {
    std::string msg = root_ + ": " + std::strerror(err);
    if (err == ENOENT || err == EACCES || err == EPERM)
      return Status::no_data("could not read netclass file: " + msg);
    return Status::error("could not get net class info: " + msg);
  }
  ifaces_.resize(n);

  Label l{"device", ""};
  constexpr std::string_view kUp = "node_network_up";
  sink.family(kUp, "Value is 1 if operstate is 'up', 0 otherwise.", MetricType::kGauge);
  for (const NetClassIface& i : ifaces_) {
    l.value = i.name;
    sink.sample(kUp, Labels(&l, 1), i.operstate == "up" ? 1 : 0);
  }

  // Samples in client_golang's order: by label values, labels sorted by name.
  info_order_.resize(n);
  for (size_t i = 0; i < n; ++i) info_order_[i] = i;
  auto key = [&](size_t i) {
    const NetClassIface& f = ifaces_[i];
    return std::tie(f.address, f.broadcast, f.name, f.duplex, f.ifalias, f.operstate);
  };
  std::sort(info_order_.begin(), info_order_.end(), [&](size_t a, size_t b) { return key(a) < key(b); });
  constexpr std::string_view kInfo = "node_network_info";
  sink.family(kInfo, "Non-numeric data from /sys/class/net/<iface>, value is always 1.", MetricType::kGauge);
  for (size_t k : info_order_) {
    const NetClassIface& f = ifaces_[k];
    Label ls[6] = {{"address", f.address}, {"broadcast", f.broadcast}, {"device", f.name},
                   {"duplex", f.duplex},   {"ifalias", f.ifalias},     {"operstate", f.operstate}};
    sink.sample(kInfo, Labels(ls, 6), 1);
  }

  std::string name, help;
  for (const Prop& p : kProps) {
    name.assign("node_network_").append(p.name);
    help.assign("Network device property: ").append(p.name);
    sink.family(name, help, p.counter ? MetricType::kCounter : MetricType::kGauge);
    for (const NetClassIface& i : ifaces_) {
      const std::optional<int64_t>& v = i.nums[p.field];
      if (!v) continue;
      double value = static_cast<double>(*v);
      if (p.field == NetClassIface::kSpeed) {
        if (*v < 0 && ignore_invalid_speed_) continue;
        // int64(speed * 1000 * 1000 / 8), with Go's wrapping multiplication.
        const int64_t bytes = static_cast<int64_t>(static_cast<uint64_t>(*v) * 1000000u) / 8;
        value = static_cast<double>(bytes);
      }
      l.value = i.name;
      sink.sample(name, Labels(&l, 1), value);
    }
  }
  return Status::ok();
}

}  // namespace vigia::host

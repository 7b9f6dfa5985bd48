#include "exporters/host/btrfs_collector.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/btrfs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

#include "core/text.h"
#include "exporters/host/go_text.h"
#include "exporters/host/sysfs_read.h"

namespace vigia::host {

namespace {

constexpr uint32_t kBtrfsSuperMagic = 0x9123683E;
constexpr uint64_t kSectorSize = 512;

// procfs's reader: err_ is the last error seen (a later one replaces it).
class Reader {
 public:
  explicit Reader(std::string path) : path_(std::move(path)) {}
  std::string read_file(const std::string& n) {
    std::string v;
    int e = read_sys_value(HostPaths::join(path_, n), v);
    if (e && e != ENOENT) err_ = Status::from_errno(HostPaths::join(path_, n), e);
    return v;
  }
  uint64_t read_value(const std::string& n) {
    std::string s = read_file(n);
    if (!err_.is_ok()) return 0;
    uint64_t v = 0;
    if (!parse_u64(go_trim_space(s), v)) v = 0;
    return v;
  }
  // os.ReadDir: every entry, sorted; dirs_only keeps directories (not links).
  std::vector<std::string> list(const std::string& p, bool dirs_only = false) {
    std::vector<std::string> names;
    std::string dir = p.empty() ? path_ : HostPaths::join(path_, p);
    DIR* d = ::opendir(dir.c_str());
    if (!d) {
      err_ = Status::from_errno(dir, errno);
      return names;
    }
    while (dirent* e = ::readdir(d)) {
      std::string_view n = e->d_name;
      if (n == "." || n == "..") continue;
      if (dirs_only) {
        bool is_dir = e->d_type == DT_DIR;
        if (e->d_type == DT_UNKNOWN) {
          struct stat sb;
          is_dir = ::lstat(HostPaths::join(dir, n).c_str(), &sb) == 0 && S_ISDIR(sb.st_mode);
        }
        if (!is_dir) continue;
      }
      names.emplace_back(n);
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    return names;
  }
  Status err_;
  std::string path_;
  size_t dev_count_ = 0;
};

double ratio(const std::string& mode, size_t devs) {
  double n = static_cast<double>(devs);
  if (mode == "single" || mode == "raid0") return 1;
  if (mode == "dup" || mode == "raid1" || mode == "raid10") return 2;
  if (mode == "raid5") return n / (n - 1);
  if (mode == "raid6") return n / (n - 2);
  return 0;
}

BtrfsStats::Allocation read_allocation(Reader& r, const std::string& d) {
  Reader sr(HostPaths::join(r.path_, d));
  sr.dev_count_ = r.dev_count_;
  BtrfsStats::Allocation a;
  for (const char* f : {"bytes_may_use", "bytes_pinned", "bytes_readonly"}) sr.read_value(f);
  a.reserved_bytes = sr.read_value("bytes_reserved");
  for (const char* f :
       {"bytes_used", "disk_used", "disk_total", "flags", "total_bytes", "total_bytes_pinned"})
    sr.read_value(f);
  std::vector<std::string> modes = sr.list("", true);
  if (sr.err_.is_ok() || !modes.empty())
    for (const std::string& m : modes) {
      BtrfsStats::Layout l;
      l.mode = m;
      l.total_bytes = sr.read_value(m + "/total_bytes");
      l.used_bytes = sr.read_value(m + "/used_bytes");
      l.ratio = ratio(m, sr.dev_count_);
      a.layouts.push_back(std::move(l));
    }
  r.err_ = sr.err_;
  return a;
}

// --- ioctl side (node_exporter's getIoctlStats) ---

struct IoctlDev {
  std::string device, uuid;
  uint64_t total = 0, used = 0;
  uint64_t errs[5] = {};  // write, read, flush, corruption, generation
};

std::string hex(const uint8_t* p, size_t n) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    s += d[p[i] >> 4];
    s += d[p[i] & 15];
  }
  return s;
}

// dennwc/btrfs's UUID.String(): 8-4-4-4-12 hex, "<zero>" for all zeros.
std::string uuid_string(const uint8_t* u) {
  bool zero = std::all_of(u, u + 16, [](uint8_t b) { return b == 0; });
  if (zero) return "<zero>";
  return hex(u, 4) + "-" + hex(u + 4, 2) + "-" + hex(u + 6, 2) + "-" + hex(u + 8, 2) + "-" + hex(u + 10, 6);
}

// Opens a btrfs subvolume root read-only (dennwc's Open(path, true)); -1 if
// it is not one or cannot be opened.
int open_btrfs(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || st.st_ino != 256 || !S_ISDIR(st.st_mode)) return -1;
  struct statfs sf;
  if (::statfs(path.c_str(), &sf) != 0 || static_cast<uint32_t>(sf.f_type) != kBtrfsSuperMagic) return -1;
  int fd = ::open(path.c_str(), O_RDONLY | O_NOATIME | O_CLOEXEC);
  if (fd < 0) fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  return fd;
}

bool device_stats(int fd, const btrfs_ioctl_fs_info_args& info, std::vector<IoctlDev>& out) {
  for (uint64_t id = 0; id <= info.max_id; ++id) {
    btrfs_ioctl_dev_info_args di;
    std::memset(&di, 0, sizeof di);
    di.devid = id;
    if (::ioctl(fd, BTRFS_IOC_DEV_INFO, &di) != 0) {
      if (errno == ENODEV) continue;
      return false;
    }
    btrfs_ioctl_get_dev_stats ds;
    std::memset(&ds, 0, sizeof ds);
    ds.devid = id;
    ds.nr_items = BTRFS_DEV_STAT_VALUES_MAX;
    if (::ioctl(fd, BTRFS_IOC_GET_DEV_STATS, &ds) != 0) return false;
    IoctlDev d;
    std::string path(reinterpret_cast<const char*>(di.path),
                     strnlen(reinterpret_cast<const char*>(di.path), sizeof di.path));
    d.device = path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
    d.uuid = uuid_string(di.uuid);
    d.total = di.total_bytes;
    d.used = di.bytes_used;
    for (int i = 0; i < 5; ++i) d.errs[i] = ds.values[i];
    out.push_back(std::move(d));
    if (out.size() == info.num_devices) break;
  }
  return true;
}

// fsid (hex, no dashes) -> devices, for the btrfs mounts of the mount table.
std::map<std::string, std::vector<IoctlDev>> ioctl_stats(const HostPaths& paths) {
  std::map<std::string, std::vector<IoctlDev>> out;
  std::string text;
  Status st = read_file(paths.proc_path("1/mounts"), text);
  if (is_not_found(st)) st = read_file(paths.proc_path("mounts"), text);
  if (!st.is_ok()) return out;
  std::vector<std::string_view> f;
  std::vector<std::string> done;
  bool malformed = false;
  std::vector<std::pair<std::string, std::string>> mounts;  // device, mount point
  for_each_line(text, [&](std::string_view line) {
    go_fields(line, f);
    if (f.size() < 4) malformed = true;
    if (malformed || f[2] != "btrfs") return;
    std::string mp(f[1]);
    for (auto [from, to] : {std::pair{"\\040", " "}, std::pair{"\\011", "\t"}})
      for (size_t p = mp.find(from); p != std::string::npos; p = mp.find(from, p + 1)) mp.replace(p, 4, to);
    mounts.emplace_back(std::string(f[0]), mp);
  });
  if (malformed) return out;  // node_exporter: an error, no ioctl stats
  for (const auto& [device, mp] : mounts) {
    if (std::find(done.begin(), done.end(), device) != done.end()) continue;
    std::string path =
        paths.rootfs == "/" || mp.starts_with(paths.rootfs) ? mp : HostPaths::join(paths.rootfs, mp);
    int fd = open_btrfs(path);
    if (fd < 0) continue;
    btrfs_ioctl_fs_info_args info;
    std::memset(&info, 0, sizeof info);
    std::vector<IoctlDev> devs;
    bool ok = ::ioctl(fd, BTRFS_IOC_FS_INFO, &info) == 0;
    std::string fsid = ok ? hex(info.fsid, 16) : "";
    if (ok && !out.count(fsid) && device_stats(fd, info, devs)) {
      done.push_back(device);
      out[fsid] = std::move(devs);
    }
    ::close(fd);
  }
  return out;
}

constexpr const char* kErrorTypes[] = {"write", "read", "flush", "corruption", "generation"};

// The families, with their label names (sorted, as the series carry them).
struct Fam {
  const char* name;
  const char* help;
  MetricType type;
  std::vector<std::string_view> labels;
};
const std::vector<Fam> kFams = {
    {"node_btrfs_allocation_ratio",
     "Data allocation ratio for a layout/data type",
     MetricType::kGauge,
     {"block_group_type", "mode", "uuid"}},
    {"node_btrfs_device_errors_total",
     "Errors reported for the device",
     MetricType::kCounter,
     {"btrfs_dev_uuid", "device", "type", "uuid"}},
    {"node_btrfs_device_size_bytes",
     "Size of a device that is part of the filesystem.",
     MetricType::kGauge,
     {"btrfs_dev_uuid", "device", "uuid"}},
    {"node_btrfs_device_unused_bytes",
     "Unused bytes unused on a device that is part of the filesystem.",
     MetricType::kGauge,
     {"btrfs_dev_uuid", "device", "uuid"}},
    {"node_btrfs_global_rsv_size_bytes", "Size of global reserve.", MetricType::kGauge, {"uuid"}},
    {"node_btrfs_info", "Filesystem information", MetricType::kGauge, {"label", "uuid"}},
    {"node_btrfs_reserved_bytes",
     "Amount of space reserved for a data type",
     MetricType::kGauge,
     {"block_group_type", "uuid"}},
    {"node_btrfs_size_bytes",
     "Amount of space allocated for a layout/data type",
     MetricType::kGauge,
     {"block_group_type", "mode", "uuid"}},
    {"node_btrfs_used_bytes",
     "Amount of used space by a layout/data type",
     MetricType::kGauge,
     {"block_group_type", "mode", "uuid"}},
};

struct Series {
  std::vector<std::string> labels;  // values, in the family's (sorted) label order
  double value;
};

}  // namespace

Status read_btrfs_stats(const std::string& dir, BtrfsStats& out) {
  out = BtrfsStats{};
  Reader r(dir);
  std::vector<std::string> devs = r.list("devices");
  for (const std::string& n : devs)
    out.devices.emplace_back(n, kSectorSize * r.read_value("devices/" + n + "/size"));
  r.dev_count_ = devs.size();
  out.label = r.read_file("label");
  out.uuid = r.read_file("metadata_uuid");
  r.list("features");
  for (const char* f :
       {"clone_alignment", "nodesize", "quota_override", "sectorsize", "allocation/global_rsv_reserved"})
    r.read_value(f);
  out.global_rsv_size = r.read_value("allocation/global_rsv_size");
  out.data = read_allocation(r, "allocation/data");
  out.metadata = read_allocation(r, "allocation/metadata");
  out.system = read_allocation(r, "allocation/system");
  if (!r.err_.is_ok()) return r.err_;
  if (out.uuid.empty()) out.uuid = dir.substr(dir.rfind('/') + 1);
  return Status::ok();
}

Status BtrfsCollector::collect(const CollectContext&, MetricSink& sink) {
  std::string root = paths_.sys_path("fs/btrfs");
  std::vector<std::string> names;
  if (int e = list_dir(root, names); e && e != ENOENT && e != ENOTDIR) return Status::from_errno(root, e);
  std::vector<BtrfsStats> all;
  for (const std::string& n : names) {
    if (n.find('-') == std::string::npos) continue;  // the glob *-*
    BtrfsStats s;
    Status st = read_btrfs_stats(HostPaths::join(root, n), s);
    if (!st.is_ok()) return Status::error("failed to retrieve Btrfs stats from procfs: " + st.message());
    all.push_back(std::move(s));
  }
  std::map<std::string, std::vector<IoctlDev>> ioctl;
  if (!all.empty()) ioctl = ioctl_stats(paths_);

  // family -> series; the families' label names are in sorted order.
  std::map<std::string, std::vector<Series>> fams;
  for (const BtrfsStats& s : all) {
    fams["node_btrfs_info"].push_back({{s.label, s.uuid}, 1});
    fams["node_btrfs_global_rsv_size_bytes"].push_back({{s.uuid}, static_cast<double>(s.global_rsv_size)});
    for (auto [type, a] :
         {std::pair{"data", &s.data}, std::pair{"metadata", &s.metadata}, std::pair{"system", &s.system}}) {
      fams["node_btrfs_reserved_bytes"].push_back({{type, s.uuid}, static_cast<double>(a->reserved_bytes)});
      for (const BtrfsStats::Layout& l : a->layouts) {
        fams["node_btrfs_used_bytes"].push_back({{type, l.mode, s.uuid}, static_cast<double>(l.used_bytes)});
        fams["node_btrfs_size_bytes"].push_back({{type, l.mode, s.uuid}, static_cast<double>(l.total_bytes)});
        fams["node_btrfs_allocation_ratio"].push_back({{type, l.mode, s.uuid}, l.ratio});
      }
    }
    std::string fsid = s.uuid;
    fsid.erase(std::remove(fsid.begin(), fsid.end(), '-'), fsid.end());
    auto it = ioctl.find(fsid);
    if (it == ioctl.end()) {
      for (const auto& [dev, size] : s.devices)
        fams["node_btrfs_device_size_bytes"].push_back({{dev, s.uuid}, static_cast<double>(size)});
      continue;
    }
    for (const IoctlDev& d : it->second) {
      fams["node_btrfs_device_size_bytes"].push_back(
          {{d.uuid, d.device, s.uuid}, static_cast<double>(d.total)});
      fams["node_btrfs_device_unused_bytes"].push_back(
          {{d.uuid, d.device, s.uuid}, static_cast<double>(d.total - d.used)});
      for (int i = 0; i < 5; ++i)
        fams["node_btrfs_device_errors_total"].push_back(
            {{d.uuid, d.device, kErrorTypes[i], s.uuid}, static_cast<double>(d.errs[i])});
    }
  }
  for (const Fam& f : kFams) {
    auto it = fams.find(f.name);
    if (it == fams.end()) continue;
    std::vector<Series>& v = it->second;
    std::stable_sort(v.begin(), v.end(),
                     [](const Series& a, const Series& b) { return a.labels < b.labels; });
    std::string_view n = f.name;
    const std::vector<std::string_view>& names = f.labels;
    sink.family(n, f.help, f.type);
    std::vector<Label> labels;
    for (const Series& s : v) {
      labels.clear();
      // Sysfs device sizes carry device and uuid only.
      size_t skip = names.size() - s.labels.size();
      for (size_t i = 0; i < s.labels.size(); ++i) labels.push_back({names[i + skip], s.labels[i]});
      sink.sample(n, Labels(labels), s.value);
    }
  }
  return Status::ok();
}

}  // namespace vigia::host

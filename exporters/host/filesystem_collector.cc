#include "exporters/host/filesystem_collector.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <tuple>
#include <unordered_set>

namespace vigia::host {

std::string unescape_mount_field(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      std::string_view code = s.substr(i + 1, 3);
      char c = 0;
      if (code == "040")
        c = ' ';
      else if (code == "011")
        c = '\t';
      else if (code == "012")
        c = '\n';
      else if (code == "134")
        c = '\\';
      if (c != 0) {
        out += c;
        i += 3;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

Status parse_mounts(std::string_view text, std::vector<MountEntry>& out) {
  size_t n = 0;
  Status st;
  for_each_line(text, [&](std::string_view line) {
    if (!st.is_ok()) return;
    std::string_view f[4];
    int k = 0;
    for_each_field(line, [&](std::string_view field) {
      f[k++] = field;
      return k < 4;
    });
    if (k == 0) return;
    if (k < 4) {
      st = Status::error("malformed mount point information: \"" + std::string(line) + "\"");
      return;
    }
    if (out.size() <= n) out.emplace_back();
    MountEntry& e = out[n++];
    e.device = unescape_mount_field(f[0]);
    e.mount_point = unescape_mount_field(f[1]);
    e.fs_type.assign(f[2]);
    e.options.assign(f[3]);
  });
  out.resize(n);
  return st;
}

std::string_view strip_rootfs_prefix(std::string_view rootfs, std::string_view mount_point) {
  if (rootfs == "/") return mount_point;
  if (mount_point.substr(0, rootfs.size()) == rootfs) mount_point.remove_prefix(rootfs.size());
  return mount_point.empty() ? std::string_view("/") : mount_point;
}

bool has_ro_option(std::string_view options) {
  bool ro = false;
  size_t i = 0;
  while (!ro && i <= options.size()) {
    size_t j = options.find(',', i);
    if (j == std::string_view::npos) j = options.size();
    ro = options.substr(i, j - i) == "ro";
    i = j + 1;
  }
  return ro;
}

struct FilesystemCollector::StuckSet {
  std::mutex mu;
  std::unordered_set<std::string> mounts;
};

// One statfs at a time, handed over under mu. Once the collector gives up on a
// request it sets `abandoned` and never touches the Worker again; the thread
// then finishes the call, unmarks the mount as stuck and exits.
struct FilesystemCollector::Worker {
  std::mutex mu;
  std::condition_variable cv;
  bool pending = false;
  bool done = false;
  bool abandoned = false;
  bool quit = false;
  std::string path;
  std::string mount_point;
  int err = 0;
  struct statfs result {};
};

namespace {

int default_statfs(const std::string& path, struct statfs& out) {
  return ::statfs(path.c_str(), &out) == 0 ? 0 : errno;
}

void worker_main(std::shared_ptr<FilesystemCollector::Worker> w,
                 std::shared_ptr<FilesystemCollector::StuckSet> stuck, StatfsFn fn) {
  std::unique_lock lk(w->mu);
  for (;;) {
    w->cv.wait(lk, [&] { return w->pending || w->quit; });
    if (w->quit) return;
    lk.unlock();
    // The collector does not write path while a request is pending.
    struct statfs st {};
    int err = fn(w->path, st);
    lk.lock();
    w->pending = false;
    w->done = true;
    w->err = err;
    w->result = st;
    if (w->abandoned) {
      lk.unlock();
      std::lock_guard g(stuck->mu);
      stuck->mounts.erase(w->mount_point);
      return;
    }
    w->cv.notify_all();
  }
}

}  // namespace

FilesystemCollector::FilesystemCollector(const HostOptions& opts, StatfsFn statfs_fn,
                                         std::chrono::milliseconds mount_timeout)
    : paths_(opts.paths),
      statfs_(statfs_fn ? std::move(statfs_fn) : StatfsFn(default_statfs)),
      mount_timeout_(mount_timeout),
      mount_points_exclude_("collector.filesystem.mount-points-exclude", opts.fs_mount_points_exclude),
      fs_types_exclude_("collector.filesystem.fs-types-exclude", opts.fs_types_exclude),
      stuck_(std::make_shared<StuckSet>()),
      mounts_file_(opts.paths.proc_path("1/mounts")),
      fallback_file_(opts.paths.proc_path("mounts")) {}

bool is_local_fs_type(std::string_view t) {
  static constexpr std::string_view kLocal[] = {"btrfs", "devtmpfs", "exfat", "ext2", "ext3",
                                                "ext4",  "f2fs",     "jfs",   "ntfs", "ntfs3",
                                                "ramfs", "reiserfs", "tmpfs", "vfat", "xfs"};
  return std::find(std::begin(kLocal), std::end(kLocal), t) != std::end(kLocal);
}

FilesystemCollector::~FilesystemCollector() {
  if (!worker_) return;
  std::lock_guard g(worker_->mu);
  worker_->quit = true;
  worker_->cv.notify_all();
}

int FilesystemCollector::run_statfs(const std::string& path, std::string_view mount_point,
                                    std::chrono::milliseconds timeout, struct statfs& out) {
  if (!worker_) {
    worker_ = std::make_shared<Worker>();
    std::thread(worker_main, worker_, stuck_, statfs_).detach();
  }
  std::unique_lock lk(worker_->mu);
  worker_->path = path;
  worker_->mount_point.assign(mount_point);
  worker_->done = false;
  worker_->pending = true;
  worker_->cv.notify_all();
  if (!worker_->cv.wait_for(lk, timeout, [&] { return worker_->done; })) {
    // Marked under the worker's lock, so the worker's unmarking comes after.
    worker_->abandoned = true;
    {
      std::lock_guard g(stuck_->mu);
      stuck_->mounts.emplace(mount_point);
    }
    lk.unlock();
    worker_.reset();
    return -1;
  }
  out = worker_->result;
  return worker_->err;
}

Status FilesystemCollector::collect(const CollectContext& ctx, MetricSink& sink) {
  if (!mount_points_exclude_.status().is_ok()) return mount_points_exclude_.status();
  if (!fs_types_exclude_.status().is_ok()) return fs_types_exclude_.status();
  // The kernel signals a change of the mount table with POLLPRI on the open
  // mounts file: until then the parsed list is reused (reading the table is
  // a large part of this collector's cost).
  if (!mounts_from_ || !mounts_from_->unchanged_since_read()) {
    mounts_from_ = nullptr;
    ProcFile* file = &mounts_file_;
    Status st = file->read(buf_);
    // /proc/1/mounts is hidden under hidepid.
    if (is_not_found(st)) {
      file = &fallback_file_;
      st = file->read(buf_);
    }
    if (!st.is_ok()) return st;
    st = parse_mounts(buf_, mounts_);
    if (!st.is_ok()) return Status::error(file->path() + ": " + st.message());
    mounts_from_ = file;
  }

  rows_.clear();
  for (size_t i = 0; i < mounts_.size(); ++i) {
    const MountEntry& m = mounts_[i];
    std::string_view mp = strip_rootfs_prefix(paths_.rootfs, m.mount_point);
    if (mount_points_exclude_.matches(mp) || fs_types_exclude_.matches(m.fs_type)) continue;
    bool dup = std::any_of(rows_.begin(), rows_.end(), [&](const Row& r) {
      const MountEntry& o = mounts_[r.mount];
      return r.mount_point == mp && o.device == m.device && o.fs_type == m.fs_type;
    });
    if (dup) continue;
    Row row{i, mp, true, 0, 0, 0, 0, 0, 0};
    bool stuck;
    {
      std::lock_guard g(stuck_->mu);
      stuck = stuck_->mounts.count(std::string(mp)) > 0;
    }
    if (!stuck) {
      path_ = paths_.rootfs_path(mp);
      auto timeout = std::clamp(ctx.remaining(), std::chrono::milliseconds(1), mount_timeout_);
      struct statfs s {};
      // A disk or memory filesystem answers at once: stat it on this thread
      // and spare the hand-off to the worker (most of the collector's cost).
      int rc = is_local_fs_type(m.fs_type) ? statfs_(path_, s) : run_statfs(path_, mp, timeout, s);
      if (rc == 0) {
        double bsize = static_cast<double>(s.f_bsize);
        row.error = false;
        row.size = static_cast<double>(s.f_blocks) * bsize;
        row.free = static_cast<double>(s.f_bfree) * bsize;
        row.avail = static_cast<double>(s.f_bavail) * bsize;
        row.files = static_cast<double>(s.f_files);
        row.files_free = static_cast<double>(s.f_ffree);
        row.ro = has_ro_option(m.options) ? 1 : 0;
      }
    }
    rows_.push_back(row);
  }

  // The Go client sorts series by label values: device, fstype, mountpoint.
  std::sort(rows_.begin(), rows_.end(), [&](const Row& a, const Row& b) {
    const MountEntry& x = mounts_[a.mount];
    const MountEntry& y = mounts_[b.mount];
    return std::tie(x.device, x.fs_type, a.mount_point) < std::tie(y.device, y.fs_type, b.mount_point);
  });

  struct Family {
    const char* name;
    const char* help;
    double Row::*value;
  };
  static constexpr Family kFamilies[] = {
      {"node_filesystem_size_bytes", "Filesystem size in bytes.", &Row::size},
      {"node_filesystem_free_bytes", "Filesystem free space in bytes.", &Row::free},
      {"node_filesystem_avail_bytes", "Filesystem space available to non-root users in bytes.", &Row::avail},
      {"node_filesystem_files", "Filesystem total file nodes.", &Row::files},
      {"node_filesystem_files_free", "Filesystem total free file nodes.", &Row::files_free},
      {"node_filesystem_readonly", "Filesystem read-only status.", &Row::ro},
  };
  auto labels = [&](const Row& r) {
    const MountEntry& m = mounts_[r.mount];
    return std::array<Label, 3>{Label{"device", m.device}, Label{"fstype", m.fs_type},
                                Label{"mountpoint", r.mount_point}};
  };
  sink.family("node_filesystem_device_error",
              "Whether an error occurred while getting statistics for the given device.", MetricType::kGauge);
  for (const Row& r : rows_) {
    auto l = labels(r);
    sink.sample("node_filesystem_device_error", Labels(l), r.error ? 1 : 0);
  }
  for (const Family& f : kFamilies) {
    sink.family(f.name, f.help, MetricType::kGauge);
    for (const Row& r : rows_) {
      if (r.error) continue;
      auto l = labels(r);
      sink.sample(f.name, Labels(l), r.*(f.value));
    }
  }
  return Status::ok();
}

}  // namespace vigia::host

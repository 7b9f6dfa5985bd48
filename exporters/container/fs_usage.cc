#include "exporters/container/fs_usage.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "core/http_client.h"
#include "core/log.h"

namespace vigia::container {

struct FsUsageCache::State {
  DockerOptions docker;
  HostPaths paths;
  std::chrono::milliseconds interval;
  mutable std::mutex mu;
  mutable std::condition_variable cv;
  bool running = false;
  bool started = false;
  Clock::time_point last_start{};
  std::shared_ptr<const FsUsageSnapshot> latest;
  std::string last_error;
  std::atomic<bool> stop{false};
  HttpClient* live = nullptr;  // under mu
  // The engine's data root, from GET /info (slow: tens of ms of the engine's
  // time), asked again only after a failed refresh. Only the refresh thread
  // (one at a time) touches it.
  std::string root_dir;
};

namespace {

// du's walk: fstatat without following links, one device, hard links once.
struct Walk {
  dev_t dev;
  size_t left;
  std::set<std::pair<dev_t, ino_t>> linked;
  uint64_t bytes = 0;
  const std::atomic<bool>* stop;

  void add(const struct stat& st) {
    if (st.st_nlink > 1 && !S_ISDIR(st.st_mode) && !linked.emplace(st.st_dev, st.st_ino).second) return;
    bytes += uint64_t(st.st_blocks) * 512;
  }
  void dir(int fd, int depth) {
    DIR* d = fdopendir(fd);
    if (!d) {
      close(fd);
      return;
    }
    while (dirent* e = readdir(d)) {
      if ((e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))) continue;
      if (left == 0 || (stop && *stop)) break;
      --left;
      struct stat st;
      if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || st.st_dev != dev) continue;
      add(st);
      if (S_ISDIR(st.st_mode) && depth < 32) {
        int sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub >= 0) dir(sub, depth + 1);
      }
    }
    closedir(d);
  }
};

// Sizing every writable layer can take the engine a while on a big host;
// nothing waits for this answer but the next refresh.
Status get(HttpClient& http, const FsUsageCache::State& s, std::string_view path, std::string& body) {
  return docker_get(http, s.docker, path, std::max(s.docker.timeout, std::chrono::milliseconds(60000)), body);
}

Status measure(HttpClient& http, FsUsageCache::State& s, FsUsageSnapshot& out) {
  if (!s.docker.socket.empty()) {
    struct stat st;
    if (stat(s.docker.socket.c_str(), &st) != 0 && !s.docker.configured)
      return Status::no_data("no Docker socket at " + s.docker.socket);
  }
  std::string body;
  if (s.root_dir.empty()) {
    if (Status st = get(http, s, "/info", body); !st.is_ok()) return st;
    if (Status st = parse_docker_root_dir(body, s.root_dir); !st.is_ok()) return st;
  }
  const std::string& root = s.root_dir;
  if (Status st = get(http, s, "/containers/json?all=1&size=1", body); !st.is_ok()) return st;
  if (Status st = parse_container_sizes(body, out.usage); !st.is_ok()) return st;
  std::string host_root = s.paths.rootfs_path(root);
  struct stat st;
  struct statvfs vfs;
  if (stat(host_root.c_str(), &st) == 0) {
    unsigned maj = major(st.st_dev), min = minor(st.st_dev);
    std::string mountinfo;
    if (read_file(s.paths.proc_path("self/mountinfo"), mountinfo).is_ok())
      out.device = mount_source_of(mountinfo, maj, min);
    if (out.device.empty()) out.device = std::to_string(maj) + ":" + std::to_string(min);
    if (statvfs(host_root.c_str(), &vfs) == 0) out.capacity = uint64_t(vfs.f_frsize) * vfs.f_blocks;
  }
  for (auto& [id, bytes] : out.usage) {
    if (s.stop) return Status::error("interrupted");
    uint64_t extra = 0;
    if (dir_disk_usage(host_root + "/containers/" + id, extra, 100000, &s.stop)) bytes += extra;
  }
  return Status::ok();
}

void refresh(std::shared_ptr<FsUsageCache::State> s) {
  HttpClient http;
  {
    std::lock_guard lock(s->mu);
    s->live = &http;
    if (s->stop) http.interrupt();
  }
  auto snap = std::make_shared<FsUsageSnapshot>();
  Status st = measure(http, *s, *snap);
  if (!st.is_ok()) s->root_dir.clear();  // the engine may have restarted elsewhere; still ours (running)
  std::lock_guard lock(s->mu);
  s->live = nullptr;
  s->running = false;
  if (st.is_ok()) {
    s->latest = std::move(snap);
    s->last_error.clear();
  } else if (!s->stop && !st.is_no_data() && st.message() != s->last_error) {
    // Once per distinct error: a refresh runs every interval.
    s->last_error = st.message();
    log::warn("container filesystem usage not refreshed", {{"err", st.message()}});
  }
  s->cv.notify_all();
}

}  // namespace

bool dir_disk_usage(const std::string& dir, uint64_t& bytes, size_t max_entries,
                    const std::atomic<bool>* stop) {
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st;
  if (fstat(fd, &st) != 0) {
    close(fd);
    return false;
  }
  Walk w{st.st_dev, max_entries, {}, 0, stop};
  w.add(st);
  w.dir(fd, 0);
  bytes = w.bytes;
  return true;
}

std::string mount_source_of(std::string_view mountinfo, unsigned major, unsigned minor) {
  std::string want = std::to_string(major) + ":" + std::to_string(minor);
  std::string found;
  for_each_line(mountinfo, [&](std::string_view line) {
    if (!found.empty()) return;
    int i = 0;
    bool match = false, after_dash = false;
    int after = 0;
    for_each_field(line, [&](std::string_view f) {
      if (i++ == 2) match = f == want;
      if (!match) return i <= 2;
      if (after_dash) {
        if (++after == 2) {
          found = std::string(f);
          return false;
        }
      } else if (f == "-") {
        after_dash = true;
      }
      return true;
    });
  });
  return found;
}

FsUsageCache::FsUsageCache(DockerOptions docker, HostPaths paths, std::chrono::milliseconds interval)
    : state_(std::make_shared<State>()) {
  state_->docker = std::move(docker);
  state_->paths = std::move(paths);
  state_->interval = interval;
}

FsUsageCache::~FsUsageCache() {
  std::lock_guard lock(state_->mu);
  state_->stop = true;
  if (state_->live) state_->live->interrupt();
}

void FsUsageCache::kick() {
  std::lock_guard lock(state_->mu);
  auto now = Clock::now();
  if (state_->running || (state_->started && now - state_->last_start < state_->interval)) return;
  state_->running = state_->started = true;
  state_->last_start = now;
  try {
    std::thread(refresh, state_).detach();
  } catch (const std::system_error&) {
    state_->running = false;  // no thread now: the next scrape tries again
  }
}

std::shared_ptr<const FsUsageSnapshot> FsUsageCache::latest() const {
  std::lock_guard lock(state_->mu);
  return state_->latest;
}

bool FsUsageCache::wait_idle(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(state_->mu);
  return state_->cv.wait_for(lock, timeout, [&] { return !state_->running; });
}

}  // namespace vigia::container

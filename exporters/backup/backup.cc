#include "exporters/backup/backup.h"

#include <dirent.h>
#include <fnmatch.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "exporters/backup/gzip_check.h"

namespace vigia::backup {
namespace {

struct Scan {
  double files = 0, total = 0;
  bool have_newest = false;
  std::string newest;  // file name
  struct stat newest_st {};
  std::optional<bool> gzip_complete;
};

int64_t mtime_ns(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

Status scan_dir(const BackupConfig& b, Scan& out) {
  DIR* d = ::opendir(b.path.c_str());
  if (d == nullptr) return Status::from_errno(b.path, errno);
  int dfd = ::dirfd(d);
  while (struct dirent* e = ::readdir(d)) {
    std::string_view n = e->d_name;
    if (n == "." || n == "..") continue;
    if (::fnmatch(b.pattern.c_str(), e->d_name, FNM_PERIOD) != 0) continue;
    struct stat st;
    if (::fstatat(dfd, e->d_name, &st, 0) != 0 || !S_ISREG(st.st_mode)) continue;
    out.files += 1;
    out.total += static_cast<double>(st.st_size);
    // Newest by mtime; equal mtimes: the greater name (dump-2024-01-02 after -01).
    if (!out.have_newest || mtime_ns(st) > mtime_ns(out.newest_st) ||
        (mtime_ns(st) == mtime_ns(out.newest_st) && n > out.newest)) {
      out.have_newest = true;
      out.newest = std::string(n);
      out.newest_st = st;
    }
  }
  ::closedir(d);
  return Status::ok();
}

double wall_clock() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

// The thread and the collector share it; the thread is detached, so a check
// blocked on a hung filesystem never holds up a scrape or shutdown.
struct BackupCollector::Check {
  Identity id;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  Status status;
  bool complete = false;
  std::atomic<bool> stop{false};
};

BackupCollector::BackupCollector(std::vector<BackupConfig> backups, std::function<double()> now)
    : backups_(std::move(backups)), now_(now ? std::move(now) : wall_clock) {}

BackupCollector::~BackupCollector() {
  for (auto& [name, c] : checks_) c->stop = true;
}

Status BackupCollector::collect(const CollectContext& ctx, MetricSink& sink) {
  std::vector<Scan> scans(backups_.size());
  std::vector<std::optional<Identity>> pending(backups_.size());  // a check to wait for
  std::string errors;
  for (size_t i = 0; i < backups_.size(); ++i) {
    const BackupConfig& b = backups_[i];
    Scan& s = scans[i];
    if (Status st = scan_dir(b, s); !st.is_ok()) {
      s = Scan{};
      errors += (errors.empty() ? "" : "; ") + b.name + ": " + st.message();
      continue;
    }
    if (!s.have_newest || !std::string_view(s.newest).ends_with(".gz")) continue;
    const struct stat& st = s.newest_st;
    Identity id{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino),
                static_cast<uint64_t>(st.st_size), mtime_ns(st)};
    auto v = verdicts_.find(b.name);
    if (v != verdicts_.end() && v->second.id == id) {
      s.gzip_complete = v->second.complete;
      continue;
    }
    pending[i] = id;
    std::shared_ptr<Check>& c = checks_[b.name];
    if (c) {
      std::lock_guard<std::mutex> lock(c->mu);
      if (!c->done) {
        // One check per backup at a time: one of an older file is told to stop.
        if (!(c->id == id)) c->stop = true;
        continue;
      }
      if (c->id == id) continue;  // finished, taken below
    }
    // Start a check of this file (the one before was of another file).
    c = std::make_shared<Check>();
    c->id = id;
    std::thread([c, path = b.path + "/" + s.newest] {
      bool complete = false;
      Status g = gzip_file_complete(path, complete, &c->stop);
      std::lock_guard<std::mutex> lock(c->mu);
      c->status = g;
      c->complete = complete;
      c->done = true;
      c->cv.notify_all();
    }).detach();
  }
  for (size_t i = 0; i < backups_.size(); ++i) {
    if (!pending[i]) continue;
    const BackupConfig& b = backups_[i];
    std::shared_ptr<Check> c = checks_[b.name];
    if (!(c->id == *pending[i])) continue;  // a check of an older file still runs: no wait for it
    std::unique_lock<std::mutex> lock(c->mu);
    // Leave the rest of the collection a few milliseconds before the deadline.
    if (ctx.deadline == Clock::time_point::max())
      c->cv.wait(lock, [&] { return c->done; });
    else
      c->cv.wait_until(lock, ctx.deadline - std::chrono::milliseconds(20), [&] { return c->done; });
    if (!c->done) continue;  // still running: a later collection takes it
    Status g = c->status;
    bool complete = c->complete;
    lock.unlock();
    checks_.erase(b.name);
    if (!g.is_ok()) {
      verdicts_.erase(b.name);
      errors += (errors.empty() ? "" : "; ") + b.name + ": " + g.message();
      continue;
    }
    verdicts_[b.name] = Verdict{*pending[i], complete};
    scans[i].gzip_complete = complete;
  }

  double now = now_();
  auto each = [&](const char* metric, const char* help, auto value_of) {
    bool begun = false;
    for (size_t i = 0; i < backups_.size(); ++i) {
      std::optional<double> v = value_of(backups_[i], scans[i]);
      if (!v) continue;
      if (!begun) sink.family(metric, help, MetricType::kGauge);
      begun = true;
      sink.sample(metric, {{"name", backups_[i].name}}, *v);
    }
  };
  using Opt = std::optional<double>;
  each("vigia_backup_files", "Regular files matching the backup's pattern in its directory.",
       [](const BackupConfig&, const Scan& s) -> Opt { return s.files; });
  each("vigia_backup_total_size_bytes", "Total size of the backup's files in bytes.",
       [](const BackupConfig&, const Scan& s) -> Opt { return s.total; });
  each("vigia_backup_newest_mtime_seconds", "Modification time of the newest backup file, in Unix seconds.",
       [](const BackupConfig&, const Scan& s) -> Opt {
         if (!s.have_newest) return std::nullopt;
         return static_cast<double>(mtime_ns(s.newest_st)) / 1e9;
       });
  each("vigia_backup_newest_age_seconds", "Seconds since the newest backup file was last modified.",
       [now](const BackupConfig&, const Scan& s) -> Opt {
         if (!s.have_newest) return std::nullopt;
         return now - static_cast<double>(mtime_ns(s.newest_st)) / 1e9;
       });
  each("vigia_backup_newest_size_bytes", "Size of the newest backup file in bytes.",
       [](const BackupConfig&, const Scan& s) -> Opt {
         if (!s.have_newest) return std::nullopt;
         return static_cast<double>(s.newest_st.st_size);
       });
  each("vigia_backup_newest_gzip_complete",
       "1 if the newest backup file, a .gz, ends with a complete gzip stream; 0 if it was cut short.",
       [](const BackupConfig&, const Scan& s) -> Opt {
         if (!s.gzip_complete) return std::nullopt;
         return *s.gzip_complete ? 1.0 : 0.0;
       });
  each("vigia_backup_max_age_seconds", "The backup's configured max_age in seconds.",
       [](const BackupConfig& b, const Scan&) -> Opt { return b.max_age_seconds; });
  if (!errors.empty()) return Status::error(errors);
  return Status::ok();
}

std::vector<BackupConfig> read_backups(const YamlReader& r, const YAML::Node& n, std::string_view section) {
  std::vector<BackupConfig> out;
  r.read_named_list(n, section, "backup", {"name", "path", "pattern", "max_age"},
                    [&](const YAML::Node& item, const std::string& what, const std::string& name) {
                      BackupConfig b;
                      b.name = name;
                      if (!item["path"]) r.fail(item, what + ": missing key 'path'");
                      b.path = r.get_string(item["path"], what + ".path");
                      if (b.path.empty()) r.fail(item["path"], what + ".path: must not be empty");
                      // Relative to the configuration file, as rule files are.
                      size_t slash = r.file().rfind('/');
                      if (b.path[0] != '/' && slash != std::string::npos)
                        b.path = r.file().substr(0, slash + 1) + b.path;
                      if (item["pattern"]) {
                        b.pattern = r.get_string(item["pattern"], what + ".pattern");
                        if (b.pattern.empty()) r.fail(item["pattern"], what + ".pattern: must not be empty");
                      }
                      if (!item["max_age"]) r.fail(item, what + ": missing key 'max_age'");
                      b.max_age_seconds = r.get_duration_seconds(item["max_age"], what + ".max_age");
                      if (b.max_age_seconds <= 0)
                        r.fail(item["max_age"], what + ".max_age: must be positive");
                      out.push_back(std::move(b));
                    });
  return out;
}

}  // namespace vigia::backup

#include "alerting/notify/journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <nlohmann/json.hpp>

#include "core/fs.h"

namespace vigia::notify {
namespace {

using json = nlohmann::json;

std::string set_line(const std::string& key, const std::string& value) {
  return "{\"k\":" + json(key).dump(-1, ' ', false, json::error_handler_t::replace) + ",\"v\":" + value +
         "}\n";
}

Status make_dirs(const std::string& path) {
  for (size_t i = 1; i < path.size(); ++i) {
    if (path[i] != '/') continue;
    std::string dir = path.substr(0, i);
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return Status::from_errno(dir, errno);
  }
  return Status::ok();
}

}  // namespace

Journal::~Journal() {
  if (fd_ >= 0) ::close(fd_);
}

Status Journal::open(const std::string& path, size_t* skipped) {
  path_ = path;
  entries_.clear();
  lines_ = 0;
  if (skipped) *skipped = 0;
  if (path.empty()) return Status::ok();
  if (Status st = make_dirs(path); !st.is_ok()) return st;
  std::string text;
  Status rs = read_file(path, text);
  if (!rs.is_ok() && !is_not_found(rs)) return rs;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) {  // a torn last line
      if (skipped) ++*skipped;
      break;
    }
    std::string_view line(text.data() + pos, nl - pos);
    pos = nl + 1;
    ++lines_;
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("k") || !j["k"].is_string()) {
      if (skipped) ++*skipped;
      continue;
    }
    std::string key = j["k"].get<std::string>();
    if (j.contains("v"))
      entries_[key] = j["v"].dump(-1, ' ', false, json::error_handler_t::replace);
    else
      entries_.erase(key);
  }
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd_ < 0) return Status::from_errno(path, errno);
  // A torn or unreadable tail is cut off by rewriting the live entries.
  if (pos != text.size() || (skipped && *skipped)) return rewrite();
  return Status::ok();
}

Status Journal::append(const std::string& line, bool sync) {
  if (path_.empty()) return Status::ok();
  if (dirty_ || lines_ > 2 * entries_.size() + 1000) return rewrite();
  size_t off = 0;
  while (off < line.size()) {
    ssize_t n = ::write(fd_, line.data() + off, line.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      // Cut a partial line off (the `off` bytes this append wrote at the
      // end, O_APPEND), so that the next append starts a fresh one.
      off_t end = ::lseek(fd_, 0, SEEK_END);
      if (end >= static_cast<off_t>(off)) (void)::ftruncate(fd_, end - static_cast<off_t>(off));
      dirty_ = true;
      ++write_errors_;
      return Status::from_errno(path_, e);
    }
    off += static_cast<size_t>(n);
  }
  ++lines_;
  if (batch_ || !sync) {
    unsynced_ = true;
    return Status::ok();
  }
  if (::fdatasync(fd_) != 0) {
    dirty_ = true;
    ++write_errors_;
    return Status::from_errno(path_, errno);
  }
  unsynced_ = false;
  return Status::ok();
}

void Journal::keep_keys_only(std::function<std::string(const std::string& key)> value_of) {
  value_of_ = std::move(value_of);
  for (auto& [k, v] : entries_) std::string().swap(v);
}

Status Journal::end_batch() {
  batch_ = false;
  return sync();
}

Status Journal::sync() {
  if (!unsynced_ || path_.empty() || fd_ < 0) return Status::ok();
  unsynced_ = false;
  if (::fdatasync(fd_) != 0) {
    dirty_ = true;
    ++write_errors_;
    return Status::from_errno(path_, errno);
  }
  return Status::ok();
}

Status Journal::rewrite() {
  std::string text;
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (!value_of_) {
      text += set_line(it->first, it->second);
    } else if (std::string v = value_of_(it->first); !v.empty()) {
      text += set_line(it->first, v);
    } else {
      it = entries_.erase(it);
      continue;
    }
    ++it;
  }
  Status st = write_file_atomically(path_, text);
  if (st.is_ok()) st = sync_directory_of(path_);
  if (!st.is_ok()) {
    dirty_ = true;
    ++write_errors_;
    return st;
  }
  // The old descriptor points at the replaced file.
  if (fd_ >= 0) ::close(fd_);
  fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd_ < 0) {
    dirty_ = true;
    ++write_errors_;
    return Status::from_errno(path_, errno);
  }
  lines_ = entries_.size();
  dirty_ = false;
  unsynced_ = false;
  return Status::ok();
}

Status Journal::put(const std::string& key, std::string value_json, bool sync) {
  std::string line = set_line(key, value_json);
  if (value_of_)
    entries_[key];
  else
    entries_[key] = std::move(value_json);
  return append(line, sync);
}

Status Journal::erase(const std::string& key, bool sync) {
  if (entries_.erase(key) == 0) return Status::ok();
  return append("{\"k\":" + json(key).dump(-1, ' ', false, json::error_handler_t::replace) + "}\n", sync);
}

Status Journal::flush() {
  if (!dirty_ || path_.empty()) return Status::ok();
  return rewrite();
}

}  // namespace vigia::notify

#include "core/fs.h"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fcntl.h>
#include <linux/magic.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

namespace vigia {

Status Status::from_errno(std::string_view context, int errnum) {
  std::string msg(context);
  msg += ": ";
  msg += std::strerror(errnum);
  return Status::error(std::move(msg));
}

std::string HostPaths::join(std::string_view a, std::string_view b) {
  std::string out(a);
  while (!out.empty() && out.back() == '/') out.pop_back();
  while (!b.empty() && b.front() == '/') b.remove_prefix(1);
  out += '/';
  out += b;
  return out;
}

namespace {
constexpr std::string_view kNotFoundSuffix = ": No such file or directory";
}

Status read_file(const std::string& path, std::string& out) {
  out.clear();
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::from_errno(path, errno);
  if (out.capacity() < 4096) out.reserve(4096);
  for (;;) {
    size_t old = out.size();
    if (out.capacity() - old < 1024) out.reserve(out.capacity() * 2);
    out.resize(out.capacity());
    ssize_t n = ::read(fd, out.data() + old, out.size() - old);
    if (n < 0) {
      int err = errno;
      if (err == EINTR) {
        out.resize(old);
        continue;
      }
      out.resize(old);
      ::close(fd);
      return Status::from_errno(path, err);
    }
    out.resize(old + static_cast<size_t>(n));
    if (n == 0) break;
  }
  ::close(fd);
  return Status::ok();
}

namespace {

// Reads fd from offset 0 to EOF into out. Returns 0 or an errno. With
// short_is_end, a read that returns less than asked for is the end: true of
// files the kernel produces in one call (sysfs attributes, /proc/sys values),
// and it saves the second read that would return 0.
int pread_all(int fd, std::string& out, bool short_is_end) {
  out.clear();
  if (out.capacity() < 4096) out.reserve(4096);
  for (;;) {
    size_t old = out.size();
    if (out.capacity() - old < 1024) out.reserve(out.capacity() * 2);
    out.resize(out.capacity());
    ssize_t n = ::pread(fd, out.data() + old, out.size() - old, static_cast<off_t>(old));
    if (n < 0) {
      out.resize(old);
      if (errno == EINTR) continue;
      return errno;
    }
    size_t asked = out.size() - old;
    out.resize(old + static_cast<size_t>(n));
    if (n == 0 || (short_is_end && static_cast<size_t>(n) < asked)) return 0;
  }
}

}  // namespace

ProcFile::~ProcFile() {
  if (fd_ >= 0) ::close(fd_);
}

ProcFile& ProcFile::operator=(ProcFile&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    path_ = std::move(o.path_);
    fd_ = o.fd_;
    one_call_ = o.one_call_;
    kernel_fs_ = o.kernel_fs_;
    proc_fs_ = o.proc_fs_;
    read_ok_ = o.read_ok_;
    o.fd_ = -1;
  }
  return *this;
}

Status ProcFile::read_once(std::string& out) {
  // A file removed since it was opened (a fixture, a /proc entry that went
  // away) is opened again by path, which then reports what is there now.
  struct stat st;
  if (fd_ >= 0 && !kernel_fs_ && (::fstat(fd_, &st) != 0 || st.st_nlink == 0)) {
    ::close(fd_);
    fd_ = -1;
  }
  read_ok_ = false;
  if (fd_ < 0) {
    fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) {
      out.clear();
      return Status::from_errno(path_, errno);
    }
    struct statfs sf;
    proc_fs_ = ::fstatfs(fd_, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC;
    kernel_fs_ = proc_fs_ || (::fstatfs(fd_, &sf) == 0 && sf.f_type == SYSFS_MAGIC);
  }
  // The caller said the kernel makes the file in one call (Reads::kOneCall):
  // on procfs or sysfs, a short read is its end.
  if (int err = pread_all(fd_, out, one_call_ && kernel_fs_); err != 0) {
    ::close(fd_);
    fd_ = -1;
    return Status::from_errno(path_, err);
  }
  read_ok_ = true;
  return Status::ok();
}

Status ProcFile::read(std::string& out) {
  bool was_open = fd_ >= 0;
  Status st = read_once(out);
  // A kept-open file can go stale (device removed and re-added): reopen once.
  if (!st.is_ok() && was_open) st = read_once(out);
  return st;
}

bool ProcFile::unchanged_since_read() {
  if (fd_ < 0 || !proc_fs_ || !read_ok_) return false;
  pollfd p{fd_, POLLPRI, 0};
  int n = ::poll(&p, 1, 0);
  return n == 0;
}

bool is_not_found(const Status& s) {
  std::string_view m = s.message();
  return s.is_error() && m.size() >= kNotFoundSuffix.size() &&
         m.substr(m.size() - kNotFoundSuffix.size()) == kNotFoundSuffix;
}

bool parse_u64(std::string_view s, uint64_t& out) {
  if (s.empty()) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

bool parse_i64(std::string_view s, int64_t& out) {
  if (s.empty()) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

bool parse_double(std::string_view s, double& out) {
  if (s.empty()) return false;
  // Most procfs values are short unsigned integers: exact as doubles, and
  // several times cheaper to read as integers.
  if (s.size() <= 15) {
    uint64_t v = 0;
    size_t i = 0;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) v = v * 10 + static_cast<uint64_t>(s[i] - '0');
    if (i == s.size()) {
      out = static_cast<double>(v);
      return true;
    }
  }
  if (s.front() == '+') {
    s.remove_prefix(1);
    // from_chars takes a '-' itself: "+-1" must not pass.
    if (s.empty() || s.front() == '-') return false;
  }
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

Status write_file_atomically(const std::string& path, std::string_view text) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::from_errno(tmp, errno);
  // On any failure (a full disk) the partial temporary file is removed.
  auto fail = [&](int e) {
    if (fd >= 0) ::close(fd);
    ::unlink(tmp.c_str());
    return Status::from_errno(tmp, e);
  };
  size_t off = 0;
  while (off < text.size()) {
    ssize_t n = ::write(fd, text.data() + off, text.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(errno);
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) return fail(errno);
  int rc = ::close(fd);
  fd = -1;
  if (rc != 0) return fail(errno);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail(errno);
  return Status::ok();
}

Status sync_directory_of(const std::string& path) {
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::from_errno(dir, errno);
  int rc = ::fsync(fd);
  int e = errno;
  ::close(fd);
  return rc == 0 ? Status::ok() : Status::from_errno(dir, e);
}

}  // namespace vigia

#include "core/fs.h"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fcntl.h>
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
  if (s.front() == '+') {
    s.remove_prefix(1);
    // from_chars takes a '-' itself: "+-1" must not pass.
    if (s.empty() || s.front() == '-') return false;
  }
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

}  // namespace vigia

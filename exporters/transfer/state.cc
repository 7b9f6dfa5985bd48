#include "exporters/transfer/state.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <set>
#include <vector>

#include "core/fs.h"

namespace vigia::transfer {
namespace {

constexpr std::string_view kHeader = "vigia-transfer-state 1";

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) return false;
  return true;
}

std::vector<std::string_view> fields(std::string_view line) {
  std::vector<std::string_view> out;
  for_each_field(line, [&](std::string_view f) {
    out.push_back(f);
    return true;
  });
  return out;
}

}  // namespace

std::string format_state(const TransferState& s) {
  std::string t;
  t += kHeader;
  t += "\nperiod_start " + std::to_string(s.period_start);
  t += "\nreceive " + std::to_string(s.receive);
  t += "\ntransmit " + std::to_string(s.transmit);
  if (is_token(s.boot_id)) t += "\nboot_id " + s.boot_id;
  for (const auto& [name, c] : s.last) {
    if (!is_token(name)) continue;
    t += "\ndevice " + name + " " + std::to_string(c.receive) + " " + std::to_string(c.transmit);
  }
  t += "\n";
  return t;
}

Status parse_state(std::string_view text, TransferState& out) {
  TransferState s;
  std::set<std::string, std::less<>> seen;
  int line_no = 0;
  bool header = false;
  Status st;
  for_each_line(text, [&](std::string_view line) {
    ++line_no;
    if (!st.is_ok()) return;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    auto fail = [&](const std::string& msg) {
      st = Status::error("line " + std::to_string(line_no) + ": " + msg);
    };
    if (!header) {
      if (line != kHeader) return fail("expected \"" + std::string(kHeader) + "\"");
      header = true;
      return;
    }
    std::vector<std::string_view> f = fields(line);
    if (f.empty() || f[0][0] == '#') return;
    std::string key(f[0]);
    auto want = [&](size_t n) {
      if (f.size() == n) return true;
      fail("'" + key + "' takes " + std::to_string(n - 1) + " field(s), got " + std::to_string(f.size() - 1));
      return false;
    };
    auto u64 = [&](std::string_view v, uint64_t& dst) {
      if (parse_u64(v, dst)) return true;
      fail("'" + key + "': not an unsigned integer: \"" + std::string(v) + "\"");
      return false;
    };
    std::string record = key == "device" && f.size() > 1 ? "device " + std::string(f[1]) : key;
    if (!seen.insert(record).second) return fail("repeated '" + record + "'");
    if (key == "period_start") {
      if (!want(2)) return;
      if (!parse_i64(f[1], s.period_start) || s.period_start < 0)
        return fail("'period_start': not a non-negative integer: \"" + std::string(f[1]) + "\"");
    } else if (key == "receive") {
      if (want(2)) u64(f[1], s.receive);
    } else if (key == "transmit") {
      if (want(2)) u64(f[1], s.transmit);
    } else if (key == "boot_id") {
      if (!want(2)) return;
      if (!is_token(f[1])) return fail("'boot_id': control characters");
      s.boot_id = std::string(f[1]);
    } else if (key == "device") {
      if (!want(4)) return;
      if (!is_token(f[1])) return fail("'device': control characters in the name");
      DeviceCounters c;
      if (u64(f[2], c.receive) && u64(f[3], c.transmit)) s.last[std::string(f[1])] = c;
    } else {
      fail("unknown record '" + key + "'");
    }
  });
  if (!st.is_ok()) return st;
  if (!header) return Status::error("line 1: expected \"" + std::string(kHeader) + "\"");
  for (const char* k : {"period_start", "receive", "transmit"})
    if (!seen.count(std::string_view(k))) return Status::error(std::string("missing '") + k + "'");
  out = std::move(s);
  return Status::ok();
}

Status write_file_durably(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0 && errno == ENOENT) {
    // mkdir -p of the parent (data/ on a first start), then once more.
    for (size_t i = 1; (i = path.find('/', i)) != std::string::npos; ++i)
      ::mkdir(path.substr(0, i).c_str(), 0755);
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  }
  if (fd < 0) return Status::from_errno(tmp, errno);
  auto fail = [&](int e) {
    ::close(fd);
    ::unlink(tmp.c_str());
    return Status::from_errno(tmp, e);
  };
  for (size_t off = 0; off < text.size();) {
    ssize_t n = ::write(fd, text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail(n < 0 ? errno : ENOSPC);
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) return fail(errno);
  if (::close(fd) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    return Status::from_errno(tmp, e);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    return Status::from_errno(path, e);
  }
  // The rename itself must survive a power cut: the directory's entry.
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::ok();
}

}  // namespace vigia::transfer

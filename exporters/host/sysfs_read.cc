#include "exporters/host/sysfs_read.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "core/fs.h"
#include "core/text.h"

namespace vigia::host {

int read_sys_value(const std::string& path, std::string& out) {
  out.clear();
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  char buf[128];
  ssize_t n;
  do n = ::read(fd, buf, sizeof buf);
  while (n < 0 && errno == EINTR);
  int err = n < 0 ? errno : 0;
  ::close(fd);
  if (err) return err;
  out.assign(trim(std::string_view(buf, static_cast<size_t>(n))));
  return 0;
}

int read_sys_u64(const std::string& path, uint64_t& out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  std::string text;
  char buf[256];
  int err = 0;
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) err = errno;
    if (n <= 0 || text.size() > 4096) break;
    text.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  if (err) return err;
  return parse_u64(trim(text), out) ? 0 : EINVAL;
}

int list_dir(const std::string& path, std::vector<std::string>& names, bool regular_only) {
  names.clear();
  DIR* d = ::opendir(path.c_str());
  if (!d) return errno;
  while (dirent* e = ::readdir(d)) {
    std::string_view n = e->d_name;
    if (n == "." || n == "..") continue;
    if (regular_only && e->d_type != DT_REG) continue;
    names.emplace_back(n);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return 0;
}

}  // namespace vigia::host

// Filesystem roots and file reading. Every read of procfs, sysfs or the root
// filesystem goes through a HostPaths, never a global, so tests run the real
// collectors on fixture trees (tests/fixtures/...).
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace vigia {

struct HostPaths {
  std::string proc = "/proc";                // --path.procfs
  std::string sys = "/sys";                  // --path.sysfs
  std::string rootfs = "/";                  // --path.rootfs
  std::string udev_data = "/run/udev/data";  // --path.udev.data

  std::string proc_path(std::string_view rel) const { return join(proc, rel); }
  std::string sys_path(std::string_view rel) const { return join(sys, rel); }
  std::string rootfs_path(std::string_view rel) const { return join(rootfs, rel); }

  // a + "/" + b without doubling the slash.
  static std::string join(std::string_view a, std::string_view b);
};

// Reads a whole file into out (replacing its contents; keeps capacity). Works
// for procfs files whose stat size is 0. Errors name the path: "path: No such
// file or directory". A missing file gives an error whose errno() is ENOENT:
// see is_not_found().
Status read_file(const std::string& path, std::string& out);
bool is_not_found(const Status& s);

// Writes `text` to path + ".tmp.<pid>", fsyncs it and renames it over path:
// a crash leaves the old or the new content, never a torn one. (The rename
// itself is durable once the directory is synced: sync_directory.)
Status write_file_atomically(const std::string& path, std::string_view text);
// fsyncs the directory that holds `path` (after creating or renaming a file in it).
Status sync_directory_of(const std::string& path);

// A procfs/sysfs file read on every scrape. It is opened once and re-read
// from offset 0 with pread (procfs and sysfs regenerate the content on a read
// at offset 0), which saves the open/close of every scrape (a third to three
// quarters of the cost of small procfs files). If the file cannot be opened
// (yet), every read() tries again; a failing read reopens once, and so does a
// file that was unlinked since it was opened.
// Not for regular files that may be replaced by rename (os-release).
// Not thread-safe; owned by one collector.
class ProcFile {
 public:
  // Where a read() stops. kToEnd: at a read that returns 0; right for every
  // file. kOneCall: at the first short read, which saves that last read; only
  // for files the kernel produces whole in one call, and only the caller knows
  // them (a path cannot tell: --path.procfs may lie under a directory named
  // sys): a text sysfs attribute (under HostPaths::sys, not a binary one, read
  // a page at a time) or a value under the procfs root's sys/ (/proc/sys). A
  // procfs seq_file (/proc/self/mountinfo) gives a page per read: kToEnd. It
  // applies only while the file is on procfs or sysfs: a fixture tree is read
  // to its end.
  enum class Reads { kToEnd, kOneCall };

  explicit ProcFile(std::string path, Reads reads = Reads::kToEnd)
      : path_(std::move(path)), one_call_(reads == Reads::kOneCall) {}
  ~ProcFile();
  ProcFile(const ProcFile&) = delete;
  ProcFile& operator=(const ProcFile&) = delete;
  ProcFile(ProcFile&& o) noexcept
      : path_(std::move(o.path_)),
        fd_(o.fd_),
        one_call_(o.one_call_),
        kernel_fs_(o.kernel_fs_),
        proc_fs_(o.proc_fs_),
        read_ok_(o.read_ok_) {
    o.fd_ = -1;
  }
  ProcFile& operator=(ProcFile&& o) noexcept;

  // Reads the whole file into out; errors as read_file's.
  Status read(std::string& out);
  // For procfs files whose changes the kernel signals with POLLPRI
  // (/proc/<pid>/mounts, mountinfo): true if the content cannot have changed
  // since the last successful read(), so a caller may keep what it parsed.
  // False when unsure (not procfs, never read, error).
  bool unchanged_since_read();
  const std::string& path() const { return path_; }

 private:
  Status read_once(std::string& out);
  std::string path_;
  int fd_ = -1;
  bool one_call_ = false;   // Reads::kOneCall
  bool kernel_fs_ = false;  // procfs or sysfs: never unlinked, no need to check
  bool proc_fs_ = false;
  bool read_ok_ = false;
};

// Splits on runs of spaces/tabs (procfs's field separator).
// Calls f(field) for each field; stops early if f returns false.
template <typename F>
void for_each_field(std::string_view line, F&& f) {
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i >= line.size()) break;
    size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t') ++j;
    if (!f(line.substr(i, j - i))) return;
    i = j;
  }
}

// Calls f(line) for each line of text (without the newline).
template <typename F>
void for_each_line(std::string_view text, F&& f) {
  size_t i = 0;
  while (i < text.size()) {
    size_t j = text.find('\n', i);
    if (j == std::string_view::npos) j = text.size();
    f(text.substr(i, j - i));
    i = j + 1;
  }
}

// Parses a decimal unsigned integer (the whole view). Full 64-bit range.
bool parse_u64(std::string_view s, uint64_t& out);
bool parse_i64(std::string_view s, int64_t& out);
bool parse_double(std::string_view s, double& out);

}  // namespace vigia

// Small sysfs readers with procfs-the-library's rules, for the host
// collectors that read attribute files and class directories.
#pragma once

#include <string>
#include <vector>

namespace vigia::host {

// util.SysReadFile: one read(2) of at most 128 bytes, surrounding white space
// trimmed. Returns 0 or the errno (ENOENT, EACCES…) of the open or read.
int read_sys_value(const std::string& path, std::string& out);

// util.ReadUintFromFile: the whole file, trimmed, as a decimal uint64.
// Returns 0, an errno, or EINVAL when the text is not a number.
int read_sys_u64(const std::string& path, uint64_t& out);

// The names of a directory's entries (without "." and ".."), sorted
// (os.ReadDir's order). regular_only: regular files only (by d_type, as
// os.ReadDir's Type()). Returns 0 or the errno of opendir.
int list_dir(const std::string& path, std::vector<std::string>& names, bool regular_only = false);

}  // namespace vigia::host

#include <catch.hpp>

#include <cstdio>
#include <fstream>
#include <string>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "core/fs.h"

using namespace vigia;

TEST_CASE("read_file: a missing file is not-found and names the path") {
  std::string out = "stale";
  Status st = read_file("/nonexistent/vigia/file", out);
  CHECK(st.is_error());
  CHECK(is_not_found(st));
  CHECK(st.message() == "/nonexistent/vigia/file: No such file or directory");
  CHECK(out.empty());
}

TEST_CASE("read_file: a directory is an error, not not-found") {
  std::string out;
  Status st = read_file(VIGIA_FIXTURES, out);
  CHECK(st.is_error());
  CHECK_FALSE(is_not_found(st));
  CHECK(st.message() == std::string(VIGIA_FIXTURES) + ": Is a directory");
}

TEST_CASE("read_file: procfs files with stat size 0 are read whole") {
  std::string out;
  REQUIRE(read_file("/proc/self/status", out).is_ok());
  CHECK(out.rfind("Name:", 0) == 0);
  CHECK(out.back() == '\n');
  // /proc/self/smaps (about 1 KiB per mapping, dozens of mappings) is larger
  // than the first read.
  REQUIRE(read_file("/proc/self/smaps", out).is_ok());
  CHECK(out.size() > 8192);
  CHECK(out.back() == '\n');
}

TEST_CASE("read_file: large regular files come back byte for byte, replacing out") {
  char tmpl[] = "/tmp/vigia_fs_test_XXXXXX";
  int fd = mkstemp(tmpl);
  REQUIRE(fd >= 0);
  std::string content;
  for (int i = 0; i < 20000; ++i) content += static_cast<char>('a' + i % 26) + std::to_string(i) + '\n';
  content += std::string(1, '\0') + "tail";
  REQUIRE(write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()));
  close(fd);
  std::string out(100000, 'x');
  Status st = read_file(tmpl, out);
  std::remove(tmpl);
  REQUIRE(st.is_ok());
  CHECK(out.size() == content.size());
  CHECK(out == content);
  // An empty file gives an empty string.
  REQUIRE(read_file("/dev/null", out).is_ok());
  CHECK(out.empty());
}

TEST_CASE("is_not_found is false for ok and for other errors") {
  CHECK_FALSE(is_not_found(Status::ok()));
  CHECK_FALSE(is_not_found(Status::no_data("x: No such file or directory")));
  CHECK(is_not_found(Status::from_errno("/x", ENOENT)));
  CHECK_FALSE(is_not_found(Status::from_errno("/x", EACCES)));
}

TEST_CASE("HostPaths joins without doubling slashes") {
  HostPaths p;
  p.proc = "/fixtures/proc/";
  CHECK(p.proc_path("/stat") == "/fixtures/proc/stat");
  CHECK(p.proc_path("net/dev") == "/fixtures/proc/net/dev");
  CHECK(HostPaths::join("/", "/etc/os-release") == "/etc/os-release");
}

TEST_CASE("parse_u64: full range, no overflow, whole view only") {
  uint64_t v = 0;
  CHECK(parse_u64("0", v));
  CHECK(v == 0);
  CHECK(parse_u64("18446744073709551615", v));
  CHECK(v == UINT64_MAX);
  CHECK(parse_u64("18446744073709551614", v));
  CHECK(v == UINT64_MAX - 1);
  CHECK(parse_u64("007", v));
  CHECK(v == 7);
  v = 42;
  CHECK_FALSE(parse_u64("18446744073709551616", v));
  CHECK_FALSE(parse_u64("99999999999999999999", v));
  CHECK_FALSE(parse_u64("", v));
  CHECK_FALSE(parse_u64("-1", v));
  CHECK_FALSE(parse_u64("+1", v));
  CHECK_FALSE(parse_u64(" 1", v));
  CHECK_FALSE(parse_u64("1 ", v));
  CHECK_FALSE(parse_u64("12a", v));
  CHECK_FALSE(parse_u64("0x10", v));
}

TEST_CASE("parse_i64 and parse_double") {
  int64_t i = 0;
  CHECK(parse_i64("-9223372036854775808", i));
  CHECK(i == INT64_MIN);
  CHECK(parse_i64("9223372036854775807", i));
  CHECK(i == INT64_MAX);
  CHECK_FALSE(parse_i64("9223372036854775808", i));
  CHECK_FALSE(parse_i64("-", i));
  double d = 0;
  CHECK(parse_double("0.25", d));
  CHECK(d == 0.25);
  CHECK(parse_double("+1.5", d));
  CHECK(d == 1.5);
  CHECK(parse_double("-3e2", d));
  CHECK(d == -300);
  CHECK_FALSE(parse_double("+-1", d));
  CHECK_FALSE(parse_double("++1", d));
  CHECK_FALSE(parse_double("+", d));
  CHECK_FALSE(parse_double("1.5x", d));
  CHECK_FALSE(parse_double("", d));
}

TEST_CASE("for_each_field splits on runs of blanks and can stop early") {
  auto fields = [](std::string_view line, size_t stop_after = 100) {
    std::vector<std::string> out;
    for_each_field(line, [&](std::string_view f) {
      out.emplace_back(f);
      return out.size() < stop_after;
    });
    return out;
  };
  using V = std::vector<std::string>;
  CHECK(fields("") == V{});
  CHECK(fields(" \t  ") == V{});
  CHECK(fields("a") == V{"a"});
  CHECK(fields("  a\t\tb  c ") == V{"a", "b", "c"});
  CHECK(fields("cpu0 1 2 3 4", 2) == V{"cpu0", "1"});
  CHECK(fields("a\nb") == V{"a\nb"});  // only spaces and tabs separate
}

TEST_CASE("for_each_line: lines without their newline, empty lines kept") {
  auto lines = [](std::string_view text) {
    std::vector<std::string> out;
    for_each_line(text, [&](std::string_view l) { out.emplace_back(l); });
    return out;
  };
  using V = std::vector<std::string>;
  CHECK(lines("") == V{});
  CHECK(lines("a") == V{"a"});
  CHECK(lines("a\n") == V{"a"});
  CHECK(lines("\n") == V{""});
  CHECK(lines("a\n\nb\n") == V{"a", "", "b"});
  CHECK(lines("a\nb") == V{"a", "b"});
}

namespace {
// Other processes mount and unmount beside this test (ctest -j runs the Docker and RabbitMQ tests
// alongside), and the mount-table signal is per namespace: in a private one, with no propagation
// from the parent, the only changes are this test's own. Root needs no user namespace; others do.
bool enter_private_mount_namespace() {
  bool entered = ::unshare(CLONE_NEWNS) == 0 || ::unshare(CLONE_NEWUSER | CLONE_NEWNS) == 0;
  return entered && ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0;
}
}  // namespace

TEST_CASE("ProcFile::unchanged_since_read follows the kernel's mount-table signal") {
  // A regular file is never "unchanged": callers must read it again.
  char tmpl[] = "/tmp/vigia_procfile_XXXXXX";
  int fd = mkstemp(tmpl);
  REQUIRE(fd >= 0);
  REQUIRE(::write(fd, "a b ext4 rw 0 0\n", 16) == 16);
  ::close(fd);
  ProcFile regular(tmpl);
  std::string out;
  CHECK_FALSE(regular.unchanged_since_read());  // never read
  REQUIRE(regular.read(out).is_ok());
  CHECK_FALSE(regular.unchanged_since_read());
  ::unlink(tmpl);

  if (!enter_private_mount_namespace()) {
    WARN("no private mount namespace here ("
         << std::strerror(errno) << "): other processes' mounts would race the mount-table checks");
    return;
  }
  ProcFile mounts("/proc/self/mounts");
  REQUIRE(mounts.read(out).is_ok());
  CHECK(mounts.unchanged_since_read());
  CHECK(mounts.unchanged_since_read());
  // Where this process may mount (root, as in CI), a new mount is signalled.
  char dir[] = "/tmp/vigia_mnt_XXXXXX";
  REQUIRE(mkdtemp(dir) != nullptr);
  if (::mount("none", dir, "tmpfs", 0, nullptr) == 0) {
    CHECK_FALSE(mounts.unchanged_since_read());
    REQUIRE(mounts.read(out).is_ok());
    CHECK(out.find(dir) != std::string::npos);
    CHECK(mounts.unchanged_since_read());
    ::umount(dir);
    CHECK_FALSE(mounts.unchanged_since_read());
  } else {
    WARN("mount(2) not permitted here (" << std::strerror(errno) << "): change signal not exercised");
  }
  ::rmdir(dir);
}

TEST_CASE("ProcFile reads sysfs attributes and /proc/sys values whole, with a kept-open descriptor") {
  // Both are produced by one kernel call, so ProcFile stops at a short read:
  // the content must still be the whole file, on every re-read.
  std::string out, want;
  for (const char* path : {"/proc/sys/kernel/ostype", "/proc/sys/kernel/osrelease", "/proc/sys/fs/file-max",
                           "/sys/kernel/uevent_seqnum", "/sys/devices/system/cpu/possible"}) {
    INFO(path);
    ProcFile f(path, ProcFile::Reads::kOneCall);
    for (int i = 0; i < 3; ++i) {
      REQUIRE(f.read(out).is_ok());
      REQUIRE(read_file(path, want).is_ok());
      CHECK(!out.empty());
      CHECK(out.back() == '\n');
      if (std::string(path).find("seqnum") == std::string::npos) CHECK(out == want);
    }
  }
  // A procfs file outside /proc/sys larger than one read's buffer is still read to its end.
  ProcFile smaps("/proc/self/smaps");
  REQUIRE(smaps.read(out).is_ok());
  CHECK(out.size() > 8192);
  CHECK(out.back() == '\n');
}

TEST_CASE("ProcFile reads a procfs file whole under a --path.procfs whose path contains /sys/") {
  // The root is a link to the real procfs from a directory named sys: only the
  // procfs root's own sys/ subtree holds values made by one kernel call. A
  // seq_file (/proc/crypto, /proc/self/smaps) gives one page per read, a short
  // read that is not its end.
  char dir[] = "/tmp/vigia_procroot_XXXXXX";
  REQUIRE(mkdtemp(dir) != nullptr);
  std::string sys_dir = std::string(dir) + "/sys";
  REQUIRE(::mkdir(sys_dir.c_str(), 0700) == 0);
  HostPaths paths;
  paths.proc = sys_dir + "/proc";
  REQUIRE(::symlink("/proc", paths.proc.c_str()) == 0);

  std::string out, want;
  // smaps changes as this process allocates: its size tells; /proc/crypto is
  // stable, compared byte for byte where it is longer than a page.
  ProcFile smaps(paths.proc_path("self/smaps"));
  REQUIRE(smaps.read(out).is_ok());
  CHECK(out.size() > 8192);
  CHECK(out.back() == '\n');
  REQUIRE(read_file("/proc/crypto", want).is_ok());
  if (want.size() > 4096) {
    ProcFile crypto(paths.proc_path("crypto"));
    for (int i = 0; i < 2; ++i) {
      REQUIRE(crypto.read(out).is_ok());
      CHECK(out.size() == want.size());
      CHECK(out == want);
    }
  } else {
    WARN("/proc/crypto is " << want.size() << " bytes: not compared");
  }
  // The root's own sys/ subtree, said to be one call, is read whole too.
  ProcFile osrelease(paths.proc_path("sys/kernel/osrelease"), ProcFile::Reads::kOneCall);
  REQUIRE(osrelease.read(out).is_ok());
  REQUIRE(read_file("/proc/sys/kernel/osrelease", want).is_ok());
  CHECK(out == want);

  ::unlink(paths.proc.c_str());
  ::rmdir(sys_dir.c_str());
  ::rmdir(dir);
}

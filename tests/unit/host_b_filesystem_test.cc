// The filesystem collector on tests/fixtures/host/proc/1/mounts, with a
// scratch --path.rootfs whose directories make statfs succeed; sizes are
// checked against statvfs() done here.
#include <sys/statvfs.h>

#include <atomic>
#include <catch.hpp>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "core/exposition.h"
#include "exporters/host/filesystem_collector.h"
#include "tests/unit/host_a_test_util.h"

using namespace vigia;
using namespace vigia::host;
using vigia::test::run;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

const std::string kFixture = std::string(VIGIA_FIXTURES) + "/host";

struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "vigia-hostb-fs-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() { fs::remove_all(path); }
  void mkdir(const std::string& rel) const { fs::create_directories(path / rel); }
  void write(const std::string& rel, const std::string& text) const {
    fs::create_directories((path / rel).parent_path());
    std::ofstream(path / rel) << text;
  }
};

double value_of(const std::string& out, const std::string& series) {
  size_t pos = out.find("\n" + series + " ");
  if (pos == std::string::npos) return std::nan("");
  return std::strtod(out.c_str() + pos + series.size() + 2, nullptr);
}

size_t count_of(const std::string& out, const std::string& needle) {
  size_t n = 0;
  for (size_t p = out.find(needle); p != std::string::npos; p = out.find(needle, p + 1)) ++n;
  return n;
}

// The fixture's mount points that exist (not /mnt/nfs: its statfs fails).
void make_rootfs(const TempDir& root) {
  for (const char* d : {"srv/data disk", "mnt/tab\tand\\back", "mnt/nl\nx", "run", "home/we\"ird"})
    root.mkdir(d);
}

std::string series(const std::string& family, const std::string& device, const std::string& fstype,
                   const std::string& mountpoint) {
  return family + "{device=\"" + device + "\",fstype=\"" + fstype + "\",mountpoint=\"" + mountpoint + "\"}";
}

}  // namespace

TEST_CASE("filesystem reports the fixture's mounts like node_exporter 1.5") {
  TempDir root;
  make_rootfs(root);
  HostOptions o;
  o.paths.proc = kFixture + "/proc";
  o.paths.rootfs = root.path.string();
  FilesystemCollector c(o);
  std::string out = run(c);

  struct statvfs sv {};
  REQUIRE(statvfs((root.path / "srv/data disk").c_str(), &sv) == 0);
  std::string data = series("node_filesystem_size_bytes", "/dev/mapper/vg-data", "ext4", "/srv/data disk");
  CHECK(value_of(out, data) == static_cast<double>(sv.f_blocks) * static_cast<double>(sv.f_frsize));
  CHECK(value_of(out, series("node_filesystem_files", "/dev/mapper/vg-data", "ext4", "/srv/data disk")) ==
        static_cast<double>(sv.f_files));
  // Free space moves while other processes write: allow 256 MiB of drift.
  double avail = static_cast<double>(sv.f_bavail) * static_cast<double>(sv.f_frsize);
  CHECK(std::abs(value_of(out, series("node_filesystem_avail_bytes", "/dev/mapper/vg-data", "ext4",
                                      "/srv/data disk")) -
                 avail) < 256.0 * 1024 * 1024);
  CHECK(value_of(out, series("node_filesystem_readonly", "/dev/mapper/vg-data", "ext4", "/srv/data disk")) ==
        1);
  CHECK(value_of(out, series("node_filesystem_device_error", "/dev/mapper/vg-data", "ext4",
                             "/srv/data disk")) == 0);

  // Unescaped mount points and devices, re-escaped by the text format.
  CHECK(value_of(out, series("node_filesystem_readonly", "/dev/sdb 1", "xfs", "/mnt/tab\tand\\\\back")) == 0);
  CHECK(value_of(out, series("node_filesystem_device_error", "/dev/sdc1", "ext4", "/mnt/nl\\nx")) == 0);
  CHECK(value_of(out, series("node_filesystem_device_error", "/dev/sdd1", "ext4", "/home/we\\\"ird")) == 0);

  // statfs fails: device_error 1 and nothing else for that mount.
  CHECK(value_of(out, series("node_filesystem_device_error", "nfs.example:/export", "nfs4", "/mnt/nfs")) ==
        1);
  CHECK(count_of(out, "mountpoint=\"/mnt/nfs\"") == 1);

  // Three /run lines, one series set; the first (rw) wins.
  CHECK(count_of(out, "mountpoint=\"/run\"") == 7);
  CHECK(value_of(out, series("node_filesystem_readonly", "tmpfs", "tmpfs", "/run")) == 0);

  // Excluded by mount point (/proc, /sys, /var/lib/docker/...) or type (overlay).
  CHECK(out.find("mountpoint=\"/proc\"") == std::string::npos);
  CHECK(out.find("mountpoint=\"/sys\"") == std::string::npos);
  CHECK(out.find("/var/lib/docker") == std::string::npos);
  CHECK(out.find("/merged") == std::string::npos);

  // Series sorted by device, fstype, mountpoint as the Go client does.
  CHECK(out.find("device=\"/dev/mapper/vg-data\"") < out.find("device=\"/dev/sdb 1\""));
  CHECK(out.find("device=\"/dev/vda1\"") < out.find("device=\"nfs.example:/export\""));
}

TEST_CASE("filesystem exclusions can be switched off") {
  TempDir root;
  make_rootfs(root);
  HostOptions o;
  o.paths.proc = kFixture + "/proc";
  o.paths.rootfs = root.path.string();
  o.fs_mount_points_exclude = "";
  o.fs_types_exclude = "^(proc|sysfs)$";
  FilesystemCollector c(o);
  std::string out = run(c);
  CHECK(out.find("mountpoint=\"/proc\"") == std::string::npos);
  CHECK(value_of(out, series("node_filesystem_device_error", "/dev/vda1", "ext4",
                             "/var/lib/docker/overlay2")) == 1);
  CHECK(value_of(out, series("node_filesystem_device_error", "overlay", "overlay", "/merged")) == 1);
}

TEST_CASE("filesystem falls back to <procfs>/mounts and strips the rootfs prefix") {
  TempDir root;
  root.mkdir("data");
  TempDir proc;
  // As seen from a container with the host's / at rootfs: mount points carry the prefix.
  proc.write("mounts", "/dev/vdb " + root.path.string() + "/data ext4 rw 0 0\n/dev/vda " +
                           root.path.string() + " ext4 rw 0 0\n");
  HostOptions o;
  o.paths.proc = proc.path.string();
  o.paths.rootfs = root.path.string();
  FilesystemCollector c(o);
  std::string out = run(c);
  CHECK(value_of(out, series("node_filesystem_device_error", "/dev/vdb", "ext4", "/data")) == 0);
  CHECK(value_of(out, series("node_filesystem_size_bytes", "/dev/vdb", "ext4", "/data")) > 0);
  CHECK(value_of(out, series("node_filesystem_device_error", "/dev/vda", "ext4", "/")) == 0);

  proc.write("mounts", "/dev/vdb /data ext4\n");
  Status st;
  run(c, &st);
  CHECK(st.is_error());
  CHECK(st.message().find("malformed mount point information") != std::string::npos);

  fs::remove(proc.path / "mounts");
  run(c, &st);
  CHECK(is_not_found(st));
}

TEST_CASE("a statfs that hangs marks the mount stuck until it returns") {
  TempDir root;
  make_rootfs(root);
  std::string nfs = (root.path / "mnt/nfs").string();
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  std::atomic<int> nfs_calls{0};
  StatfsFn fn = [&](const std::string& path, struct statfs& out) -> int {
    if (path != nfs) return ::statfs(path.c_str(), &out) == 0 ? 0 : errno;
    ++nfs_calls;
    std::unique_lock lk(mu);
    cv.wait(lk, [&] { return release; });
    out = {};
    out.f_bsize = 4096;
    out.f_blocks = 100;
    return 0;
  };
  HostOptions o;
  o.paths.proc = kFixture + "/proc";
  o.paths.rootfs = root.path.string();
  FilesystemCollector c(o, fn, 200ms);
  std::string nfs_error = series("node_filesystem_device_error", "nfs.example:/export", "nfs4", "/mnt/nfs");
  std::string nfs_size = series("node_filesystem_size_bytes", "nfs.example:/export", "nfs4", "/mnt/nfs");

  auto t0 = std::chrono::steady_clock::now();
  std::string out = run(c);
  CHECK(std::chrono::steady_clock::now() - t0 < 2s);
  CHECK(value_of(out, nfs_error) == 1);
  // The mounts after the stuck one were statted by a fresh worker.
  CHECK(value_of(out, series("node_filesystem_device_error", "/dev/sdd1", "ext4", "/home/we\\\"ird")) == 0);
  CHECK(value_of(out, series("node_filesystem_device_error", "tmpfs", "tmpfs", "/run")) == 0);

  out = run(c);
  CHECK(value_of(out, nfs_error) == 1);
  CHECK(nfs_calls == 1);  // stuck: not statted again

  {
    std::lock_guard g(mu);
    release = true;
  }
  cv.notify_all();
  // The abandoned statfs returns and unmarks the mount; the next scrape stats it again.
  double size = std::nan("");
  for (int i = 0; i < 100 && std::isnan(size); ++i) {
    std::this_thread::sleep_for(10ms);
    size = value_of(run(c), nfs_size);
  }
  CHECK(size == 409600);
  CHECK(nfs_calls == 2);
}

TEST_CASE("filesystem reports an invalid exclusion regexp as an error") {
  HostOptions o;
  o.paths.proc = kFixture + "/proc";
  o.fs_types_exclude = "(unclosed";
  FilesystemCollector c(o);
  Status st;
  run(c, &st);
  CHECK(st.is_error());
  CHECK(st.message().find("fs-types-exclude") != std::string::npos);
}

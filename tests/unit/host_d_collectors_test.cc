// The dmi, cpufreq, nvme, mdadm, xfs, btrfs, nfs, nfsd and selinux host
// collectors on tests/fixtures/host: their text must equal node_exporter 1.5's
// on the same tree (expected/<collector>.prom, made by regenerate.sh).
#include <catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/exposition.h"
#include "exporters/host/btrfs_collector.h"
#include "exporters/host/cpufreq_collector.h"
#include "exporters/host/dmi_collector.h"
#include "exporters/host/mdadm_collector.h"
#include "exporters/host/nfs_collector.h"
#include "exporters/host/nfsd_collector.h"
#include "exporters/host/nvme_collector.h"
#include "exporters/host/selinux_collector.h"
#include "exporters/host/xfs_collector.h"
#include "tests/unit/host_a_test_util.h"

using namespace vigia;
using namespace vigia::host;
using vigia::test::run;
using vigia::test::slurp;
namespace fs = std::filesystem;

namespace {

const std::string kFixture = std::string(VIGIA_FIXTURES) + "/host";

HostPaths fixture_paths() {
  HostPaths p;
  p.proc = kFixture + "/proc";
  p.sys = kFixture + "/sys";
  p.rootfs = kFixture + "/rootfs";
  return p;
}

// A scratch tree (proc/, sys/) removed at scope exit.
struct TempTree {
  fs::path path;
  TempTree() {
    std::string tmpl = (fs::temp_directory_path() / "vigia-hostd-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempTree() { fs::remove_all(path); }
  void write(const std::string& rel, const std::string& text) const {
    fs::create_directories((path / rel).parent_path());
    std::ofstream(path / rel) << text;
  }
  HostPaths paths() const {
    HostPaths p;
    p.proc = (path / "proc").string();
    p.sys = (path / "sys").string();
    p.rootfs = path.string();
    return p;
  }
};

}  // namespace

TEST_CASE("dmi, cpufreq, nvme equal node_exporter 1.5 on the fixture") {
  DmiCollector dmi(fixture_paths());
  CpufreqCollector cpufreq(fixture_paths());
  NvmeCollector nvme(fixture_paths());
  CHECK(run(dmi) == slurp(kFixture + "/expected/dmi.prom"));
  CHECK(run(cpufreq) == slurp(kFixture + "/expected/cpufreq.prom"));
  CHECK(run(nvme) == slurp(kFixture + "/expected/nvme.prom"));
}

TEST_CASE("dmi, cpufreq, nvme without the hardware give no series and no error") {
  TempTree t;
  t.write("sys/devices/system/cpu/cpu0/topology/core_id", "0\n");
  Status st;
  DmiCollector dmi(t.paths());
  CHECK(run(dmi, &st).empty());
  CHECK(st.is_no_data());
  CpufreqCollector cpufreq(t.paths());
  CHECK(run(cpufreq, &st).empty());
  CHECK(st.is_ok());
  NvmeCollector nvme(t.paths());
  CHECK(run(nvme, &st).empty());
  CHECK(st.is_no_data());
}

TEST_CASE("cpufreq follows procfs: a bad number or a missing string file fails the collector") {
  TempTree t;
  const std::string d = "sys/devices/system/cpu/cpu0/cpufreq/";
  for (const char* f : {"scaling_available_governors", "scaling_driver", "scaling_governor", "related_cpus",
                        "scaling_setspeed"})
    t.write(d + f, "x\n");
  t.write(d + "scaling_cur_freq", "1000\n");
  CpufreqCollector c(t.paths());
  std::string out = run(c);
  CHECK(out.find("node_cpu_scaling_frequency_hertz{cpu=\"0\"} 1e+06\n") != std::string::npos);
  CHECK(out.find("node_cpu_frequency_hertz") == std::string::npos);
  t.write(d + "scaling_max_freq", "12a\n");
  Status st;
  run(c, &st);
  CHECK(st.is_error());
  CHECK(st.message().find("scaling_max_freq") != std::string::npos);
  fs::remove(t.path / (d + "scaling_max_freq"));
  fs::remove(t.path / (d + "scaling_setspeed"));
  run(c, &st);
  CHECK(st.is_error());
}

TEST_CASE("nvme: a device missing one of its files is no data, as node_exporter 1.5") {
  TempTree t;
  t.write("sys/class/nvme/nvme0/firmware_rev", "1\n");
  t.write("sys/class/nvme/nvme0/model", "m\n");
  t.write("sys/class/nvme/nvme0/serial", "s\n");
  NvmeCollector c(t.paths());
  Status st;
  CHECK(run(c, &st).empty());
  CHECK(st.is_no_data());
  t.write("sys/class/nvme/nvme0/state", "live\n");
  CHECK(run(c).find("state=\"live\"} 1\n") != std::string::npos);
}

TEST_CASE("dmi reads at most 128 bytes of a file and trims it") {
  TempTree t;
  t.write("sys/class/dmi/id/product_name", "  " + std::string(200, 'a') + "\n");
  DmiCollector c(t.paths());
  CHECK(run(c).find("product_name=\"" + std::string(126, 'a') + "\"} 1") != std::string::npos);
}

TEST_CASE("mdadm equals node_exporter 1.5 on the fixture; no mdstat is no data") {
  MdadmCollector c(fixture_paths());
  CHECK(run(c) == slurp(kFixture + "/expected/mdadm.prom"));
  TempTree t;
  MdadmCollector none(t.paths());
  Status st;
  CHECK(run(none, &st).empty());
  CHECK(st.is_no_data());
}

TEST_CASE("mdstat parsing fails where procfs fails") {
  std::vector<MdStat> md;
  const std::string head = "Personalities : [raid1]\n";
  // Too few lines after the device line.
  CHECK(parse_mdstat(head + "md0 : active raid1 sda1[0]\n      100 blocks [1/1] [U]\n", md).is_error());
  // Fewer than 3 fields.
  CHECK(parse_mdstat(head + "md0 :\n      100 blocks [1/1] [U]\n\n\n", md).is_error());
  // No [total/active] [U_] on a raid1 status line.
  CHECK(parse_mdstat(head + "md0 : active raid1 sda1[0]\n      100 blocks\n\n\n", md).is_error());
  // A recovery line without speed=.
  CHECK(parse_mdstat(head + "md0 : active raid1 sda1[0] sdb1[1]\n      100 blocks [2/1] [U_]\n"
                            "      recovery = 1.0% (1/100) finish=1.0min\n\n",
                     md)
            .is_error());
  // The same line with speed= parses; "+100" is a Go integer.
  REQUIRE(parse_mdstat(head + "md0 : active raid1 sda1[0] sdb1[1]\n      +100 blocks [2/1] [U_]\n"
                              "      recovery = 1.0% (1/100) finish=1.0min speed=10K/sec\n\n",
                       md)
              .is_ok());
  REQUIRE(md.size() == 1);
  CHECK(md[0].activity_state == "recovering");
  CHECK(md[0].blocks_total == 100);
  CHECK(md[0].blocks_synced == 1);
  CHECK(md[0].disks_active == 1);
  CHECK(md[0].disks_total == 2);
}

TEST_CASE("xfs equals node_exporter 1.5 on the fixture; no XFS is no series") {
  XfsCollector c(fixture_paths());
  CHECK(run(c) == slurp(kFixture + "/expected/xfs.prom"));
  TempTree t;
  XfsCollector none(t.paths());
  CHECK(run(none).empty());
}

TEST_CASE("xfs stats parsing follows procfs's counts and integer widths") {
  XfsStats s;
  REQUIRE(parse_xfs_stats("rw 5 7\nvnodes 1 2 3 4 5 6 7\nunknown 1\nshort\n", s).is_ok());
  CHECK(s.values[XfsStats::kRw][0] == 5);
  CHECK(s.values[XfsStats::kRw][1] == 7);
  CHECK(s.values[XfsStats::kVnodes][6] == 7);
  CHECK(s.values[XfsStats::kDir][0] == 0);
  CHECK(parse_xfs_stats("rw 1 2 3\n", s).is_error());
  CHECK(parse_xfs_stats("vnodes 1 2 3 4 5 6 7 8 9\n", s).is_error());
  // uint32 outside xpc, even on lines procfs does not use.
  CHECK(parse_xfs_stats("rmapbt 4294967296\n", s).is_error());
  CHECK(parse_xfs_stats("rmapbt 4294967295\nxpc 18446744073709551615 0 0\n", s).is_ok());
  CHECK(parse_xfs_stats("dir 1 2 x 4\n", s).is_error());
  CHECK(parse_xfs_stats("rw " + std::string(70000, '1') + "\n", s).is_error());
}

TEST_CASE("nfs equals node_exporter 1.5 on the fixture; no NFS client is no data") {
  NfsCollector c(fixture_paths());
  CHECK(run(c) == slurp(kFixture + "/expected/nfs.prom"));
  TempTree t;
  NfsCollector none(t.paths());
  Status st;
  CHECK(run(none, &st).empty());
  CHECK(st.is_no_data());
}

TEST_CASE("nfs client parsing rejects what procfs rejects") {
  NfsClientStats s;
  CHECK(parse_nfs_client("", s).is_ok());
  CHECK(parse_nfs_client("net 1 2 3 4\n\n", s).is_error());  // a blank line
  CHECK(parse_nfs_client("net 1 2 3\n", s).is_error());      // 3 values
  CHECK(parse_nfs_client("fh 1 2\n", s).is_error());         // unknown line
  CHECK(parse_nfs_client("rpc 1 2 -3\n", s).is_error());     // not a uint64
  CHECK(parse_nfs_client("proc2 3 1 2 3\n", s).is_error());  // fewer than 18
  CHECK(parse_nfs_client("proc3 23 1 2\n", s).is_error());   // count mismatch
  REQUIRE(parse_nfs_client("proc4 2 7 8\r\nrpc 1 2 3\n", s).is_ok());
  REQUIRE(s.proc4.size() == 59);
  CHECK(s.proc4[1] == 8);
  CHECK(s.proc4[58] == 0);
  CHECK(s.rpc[2] == 3);
}

TEST_CASE("selinux: go-selinux's config and enforce parsing") {
  const std::string config =
      "# This file controls the state of SELinux\n; SELINUX=enforcing\n\n  SELINUX=\"permissive\"  \n"
      "SELINUXTYPE=targeted\nSELINUX=enforcing\n";
  CHECK(selinux_config_value(config, "SELINUXTYPE") == "targeted");
  CHECK(selinux_config_mode(config) == 0);  // the first SELINUX= line
  CHECK(selinux_config_mode("SELINUX=enforcing\n") == 1);
  CHECK(selinux_config_mode("SELINUX = enforcing\n") == -1);  // the key is not trimmed
  CHECK(selinux_config_mode("") == -1);
  CHECK(selinux_enforce_mode("1") == 1);
  CHECK(selinux_enforce_mode("+0") == 0);
  CHECK(selinux_enforce_mode("1\n") == -1);
  CHECK(selinux_enforce_mode("") == -1);
}

TEST_CASE("nfsd equals node_exporter 1.5 on the fixture; no NFS server is no data") {
  NfsdCollector c(fixture_paths());
  CHECK(run(c) == slurp(kFixture + "/expected/nfsd.prom"));
  TempTree t;
  NfsdCollector none(t.paths());
  Status st;
  CHECK(run(none, &st).empty());
  CHECK(st.is_no_data());
}

TEST_CASE("nfsd parsing rejects what procfs rejects") {
  NfsdStats s;
  REQUIRE(parse_nfsd("th 8 0 x y\nproc4 2 1 2\n", s).is_ok());  // th: two values read
  CHECK(s.th[0] == 8);
  CHECK(parse_nfsd("th 8\n", s).is_error());
  CHECK(parse_nfsd("proc4 3 1 2 3\n", s).is_error());  // exactly 2
  CHECK(parse_nfsd("proc4ops 1 5\n", s).is_error());   // fewer than 39
  CHECK(parse_nfsd("ra 1 2 3\n", s).is_error());
  CHECK(parse_nfsd("wdeleg_getattr 0\n", s).is_error());  // unknown to procfs v0.8.0
  CHECK(parse_nfsd("rc 1 2 3\n\n", s).is_error());
}

TEST_CASE("btrfs (sysfs side) equals node_exporter 1.5 on the fixture; no btrfs is no series") {
  // The fixture's proc/1/mounts has no btrfs mount: device sizes come from
  // sysfs, as in node_exporter without the ioctls. The second filesystem has
  // no features/ directory: procfs then reads global_rsv_size as 0.
  BtrfsCollector c(fixture_paths());
  CHECK(run(c) == slurp(kFixture + "/expected/btrfs.prom"));
  TempTree t;
  t.write("sys/fs/btrfs/features/raid56", "1\n");
  BtrfsCollector none(t.paths());
  CHECK(run(none).empty());
}

TEST_CASE("btrfs: an unreadable allocation/system fails, as in procfs") {
  TempTree t;
  const std::string d = "sys/fs/btrfs/11111111-2222-3333-4444-555555555555/";
  t.write(d + "devices/sda/size", "8\n");
  t.write(d + "features/x", "1\n");
  t.write(d + "allocation/data/single/total_bytes", "5\n");
  t.write(d + "allocation/metadata/dup/total_bytes", "5\n");
  BtrfsCollector c(t.paths());
  Status st;
  run(c, &st);
  CHECK(st.is_error());  // no allocation/system directory
  t.write(d + "allocation/system/dup/total_bytes", "7\n");
  std::string out = run(c);
  CHECK(out.find("node_btrfs_device_size_bytes{device=\"sda\",uuid=\"11111111-2222-3333-4444-555555555555\"} "
                 "4096\n") != std::string::npos);
}

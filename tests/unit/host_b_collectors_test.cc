// The filesystem, diskstats, netdev, sockstat and netstat collectors run on
// tests/fixtures/host, encoded as text. diskstats, netdev, sockstat and netstat
// must equal node_exporter 1.5's output on the same tree (expected/*.prom).
#include <sys/statvfs.h>

#include <atomic>
#include <catch.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "core/exposition.h"
#include "exporters/host/diskstats_collector.h"
#include "exporters/host/filesystem_collector.h"
#include "exporters/host/netdev_collector.h"
#include "exporters/host/netstat_collector.h"
#include "exporters/host/sockstat_collector.h"
#include "tests/unit/host_a_test_util.h"

using namespace vigia;
using namespace vigia::host;
using vigia::test::run;
using vigia::test::slurp;
namespace fs = std::filesystem;

namespace {

const std::string kFixture = std::string(VIGIA_FIXTURES) + "/host";

HostOptions fixture_options() {
  HostOptions o;
  o.paths.proc = kFixture + "/proc";
  o.paths.sys = kFixture + "/sys";
  o.paths.udev_data = kFixture + "/run/udev/data";
  return o;
}

// The value of the series whose line starts with `series ` ("name{labels}"), or NaN.
double value_of(const std::string& out, const std::string& series) {
  size_t pos = out.find("\n" + series + " ");
  if (pos == std::string::npos) return std::nan("");
  return std::strtod(out.c_str() + pos + series.size() + 2, nullptr);
}

bool has_series(const std::string& out, const std::string& series) {
  return out.find("\n" + series + " ") != std::string::npos;
}

// A scratch directory removed at scope exit.
struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "vigia-hostb-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() { fs::remove_all(path); }
  void write(const std::string& rel, const std::string& text) const {
    fs::create_directories((path / rel).parent_path());
    std::ofstream(path / rel) << text;
  }
};

}  // namespace

TEST_CASE("diskstats, netdev, sockstat, netstat equal node_exporter 1.5 on the fixture") {
  HostOptions o = fixture_options();
  DiskstatsCollector disk(o);
  NetdevCollector net(o);
  SockstatCollector sock(o.paths, 4096);
  NetstatCollector netstat(o);
  CHECK(run(disk) == slurp(kFixture + "/expected/diskstats.prom"));
  CHECK(run(net) == slurp(kFixture + "/expected/netdev.prom"));
  CHECK(run(sock) == slurp(kFixture + "/expected/sockstat.prom"));
  CHECK(run(netstat) == slurp(kFixture + "/expected/netstat.prom"));
}

TEST_CASE("diskstats converts units and follows the kernel's field count") {
  DiskstatsCollector c(fixture_options());
  std::string out = run(c);
  // sda: 20 fields, from the fixture line "8 0 sda 1000 20 30000 400 500 60 70000 800 2 900 1200 10 1 800 5
  // 30 7".
  CHECK(value_of(out, "node_disk_read_bytes_total{device=\"sda\"}") == 30000.0 * 512);
  CHECK(value_of(out, "node_disk_written_bytes_total{device=\"sda\"}") == 70000.0 * 512);
  CHECK(value_of(out, "node_disk_read_time_seconds_total{device=\"sda\"}") == Approx(0.4));
  CHECK(value_of(out, "node_disk_io_time_weighted_seconds_total{device=\"sda\"}") == Approx(1.2));
  CHECK(value_of(out, "node_disk_discarded_sectors_total{device=\"sda\"}") == 800);
  CHECK(value_of(out, "node_disk_flush_requests_time_seconds_total{device=\"sda\"}") == Approx(0.007));
  CHECK(value_of(out, "node_disk_io_now{device=\"sda\"}") == 2);
  // nvme0n1: 18 fields (discards, no flush); dm-0: 14 fields.
  CHECK(has_series(out, "node_disk_discards_completed_total{device=\"nvme0n1\"}"));
  CHECK_FALSE(has_series(out, "node_disk_flush_requests_total{device=\"nvme0n1\"}"));
  CHECK(has_series(out, "node_disk_io_time_weighted_seconds_total{device=\"dm-0\"}"));
  CHECK_FALSE(has_series(out, "node_disk_discards_completed_total{device=\"dm-0\"}"));
  // Near 2^64 and a cut-short line (sdc), excluded partitions and loops.
  CHECK(value_of(out, "node_disk_reads_completed_total{device=\"sdb\"}") == 18446744073709551615.0);
  CHECK(out.find("device=\"sdc\"") == std::string::npos);
  CHECK(out.find("device=\"sda1\"") == std::string::npos);
  CHECK(out.find("device=\"nvme0n1p1\"") == std::string::npos);
  CHECK(out.find("device=\"loop0\"") == std::string::npos);
  CHECK(has_series(out, "node_disk_reads_completed_total{device=\"we\\\"ird\\\\dev\"}"));
  // udev
  CHECK(has_series(out,
                   "node_disk_info{device=\"sda\",major=\"8\",minor=\"0\","
                   "model=\"Samsung_SSD_860_EVO_500GB\",path=\"pci-0000:00:1f.2-ata-1\","
                   "revision=\"RVT04B6Q\",serial=\"S3Z1NB0K123456\",wwn=\"0x5002538e40a0eb0c\"}"));
  CHECK(value_of(out, "node_disk_ata_rotation_rate_rpm{device=\"sda\"}") == 0);
  CHECK_FALSE(has_series(out, "node_disk_ata_rotation_rate_rpm{device=\"nvme0n1\"}"));
  CHECK(has_series(out,
                   "node_disk_device_mapper_info{device=\"dm-0\",lv_layer=\"\",lv_name=\"data\","
                   "name=\"vg-data\",uuid=\"LVM-abc123\",vg_name=\"vg\"}"));
}

TEST_CASE("diskstats without udev data keeps node_disk_info with empty labels") {
  HostOptions o = fixture_options();
  o.paths.udev_data = kFixture + "/no-such-dir";
  o.diskstats_device_exclude = "^(sd|nvme|md|we)";
  DiskstatsCollector c(o);
  std::string out = run(c);
  CHECK(has_series(out,
                   "node_disk_info{device=\"dm-0\",major=\"253\",minor=\"0\",model=\"\","
                   "path=\"\",revision=\"\",serial=\"\",wwn=\"\"}"));
  CHECK(has_series(out,
                   "node_disk_info{device=\"loop0\",major=\"7\",minor=\"0\",model=\"\","
                   "path=\"\",revision=\"\",serial=\"\",wwn=\"\"}"));
  CHECK(out.find("device=\"sda\"") == std::string::npos);
  CHECK(out.find("node_disk_filesystem_info") == std::string::npos);
}

TEST_CASE("diskstats fails on a non-numeric field and on a missing file") {
  TempDir t;
  t.write("proc/diskstats", "8 0 sda 1 2 3 4 5 6 7 8 9 10 11\n8 1 sdb 1 2 3 x 5 6 7 8 9 10 11\n");
  HostOptions o;
  o.paths.proc = (t.path / "proc").string();
  DiskstatsCollector c(o);
  Status st;
  std::string out = run(c, &st);
  CHECK(st.is_error());
  CHECK(st.message().find("diskstats") != std::string::npos);
  CHECK(out.empty());
  fs::remove(t.path / "proc/diskstats");
  run(c, &st);
  CHECK(is_not_found(st));
}

TEST_CASE("netdev excludes by regexp and keeps full 64-bit counters") {
  HostOptions o = fixture_options();
  std::string all = [&] {
    NetdevCollector c(o);
    return run(c);
  }();
  CHECK(value_of(all, "node_network_receive_bytes_total{device=\"eth0\"}") == 18446744073709551615.0);
  CHECK(value_of(all, "node_network_transmit_colls_total{device=\"eth0\"}") == 10);
  CHECK(value_of(all, "node_network_transmit_compressed_total{device=\"we\\\"ird\\\\if\"}") == 16);
  CHECK(has_series(all, "node_network_receive_bytes_total{device=\"lo\"}"));
  o.netdev_device_exclude = "^(lo|br-.*)$";
  NetdevCollector c(o);
  std::string out = run(c);
  CHECK_FALSE(has_series(out, "node_network_receive_bytes_total{device=\"lo\"}"));
  CHECK_FALSE(has_series(out, "node_network_receive_bytes_total{device=\"br-3f2a9c\"}"));
  CHECK(has_series(out, "node_network_receive_bytes_total{device=\"wg0\"}"));
  o.netdev_device_exclude = "([";
  NetdevCollector bad(o);
  Status st;
  run(bad, &st);
  CHECK(st.is_error());
}

TEST_CASE("sockstat derives mem_bytes from the page size and tolerates missing sockstat6") {
  TempDir t;
  t.write("proc/net/sockstat", "sockets: used 5\nTCP: inuse 1 orphan 0 tw 2 alloc 3 mem 10\n");
  HostPaths p;
  p.proc = (t.path / "proc").string();
  SockstatCollector c(p, 65536);
  std::string out = run(c);
  CHECK(value_of(out, "node_sockstat_TCP_mem_bytes") == 10.0 * 65536);
  CHECK(value_of(out, "node_sockstat_sockets_used") == 5);
  CHECK(out.find("TCP6") == std::string::npos);

  t.write("proc/net/sockstat6", "TCP6: inuse 1 orphan\n");
  Status st;
  out = run(c, &st);
  CHECK(st.is_error());
  CHECK(out.empty());

  fs::remove(t.path / "proc/net/sockstat");
  fs::remove(t.path / "proc/net/sockstat6");
  run(c, &st);
  CHECK(st.is_no_data());
}

TEST_CASE("netstat filters fields and needs netstat and snmp but not snmp6") {
  HostOptions o = fixture_options();
  o.netstat_fields = "^(Tcp_CurrEstab|TcpExt_ListenDrops|Udp6_InDatagrams|Ip_Forwarding)$";
  NetstatCollector c(o);
  std::string out = run(c);
  CHECK(value_of(out, "node_netstat_Tcp_CurrEstab") == 42);
  CHECK(value_of(out, "node_netstat_TcpExt_ListenDrops") == 18446744073709551615.0);
  CHECK(value_of(out, "node_netstat_Udp6_InDatagrams") == 77);
  CHECK(out.find("# TYPE node_netstat_Tcp_CurrEstab untyped\n") != std::string::npos);
  CHECK(out.find("# HELP node_netstat_Udp6_InDatagrams Statistic Udp6InDatagrams.\n") != std::string::npos);
  CHECK(out.find("node_netstat_Tcp_InSegs") == std::string::npos);

  TempDir t;
  t.write("proc/net/netstat", "TcpExt: ListenDrops\nTcpExt: 4\n");
  t.write("proc/net/snmp", "Tcp: CurrEstab\nTcp: 2\n");
  HostOptions m;
  m.paths.proc = (t.path / "proc").string();
  NetstatCollector no6(m);
  out = run(no6);
  CHECK(value_of(out, "node_netstat_TcpExt_ListenDrops") == 4);
  CHECK(value_of(out, "node_netstat_Tcp_CurrEstab") == 2);

  // A bad value fails the collector even in a field that is not selected.
  t.write("proc/net/snmp", "Tcp: CurrEstab RtoMin\nTcp: 2 abc\n");
  Status st;
  out = run(no6, &st);
  CHECK(st.is_error());
  CHECK(out.empty());
  fs::remove(t.path / "proc/net/snmp");
  run(no6, &st);
  CHECK(is_not_found(st));
}

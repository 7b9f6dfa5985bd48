// The host collectors (cpu, meminfo, stat, vmstat, filefd, time, uname, os,
// pressure) run on tests/fixtures/host. Expected values were checked against
// node_exporter 1.5 run with --path.procfs/--path.sysfs/--path.rootfs on the
// same tree.
#include <catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <ctime>

#include "exporters/host/cpu_collector.h"
#include "exporters/host/filefd_collector.h"
#include "exporters/host/host.h"
#include "exporters/host/meminfo_collector.h"
#include "exporters/host/os_collector.h"
#include "exporters/host/pressure_collector.h"
#include "exporters/host/stat_collector.h"
#include "exporters/host/time_collector.h"
#include "exporters/host/uname_collector.h"
#include "exporters/host/vmstat_collector.h"
#include "host_a_test_util.h"

using namespace vigia;
using namespace vigia::host;
using vigia::test::fixture_paths;
using vigia::test::scrape;
using vigia::test::TempTree;

TEST_CASE("cpu: seconds per mode, guest, isolated and throttles from the fixture") {
  CpuCollector c(fixture_paths());
  auto s = scrape(c);
  REQUIRE(s.status.is_ok());
  CHECK(s.has("# HELP node_cpu_seconds_total Seconds the CPUs spent in each mode."));
  CHECK(s.has("# TYPE node_cpu_seconds_total counter"));
  CHECK(s.has("node_cpu_seconds_total{cpu=\"0\",mode=\"user\"} 12345.67"));
  CHECK(s.has("node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} 98765.43"));
  CHECK(s.has("node_cpu_seconds_total{cpu=\"0\",mode=\"steal\"} 0.1"));
  // idle of 2^64-1 ticks.
  CHECK(s.has("node_cpu_seconds_total{cpu=\"2\",mode=\"idle\"} 1.8446744073709552e+17"));
  // cpu3's line is cut after 4 values: the rest are 0.
  CHECK(s.has("node_cpu_seconds_total{cpu=\"3\",mode=\"system\"} 0.56"));
  CHECK(s.has("node_cpu_seconds_total{cpu=\"3\",mode=\"iowait\"} 0"));
  CHECK_FALSE(s.mentions("cpu=\"-1\""));  // the total line is not a CPU
  CHECK(s.has("node_cpu_guest_seconds_total{cpu=\"0\",mode=\"user\"} 4"));
  CHECK(s.has("node_cpu_guest_seconds_total{cpu=\"0\",mode=\"nice\"} 0.12"));
  CHECK(s.has("node_cpu_isolated{cpu=\"1\"} 1"));
  CHECK(s.has("node_cpu_isolated{cpu=\"4\"} 1"));
  CHECK_FALSE(s.mentions("node_cpu_isolated{cpu=\"2\"}"));
  // cpu0 and cpu1 share package 0 core 0: read once, from cpu0.
  CHECK(s.has("node_cpu_core_throttles_total{core=\"0\",package=\"0\"} 5"));
  CHECK(s.has("node_cpu_core_throttles_total{core=\"0\",package=\"1\"} 1.8446744073709552e+19"));
  CHECK(s.has("node_cpu_package_throttles_total{package=\"0\"} 6"));
  // cpu2 lacks package_throttle_count: package 1 comes from cpu3.
  CHECK(s.has("node_cpu_package_throttles_total{package=\"1\"} 8"));
  // Series of one family are in label order, modes alphabetical.
  auto a = s.text.find("{cpu=\"0\",mode=\"idle\"}");
  auto b = s.text.find("{cpu=\"0\",mode=\"iowait\"}");
  auto d = s.text.find("{cpu=\"1\",mode=\"idle\"}");
  CHECK((a < b && b < d));
}

TEST_CASE("cpu: counters never go backwards; a large idle drop is a hotplug reset") {
  TempTree t;
  auto stat = [&](std::string_view cpu0) {
    t.write("proc/stat", std::string(cpu0) + "\ncpu1 1 1 1 1 1 1 1 1 1 1\n");
  };
  CpuCollector c(t.paths());
  stat("cpu0 1000 0 500 100000 0 0 0 0 0 0");
  REQUIRE(scrape(c).status.is_ok());
  // user dropped 1 s, idle dropped 2 s (< 3 s): both keep their old value.
  stat("cpu0 900 0 600 99800 0 0 0 0 0 0");
  auto s = scrape(c);
  CHECK(s.has("node_cpu_seconds_total{cpu=\"0\",mode=\"user\"} 10"));
  CHECK(s.has("node_cpu_seconds_total{cpu=\"0\",mode=\"system\"} 6"));
  CHECK(s.has("node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} 1000"));
  // idle dropped 10 s: the CPU's cache is reset to the new values.
  stat("cpu0 5 0 6 99000 0 0 0 0 0 0");
  s = scrape(c);
  CHECK(s.has("node_cpu_seconds_total{cpu=\"0\",mode=\"user\"} 0.05"));
  CHECK(s.has("node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} 990"));
}

TEST_CASE("cpu: only CPUs present in /proc/stat, ordered by label as strings") {
  TempTree t;
  t.write("proc/stat", "cpu  9 9 9 9\ncpu0 1 0 0 0\ncpu2 2 0 0 0\ncpu10 3 0 0 0\nintr 1\n");
  CpuCollector c(t.paths());
  auto s = scrape(c);
  REQUIRE(s.status.is_ok());
  CHECK_FALSE(s.mentions("cpu=\"1\""));
  CHECK(s.has("node_cpu_seconds_total{cpu=\"10\",mode=\"user\"} 0.03"));
  CHECK(s.text.find("cpu=\"10\"") < s.text.find("cpu=\"2\""));
  // No sysfs at all: no isolated or throttle series, still ok.
  CHECK_FALSE(s.mentions("node_cpu_isolated{"));
  CHECK_FALSE(s.mentions("node_cpu_core_throttles_total{"));
  // A CPU goes offline: its series go.
  t.write("proc/stat", "cpu  9 9 9 9\ncpu0 1 0 0 0\ncpu10 3 0 0 0\n");
  s = scrape(c);
  CHECK_FALSE(s.mentions("cpu=\"2\""));
  CHECK(s.mentions("cpu=\"10\""));
}

TEST_CASE("cpu: missing or malformed /proc/stat is an error naming the file") {
  TempTree t;
  CpuCollector c(t.paths());
  auto s = scrape(c);
  CHECK(s.status.is_error());
  CHECK(s.status.message().find("/proc/stat") != std::string::npos);
  t.write("proc/stat", "cpu0 1 x 3\n");
  CHECK(scrape(c).status.is_error());
}

TEST_CASE("meminfo: every line, kB as bytes, node_exporter's names") {
  MeminfoCollector c(fixture_paths());
  auto s = scrape(c);
  REQUIRE(s.status.is_ok());
  CHECK(s.has("# HELP node_memory_MemTotal_bytes Memory information field MemTotal_bytes."));
  CHECK(s.has("# TYPE node_memory_MemTotal_bytes gauge"));
  CHECK(s.has("node_memory_MemTotal_bytes 2.5276514304e+10"));
  CHECK(s.has("node_memory_Active_anon_bytes 1.605632e+06"));
  CHECK(s.has("node_memory_Inactive_file_bytes 5.61606656e+08"));
  CHECK(s.has("node_memory_HugePages_Total 4"));
  CHECK(s.has("# HELP node_memory_HugePages_Total Memory information field HugePages_Total."));
  CHECK(s.has("node_memory_Hugepagesize_bytes 2.097152e+06"));
  CHECK(s.has("node_memory_VmallocTotal_bytes 3.5184372087808e+13"));
  CHECK(s.has("node_memory_DirectMap1G_bytes 1.8446744073709552e+19"));
  CHECK(s.has("node_memory_NewFutureField_huge_bytes 7168"));  // unknown field kept
  CHECK_FALSE(s.mentions("node_memory_HugePages_Total_bytes"));
}

TEST_CASE("meminfo: a file cut short keeps the complete lines; a bad value is an error") {
  TempTree t;
  MeminfoCollector c(t.paths());
  t.write("proc/meminfo", "MemTotal:  100 kB\nMemFree:   50 kB\nMemAvail");
  auto s = scrape(c);
  CHECK(s.status.is_ok());
  CHECK(s.has("node_memory_MemTotal_bytes 102400"));
  CHECK(s.has("node_memory_MemFree_bytes 51200"));
  CHECK_FALSE(s.mentions("MemAvail"));
  // The layout changes between scrapes: names follow the lines.
  t.write("proc/meminfo", "MemFree:   60 kB\nMemTotal:  100 kB\n");
  s = scrape(c);
  CHECK(s.has("node_memory_MemFree_bytes 61440"));
  CHECK(s.has("node_memory_MemTotal_bytes 102400"));
  t.write("proc/meminfo", "MemTotal:  lots kB\n");
  CHECK(scrape(c).status.is_error());
  t.write("proc/meminfo", "MemTotal:  1 kB extra\n");
  CHECK(scrape(c).status.is_error());
}

TEST_CASE("stat: boot time, context switches, forks, interrupts, procs") {
  StatCollector c(fixture_paths());
  auto s = scrape(c);
  REQUIRE(s.status.is_ok());
  CHECK(s.has("# TYPE node_boot_time_seconds gauge"));
  CHECK(s.has("node_boot_time_seconds 1.79538077e+09"));
  CHECK(s.has("# HELP node_context_switches_total Total number of context switches."));
  CHECK(s.has("node_context_switches_total 1.8446744073709552e+19"));
  CHECK(s.has("node_forks_total 8624"));
  CHECK(s.has("# TYPE node_intr_total counter"));
  CHECK(s.has("node_intr_total 305540"));
  CHECK(s.has("node_procs_running 3"));
  CHECK(s.has("# HELP node_procs_blocked Number of processes blocked waiting for I/O to complete."));
  CHECK(s.has("node_procs_blocked 1"));
}

TEST_CASE("vmstat: default field regex, untyped, odd values") {
  HostOptions o;
  VmstatCollector c(fixture_paths(), o.vmstat_fields);
  auto s = scrape(c);
  REQUIRE(s.status.is_ok());
  CHECK(s.has("# HELP node_vmstat_pgfault /proc/vmstat information field pgfault."));
  CHECK(s.has("# TYPE node_vmstat_pgfault untyped"));
  CHECK(s.has("node_vmstat_pgfault 1.8446744073709552e+19"));
  CHECK(s.has("node_vmstat_pgmajfault_s 12"));  // the regex is not anchored at the end
  CHECK(s.has("node_vmstat_oom_kill 3"));
  CHECK(s.has("node_vmstat_pswpout 0"));
  CHECK_FALSE(s.mentions("nr_free_pages"));
  CHECK_FALSE(s.mentions("numa_hit"));
  // Second scrape reuses the cached decisions and gives the same text.
  CHECK(scrape(c).text == s.text);
}

TEST_CASE("vmstat: custom regex, layout changes, invalid regex") {
  TempTree t;
  VmstatCollector c(t.paths(), "^numa_|^nr_free_pages$");
  t.write("proc/vmstat", "nr_free_pages 5\nnuma_hit 7\npgfault 9\n");
  auto s = scrape(c);
  CHECK(s.has("node_vmstat_nr_free_pages 5"));
  CHECK(s.has("node_vmstat_numa_hit 7"));
  CHECK_FALSE(s.mentions("pgfault"));
  t.write("proc/vmstat", "pgfault 9\nnr_free_pages_blocks 2\nnuma_hit 8\ntrunc");
  s = scrape(c);
  REQUIRE(s.status.is_ok());
  CHECK(s.has("node_vmstat_numa_hit 8"));
  CHECK_FALSE(s.mentions("pgfault"));
  CHECK_FALSE(s.mentions("nr_free_pages_blocks"));
  t.write("proc/vmstat", "pgfault 9\nnuma_hit x\n");
  CHECK(scrape(c).status.is_error());

  VmstatCollector bad(t.paths(), "(unclosed");
  auto b = scrape(bad);
  CHECK(b.status.is_error());
  CHECK(b.status.message().find("vmstat.fields") != std::string::npos);
}

TEST_CASE("filefd: allocated and maximum") {
  FilefdCollector c(fixture_paths());
  auto s = scrape(c);
  REQUIRE(s.status.is_ok());
  CHECK(s.has("# HELP node_filefd_allocated File descriptor statistics: allocated."));
  CHECK(s.has("node_filefd_allocated 5733"));
  CHECK(s.has("node_filefd_maximum 9.223372036854776e+18"));
  TempTree t;
  FilefdCollector missing(t.paths());
  CHECK(scrape(missing).status.is_error());
  t.write("proc/sys/fs/file-nr", "12\t0\n");
  CHECK(scrape(missing).status.is_error());
}

TEST_CASE("time: injected clock, time zone and clocksources") {
  const char* old_tz = std::getenv("TZ");
  std::string saved = old_tz ? old_tz : "";
  ::setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1);
  ::tzset();
  auto winter = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000)) +
                std::chrono::milliseconds(250);
  auto summer = std::chrono::system_clock::time_point(std::chrono::seconds(1690000000));
  auto now = winter;
  TimeCollector c(fixture_paths(), [&] { return now; });
  auto s = scrape(c);
  REQUIRE(s.status.is_ok());
  CHECK(s.has("# HELP node_time_seconds System time in seconds since epoch (1970)."));
  // float64(ns) / 1e9, as Go computes it (rounding included).
  CHECK(s.has("node_time_seconds 1.7000000002499998e+09"));
  CHECK(s.has("node_time_zone_offset_seconds{time_zone=\"CET\"} 3600"));
  CHECK(s.has("node_time_clocksource_available_info{clocksource=\"acpi_pm\",device=\"0\"} 1"));
  CHECK(s.has("node_time_clocksource_available_info{clocksource=\"tsc\",device=\"0\"} 1"));
  CHECK(s.has("node_time_clocksource_current_info{clocksource=\"kvm-clock\",device=\"0\"} 1"));
  CHECK(s.text.find("\"acpi_pm\"") < s.text.find("\"kvm-clock\""));
  now = summer;
  s = scrape(c);
  CHECK(s.has("node_time_zone_offset_seconds{time_zone=\"CEST\"} 7200"));
  CHECK(s.has("node_time_seconds 1.69e+09"));
  if (old_tz) {
    ::setenv("TZ", saved.c_str(), 1);
  } else {
    ::unsetenv("TZ");
  }
  ::tzset();
  // No clocksource directory: only the time series.
  TempTree t;
  TimeCollector bare(t.paths());
  s = scrape(bare);
  CHECK(s.status.is_ok());
  CHECK(s.mentions("node_time_seconds "));
  CHECK_FALSE(s.mentions("node_time_clocksource_current_info{"));
}

TEST_CASE("uname: from procfs, falling back to uname(2)") {
  UnameCollector c(fixture_paths());
  auto s = scrape(c);
  REQUIRE(s.status.is_ok());
  CHECK(
      s.has("node_uname_info{domainname=\"(none)\",machine=\"aarch64\",nodename=\"fixture-host\","
            "release=\"5.15.0-fixture\",sysname=\"Linux\","
            "version=\"#42-Ubuntu SMP Tue Oct 10 12:00:00 UTC 2023\"} 1"));
  CHECK(s.has("# HELP node_uname_info Labeled system information as provided by the uname system call."));
  TempTree t;
  UnameCollector fallback(t.paths());
  UnameInfo sys;
  REQUIRE(read_uname_syscall(sys).is_ok());
  s = scrape(fallback);
  REQUIRE(s.status.is_ok());
  CHECK(s.mentions("nodename=\"" + sys.nodename + "\""));
  CHECK(s.mentions("release=\"" + sys.release + "\""));
}

TEST_CASE("os: os-release with quoting, fallback file, none") {
  OsCollector c(fixture_paths());
  auto s = scrape(c);
  REQUIRE(s.status.is_ok());
  CHECK(
      s.has("node_os_info{build_id=\"2023\\\"q4\\\"\",id=\"ubuntu\",id_like=\"debian\",image_id=\"\","
            "image_version=\"\",name=\"Ubuntu\",pretty_name=\"Ubuntu 22.04.3 LTS\","
            "variant=\"Server \\\\\\\"edition\\\\\\\"\",variant_id=\"\","
            "version=\"22.04.3 LTS (Jammy Jellyfish)\",version_codename=\"jammy\",version_id=\"22.04\"} 1"));
  CHECK(s.has("node_os_version{id=\"ubuntu\",id_like=\"debian\",name=\"Ubuntu\"} 22.04"));

  TempTree t;
  OsCollector other(t.paths());
  CHECK(scrape(other).status.is_no_data());
  t.write("rootfs/usr/lib/os-release", "NAME=\"Fallback\"\nID=fb\nVERSION_ID=1.2.3\n");
  s = scrape(other);
  REQUIRE(s.status.is_ok());
  CHECK(s.has("node_os_version{id=\"fb\",id_like=\"\",name=\"Fallback\"} 1.2"));
  // /etc wins over /usr/lib; no numeric version: no node_os_version.
  t.write("rootfs/etc/os-release", "NAME=Arch\nID=arch\nVERSION_ID=rolling\n");
  s = scrape(other);
  CHECK(s.mentions("name=\"Arch\""));
  CHECK_FALSE(s.mentions("node_os_version{"));
  t.write("rootfs/etc/os-release", "NAME=\"unterminated\n");
  CHECK(scrape(other).status.is_error());
}

TEST_CASE("pressure: waiting and stalled seconds; no PSI is no data") {
  PressureCollector c(fixture_paths());
  auto s = scrape(c);
  REQUIRE(s.status.is_ok());
  CHECK(
      s.has("# HELP node_pressure_cpu_waiting_seconds_total Total time in seconds that processes have waited "
            "for CPU time"));
  CHECK(s.has("node_pressure_cpu_waiting_seconds_total 53.459163999999994"));
  CHECK_FALSE(s.mentions("node_pressure_cpu_stalled"));
  CHECK(s.has("node_pressure_io_waiting_seconds_total 4.336933"));
  CHECK(s.has("node_pressure_io_stalled_seconds_total 3.095223"));
  CHECK(s.has("node_pressure_memory_waiting_seconds_total 1.844674407370955e+13"));
  CHECK(s.has("node_pressure_memory_stalled_seconds_total 1.000001"));

  TempTree t;
  PressureCollector none(t.paths());
  CHECK(scrape(none).status.is_no_data());
  t.write("proc/pressure/cpu", "some avg10=0.00 avg60=0.00 avg300=0.00 total=\n");
  CHECK(scrape(none).status.is_error());
}

TEST_CASE("register: the host collectors and their default switches") {
  CollectorCatalog cat;
  register_collectors(cat, HostOptions{});
  auto list = cat.list();
  for (const char* n : {"cpu", "meminfo", "stat", "vmstat", "filefd", "time", "uname", "os", "pressure"}) {
    auto it = std::find_if(list.begin(), list.end(), [&](const auto& e) { return e.first == n; });
    REQUIRE(it != list.end());
    CHECK(it->second);
  }
}

// The pure parsers behind the cpu, meminfo, stat, vmstat, filefd, time, os
// and pressure collectors, fed from literals.
#include <catch.hpp>

#include "exporters/host/cpu_collector.h"
#include "exporters/host/filefd_collector.h"
#include "exporters/host/meminfo_collector.h"
#include "exporters/host/os_collector.h"
#include "exporters/host/pressure_collector.h"
#include "exporters/host/stat_collector.h"
#include "exporters/host/time_collector.h"
#include "exporters/host/vmstat_collector.h"

using namespace vigia;
using namespace vigia::host;

TEST_CASE("parse_cpu_stat_line: ids, USER_HZ, short and long lines") {
  int64_t id = 99;
  CpuTimes t;
  REQUIRE(parse_cpu_stat_line("cpu  100 200 300 400 500 600 700 800 900 1000", id, t));
  CHECK(id == -1);
  CHECK(t.user == 1);
  CHECK(t.guest_nice == 10);
  REQUIRE(parse_cpu_stat_line("cpu12 1 2 3 4 5 6 7 8 9 10 11 12", id, t));  // extra fields ignored
  CHECK(id == 12);
  CHECK(t.steal == 0.08);
  CHECK(t.guest == 0.09);
  REQUIRE(parse_cpu_stat_line("cpu3 5 6", id, t));  // cut short: the rest is 0
  CHECK(t.nice == 0.06);
  CHECK(t.system == 0);
  CHECK(t.idle == 0);
  REQUIRE(parse_cpu_stat_line("cpu0 18446744073709551615 0 0 0", id, t));
  CHECK(t.user == 18446744073709551615.0 / 100);
  CHECK_FALSE(parse_cpu_stat_line("cpu0", id, t));
  CHECK_FALSE(parse_cpu_stat_line("cpu0 1 two 3", id, t));
  CHECK_FALSE(parse_cpu_stat_line("cpux 1 2 3", id, t));
  CHECK_FALSE(parse_cpu_stat_line("cpu0 18446744073709551616", id, t));  // beyond u64
}

TEST_CASE("parse_cpu_list: sysfs cpulists") {
  std::vector<uint32_t> ids;
  REQUIRE(parse_cpu_list("1,3-4\n", ids));
  CHECK(ids == std::vector<uint32_t>{1, 3, 4});
  REQUIRE(parse_cpu_list("\n", ids));
  CHECK(ids.empty());
  REQUIRE(parse_cpu_list("0-2,8", ids));
  CHECK(ids == std::vector<uint32_t>{0, 1, 2, 8});
  CHECK_FALSE(parse_cpu_list("4-2", ids));
  CHECK_FALSE(parse_cpu_list("a", ids));
  CHECK_FALSE(parse_cpu_list("1,,2", ids));
}

TEST_CASE("meminfo lines and field names") {
  MeminfoLine m;
  REQUIRE(parse_meminfo_line("Active(anon):       1568 kB", m) == 1);
  CHECK(m.key == "Active(anon)");
  CHECK(m.value == 1568);
  CHECK(m.has_unit);
  REQUIRE(parse_meminfo_line("HugePages_Total:       4", m) == 1);
  CHECK_FALSE(m.has_unit);
  CHECK(parse_meminfo_line("", m) == 0);
  CHECK(parse_meminfo_line("MemTotal:", m) == 0);
  CHECK(parse_meminfo_line("MemTotal: x kB", m) == -1);
  CHECK(parse_meminfo_line("MemTotal: 1 kB more", m) == -1);
  auto field = [](std::string_view key, bool unit) {
    std::string s;
    append_meminfo_field(s, key, unit);
    return s;
  };
  CHECK(field("Active(anon)", true) == "Active_anon_bytes");
  CHECK(field("Inactive(file)", true) == "Inactive_file_bytes");
  CHECK(field("HugePages_Total", false) == "HugePages_Total");
  CHECK(field("A(b)c(d)", false) == "A_b)c(d");  // greedy, like node_exporter's regex
  CHECK(field("Odd)(", true) == "Odd)(_bytes");
}

TEST_CASE("parse_proc_stat: scalars, absent lines and bad values") {
  ProcStat s;
  REQUIRE(parse_proc_stat("cpu 1 2\nintr 10 1 2\nctxt 20\nbtime 30\nprocesses 40\n"
                          "procs_running 5\nprocs_blocked 6\nsoftirq 1 2\nnew_key\n",
                          s)
              .is_ok());
  CHECK(s.intr == 10);
  CHECK(s.ctxt == 20);
  CHECK(s.btime == 30);
  CHECK(s.processes == 40);
  CHECK(s.procs_running == 5);
  CHECK(s.procs_blocked == 6);
  REQUIRE(parse_proc_stat("ctxt 7\n", s).is_ok());
  CHECK(s.intr == 0);
  CHECK(s.ctxt == 7);
  Status bad = parse_proc_stat("ctxt seven\n", s);
  CHECK(bad.is_error());
  CHECK(bad.message().find("ctxt seven") != std::string::npos);
}

TEST_CASE("parse_vmstat_line") {
  std::string_view key;
  double v = 0;
  REQUIRE(parse_vmstat_line("pgfault 5240926", key, v) == 1);
  CHECK(key == "pgfault");
  CHECK(v == 5240926);
  CHECK(parse_vmstat_line("pgfault", key, v) == 0);
  CHECK(parse_vmstat_line("", key, v) == 0);
  CHECK(parse_vmstat_line("pgfault 1x", key, v) == -1);
}

TEST_CASE("parse_file_nr") {
  double a = 0, m = 0;
  REQUIRE(parse_file_nr("745\t0\t2466183\n", a, m));
  CHECK(a == 745);
  CHECK(m == 2466183);
  REQUIRE(parse_file_nr("1 0 9223372036854775807", a, m));
  CHECK(m == 9223372036854775807.0);
  CHECK_FALSE(parse_file_nr("745\t0\n", a, m));
  CHECK_FALSE(parse_file_nr("745\tx\t3\n", a, m));
}

TEST_CASE("parse_psi") {
  PsiTotals t;
  REQUIRE(
      parse_psi("some avg10=2.18 avg60=24.83 avg300=11.92 total=53459164\n"
                "full avg10=0.00 avg60=0.00 avg300=0.00 total=7\n",
                t));
  CHECK(t.has_some);
  CHECK(t.some_us == 53459164);
  CHECK(t.has_full);
  CHECK(t.full_us == 7);
  REQUIRE(parse_psi("some avg10=0.00 total=18446744073709551615\n", t));  // older cpu file: no full
  CHECK(t.some_us == 18446744073709551615ull);
  CHECK_FALSE(t.has_full);
  CHECK_FALSE(parse_psi("some avg10=0.00 avg60=0.00\n", t));
  CHECK_FALSE(parse_psi("full total=abc\n", t));
}

TEST_CASE("parse_clocksource and unix_seconds") {
  ClockSource cs;
  parse_clocksource("tsc hpet acpi_pm \n", "hpet\n", cs);
  CHECK(cs.available == std::vector<std::string>{"tsc", "hpet", "acpi_pm"});
  CHECK(cs.current == "hpet");
  parse_clocksource("", "", cs);
  CHECK(cs.available.empty());
  CHECK(cs.current.empty());
  CHECK(unix_seconds(std::chrono::system_clock::time_point(std::chrono::milliseconds(1500))) == 1.5);
}

TEST_CASE("parse_os_release: quoting and comments") {
  OsRelease o;
  REQUIRE(
      parse_os_release("# comment\n"
                       "  NAME=\"Debian GNU/Linux\"\n"
                       "ID=debian # trailing comment\n"
                       "VERSION='12 (book\"worm)'\n"
                       "PRETTY_NAME=\"a \\\"b\\\" \\$c \\\\ \\n\"\n"
                       "VARIANT=un\\ quoted\n"
                       "export BUILD_ID=7\n"
                       "UNKNOWN_KEY=x\n"
                       "no equals sign\n",
                       o));
  CHECK(o.name == "Debian GNU/Linux");
  CHECK(o.id == "debian");
  CHECK(o.version == "12 (book\"worm)");
  CHECK(o.pretty_name == "a \"b\" $c \\ \\n");
  CHECK(o.variant == "un quoted");
  CHECK(o.build_id == "7");
  CHECK(o.version_id.empty());
  CHECK_FALSE(parse_os_release("NAME='open\n", o));
}

TEST_CASE("os_major_minor") {
  CHECK(os_major_minor("22.04") == 22.04);
  CHECK(os_major_minor("12") == 12);
  CHECK(os_major_minor("1.2.3") == 1.2);
  CHECK(os_major_minor("9.") == 9);
  CHECK(os_major_minor("rolling") == 0);
  CHECK(os_major_minor("") == 0);
}

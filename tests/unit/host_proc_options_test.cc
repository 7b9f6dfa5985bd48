// The processes and interrupts collectors and the cpu collector's
// --collector.cpu.info / the stat collector's --collector.stat.softirq on
// tests/fixtures/host: the families must equal node_exporter 1.5's output on
// the same tree (expected/{processes,interrupts,cpu_info,softirq}.prom, made by
// regenerate.sh).
#include <catch.hpp>
#include <fstream>
#include <sstream>

#include "core/exposition.h"
#include "exporters/host/cpu_collector.h"
#include "exporters/host/interrupts_collector.h"
#include "exporters/host/processes_collector.h"
#include "exporters/host/stat_collector.h"
#include "tests/unit/host_a_test_util.h"

using namespace vigia;
using namespace vigia::host;
using vigia::test::run;
using vigia::test::slurp;

namespace {

const std::string kFixture = std::string(VIGIA_FIXTURES) + "/host";

HostPaths fixture_paths() {
  HostPaths p;
  p.proc = kFixture + "/proc";
  p.sys = kFixture + "/no-such-sys";
  return p;
}

// The families of `out` whose names start with one of the prefixes.
std::string only(const std::string& out, std::initializer_list<std::string> prefixes) {
  std::string r;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    std::string name = line.rfind("# ", 0) == 0 ? line.substr(7) : line;
    for (const std::string& p : prefixes)
      if (name.rfind(p, 0) == 0) {
        r += line + "\n";
        break;
      }
  }
  return r;
}

}  // namespace

TEST_CASE("processes, interrupts, cpu info and softirq equal node_exporter 1.5 on the fixture") {
  ProcessesCollector processes(fixture_paths());
  CHECK(run(processes) == slurp(kFixture + "/expected/processes.prom"));
  InterruptsCollector interrupts(fixture_paths());
  CHECK(run(interrupts) == slurp(kFixture + "/expected/interrupts.prom"));
  CpuCollector cpu(fixture_paths(), CpuInfoOptions{false, "^(sse.*|nx)$", "spectre"});
  CHECK(only(run(cpu), {"node_cpu_info", "node_cpu_flag_info", "node_cpu_bug_info"}) ==
        slurp(kFixture + "/expected/cpu_info.prom"));
  StatCollector stat(fixture_paths(), true);
  CHECK(only(run(stat), {"node_softirqs_total"}) == slurp(kFixture + "/expected/softirq.prom"));
}

TEST_CASE("the options are off by default and cpu info needs no filter") {
  CpuCollector cpu(fixture_paths());
  CHECK(run(cpu).find("node_cpu_info") == std::string::npos);
  StatCollector stat(fixture_paths());
  CHECK(run(stat).find("node_softirqs_total") == std::string::npos);
  CpuCollector info(fixture_paths(), CpuInfoOptions{true, "", ""});
  std::string out = run(info);
  CHECK(out.find("node_cpu_info{") != std::string::npos);
  CHECK(out.find("node_cpu_flag_info") == std::string::npos);
}

TEST_CASE("bad input fails the collector with the file named") {
  std::vector<InterruptLine> lines;
  CHECK(parse_interrupts("", lines).is_error());
  CHECK(parse_interrupts("  CPU0 CPU1\n 0: 1 x IO-APIC timer\n", lines).is_error());
  REQUIRE(parse_interrupts(
              "  CPU0 CPU1\n 0: 1 2 IO-APIC 2-edge timer\nERR: 0\nNMI: 3 4 Non-maskable interrupts\n", lines)
              .is_ok());
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].info == "IO-APIC");
  CHECK(lines[0].devices == "2-edge timer");
  CHECK(lines[1].info == "Non-maskable interrupts");

  std::vector<CpuInfo> cpus;
  CHECK(parse_cpuinfo("vendor_id : x\n", cpus).is_error());
  CHECK(parse_cpuinfo("processor : zero\n", cpus).is_error());
  REQUIRE(parse_cpuinfo("\nprocessor\t: 0x1\nflags\t\t: a b\nprocessor\t: 2\n", cpus).is_ok());
  REQUIRE(cpus.size() == 2);
  CHECK(cpus[0].processor == "1");
  CHECK(cpus[0].flags == std::vector<std::string>{"a", "b"});

  std::string state;
  uint64_t threads = 0;
  CHECK(parse_pid_stat("1 (a) b) R 0 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 7 0", state, threads));
  CHECK(state == "R");
  CHECK(threads == 7);
  CHECK_FALSE(parse_pid_stat("1 (a) R 0 1", state, threads));

  ProcStat s;
  CHECK(parse_proc_stat("softirq 1 2 x\n", s).is_error());
  REQUIRE(parse_proc_stat("softirq 1 2 3\n", s).is_ok());
  CHECK(s.softirq[2] == 3);
  CHECK(s.softirq[3] == 0);

  HostPaths p;
  p.proc = kFixture + "/no-such-proc";
  Status st;
  InterruptsCollector missing(p);
  run(missing, &st);
  CHECK(st.is_error());
  ProcessesCollector none(p);
  run(none, &st);
  CHECK(st.is_error());
}

// libFuzzer target for the host collectors' parsers of outside input: textfile
// content (exporters/host/textfile_collector.h: core's exposition parser, the
// grouping into node_exporter's metrics and the merging of files), and
// /proc/interrupts, /proc/cpuinfo, /proc/<pid>/stat and /proc/stat. The input
// is split at the first NUL into two textfiles, merged as two files of one
// directory; every parser also reads the whole input. Besides crashes and
// sanitizer reports it checks that the merged output never writes a series
// twice.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "core/log.h"
#include "exporters/host/cpu_info.h"
#include "exporters/host/interrupts_collector.h"
#include "exporters/host/processes_collector.h"
#include "exporters/host/stat_collector.h"
#include "exporters/host/textfile_collector.h"
#include "tests/fuzz/checking_sink.h"

using vigia::fuzz::CheckingSink;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static bool quiet = (vigia::log::configure(vigia::log::Level::kError, vigia::log::Format::kLogfmt), true);
  (void)quiet;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t nul = in.find('\0');
  std::string_view a = in.substr(0, nul), b = nul == std::string_view::npos ? in : in.substr(nul + 1);

  vigia::ExpositionParser parser;
  std::vector<vigia::host::TextfileSource> files(2);
  files[0].path = "a.prom";
  files[1].path = "b.prom";
  if (!vigia::host::parse_textfile(parser, a, files[0].families).is_ok()) files[0].families.clear();
  if (!vigia::host::parse_textfile(parser, b, files[1].families).is_ok()) files[1].families.clear();
  CheckingSink sink;
  vigia::host::write_textfiles(files, sink);

  std::vector<vigia::host::InterruptLine> lines;
  (void)vigia::host::parse_interrupts(in, lines);
  std::vector<vigia::host::CpuInfo> cpus;
  (void)vigia::host::parse_cpuinfo(in, cpus);
  std::string state;
  uint64_t threads;
  (void)vigia::host::parse_pid_stat(in, state, threads);
  vigia::host::ProcStat stat;
  (void)vigia::host::parse_proc_stat(in, stat);
  return 0;
}

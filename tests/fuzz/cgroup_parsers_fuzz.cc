// libFuzzer target for the cgroup file parsers (exporters/container/cgroup.h):
// mountinfo, flat keyed files, single values, cpu.max, io.stat, blkio,
// PSI, cpuacct.usage_percpu, cgroup.procs and cgroup path classification;
// the machine facts' /proc/meminfo and /proc/cpuinfo parsers and
// the mount source lookup in mountinfo.
// Properties: io.stat/blkio devices are unique; an accepted single value
// prints back to itself; a classified container id is 64 hex digits.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "exporters/container/cgroup.h"
#include "exporters/container/fs_usage.h"
#include "exporters/container/machine.h"

namespace {
void fail(const char* what) {
  std::fprintf(stderr, "%s\n", what);
  std::abort();
}
void unique(const std::vector<vigia::container::DeviceIo>& v) {
  for (size_t i = 0; i < v.size(); ++i)
    for (size_t j = i + 1; j < v.size(); ++j)
      if (v[i].major == v[j].major && v[i].minor == v[j].minor) fail("a device twice");
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigia::container;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  CgroupMounts m;
  parse_mountinfo_cgroups(in, m);
  (void)m.is_v2();
  uint64_t v = 0, q = 0, p = 0;
  bool is_max = false;
  (void)find_key(in, "total_rss", v);
  if (parse_value(in, v, is_max) && !is_max) {
    std::string back = std::to_string(v);
    std::string_view t = in;
    while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.remove_suffix(1);
    while (t.size() > 1 && t[0] == '0') t.remove_prefix(1);  // "007" is 7
    if (t != back) fail("single value does not print back");
  }
  (void)parse_cpu_max(in, q, p);
  std::vector<DeviceIo> io;
  parse_io_stat(in, io);
  unique(io);
  parse_blkio_bytes(in, io);
  unique(io);
  parse_blkio_serviced(in, io);
  unique(io);
  Pressure pr;
  (void)parse_pressure(in, pr);
  std::vector<uint64_t> cpus;
  parse_percpu(in, cpus);
  uint64_t first = 0, n = 0;
  parse_procs(in, first, n);
  CgroupIdentity id = classify_cgroup(in);
  if (id.kind != CgroupKind::kNone && id.kind != CgroupKind::kService && id.container_id.size() != 64)
    fail("container id not 64 digits");
  uint64_t mem = 0;
  if (parse_meminfo_total(in, mem) && mem % 1024 != 0) fail("MemTotal not a whole number of kB");
  if (count_cpuinfo_values(in, "core id") < 0) fail("negative count");
  std::string src = mount_source_of(in, 8, 1);
  if (!src.empty() && in.find(src) == std::string_view::npos) fail("a mount source not in the input");
  return 0;
}

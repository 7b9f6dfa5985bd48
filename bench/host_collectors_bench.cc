// One benchmark per host collector: collect() into a reused TextEncoder on the
// real /proc and /sys (or the roots given with --path.procfs, --path.sysfs,
// --path.rootfs). Collectors come from the catalog, so new ones appear here
// without editing this file.
//
// Usage: host_collectors_bench [--path.procfs=DIR] [--path.sysfs=DIR]
//                              [--path.rootfs=DIR] [benchmark flags...]
#include <benchmark/benchmark.h>

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/exposition.h"
#include "core/fs.h"
#include "core/registry.h"
#include "exporters/host/host.h"

namespace vigia {
namespace {

int64_t count_series(const std::string& text) {
  int64_t n = 0;
  for_each_line(text, [&](std::string_view line) { n += !line.empty() && line[0] != '#'; });
  return n;
}

void bench_collector(benchmark::State& state, Collector* c) {
  TextEncoder enc;
  CollectContext ctx;
  // An untimed first call warms the collector's and the encoder's buffers and
  // tells whether this machine has what the collector reads.
  Status st = c->collect(ctx, enc);
  if (st.is_error()) {
    state.SkipWithError(st.message().c_str());
    return;
  }
  std::string out;
  enc.finish(out);
  int64_t series = count_series(out);
  for (auto _ : state) {
    enc.reset();
    benchmark::DoNotOptimize(c->collect(ctx, enc));
  }
  state.SetItemsProcessed(state.iterations() * series);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(out.size()));
  state.counters["series"] = static_cast<double>(series);
  if (st.is_no_data()) state.SetLabel("no data: " + st.message());
}

// Strips the --path.* flags from argv (before benchmark::Initialize sees them).
void take_path_flags(int& argc, char** argv, HostPaths& paths) {
  int w = 1;
  for (int r = 1; r < argc; ++r) {
    std::string_view a = argv[r];
    auto take = [&](std::string_view flag, std::string& dst) {
      if (a.size() > flag.size() && a.substr(0, flag.size()) == flag && a[flag.size()] == '=') {
        dst = std::string(a.substr(flag.size() + 1));
        return true;
      }
      return false;
    };
    if (take("--path.procfs", paths.proc) || take("--path.sysfs", paths.sys) ||
        take("--path.rootfs", paths.rootfs))
      continue;
    argv[w++] = argv[r];
  }
  argc = w;
}

}  // namespace
}  // namespace vigia

int main(int argc, char** argv) {
  vigia::host::HostOptions opts;
  vigia::take_path_flags(argc, argv, opts.paths);

  vigia::CollectorCatalog catalog;
  vigia::host::register_collectors(catalog, opts);
  for (const auto& [name, on] : catalog.list()) catalog.set_enabled(name, true);
  // Owned here for the whole run; benchmarks hold raw pointers.
  static std::vector<std::unique_ptr<vigia::Collector>> collectors = catalog.build();
  for (const auto& c : collectors) {
    std::string bench_name = "BM_Collect/" + std::string(c->name());
    benchmark::RegisterBenchmark(bench_name.c_str(), vigia::bench_collector, c.get());
  }

  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

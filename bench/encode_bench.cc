// Micro-benchmarks of the scrape path's encoding: TextEncoder on a synthetic
// but realistic scrape, gzip of its output, and whole-registry collections
// through SharedScraper (synthetic and the real host collectors).
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "core/exposition.h"
#include "core/fs.h"
#include "core/http_server.h"
#include "core/registry.h"
#include "exporters/host/host.h"

namespace vigia {
namespace {

// A scrape shaped like node_exporter's on a small VPS: 60 families, 1 000
// series, one to three labels per series. `escape_every` > 0 makes every n-th
// label value need escaping (quotes, backslashes, newlines: systemd units,
// mount points with odd names, textfile labels).
class SyntheticScrape {
 public:
  static constexpr int kFamilies = 60;
  static constexpr int kSeries = 1000;

  explicit SyntheticScrape(int escape_every) {
    static constexpr MetricType kTypes[] = {MetricType::kCounter, MetricType::kGauge, MetricType::kGauge,
                                            MetricType::kUntyped};
    static constexpr const char* kModes[] = {"user", "system",  "idle",  "iowait",
                                             "irq",  "softirq", "steal", "nice"};
    int label_index = 0;
    for (int f = 0; f < kFamilies; ++f) {
      Family fam;
      fam.type = kTypes[f % 4];
      fam.name =
          "node_bench_family_" + std::to_string(f) + (fam.type == MetricType::kCounter ? "_total" : "_bytes");
      fam.help = "Synthetic family " + std::to_string(f) + " of the encoder benchmark.";
      // Spread 1 000 series unevenly, as real collectors do (cpu × mode is
      // wide, meminfo families have one series each).
      int n = kSeries / kFamilies + (f < kSeries % kFamilies ? 1 : 0);
      for (int s = 0; s < n; ++s) {
        Series ser;
        ser.value = (f * 1000 + s) * 1234.5678 + (s % 3 == 0 ? 0.25 : 0);
        int nlabels = 1 + (f + s) % 3;
        for (int l = 0; l < nlabels; ++l) {
          std::string v;
          switch (l) {
            case 0: v = "device" + std::to_string(s); break;
            case 1: v = kModes[s % 8]; break;
            default: v = "/var/lib/docker/overlay2/" + std::to_string(f * 7919 + s); break;
          }
          if (escape_every > 0 && ++label_index % escape_every == 0)
            v += "with \"quotes\", a back\\slash\nand a newline";
          ser.label_values.push_back(std::move(v));
        }
        fam.series.push_back(std::move(ser));
      }
      families_.push_back(std::move(fam));
    }
    for (Family& fam : families_)
      for (Series& ser : fam.series)
        for (size_t l = 0; l < ser.label_values.size(); ++l)
          ser.labels.push_back(Label{kLabelNames[l], ser.label_values[l]});
  }

  void write(MetricSink& sink) const {
    for (const Family& fam : families_) {
      sink.family(fam.name, fam.help, fam.type);
      for (const Series& ser : fam.series) sink.sample(fam.name, Labels(ser.labels), ser.value);
    }
  }

 private:
  static constexpr std::string_view kLabelNames[] = {"device", "mode", "mountpoint"};
  struct Series {
    std::vector<std::string> label_values;
    std::vector<Label> labels;  // views into label_values
    double value = 0;
  };
  struct Family {
    std::string name, help;
    MetricType type = MetricType::kGauge;
    std::vector<Series> series;
  };
  std::vector<Family> families_;
};

void BM_TextEncoderScrape(benchmark::State& state) {
  SyntheticScrape scrape(static_cast<int>(state.range(0)));
  TextEncoder enc;
  std::string out;
  for (auto _ : state) {
    enc.reset();
    out.clear();
    scrape.write(enc);
    enc.finish(out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * SyntheticScrape::kSeries);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(out.size()));
  state.counters["output_bytes"] = static_cast<double>(out.size());
}
// Argument: every n-th label value needs escaping (0: none).
BENCHMARK(BM_TextEncoderScrape)->ArgName("escape_every")->Arg(0)->Arg(50)->Arg(1);

void BM_GzipCompress(benchmark::State& state) {
  SyntheticScrape scrape(50);
  std::string text = encode_text([&](MetricSink& s) { scrape.write(s); });
  std::string gz;
  for (auto _ : state) {
    gz.clear();
    if (!gzip_compress(text, gz, static_cast<int>(state.range(0)))) {
      state.SkipWithError("gzip_compress failed");
      break;
    }
    benchmark::DoNotOptimize(gz.data());
  }
  state.SetItemsProcessed(state.iterations() * SyntheticScrape::kSeries);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(text.size()));
  state.counters["ratio"] = text.empty() ? 0 : static_cast<double>(gz.size()) / text.size();
}
// Level 1 is what /metrics uses; 6 is zlib's default.
BENCHMARK(BM_GzipCompress)->ArgName("level")->Arg(1)->Arg(6);

class SyntheticCollector final : public Collector {
 public:
  SyntheticCollector() : scrape_(50) {}
  std::string_view name() const override { return "synthetic"; }
  Status collect(const CollectContext&, MetricSink& sink) override {
    scrape_.write(sink);
    return Status::ok();
  }

 private:
  SyntheticScrape scrape_;
};

int64_t count_series(const std::string& text) {
  int64_t n = 0;
  for_each_line(text, [&](std::string_view line) { n += !line.empty() && line[0] != '#'; });
  return n;
}

// Items are series in the exposition, including vigia_collector_* ones.
void run_shared_scraper(benchmark::State& state, CollectorRegistry& registry) {
  SharedScraper scraper(registry);
  // One untimed scrape warms the encoder's buffers and counts the series.
  int64_t series = count_series(*scraper.scrape(CollectContext{}));
  size_t bytes = 0;
  for (auto _ : state) {
    auto text = scraper.scrape(CollectContext{});
    bytes = text->size();
    benchmark::DoNotOptimize(text->data());
  }
  state.SetItemsProcessed(state.iterations() * series);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(bytes));
  state.counters["output_bytes"] = static_cast<double>(bytes);
}

void BM_SharedScraperSynthetic(benchmark::State& state) {
  CollectorRegistry registry;
  registry.add(std::make_unique<SyntheticCollector>());
  run_shared_scraper(state, registry);
}
BENCHMARK(BM_SharedScraperSynthetic);

// The host collectors enabled by default (node_exporter's defaults), on the
// real /proc and /sys: what one `vigia exporter` scrape costs on this machine.
void BM_SharedScraperHostDefaults(benchmark::State& state) {
  CollectorCatalog catalog;
  host::register_collectors(catalog, host::HostOptions{});
  CollectorRegistry registry(catalog.build());
  run_shared_scraper(state, registry);
  state.SetLabel(std::to_string(registry.names().size()) + " collectors");
}
BENCHMARK(BM_SharedScraperHostDefaults);

}  // namespace
}  // namespace vigia

BENCHMARK_MAIN();

#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/collector.h"
#include "core/exposition_parser.h"

namespace vigia::host {

// One family of a textfile, as node_exporter 1.5 sees it after parsing: its
// metrics grouped (a histogram's buckets, sum and count are one metric),
// labels padded to the family's label names and sorted by name.
struct TextfileMetric {
  std::vector<std::pair<std::string, std::string>> labels;  // sorted by name
  double value = 0;                                         // counter, gauge, untyped
  double sum = 0, count = 0;                                // histogram, summary
  std::vector<std::pair<double, double>> points;            // (le, count) or (quantile, value)
};
struct TextfileFamily {
  std::string name, help;  // help "" = none given
  MetricType type = MetricType::kUntyped;
  std::vector<TextfileMetric> metrics;
};

// Parses one textfile's content with core's exposition parser into families
// (in order of first appearance). An error ("line L:C: ...") on bad syntax
// and on any sample carrying a timestamp (node_exporter refuses the file).
Status parse_textfile(ExpositionParser& parser, std::string_view text, std::vector<TextfileFamily>& out);

// The families of the files read (in file name order), as node_exporter
// serves them: the HELP of families without one, the metrics client_golang's
// registry accepts (a family's first file wins: later metrics whose HELP or
// TYPE differ, whose name collides with a histogram's or summary's series, or
// whose label set repeats are dropped and logged), each family sorted.
struct TextfileSource {
  std::string path;
  std::vector<TextfileFamily> families;
};
void write_textfiles(const std::vector<TextfileSource>& files, MetricSink& sink);

// node_exporter 1.5's textfile collector: the *.prom files of
// --collector.textfile.directory (a glob of directories too) served with
// node_textfile_mtime_seconds{file} for each file read and
// node_textfile_scrape_error. A file that cannot be read or parsed, or holds
// timestamps, is skipped whole (scrape_error 1). Families without HELP get
// "Metric read from <files>"; a family defined in several files keeps the
// first file's (files in name order) and drops the later ones' metrics whose
// HELP or TYPE differ or whose label set repeats, as node_exporter's registry
// does. Only names ending in ".prom" are read: writers write elsewhere and
// rename into place.
class TextfileCollector final : public Collector {
 public:
  explicit TextfileCollector(std::string directory) : directory_(std::move(directory)) {}
  std::string_view name() const override { return "textfile"; }
  Status collect(const CollectContext& ctx, MetricSink& sink) override;

 private:
  std::string directory_;
  ExpositionParser parser_;
  std::string buf_;
};

}  // namespace vigia::host

// Series written the way node_exporter's registry (client_golang's Gather)
// serves them, for the collectors whose Go code sends metrics in map order or
// builds label sets per series: families sorted by name, series within a
// family by label count, then by their label values in label-name order, a
// repeated label set dropped (the first kept), labels sorted by name.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/metric.h"

namespace vigia::host {

class SortedSeries {
 public:
  using LabelPairs = std::vector<std::pair<std::string, std::string>>;

  // Adds one series; `labels` in any order. A family's HELP and type are
  // those of its first series added.
  void add(std::string name, std::string help, MetricType type, LabelPairs labels, double value);
  // Writes every series added since the last flush to sink, then forgets them.
  void flush(MetricSink& sink);
  bool empty() const { return series_.empty(); }

 private:
  struct Series {
    std::string name, help;
    MetricType type;
    LabelPairs labels;
    double value;
    size_t order;
  };
  std::vector<Series> series_;
};

}  // namespace vigia::host

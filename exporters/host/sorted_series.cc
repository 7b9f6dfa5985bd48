#include "exporters/host/sorted_series.h"

#include <algorithm>

namespace vigia::host {

void SortedSeries::add(std::string name, std::string help, MetricType type, LabelPairs labels, double value) {
  std::sort(labels.begin(), labels.end());
  series_.push_back({std::move(name), std::move(help), type, std::move(labels), value, series_.size()});
}

void SortedSeries::flush(MetricSink& sink) {
  std::sort(series_.begin(), series_.end(), [](const Series& a, const Series& b) {
    if (a.name != b.name) return a.name < b.name;
    if (a.labels.size() != b.labels.size()) return a.labels.size() < b.labels.size();
    for (size_t i = 0; i < a.labels.size(); ++i)
      if (a.labels[i].second != b.labels[i].second) return a.labels[i].second < b.labels[i].second;
    return a.order < b.order;
  });
  // The first-added series of each family gives its HELP and type.
  std::vector<Label> labels;
  for (size_t i = 0; i < series_.size();) {
    size_t end = i, first = i;
    while (end < series_.size() && series_[end].name == series_[i].name) {
      if (series_[end].order < series_[first].order) first = end;
      ++end;
    }
    sink.family(series_[first].name, series_[first].help, series_[first].type);
    for (size_t j = i; j < end; ++j) {
      const Series& s = series_[j];
      if (j > i && s.labels == series_[j - 1].labels) continue;  // client_golang: "collected before"
      labels.clear();
      for (const auto& [n, v] : s.labels) labels.push_back({n, v});
      sink.sample(s.name, Labels(labels.data(), labels.size()), s.value);
    }
    i = end;
  }
  series_.clear();
}

}  // namespace vigia::host

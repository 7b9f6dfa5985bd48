// PromQL values: label sets, samples, instant vectors, range vectors.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vigia::promql {

// Labels sorted by name, names unique.
using LabelSet = std::vector<std::pair<std::string, std::string>>;

// Value of `name`, or "" (Prometheus treats a missing label as empty).
std::string_view label_value(const LabelSet& ls, std::string_view name);
// Sets (or, with an empty value, removes) a label keeping the set sorted.
void set_label(LabelSet& ls, std::string_view name, std::string_view value);
// Names as Prometheus accepts them: [a-zA-Z_][a-zA-Z0-9_]* for labels,
// [a-zA-Z_:][a-zA-Z0-9_:]* for metrics.
bool valid_label_name(std::string_view s);
bool valid_metric_name(std::string_view s);
// Prometheus's Labels.String(): {a="1", b="2"}.
std::string labels_string(const LabelSet& ls);

struct Point {
  int64_t t;  // milliseconds since the epoch
  double v;
};

// A series with its samples in ascending time order.
struct Series {
  LabelSet labels;
  std::vector<Point> points;
};

// An instant-vector element.
struct Sample {
  LabelSet labels;
  double v = 0;
  int64_t t = 0;
};

using Vector = std::vector<Sample>;

// True if two samples of `v` have the same label set (hashes, then a
// comparison of the colliding sets: no copies).
bool has_duplicate_labelsets(const Vector& v);
using Matrix = std::vector<Series>;

// Prometheus's staleness marker (value.StaleNaN): a NaN with this payload.
constexpr uint64_t kStaleNaNBits = 0x7ff0000000000002ULL;
bool is_stale_nan(double v);
double stale_nan();

}  // namespace vigia::promql

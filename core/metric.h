// The metric model shared by collectors, the exposition encoder, the exposition
// parser and (later) the alert evaluator's store.
//
// Collectors never build metric objects: they write families and samples into a
// MetricSink. A sink decides what to do with them (encode to text, store them),
// so the scrape path allocates nothing per sample beyond what the sink needs.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string_view>

namespace vigia {

enum class MetricType { kCounter, kGauge, kUntyped, kHistogram, kSummary };

// "counter", "gauge", "untyped", "histogram", "summary".
std::string_view metric_type_name(MetricType type);

// A label as a pair of views. The views must stay valid for the duration of
// the MetricSink call they are passed to; sinks copy what they keep.
struct Label {
  std::string_view name;
  std::string_view value;
};
using Labels = std::span<const Label>;

// Receives metric families. Threading: a sink is used by one thread at a time.
//
// Contract for writers:
//  - call family() before the samples of that family; samples belong to the
//    last family begun;
//  - a family's name is the base name; sample names may add the suffixes of
//    the type (`_bucket`, `_sum`, `_count`, `_total` is part of the base name
//    for counters as Prometheus text format 0.0.4 has it);
//  - the same family may be begun again later (another collector, another
//    target): sinks merge it with the earlier one, keeping the first HELP;
//  - emit series in a deterministic order (e.g. sorted by device name), so
//    the exposition is reproducible.
class MetricSink {
 public:
  virtual ~MetricSink() = default;

  virtual void family(std::string_view name, std::string_view help, MetricType type) = 0;
  // timestamp_ms < 0 means "no timestamp".
  virtual void sample(std::string_view name, Labels labels, double value, int64_t timestamp_ms = -1) = 0;

  // Conveniences for the common single-family cases.
  void sample(std::string_view name, std::initializer_list<Label> labels, double value) {
    sample(name, Labels(labels.begin(), labels.size()), value);
  }
  void gauge(std::string_view name, std::string_view help, double value,
             std::initializer_list<Label> labels = {}) {
    family(name, help, MetricType::kGauge);
    sample(name, labels, value);
  }
  void counter(std::string_view name, std::string_view help, double value,
               std::initializer_list<Label> labels = {}) {
    family(name, help, MetricType::kCounter);
    sample(name, labels, value);
  }
};

// A sink that appends a fixed label (e.g. {target="primary"}) to every sample
// and forwards to another sink. Not owning.
class LabelAddingSink final : public MetricSink {
 public:
  LabelAddingSink(MetricSink& inner, Label extra) : inner_(inner), extra_(extra) {}
  void family(std::string_view name, std::string_view help, MetricType type) override {
    inner_.family(name, help, type);
  }
  void sample(std::string_view name, Labels labels, double value, int64_t timestamp_ms = -1) override;
  using MetricSink::sample;

 private:
  MetricSink& inner_;
  Label extra_;
};

}  // namespace vigia

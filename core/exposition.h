// Prometheus text exposition format 0.0.4: the encoder.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/metric.h"

namespace vigia {

inline constexpr std::string_view kTextContentType = "text/plain; version=0.0.4; charset=utf-8";

// Appends a float as the text format spells it: shortest round-trip form
// ("1", "0.25", "1.5e+09"), "NaN", "+Inf", "-Inf".
void append_double(std::string& out, double v);
// Appends a label value with `\`, `"` and newline escaped.
void append_escaped_label_value(std::string& out, std::string_view v);
// Appends HELP text with `\` and newline escaped.
void append_escaped_help(std::string& out, std::string_view v);

// A MetricSink that encodes to the text format.
//
// Output is deterministic: families sorted by name, each with its HELP and
// TYPE lines first (the HELP of the first time the family was begun), series
// in the order they were written. Families begun with no sample are left out.
//
// Reuse one encoder across scrapes (reset(), then write, then finish()): it
// keeps its buffers, so a steady-state scrape allocates almost nothing.
// Not thread-safe.
class TextEncoder final : public MetricSink {
 public:
  TextEncoder() = default;
  TextEncoder(const TextEncoder&) = delete;
  TextEncoder& operator=(const TextEncoder&) = delete;

  void family(std::string_view name, std::string_view help, MetricType type) override;
  void sample(std::string_view name, Labels labels, double value, int64_t timestamp_ms = -1) override;
  using MetricSink::sample;

  // Forgets the samples written so far (keeps capacity).
  void reset();
  // Appends the encoded exposition of everything written since reset() to out.
  void finish(std::string& out);

 private:
  struct Family {
    std::string name;
    std::string help;
    MetricType type = MetricType::kUntyped;
    std::string lines;
    bool begun = false;
  };
  Family* current_ = nullptr;
  std::vector<Family> families_;
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  std::unordered_map<std::string, size_t, NameHash, std::equal_to<>> index_;
  std::vector<const Family*> order_;
};

// Encodes everything a writer function writes into one string. For tests and
// one-off use; the scrape path reuses a TextEncoder.
template <typename F>
std::string encode_text(F&& write) {
  TextEncoder enc;
  write(static_cast<MetricSink&>(enc));
  std::string out;
  enc.finish(out);
  return out;
}

}  // namespace vigia

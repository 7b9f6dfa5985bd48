// Prometheus text exposition format 0.0.4: the parser (the encoder's inverse,
// core/exposition.h). Used to read other exporters' /metrics.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/metric.h"
#include "core/status.h"

namespace vigia {

// Parses an exposition in one pass and writes it to a MetricSink.
//
// What it accepts (as Prometheus's expfmt text parser does, unless noted):
//  - `# HELP name text` (escapes `\\` and `\n`; any other escape is an
//    error) and `# TYPE name counter|gauge|histogram|summary|untyped`; at most
//    one of each per family, TYPE before the family's first sample;
//  - any other line starting with `#` is a comment; blank lines are skipped;
//  - samples `name{label="value",...} value [timestamp_ms]`, blanks allowed
//    around tokens, a trailing comma in the label set allowed; label values
//    with escapes `\\`, `\"`, `\n`; values in decimal or exponent form, `NaN`,
//    `Inf`, `+Inf`, `-Inf` (case-insensitive, also `Infinity`); no hex, no
//    out-of-range values; timestamps are int64 milliseconds, >= 0 (vigia's
//    sinks reserve negative timestamps for "none": a deviation);
//  - metric names match [a-zA-Z_:][a-zA-Z0-9_:]*, label names
//    [a-zA-Z_][a-zA-Z0-9_]*; a label name repeated in one sample is an error;
//  - a histogram family `x` owns the samples `x_bucket` (which need an `le`
//    label), `x_sum` and `x_count`; a summary `x` owns `x` (which needs a
//    `quantile` label), `x_sum` and `x_count`;
//  - a sample with no TYPE for its name is untyped and its own family (so an
//    untyped `x_bucket` is family `x_bucket`); lines end with '\n' (the last
//    one may lack it); '\r' is not a blank.
//
// Sink calls: family(name, help, type) before the first sample of each family
// (with the family's HELP or "" and its TYPE or untyped), then sample() for
// each sample with the sample's own name (`x_bucket`). A family that has
// HELP/TYPE but no sample is not announced. A family whose samples are not
// contiguous is announced again before each run (sinks merge, see
// core/metric.h). Views passed to the sink point into `text` or into the
// parser's buffers and are valid only during the call.
//
// Errors: one line "line L:C: what was wrong" (1-based, C counts bytes), e.g.
// "line 12:5: expected '=' after label name". Samples before the failing line
// have already been written to the sink.
//
// Reuse one parser across scrapes: it keeps its buffers, so a steady-state
// parse allocates nothing per sample (only per family, for its bookkeeping).
// Not thread-safe.
class ExpositionParser {
 public:
  ExpositionParser() = default;
  ExpositionParser(const ExpositionParser&) = delete;
  ExpositionParser& operator=(const ExpositionParser&) = delete;

  Status parse(std::string_view text, MetricSink& sink);

 private:
  friend class ExpositionParseRun;

  struct FamilyState {
    MetricType type = MetricType::kUntyped;
    bool has_help = false;
    bool has_type = false;
    bool has_samples = false;
    // The HELP text: a view into the input, or (escaped) a range of help_buf_.
    bool help_in_buf = false;
    std::string_view help;
    size_t help_off = 0, help_len = 0;
  };
  // A label being parsed: the value is a view into the input or, when it had
  // escapes, a range of scratch_ (resolved once the label set is complete,
  // because scratch_ may grow while later values are unescaped).
  struct PendingLabel {
    std::string_view name;
    std::string_view value;
    bool in_scratch = false;
    size_t off = 0, len = 0;
  };

  std::string scratch_;
  std::string help_buf_;
  std::vector<PendingLabel> pending_;
  std::vector<Label> labels_;
  std::unordered_map<std::string_view, FamilyState> families_;
};

// One-off convenience: parses with a temporary parser.
Status parse_exposition(std::string_view text, MetricSink& sink);

}  // namespace vigia

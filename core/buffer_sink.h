// A MetricSink that records what is written and replays it later into another
// sink. Used where a collection runs on another thread than the scrape (see
// core/target_runner.h): the worker writes into its own buffer, and the scrape
// replays the buffer only if the worker finished in time.
#pragma once

#include <string>
#include <vector>

#include "core/metric.h"

namespace vigia {

// Owns copies of every name, help text and label. clear() keeps the capacity
// of its vectors, so a buffer reused across scrapes allocates little.
// Not thread-safe: hand it between threads with a happens-before edge.
class BufferSink final : public MetricSink {
 public:
  void family(std::string_view name, std::string_view help, MetricType type) override;
  void sample(std::string_view name, Labels labels, double value, int64_t timestamp_ms = -1) override;
  using MetricSink::sample;

  // Writes everything recorded, in the order it was written, into out.
  void replay(MetricSink& out) const;
  void clear();
  bool empty() const { return events_.empty(); }

 private:
  struct Event {
    bool is_family;
    MetricType type;
    size_t name;         // offsets into strings_
    size_t help;         // family: help; sample: first label in labels_
    size_t label_count;  // sample only
    double value;
    int64_t timestamp_ms;
  };
  size_t intern(std::string_view s);
  std::string_view str(size_t i) const;

  std::vector<Event> events_;
  std::vector<std::pair<size_t, size_t>> labels_;  // name, value (indices into spans_)
  std::vector<std::pair<size_t, size_t>> spans_;   // offset, length into text_
  std::string text_;
};

}  // namespace vigia

#include "core/buffer_sink.h"

namespace vigia {

size_t BufferSink::intern(std::string_view s) {
  spans_.emplace_back(text_.size(), s.size());
  text_.append(s);
  return spans_.size() - 1;
}

std::string_view BufferSink::str(size_t i) const {
  return std::string_view(text_).substr(spans_[i].first, spans_[i].second);
}

void BufferSink::family(std::string_view name, std::string_view help, MetricType type) {
  events_.push_back(Event{true, type, intern(name), intern(help), 0, 0, -1});
}

void BufferSink::sample(std::string_view name, Labels labels, double value, int64_t timestamp_ms) {
  size_t first = labels_.size();
  for (const Label& l : labels) {
    size_t n = intern(l.name);
    labels_.emplace_back(n, intern(l.value));
  }
  events_.push_back(
      Event{false, MetricType::kUntyped, intern(name), first, labels.size(), value, timestamp_ms});
}

void BufferSink::replay(MetricSink& out) const {
  // Label views point into text_, which no longer grows during a replay.
  std::vector<Label> labels;
  for (const Event& e : events_) {
    if (e.is_family) {
      out.family(str(e.name), str(e.help), e.type);
      continue;
    }
    labels.clear();
    for (size_t i = 0; i < e.label_count; ++i) {
      const auto& [n, v] = labels_[e.help + i];
      labels.push_back(Label{str(n), str(v)});
    }
    out.sample(str(e.name), Labels(labels.data(), labels.size()), e.value, e.timestamp_ms);
  }
}

void BufferSink::clear() {
  events_.clear();
  labels_.clear();
  spans_.clear();
  text_.clear();
}

}  // namespace vigia

// A MetricSink for fuzz targets: it aborts (a finding) when a series is
// written twice, which Prometheus would reject as a duplicate.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "core/metric.h"

namespace vigia::fuzz {

class CheckingSink final : public MetricSink {
 public:
  std::set<std::string> seen;
  void family(std::string_view, std::string_view, MetricType) override {}
  void sample(std::string_view name, Labels labels, double, int64_t) override {
    std::string k(name);
    for (const Label& l : labels) k.append("\x01").append(l.name).append("\x02").append(l.value);
    if (!seen.insert(k).second) {
      std::fprintf(stderr, "series written twice: %s\n", k.c_str());
      std::abort();
    }
  }
  using MetricSink::sample;
};

}  // namespace vigia::fuzz

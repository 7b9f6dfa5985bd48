// `vigia query EXPR`: one instant query, printed as `promtool query instant`
// prints it. With a query URL it asks a Prometheus-compatible API; without,
// it collects vigia's own collectors (and any scrape URLs) into an embedded
// store twice, `interval` apart, so that rate() and friends have two points,
// and evaluates locally at the second collection.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "alerting/promql/engine.h"
#include "core/collector.h"
#include "core/metric.h"

namespace vigia::alerting {

struct QueryCommand {
  std::string expr;
  std::string query_url;  // remote when set
  std::chrono::milliseconds timeout{10000};
  std::optional<int64_t> time_ms;  // evaluation time; default: now (local: the 2nd collection)
  // Local mode: vigia's own collectors, with their target labels.
  std::function<void(const CollectContext&, MetricSink&)> collect_self;
  promql::LabelSet self_labels{{"instance", "localhost:9910"}, {"job", "vigia"}};
  // Local mode: other exporters scraped too (job "scrape", instance host:port).
  std::vector<std::string> scrape_urls;
  std::chrono::milliseconds interval{1000};
};

// Runs the query; writes the result to `out` and an error to `err` (both
// whole lines). Returns the exit status: 0, or 1 for a bad expression (the
// parse error with its line:column and a caret under it) or a failed query.
int run_query(const QueryCommand& cmd, std::string& out, std::string& err);

// promtool's rendering of a result (prometheus/common's model String()):
//   vector  `name{a="1", b="2"} => 0.5 @[1700000000.123]` per sample
//   scalar  `scalar: 0.5 @[1700000000.123]`
//   string  the string
//   matrix  `name{...} =>` then `value @[t]` per point
// Each line ends with '\n'; an empty vector is one empty line.
std::string format_result(const promql::QueryResult& r, int64_t t_ms);

// Parses --time: RFC3339 ("2026-11-23T00:00:00Z", fractional seconds and
// offsets allowed) or a Unix timestamp in seconds ("1700000000.5").
bool parse_time(std::string_view s, int64_t& ms);

}  // namespace vigia::alerting

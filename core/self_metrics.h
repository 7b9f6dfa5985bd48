// vigia's own instrumentation, held in a prometheus-cpp Registry (the design's
// package for it): the time handlers take, the duration of /metrics
// collections, and whatever later parts register (the notifier's
// alertmanager_notifications_total…). The scrape path's encoder stays vigia's:
// the "process" collector writes these families into each scrape through
// write_self_metrics(). The HTTP server counts requests by handler and code
// itself (vigia_http_requests_total, core/http_server.h): it answers some
// without a handler (404, 503 past --web.max-requests), and per server.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/http_server.h"
#include "core/metric.h"

namespace prometheus {
class Registry;
}

namespace vigia {

// The process-wide registry. Families registered in it appear in /metrics.
prometheus::Registry& self_registry();

// Observes the time `handler` took to answer one request
// (vigia_http_request_duration_seconds{handler}). Thread-safe.
void observe_http_request(std::string_view handler, double seconds);

// Observes the duration of one /metrics collection
// (vigia_scrape_collection_duration_seconds). Thread-safe.
void observe_collection(double seconds);

// `handler`, timed by observe_http_request under the handler label `name`.
HttpHandler instrument(std::string_view name, HttpHandler handler);

// The configured rule thresholds (alerting.thresholds), replacing those set
// before, and their series vigia_alert_threshold{threshold} (none when empty),
// which serve() writes into /metrics and the evaluator's store whatever the
// collectors enabled. Thread-safe.
void set_alert_thresholds(const std::vector<std::pair<std::string, double>>& thresholds);
void write_alert_thresholds(MetricSink& sink);

// Writes every family of the self registry into sink.
void write_self_metrics(MetricSink& sink);

}  // namespace vigia

// The evaluator's HTTP API: /api/v1/rules[?type=alert|record] and
// /api/v1/alerts, in Prometheus's JSON.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "alerting/evaluator.h"
#include "core/http_server.h"

namespace vigia::alerting {

// Registers the handlers; `evaluator` must outlive the server's handlers.
void serve_alerting_api(HttpServer& server, Evaluator& evaluator);

// The landing page's links to that API ({href, title}).
std::vector<std::pair<std::string, std::string>> alerting_api_links();

}  // namespace vigia::alerting

// The notifier's HTTP API, Alertmanager 0.25's API v2 shapes:
//   POST/GET /api/v2/alerts (filter, receiver, active, silenced, inhibited)
//   GET      /api/v2/alerts/groups
//   GET/POST /api/v2/silences, GET/DELETE /api/v2/silence/{id}
//   GET      /api/v2/status, /api/v2/receivers
// and vigia's audit log of deliveries:
//   GET      /api/v1/notifications[?receiver=R&limit=N]
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "alerting/notify/notifier.h"
#include "core/http_server.h"

namespace vigia::notify {

// The largest body POST /api/v2/alerts and /api/v2/silences accept (413 past it).
inline constexpr size_t kMaxApiBodyBytes = 4 << 20;

// Registers the handlers; `notifier` must outlive the server's handlers.
void serve_notify_api(HttpServer& server, Notifier& notifier);

// The landing page's links ({href, title}).
std::vector<std::pair<std::string, std::string>> notify_api_links();

}  // namespace vigia::notify

// Alerts in Alertmanager 0.25's API v2 JSON (api/v2/openapi.yaml):
// postableAlerts, the body Prometheus POSTs to /api/v2/alerts, read as
// Alertmanager's postAlertsHandler reads them; and gettableAlert, what
// GET /api/v2/alerts answers. Times are strfmt.DateTime ("...T10:00:00.000Z";
// Go's zero time is "0001-01-01T00:00:00.000Z").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "alerting/notify/model.h"

namespace vigia::notify {

// Reads a postableAlerts body at now_ms. As Alertmanager: a missing startsAt
// is now (or endsAt when only that is set); a missing endsAt is now +
// resolve_timeout with `timeout` set; labels with empty values are dropped;
// the alerts that validate are returned in `valid` even when others do not.
// Returns 200, or 400 with `err` set: the body is not postableAlerts (nothing
// is taken), or some alerts were invalid (their messages joined by "; ",
// as Alertmanager's).
int parse_postable_alerts(std::string_view body, int64_t now_ms, int64_t resolve_timeout_ms,
                          std::vector<Alert>& valid, std::string& err);

// model.Alert.Validate's message, or "".
std::string validate_alert(const Alert& a);

// A label set as a JSON object, sorted by name (as Go's encoder sorts map
// keys): {"alertname":"x",...}.
void append_label_object(std::string& out, const LabelSet& ls);

// strfmt.DateTime JSON of Unix milliseconds (0: Go's zero time).
std::string api_time(int64_t ms);

// The status of an alert as the API shows it: "active", "suppressed" (muted
// by a silence or an inhibiting alert) or "unprocessed".
struct AlertStatus {
  std::string state = "active";
  std::vector<std::string> silenced_by, inhibited_by;
};

// One gettableAlert.
std::string gettable_alert_json(const Alert& a, const AlertStatus& st,
                                const std::vector<std::string>& receivers);

}  // namespace vigia::notify

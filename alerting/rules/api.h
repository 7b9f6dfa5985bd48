// Prometheus's HTTP API shapes for rules and alerts (2.42's web/api/v1):
//   GET /api/v1/rules[?type=alert|record]  {"status":"success","data":{"groups":[...]}}
//   GET /api/v1/alerts                      {"status":"success","data":{"alerts":[...]}}
// Times are RFC3339 with nanoseconds (Go's time.Time JSON), alert values
// strconv.FormatFloat(v, 'e', -1, 64) ("1e+00"), queries printed as
// Prometheus prints them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "alerting/rules/group.h"

namespace vigia::alerting {

// `type` is "", "alert" or "record"; anything else is the caller's 400.
std::string rules_api_json(const std::vector<Group::Snapshot>& groups, std::string_view type);
std::string alerts_api_json(const std::vector<Group::Snapshot>& groups);

// Go's time.Time JSON (RFC3339Nano, UTC) of Unix milliseconds; with
// zero_unset, 0 means never and is Go's zero time "0001-01-01T00:00:00Z".
std::string rfc3339_ms(int64_t ms, bool zero_unset = true);
// Go's strconv.FormatFloat(v, 'e', -1, 64).
std::string format_float_e(double v);

}  // namespace vigia::alerting

#include "alerting/rules/api.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "alerting/promql/printer.h"
#include "core/text.h"

namespace vigia::alerting {
namespace {

using nlohmann::ordered_json;

ordered_json labels_json(const promql::LabelSet& ls) {
  ordered_json j = ordered_json::object();
  for (const auto& [k, v] : ls) j[k] = v;
  return j;
}

ordered_json alert_json(const Alert& a) {
  ordered_json j;
  j["labels"] = labels_json(a.labels);
  j["annotations"] = labels_json(a.annotations);
  j["state"] = alert_state_name(a.state);
  j["activeAt"] = rfc3339_ms(a.active_at, false);
  if (a.keep_firing_since != 0) j["keepFiringSince"] = rfc3339_ms(a.keep_firing_since, false);
  j["value"] = format_float_e(a.value);
  return j;
}

ordered_json active_alerts(const Rule& r) {
  ordered_json out = ordered_json::array();
  for (const auto& [_, a] : r.alerts())
    if (a.state != AlertState::kInactive) out.push_back(alert_json(a));
  return out;
}

// Go's encoding/json prints an integral float64 without a fraction.
ordered_json number(double v) {
  if (v == std::floor(v) && std::fabs(v) < 1e15) return static_cast<int64_t>(v);
  return v;
}

std::string query_text(const RuleDef& d) { return d.expr ? promql::print(*d.expr) : d.expr_text; }

}  // namespace

std::string rfc3339_ms(int64_t ms, bool zero_unset) {
  if (ms == 0 && zero_unset) return "0001-01-01T00:00:00Z";
  return format_rfc3339_ms(ms);
}

std::string format_float_e(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[40];
  for (int prec = 0; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*e", prec, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

std::string rules_api_json(const std::vector<Group::Snapshot>& groups, std::string_view type) {
  ordered_json gs = ordered_json::array();
  for (const auto& g : groups) {
    ordered_json rules = ordered_json::array();
    for (const Rule& r : g.rules) {
      const RuleDef& d = r.def();
      if ((type == "alert" && !d.is_alert) || (type == "record" && d.is_alert)) continue;
      ordered_json j;
      if (d.is_alert) {
        j["state"] = alert_state_name(r.state());
        j["name"] = d.name;
        j["query"] = query_text(d);
        j["duration"] = number(static_cast<double>(d.for_ms) / 1000);
        j["keepFiringFor"] = number(static_cast<double>(d.keep_firing_for_ms) / 1000);
        j["labels"] = labels_json(d.labels);
        j["annotations"] = labels_json(d.annotations);
        j["alerts"] = active_alerts(r);
      } else {
        j["name"] = d.name;
        j["query"] = query_text(d);
        if (!d.labels.empty()) j["labels"] = labels_json(d.labels);
      }
      j["health"] = rule_health_name(r.health());
      if (!r.last_error().empty()) j["lastError"] = r.last_error();
      j["evaluationTime"] = r.eval_seconds();
      j["lastEvaluation"] = rfc3339_ms(r.last_eval_ms());
      j["type"] = d.is_alert ? "alerting" : "recording";
      rules.push_back(std::move(j));
    }
    // As Prometheus: with a type filter, groups left without rules are omitted.
    if (!type.empty() && rules.empty()) continue;
    ordered_json j;
    j["name"] = g.name;
    j["file"] = g.file;
    j["rules"] = std::move(rules);
    j["interval"] = number(static_cast<double>(g.interval_ms) / 1000);
    j["limit"] = g.limit;
    j["evaluationTime"] = g.eval_seconds;
    j["lastEvaluation"] = rfc3339_ms(g.last_eval_ms);
    gs.push_back(std::move(j));
  }
  ordered_json root;
  root["status"] = "success";
  root["data"]["groups"] = std::move(gs);
  return root.dump();
}

std::string alerts_api_json(const std::vector<Group::Snapshot>& groups) {
  ordered_json alerts = ordered_json::array();
  for (const auto& g : groups)
    for (const Rule& r : g.rules)
      for (auto& a : active_alerts(r)) alerts.push_back(std::move(a));
  ordered_json root;
  root["status"] = "success";
  root["data"]["alerts"] = std::move(alerts);
  return root.dump();
}

}  // namespace vigia::alerting

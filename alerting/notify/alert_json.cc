#include "alerting/notify/alert_json.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "alerting/notify/dispatch.h"
#include "core/strconv.h"
#include "core/text.h"

namespace vigia::notify {
namespace {

using json = nlohmann::json;

// Go's zero time in Unix milliseconds.
constexpr int64_t kGoZeroMs = -62135596800000LL;

json label_object(const LabelSet& ls) {
  json j = json::object();
  for (const auto& [k, v] : ls) j[k] = v;
  return j;
}

// A labelSet object; false (err set) when it is not one.
bool read_label_set(const json& j, const std::string& what, LabelSet& out, std::string& err) {
  if (j.is_null()) return true;
  if (!j.is_object()) {
    err = what + " in body must be of type object";
    return false;
  }
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!it.value().is_string()) {
      err = what + "." + it.key() + " in body must be of type string";
      return false;
    }
    out.emplace_back(it.key(), it.value().get<std::string>());
  }
  std::sort(out.begin(), out.end());
  return true;
}

bool read_time(const json& a, const char* key, size_t i, int64_t& ms, std::string& err) {
  if (!a.contains(key) || a[key].is_null()) return true;
  std::string where = std::to_string(i) + "." + key;
  if (!a[key].is_string() || !parse_rfc3339_ms(a[key].get<std::string>(), ms)) {
    err = where + " in body must be of type date-time";
    return false;
  }
  if (ms == kGoZeroMs) ms = 0;
  return true;
}

std::string validate_labels(const Labels& ls) {
  for (const auto& [k, v] : ls) {
    if (!promql::valid_label_name(k)) return "invalid name " + go_quote(k);
    if (!valid_utf8(v)) return "invalid value " + go_quote(v);
  }
  return "";
}

}  // namespace

std::string api_time(int64_t ms) { return format_rfc3339_ms(ms == 0 ? kGoZeroMs : ms, true); }

std::string validate_alert(const Alert& a) {
  if (a.starts_at_ms == 0) return "start time missing";
  if (a.ends_at_ms != 0 && a.ends_at_ms < a.starts_at_ms) return "start time must be before end time";
  if (std::string e = validate_labels(a.labels); !e.empty()) return "invalid label set: " + e;
  if (a.labels.empty()) return "at least one label pair required";
  if (std::string e = validate_labels(a.annotations); !e.empty()) return "invalid annotations: " + e;
  return "";
}

int parse_postable_alerts(std::string_view body, int64_t now_ms, int64_t resolve_timeout_ms,
                          std::vector<Alert>& valid, std::string& err) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) {
    err = "parsing alerts body failed: invalid JSON";
    return 400;
  }
  if (!j.is_array()) {
    err = "parsing alerts body failed: expected a JSON array of alerts";
    return 400;
  }
  std::vector<Alert> alerts;
  alerts.reserve(j.size());
  for (size_t i = 0; i < j.size(); ++i) {
    const json& a = j[i];
    std::string where = std::to_string(i);
    if (!a.is_object()) {
      err = where + " in body must be of type object";
      return 400;
    }
    if (!a.contains("labels")) {
      err = where + ".labels in body is required";
      return 400;
    }
    Alert al;
    LabelSet labels, annotations;
    if (!read_label_set(a["labels"], where + ".labels", labels, err)) return 400;
    if (a.contains("annotations") &&
        !read_label_set(a["annotations"], where + ".annotations", annotations, err))
      return 400;
    al.labels = labels;
    al.annotations = annotations;
    if (!read_time(a, "startsAt", i, al.starts_at_ms, err) || !read_time(a, "endsAt", i, al.ends_at_ms, err))
      return 400;
    if (a.contains("generatorURL") && !a["generatorURL"].is_null()) {
      if (!a["generatorURL"].is_string()) {
        err = where + ".generatorURL in body must be of type uri";
        return 400;
      }
      al.generator_url = a["generatorURL"].get<std::string>();
    }
    alerts.push_back(std::move(al));
  }
  std::string errors;
  for (auto& a : alerts) {
    apply_intake_defaults(a, now_ms, resolve_timeout_ms);
    if (std::string e = validate_alert(a); !e.empty()) {
      errors += (errors.empty() ? "" : "; ") + e;
      continue;
    }
    valid.push_back(std::move(a));
  }
  if (!errors.empty()) {
    err = errors;
    return 400;
  }
  return 200;
}

std::string gettable_alert_json(const Alert& a, const AlertStatus& st,
                                const std::vector<std::string>& receivers) {
  json r = json::array();
  for (const auto& name : receivers) r.push_back({{"name", name}});
  json j = {
      {"annotations", label_object(a.annotations)},
      {"endsAt", api_time(a.ends_at_ms)},
      {"fingerprint", fingerprint_string(fingerprint(a.labels))},
      {"receivers", r},
      {"startsAt", api_time(a.starts_at_ms)},
      {"status", {{"inhibitedBy", st.inhibited_by}, {"silencedBy", st.silenced_by}, {"state", st.state}}},
      {"updatedAt", api_time(a.updated_at_ms)},
      {"labels", label_object(a.labels)}};
  if (!a.generator_url.empty()) j["generatorURL"] = a.generator_url.str();
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace vigia::notify

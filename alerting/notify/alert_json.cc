#include "alerting/notify/alert_json.h"

#include <algorithm>

#include <nlohmann/json.hpp>
#include <simdjson.h>

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

namespace dom = simdjson::dom;

// A labelSet object; false (err set) when it is not one. A repeated name
// keeps its last value (as a Go map); the error names the first offending
// key in name order (as nlohmann's sorted objects did).
bool read_label_set(dom::element j, const std::string& what, LabelSet& out, std::string& err) {
  if (j.is_null()) return true;
  dom::object obj;
  if (j.get(obj) != simdjson::SUCCESS) {
    err = what + " in body must be of type object";
    return false;
  }
  std::string bad;
  bool has_bad = false;
  for (dom::key_value_pair kv : obj) {
    std::string_view v;
    if (kv.value.get(v) != simdjson::SUCCESS) {
      if (!has_bad || kv.key < bad) bad = std::string(kv.key);
      has_bad = true;
      continue;
    }
    out.emplace_back(std::string(kv.key), std::string(v));
  }
  if (has_bad) {
    err = what + "." + bad + " in body must be of type string";
    return false;
  }
  // By name, the last of a repeated name kept.
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (size_t i = 0; i + 1 < out.size();)
    if (out[i].first == out[i + 1].first)
      out.erase(out.begin() + static_cast<std::ptrdiff_t>(i));
    else
      ++i;
  return true;
}

bool read_time(dom::object a, const char* key, size_t i, int64_t& ms, std::string& err) {
  dom::element v;
  if (a[key].get(v) != simdjson::SUCCESS || v.is_null()) return true;
  std::string where = std::to_string(i) + "." + key;
  std::string_view text;
  if (v.get(text) != simdjson::SUCCESS || !parse_rfc3339_ms(text, ms)) {
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

void append_label_object(std::string& out, const LabelSet& ls) {
  out += '{';
  for (size_t i = 0; i < ls.size(); ++i) {
    if (i) out += ',';
    append_json_string(out, ls[i].first);
    out += ':';
    append_json_string(out, ls[i].second);
  }
  out += '}';
}

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
  // simdjson's DOM (a tape, no node per value): the intake is the hot path
  // of every Prometheus that sends here.
  dom::parser parser;
  dom::element doc;
  if (parser.parse(body.data(), body.size()).get(doc) != simdjson::SUCCESS) {
    err = "parsing alerts body failed: invalid JSON";
    return 400;
  }
  dom::array list;
  if (doc.get(list) != simdjson::SUCCESS) {
    err = "parsing alerts body failed: expected a JSON array of alerts";
    return 400;
  }
  std::vector<Alert> alerts;
  alerts.reserve(list.size());
  size_t i = 0;
  for (dom::element e : list) {
    std::string where = std::to_string(i);
    dom::object a;
    if (e.get(a) != simdjson::SUCCESS) {
      err = where + " in body must be of type object";
      return 400;
    }
    dom::element labels_el, annotations_el, url_el;
    if (a["labels"].get(labels_el) != simdjson::SUCCESS) {
      err = where + ".labels in body is required";
      return 400;
    }
    Alert al;
    LabelSet labels, annotations;
    if (!read_label_set(labels_el, where + ".labels", labels, err)) return 400;
    if (a["annotations"].get(annotations_el) == simdjson::SUCCESS &&
        !read_label_set(annotations_el, where + ".annotations", annotations, err))
      return 400;
    al.labels = labels;
    al.annotations = annotations;
    if (!read_time(a, "startsAt", i, al.starts_at_ms, err) || !read_time(a, "endsAt", i, al.ends_at_ms, err))
      return 400;
    if (a["generatorURL"].get(url_el) == simdjson::SUCCESS && !url_el.is_null()) {
      std::string_view url;
      if (url_el.get(url) != simdjson::SUCCESS) {
        err = where + ".generatorURL in body must be of type uri";
        return 400;
      }
      al.generator_url = url;
    }
    alerts.push_back(std::move(al));
    ++i;
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

#include "alerting/notify/api.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "alerting/notify/alert_json.h"
#include "alerting/notify/matcher.h"
#include "alerting/promql/regex.h"
#include "core/self_metrics.h"

namespace vigia::notify {
namespace {

using json = nlohmann::json;

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

void answer(HttpResponse& resp, int status, const std::string& body_json) {
  resp.status = status;
  resp.content_type = "application/json";
  resp.body = body_json;
}

// Alertmanager's error payload: a JSON string.
void error(HttpResponse& resp, int status, const std::string& msg) { answer(resp, status, dump(json(msg))); }

bool flag(const HttpRequest& req, const char* name, bool def, bool& out, HttpResponse& resp) {
  std::string v = req.query_value(name);
  if (v.empty()) {
    out = def;
    return true;
  }
  if (v != "true" && v != "false") {
    error(resp, 400, std::string(name) + " in query must be of type boolean: \"" + v + "\"");
    return false;
  }
  out = v == "true";
  return true;
}

bool filters(const HttpRequest& req, Matchers& ms, HttpResponse& resp) {
  for (const auto& f : req.query_values("filter")) {
    Matcher m;
    std::string err;
    if (!parse_matcher(f, m, err)) {
      error(resp, 400, err);
      return false;
    }
    ms.push_back(std::move(m));
  }
  return true;
}

void get_alerts(Notifier& n, const HttpRequest& req, HttpResponse& resp) {
  Matchers ms;
  bool active, silenced, inhibited, unprocessed;
  if (!filters(req, ms, resp) || !flag(req, "active", true, active, resp) ||
      !flag(req, "silenced", true, silenced, resp) || !flag(req, "inhibited", true, inhibited, resp) ||
      !flag(req, "unprocessed", true, unprocessed, resp))
    return;
  std::unique_ptr<promql::AnchoredRegex> receiver;
  if (std::string r = req.query_value("receiver"); !r.empty()) {
    receiver = std::make_unique<promql::AnchoredRegex>(r);
    if (!receiver->ok()) {
      error(resp, 400, "failed to parse receiver param: " + receiver->error());
      return;
    }
  }
  int64_t t = n.now();
  // Sorted by fingerprint as Alertmanager's answer: the dispatcher's order
  // (16 hex digits sort as the numbers do).
  std::vector<Notifier::AlertView> views = n.alerts();
  std::string body = "[";
  for (const auto& v : views) {
    if (v.alert.ends_at_ms != 0 && v.alert.ends_at_ms < t) continue;  // resolved
    if (!matches(ms, v.alert.labels)) continue;
    if (receiver && std::none_of(v.receivers.begin(), v.receivers.end(),
                                 [&](const std::string& r) { return receiver->matches(r); }))
      continue;
    if (!active && v.state == "active") continue;
    if (!silenced && !v.silenced_by.empty()) continue;
    if (!inhibited && !v.inhibited_by.empty()) continue;
    AlertStatus st{v.state, v.silenced_by, v.inhibited_by};
    if (body.size() > 1) body += ',';
    body += gettable_alert_json(v.alert, st, v.receivers);
  }
  body += "]";
  answer(resp, 200, body);
}

void post_alerts(Notifier& n, const HttpRequest& req, HttpResponse& resp) {
  std::vector<Alert> valid;
  std::string err;
  int status = parse_postable_alerts(req.body, n.now(), n.resolve_timeout_ms(), valid, err);
  if (!valid.empty()) n.put(valid);
  if (status != 200) {
    error(resp, status, err);
    return;
  }
  resp.status = 200;
  resp.content_type = "application/json";
}

void get_groups(Notifier& n, const HttpRequest& req, HttpResponse& resp) {
  Matchers ms;
  if (!filters(req, ms, resp)) return;
  int64_t t = n.now();
  std::vector<Notifier::AlertView> views = n.alerts();
  std::map<uint64_t, const Notifier::AlertView*> by_fp;
  for (const auto& v : views) by_fp[fingerprint(v.alert.labels)] = &v;
  std::string body = "[";
  for (const auto& g : n.groups()) {
    std::string alerts;
    for (const auto& a : g.alerts) {
      if (a.ends_at_ms != 0 && a.ends_at_ms < t) continue;
      if (!matches(ms, a.labels)) continue;
      auto it = by_fp.find(fingerprint(a.labels));
      if (it == by_fp.end()) continue;
      const auto& v = *it->second;
      if (!alerts.empty()) alerts += ',';
      alerts += gettable_alert_json(a, AlertStatus{v.state, v.silenced_by, v.inhibited_by}, v.receivers);
    }
    if (alerts.empty()) continue;
    json labels = json::object();
    for (const auto& [k, val] : g.labels) labels[k] = val;
    if (body.size() > 1) body += ',';
    body += "{\"alerts\":[" + alerts + "],\"labels\":" + dump(labels) +
            ",\"receiver\":" + dump(json{{"name", g.receiver}}) + "}";
  }
  body += "]";
  answer(resp, 200, body);
}

void silences_handler(Notifier& n, const HttpRequest& req, HttpResponse& resp) {
  int64_t t = n.now();
  if (req.method == "POST") {
    Silence s;
    std::string err, id;
    if (!parse_postable_silence(req.body, s, err)) {
      error(resp, 400, err);
      return;
    }
    int status = n.silences().set(std::move(s), t, id, err);
    if (status != 200) {
      error(resp, status, err);
      return;
    }
    answer(resp, 200, dump({{"silenceID", id}}));
    return;
  }
  if (req.method != "GET") {
    error(resp, 405, "method not allowed");
    return;
  }
  Matchers ms;
  if (!filters(req, ms, resp)) return;
  std::string body = "[";
  for (const auto& s : n.silences().list(t)) {
    // CheckSilenceMatchesFilterLabels: each filter matcher equals one of the silence's.
    bool keep = std::all_of(ms.begin(), ms.end(), [&](const Matcher& f) {
      return std::any_of(s.matchers.begin(), s.matchers.end(), [&](const SilenceMatcher& m) {
        return f.name() == m.name && f.type() == match_type_of(m) && f.value() == m.value;
      });
    });
    if (!keep) continue;
    if (body.size() > 1) body += ',';
    body += gettable_silence_json(s, t);
  }
  body += "]";
  answer(resp, 200, body);
}

void silence_handler(Notifier& n, const HttpRequest& req, HttpResponse& resp) {
  std::string id = req.path.substr(std::string("/api/v2/silence/").size());
  int64_t t = n.now();
  if (req.method == "GET") {
    auto s = n.silences().get(id);
    if (!s) {
      resp.status = 404;
      return;
    }
    answer(resp, 200, gettable_silence_json(*s, t));
    return;
  }
  if (req.method == "DELETE") {
    if (!n.silences().expire(id, t)) {
      error(resp, 404, "not found");
      return;
    }
    resp.status = 200;
    return;
  }
  error(resp, 405, "method not allowed");
}

void status_handler(Notifier& n, HttpResponse& resp, int64_t start_ms) {
  json j = {{"cluster", {{"status", "disabled"}, {"peers", json::array()}}},
            {"config", {{"original", n.config_text()}}},
            {"uptime", api_time(start_ms)},
            {"versionInfo",
             {{"version", VIGIA_VERSION},
              {"branch", ""},
              {"buildDate", ""},
              {"buildUser", ""},
              {"goVersion", ""},
              {"revision", ""}}}};
  answer(resp, 200, dump(j));
}

void notifications_handler(Notifier& n, const HttpRequest& req, HttpResponse& resp) {
  size_t limit = 100;
  if (std::string l = req.query_value("limit"); !l.empty()) {
    try {
      limit = std::clamp<size_t>(std::stoul(l), 1, 1000);
    } catch (const std::exception&) {
      error(resp, 400, "limit: expected a number");
      return;
    }
  }
  json out = json::array();
  for (const auto& r : n.outbox().recent(req.query_value("receiver"), limit))
    out.push_back({{"time", api_time(r.time_ms)},
                   {"receiver", r.receiver},
                   {"integration", r.integration},
                   {"groupKey", r.group_key},
                   {"status", r.status},
                   {"attempts", r.attempts},
                   {"error", r.error},
                   {"detail", r.detail}});
  json pending = n.outbox().pending();
  answer(resp, 200, dump({{"status", "success"}, {"data", {{"pending", pending}, {"deliveries", out}}}}));
}

}  // namespace

void serve_notify_api(HttpServer& server, Notifier& notifier) {
  Notifier* n = &notifier;
  int64_t start = n->now();
  server.handle("/api/v2/alerts",
                instrument("/api/v2/alerts",
                           [n](const HttpRequest& req, HttpResponse& resp) {
                             if (req.method == "POST")
                               post_alerts(*n, req, resp);
                             else if (req.method == "GET")
                               get_alerts(*n, req, resp);
                             else
                               error(resp, 405, "method not allowed");
                           }),
                kMaxApiBodyBytes);
  server.handle("/api/v2/alerts/groups",
                instrument("/api/v2/alerts/groups",
                           [n](const HttpRequest& req, HttpResponse& resp) { get_groups(*n, req, resp); }));
  server.handle("/api/v2/silences",
                instrument("/api/v2/silences", [n](const HttpRequest& req,
                                                   HttpResponse& resp) { silences_handler(*n, req, resp); }),
                kMaxApiBodyBytes);
  server.handle_prefix("/api/v2/silence/",
                       instrument("/api/v2/silence/", [n](const HttpRequest& req, HttpResponse& resp) {
                         silence_handler(*n, req, resp);
                       }));
  server.handle("/api/v2/status",
                instrument("/api/v2/status", [n, start](const HttpRequest&, HttpResponse& resp) {
                  status_handler(*n, resp, start);
                }));
  server.handle("/api/v2/receivers",
                instrument("/api/v2/receivers", [n](const HttpRequest&, HttpResponse& resp) {
                  json out = json::array();
                  for (const auto& r : n->receivers()) out.push_back({{"name", r}});
                  answer(resp, 200, dump(out));
                }));
  server.handle("/api/v1/notifications",
                instrument("/api/v1/notifications", [n](const HttpRequest& req, HttpResponse& resp) {
                  notifications_handler(*n, req, resp);
                }));
}

std::vector<std::pair<std::string, std::string>> notify_api_links() {
  return {{"/api/v2/alerts", "Notifier: alerts"},
          {"/api/v2/alerts/groups", "Notifier: alert groups"},
          {"/api/v2/silences", "Notifier: silences"},
          {"/api/v1/notifications", "Notifier: deliveries"}};
}

}  // namespace vigia::notify

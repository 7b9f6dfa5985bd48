// Test-only: drives the notifier's integrations (alerting/notify/
// integrations.h) without the rest of the notifier.
//   notify_deliver_tool CONFIG.yml NOTIFICATION.json   deliver, one JSON line per integration
//   notify_deliver_tool --payload NOTIFICATION.json [MAX_ALERTS]   print the webhook payload
//   notify_deliver_tool --template CONFIG.yml NOTIFICATION.json TEXT   expand TEXT
// CONFIG.yml: {global: {smtp_*, slack_api_url, telegram_api_url}, templates: [files],
//              receiver: {name: R, webhook_configs: [...], ...}}
// NOTIFICATION.json: {receiver, group_key, group_labels: {}, now_ms, external_url,
//   idempotency_key, alerts: [{labels, annotations, starts_at_ms, ends_at_ms, generator_url}]}
// Exit status: 0 if every delivery succeeded, 1 if one failed, 2 on a bad config.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "alerting/notify/integrations.h"

using namespace vigia;
using namespace vigia::notify;
using nlohmann::json;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

LabelSet labels_of(const json& j) {
  LabelSet ls;
  if (j.is_object())
    for (auto it = j.begin(); it != j.end(); ++it) ls.emplace_back(it.key(), it.value().get<std::string>());
  std::sort(ls.begin(), ls.end());
  return ls;
}

Notification notification_of(const json& j, DeliveryContext& ctx) {
  Notification n;
  n.receiver = j.value("receiver", "");
  n.group_key = j.value("group_key", "");
  n.group_labels = labels_of(j.value("group_labels", json::object()));
  n.now_ms = j.value("now_ms", int64_t{0});
  n.external_url = j.value("external_url", "");
  for (const auto& a : j.value("alerts", json::array())) {
    Alert al;
    al.labels = labels_of(a.value("labels", json::object()));
    al.annotations = labels_of(a.value("annotations", json::object()));
    al.starts_at_ms = a.value("starts_at_ms", int64_t{0});
    al.ends_at_ms = a.value("ends_at_ms", int64_t{0});
    al.generator_url = a.value("generator_url", "");
    n.alerts.push_back(std::move(al));
  }
  ctx.idempotency_key = j.value("idempotency_key", "test-key");
  ctx.timeout = std::chrono::milliseconds(j.value("timeout_ms", 10000));
  return n;
}

}  // namespace

static int run(int argc, char** argv) {
  if (argc >= 3 && std::string(argv[1]) == "--payload") {
    DeliveryContext ctx;
    Notification n = notification_of(json::parse(slurp(argv[2])), ctx);
    std::cout << webhook_payload(n, argc > 3 ? std::stoull(argv[3]) : 0);
    return 0;
  }
  bool template_mode = argc == 5 && std::string(argv[1]) == "--template";
  if (argc != 3 && !template_mode) {
    std::fprintf(stderr, "usage: notify_deliver_tool CONFIG.yml NOTIFICATION.json\n");
    return 2;
  }
  std::string config_path = argv[template_mode ? 2 : 1];
  std::string dir =
      config_path.substr(0, config_path.rfind('/') == std::string::npos ? 0 : config_path.rfind('/'));
  YamlReader r(config_path);
  GlobalConfig g;
  TemplateSet tmpl;
  ReceiverConfig rc;
  std::vector<std::unique_ptr<Integration>> integrations;
  try {
    YAML::Node root = YAML::LoadFile(config_path);
    if (const auto& gl = root["global"]) {
      auto str = [&](const char* k, std::string& out) {
        if (gl[k]) out = gl[k].as<std::string>();
      };
      str("smtp_from", g.smtp_from);
      str("smtp_hello", g.smtp_hello);
      str("smtp_smarthost", g.smtp_smarthost);
      str("smtp_auth_username", g.smtp_auth_username);
      str("smtp_auth_password", g.smtp_auth_password.value);
      str("slack_api_url", g.slack_api_url.value);
      str("telegram_api_url", g.telegram_api_url);
      if (gl["smtp_require_tls"]) g.smtp_require_tls = gl["smtp_require_tls"].as<bool>();
    }
    if (root["templates"]) {
      Status s = tmpl.add_globs(root["templates"].as<std::vector<std::string>>(), dir);
      if (!s.is_ok()) throw ConfigError(s.message());
    }
    const auto& recv = root["receiver"];
    rc.name = recv["name"].as<std::string>();
    for (const auto& kv : recv) {
      std::string key = kv.first.as<std::string>();
      if (key == "name") continue;
      if (!kv.second.IsSequence()) r.fail(kv.second, key + ": expected a list");
      for (size_t i = 0; i < kv.second.size(); ++i) rc.integrations.push_back({key, i, kv.second[i]});
    }
    Status s = make_integrations(r, rc, g, dir, tmpl, integrations);
    if (!s.is_ok()) throw ConfigError(s.message());
  } catch (const ConfigError& e) {
    std::cerr << e.what() << "\n";
    return 2;
  } catch (const YAML::Exception& e) {
    std::cerr << yaml_error_message(config_path, e) << "\n";
    return 2;
  }
  DeliveryContext ctx;
  Notification n = notification_of(json::parse(slurp(argv[template_mode ? 3 : 2])), ctx);
  if (template_mode) {
    std::string out, err;
    if (!tmpl.expand(argv[4], message_data(n), out, err)) {
      std::cerr << err << "\n";
      return 1;
    }
    std::cout << out;
    return 0;
  }
  int rc_exit = 0;
  for (auto& in : integrations) {
    Notification copy = n;
    if (!in->send_resolved()) {
      std::vector<Alert> firing;
      for (const auto& a : copy.alerts)
        if (!a.resolved_at(copy.now_ms)) firing.push_back(a);
      copy.alerts = firing;
    }
    json out;
    out["kind"] = std::string(in->kind());
    if (copy.alerts.empty()) {
      out["skipped"] = true;
      std::cout << out.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
      continue;
    }
    DeliveryResult res = in->deliver(copy, ctx);
    out["ok"] = res.ok;
    out["retryable"] = res.retryable;
    out["error"] = res.error;
    out["detail"] = res.detail;
    std::cout << out.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
    if (!res.ok) rc_exit = 1;
  }
  return rc_exit;
}

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "notify_deliver_tool: " << e.what() << "\n";
    return 2;
  }
}

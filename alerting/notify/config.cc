#include "alerting/notify/config.h"

#include <fstream>
#include <set>
#include <sstream>

#include "alerting/notify/config_internal.h"
#include "core/yaml_reader.h"

namespace vigia::notify {
namespace {

using detail::check_keys_am;

// Receivers' integrations vigia implements, and the ones it refuses.
const std::vector<std::string_view> kIntegrations = {"email_configs",    "webhook_configs", "slack_configs",
                                                     "telegram_configs", "discord_configs", "exec_configs"};
const std::vector<std::string_view> kUnsupportedIntegrations = {
    "pagerduty_configs", "opsgenie_configs", "wechat_configs", "pushover_configs",
    "victorops_configs", "sns_configs",      "webex_configs"};

bool has_value(const YAML::Node& map, const char* key) {
  if (!map.IsMap()) return false;
  YAML::Node v = map[key];
  return v && !v.IsNull() && !(v.IsScalar() && v.Scalar().empty());
}

// config.HostPort: "host:port" (net.SplitHostPort), the port not empty.
void check_host_port(const YamlReader& r, const YAML::Node& n, const std::string& what) {
  std::string s = r.get_string(n, what);
  if (s.empty()) return;
  std::string port;
  bool ok = false;
  if (s[0] == '[') {
    size_t close = s.find(']');
    ok = close != std::string::npos && close + 1 < s.size() && s[close + 1] == ':' &&
         s.find_first_of("[]", close + 1) == std::string::npos;
    if (ok) port = s.substr(close + 2);
  } else {
    size_t colon = s.rfind(':');
    ok = colon != std::string::npos && s.find(':') == colon && s.find_first_of("[]") == std::string::npos;
    if (ok) port = s.substr(colon + 1);
  }
  if (!ok) r.fail(n, what + ": address " + s + ": expected host:port");
  if (port.empty()) r.fail(n, what + ": address \"" + s + "\": port cannot be empty");
}

// config.URL: an http or https URL with a host.
void check_url(const YamlReader& r, const YAML::Node& n, const std::string& what) {
  std::string s = r.get_string(n, what);
  size_t scheme_end = s.find("://");
  std::string scheme = scheme_end == std::string::npos ? "" : s.substr(0, scheme_end);
  for (auto& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "http" && scheme != "https")
    r.fail(n, what + ": unsupported scheme \"" + scheme + "\" for URL");
  std::string rest = s.substr(scheme_end + 3);
  std::string host = rest.substr(0, rest.find_first_of("/?#"));
  if (size_t at = host.rfind('@'); at != std::string::npos) host = host.substr(at + 1);
  if (host.empty()) r.fail(n, what + ": missing host for URL");
}

GlobalConfig read_global(const YamlReader& r, const YAML::Node& n, const std::string& dir) {
  GlobalConfig g;
  const std::string what = "global";
  check_keys_am(
      r, n, what,
      {"resolve_timeout", "http_config", "smtp_from", "smtp_hello", "smtp_smarthost", "smtp_auth_username",
       "smtp_auth_password", "smtp_auth_password_file", "smtp_auth_secret", "smtp_auth_identity",
       "smtp_require_tls", "slack_api_url", "slack_api_url_file", "telegram_api_url"},
      {"pagerduty_url", "opsgenie_api_url", "opsgenie_api_key", "opsgenie_api_key_file", "wechat_api_url",
       "wechat_api_secret", "wechat_api_corp_id", "victorops_api_url", "victorops_api_key",
       "victorops_api_key_file", "webex_api_url"});
  if (!n.IsMap()) return g;
  auto str = [&](const char* key, std::string& out) {
    if (n[key] && !n[key].IsNull()) out = r.get_string(n[key], what + "." + key);
  };
  if (n["resolve_timeout"] && !n["resolve_timeout"].IsNull())
    g.resolve_timeout_ms = detail::read_duration_ms(r, n["resolve_timeout"], what + ".resolve_timeout");
  if (n["http_config"] && !n["http_config"].IsNull())
    g.http_config = read_http_config(r, n["http_config"], what + ".http_config", dir);
  str("smtp_from", g.smtp_from);
  str("smtp_hello", g.smtp_hello);
  if (n["smtp_smarthost"] && !n["smtp_smarthost"].IsNull()) {
    check_host_port(r, n["smtp_smarthost"], what + ".smtp_smarthost");
    str("smtp_smarthost", g.smtp_smarthost);
  }
  str("smtp_auth_username", g.smtp_auth_username);
  g.smtp_auth_password = read_secret(r, n, what, "smtp_auth_password", dir);
  str("smtp_auth_identity", g.smtp_auth_identity);
  if (n["smtp_auth_secret"] && !n["smtp_auth_secret"].IsNull())
    g.smtp_auth_secret.value = r.get_string(n["smtp_auth_secret"], what + ".smtp_auth_secret");
  if (n["smtp_require_tls"] && !n["smtp_require_tls"].IsNull())
    g.smtp_require_tls = detail::read_bool(r, n["smtp_require_tls"], what + ".smtp_require_tls");
  if (n["slack_api_url"] && !n["slack_api_url"].IsNull()) {
    if (!(n["slack_api_url"].IsScalar() && n["slack_api_url"].Scalar() == "<secret>"))
      check_url(r, n["slack_api_url"], what + ".slack_api_url");
  }
  g.slack_api_url = read_secret(r, n, what, "slack_api_url", dir);
  if (n["telegram_api_url"] && !n["telegram_api_url"].IsNull()) {
    check_url(r, n["telegram_api_url"], what + ".telegram_api_url");
    str("telegram_api_url", g.telegram_api_url);
  }
  return g;
}

ReceiverConfig read_receiver(const YamlReader& r, const YAML::Node& n, const std::string& what) {
  ReceiverConfig rc;
  std::vector<std::string_view> known = {"name"};
  known.insert(known.end(), kIntegrations.begin(), kIntegrations.end());
  check_keys_am(r, n, what, known, kUnsupportedIntegrations);
  if (!n.IsMap() || !has_value(n, "name")) r.fail(n, what + ": missing name in receiver");
  rc.name = r.get_string(n["name"], what + ".name");
  for (auto key : kIntegrations) {
    YAML::Node list = n[std::string(key)];
    if (!list || list.IsNull()) continue;
    std::string w = what + "." + std::string(key);
    if (!list.IsSequence()) r.fail(list, w + ": expected a list");
    size_t i = 0;
    for (const auto& item : list) {
      if (!item.IsMap()) r.fail(item, w + "[" + std::to_string(i) + "]: expected a mapping");
      rc.integrations.push_back(IntegrationNode{std::string(key), i, item});
      ++i;
    }
  }
  return rc;
}

void check_route_refs(const YamlReader& r, const RouteConfig& route, const YAML::Node& node,
                      const std::set<std::string>& receivers, const std::set<std::string>& intervals) {
  YAML::Node routes = node.IsMap() ? node["routes"] : YAML::Node();
  for (size_t i = 0; i < route.routes.size(); ++i)
    check_route_refs(r, route.routes[i], routes[i], receivers, intervals);
  if (!route.receiver.empty() && !receivers.count(route.receiver))
    r.fail(node["receiver"], "undefined receiver " + go_quote(route.receiver) + " used in route");
  for (const char* key : {"active_time_intervals", "mute_time_intervals"}) {
    const auto& names =
        std::string(key) == "mute_time_intervals" ? route.mute_time_intervals : route.active_time_intervals;
    for (size_t i = 0; i < names.size(); ++i)
      if (!intervals.count(names[i]))
        r.fail(node[key][i], "undefined time interval " + go_quote(names[i]) + " used in route");
  }
}

void read_document(const YamlReader& r, const YAML::Node& doc, const std::string& dir, NotifyConfig& out) {
  r.check_keys(doc, "the notify configuration",
               {"global", "route", "inhibit_rules", "receivers", "templates", "mute_time_intervals",
                "time_intervals"});
  out.file = r.file();
  if (doc["global"] && !doc["global"].IsNull()) out.global = read_global(r, doc["global"], dir);
  // Receivers, with config.Load's cross-checks against global.
  std::set<std::string> receiver_names;
  YAML::Node receivers = doc["receivers"];
  if (receivers && !receivers.IsNull()) {
    if (!receivers.IsSequence()) r.fail(receivers, "receivers: expected a list");
    size_t i = 0;
    for (const auto& item : receivers) {
      std::string w = "receivers[" + std::to_string(i++) + "]";
      ReceiverConfig rc = read_receiver(r, item, w);
      if (!receiver_names.insert(rc.name).second)
        r.fail(item["name"], w + ": notification config name " + go_quote(rc.name) + " is not unique");
      for (const auto& in : rc.integrations) {
        std::string iw = w + "." + in.key + "[" + std::to_string(in.index) + "]";
        if (in.key == "email_configs") {
          if (!has_value(in.node, "smarthost") && out.global.smtp_smarthost.empty())
            r.fail(in.node, iw + ": no global SMTP smarthost set");
          if (!has_value(in.node, "from") && out.global.smtp_from.empty())
            r.fail(in.node, iw + ": no global SMTP from set");
        } else if (in.key == "slack_configs") {
          if (!has_value(in.node, "api_url") && !has_value(in.node, "api_url_file") &&
              out.global.slack_api_url.empty())
            r.fail(in.node, iw + ": no global Slack API URL set either inline or in a file");
        } else if (in.key == "discord_configs") {
          if (!has_value(in.node, "webhook_url")) r.fail(in.node, iw + ": no discord webhook URL provided");
        }
      }
      out.receivers.push_back(std::move(rc));
    }
  }
  YAML::Node route = doc["route"];
  if (!route || route.IsNull()) r.fail(doc, "no route provided in config");
  out.route = detail::read_route(r, route, "route");
  if (out.route.receiver.empty()) r.fail(route, "route: root route must specify a default receiver");
  if (!out.route.matchers.empty()) r.fail(route, "route: root route must not have any matchers");
  if (!out.route.mute_time_intervals.empty())
    r.fail(route["mute_time_intervals"], "route: root route must not have any mute time intervals");
  if (!out.route.active_time_intervals.empty())
    r.fail(route["active_time_intervals"], "route: root route must not have any active time intervals");
  if (out.route.continue_matching) r.fail(route["continue"], "route: cannot have continue in root route");
  // Time intervals: names unique across both lists.
  std::set<std::string> interval_names;
  for (const char* key : {"mute_time_intervals", "time_intervals"}) {
    YAML::Node list = doc[key];
    if (!list || list.IsNull()) continue;
    if (!list.IsSequence()) r.fail(list, std::string(key) + ": expected a list");
    size_t i = 0;
    for (const auto& item : list) {
      std::string w = std::string(key) + "[" + std::to_string(i++) + "]";
      r.check_keys(item, w, {"name", "time_intervals"});
      bool mute = std::string(key) == "mute_time_intervals";
      if (!has_value(item, "name"))
        r.fail(item, w + (mute ? ": missing name in mute time interval" : ": missing name in time interval"));
      std::string name = r.get_string(item["name"], w + ".name");
      std::vector<TimeInterval> tis;
      YAML::Node tl = item["time_intervals"];
      if (tl && !tl.IsNull()) {
        if (!tl.IsSequence()) r.fail(tl, w + ".time_intervals: expected a list");
        size_t k = 0;
        for (const auto& t : tl)
          tis.push_back(read_time_interval(r, t, w + ".time_intervals[" + std::to_string(k++) + "]"));
      }
      if (!interval_names.insert(name).second)
        r.fail(item["name"],
               w + (mute ? ": mute time interval " : ": time interval ") + go_quote(name) + " is not unique");
      out.time_intervals[name] = std::move(tis);
    }
  }
  check_route_refs(r, out.route, route, receiver_names, interval_names);
  YAML::Node inhibit = doc["inhibit_rules"];
  if (inhibit && !inhibit.IsNull()) {
    if (!inhibit.IsSequence()) r.fail(inhibit, "inhibit_rules: expected a list");
    size_t i = 0;
    for (const auto& item : inhibit)
      out.inhibit_rules.push_back(
          detail::read_inhibit_rule(r, item, "inhibit_rules[" + std::to_string(i++) + "]"));
  }
  if (doc["templates"] && !doc["templates"].IsNull())
    for (const auto& t : r.get_string_list(doc["templates"], "templates"))
      out.templates.push_back(join_dir(dir, t));
}

std::string dir_of(const std::string& file) {
  size_t slash = file.rfind('/');
  return slash == std::string::npos ? "." : file.substr(0, slash == 0 ? 1 : slash);
}

bool read_file(const std::string& path, std::string& out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  std::ostringstream ss;
  ss << f.rdbuf();
  out = ss.str();
  return !f.bad();
}

Status parse_text(const std::string& text, const std::string& file, const std::string& dir,
                  NotifyConfig& out) {
  try {
    YAML::Node doc = YAML::Load(text);
    YamlReader r(file);
    detail::expand_merge_keys(r, doc);
    if (!doc.IsMap()) {
      if (doc.IsNull()) return Status::error(file + ": no route provided in config");
      r.fail(doc, "expected a mapping");
    }
    read_document(r, doc, dir, out);
  } catch (const ConfigError& e) {
    return Status::error(e.what());
  } catch (const YAML::Exception& e) {
    return Status::error(yaml_error_message(file, e));
  }
  return Status::ok();
}

}  // namespace

Status Secret::load(std::string& out) const {
  if (file.empty()) {
    out = value;
    return Status::ok();
  }
  if (!read_file(file, out)) return Status::error(file + ": cannot read the secret file");
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return Status::ok();
}

Status parse_notify_config(const std::string& text, const std::string& file, NotifyConfig& out) {
  return parse_text(text, file, dir_of(file), out);
}

Status read_notify_config(const YamlReader& r, const YAML::Node& section, const std::string& config_dir,
                          NotifyConfig& out) {
  try {
    if (section.IsMap() && section["config_file"]) {
      r.check_keys(section, "notify", {"config_file"});
      std::string path = join_dir(config_dir, r.get_string(section["config_file"], "notify.config_file"));
      std::string text;
      if (!read_file(path, text)) r.fail(section["config_file"], "notify.config_file: cannot read " + path);
      return parse_text(text, path, dir_of(path), out);
    }
    if (!section.IsMap() && !section.IsNull()) r.fail(section, "notify: expected a mapping");
    detail::expand_merge_keys(r, section);
    read_document(r, section, config_dir, out);
  } catch (const ConfigError& e) {
    return Status::error(e.what());
  } catch (const YAML::Exception& e) {
    return Status::error(yaml_error_message(r.file(), e));
  }
  return Status::ok();
}

}  // namespace vigia::notify

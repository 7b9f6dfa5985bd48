// The notify: section of vigia.yml: an alertmanager.yml (Alertmanager 0.25's
// config package), unchanged. `notify: {config_file: alertmanager.yml}` reads
// an existing file as it is. Every error names file:line:column; an unknown
// key is an error, and every Alertmanager key vigia does not implement is
// refused by name ("... 'pagerduty_configs' is not supported by vigia").
//
// The receivers' integration items (email_configs[0], ...) are kept as
// nodes here and read by the integrations themselves (integrations.h), with
// the same reader, so their errors name the same file:line:column.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "alerting/notify/matcher.h"
#include "alerting/notify/model.h"
#include "core/http_client.h"
#include "alerting/notify/time_interval.h"
#include "core/status.h"

namespace vigia {
class YamlReader;
}

namespace vigia::notify {

// A secret as Alertmanager's config takes it: inline (`password: x`) or from
// a file (`password_file: /path`); the inline form is kept in memory only,
// never printed. load() reads the file's content at each use (the
// trailing newline dropped, as Alertmanager's *_file do).
struct Secret {
  std::string value;
  std::string file;
  bool empty() const { return value.empty() && file.empty(); }
  Status load(std::string& out) const;
};

// Prometheus common's config.HTTPClientConfig, the part vigia implements:
// basic_auth, authorization (bearer), bearer_token(_file), tls_config,
// follow_redirects. proxy_url, oauth2 and the rest are refused by name.
using TlsConfig = TlsClientOptions;  // core/http_client.h
struct HttpConfig {
  std::string basic_auth_username;
  Secret basic_auth_password;
  std::string authorization_type;  // "Bearer" by default when credentials are set
  Secret authorization_credentials;
  TlsConfig tls;
  bool follow_redirects = true;
  bool enable_http2 = true;
};

// global: Alertmanager's defaults.
struct GlobalConfig {
  int64_t resolve_timeout_ms = 5 * 60 * 1000;
  HttpConfig http_config;
  std::string smtp_from;
  std::string smtp_hello = "localhost";
  std::string smtp_smarthost;  // host:port
  std::string smtp_auth_username;
  Secret smtp_auth_password;
  std::string smtp_auth_identity;
  Secret smtp_auth_secret;
  bool smtp_require_tls = true;
  Secret slack_api_url;  // a URL with a token in it: a secret
  std::string telegram_api_url = "https://api.telegram.org";
};

// One item of a receiver's <kind>_configs list, read by the integration.
struct IntegrationNode {
  std::string key;   // "email_configs", "webhook_configs", ...
  size_t index = 0;  // position in that list
  YAML::Node node;   // the item (a map); marks give file:line:column
};

struct ReceiverConfig {
  std::string name;
  std::vector<IntegrationNode> integrations;
};

// A route of the routing tree as written (config.Route); route.h builds the
// tree with the inherited options. Unset durations are -1 (inherited).
struct RouteConfig {
  std::string receiver;               // "" inherits
  std::vector<std::string> group_by;  // label names, without `...`
  bool group_by_all = false;          // `...`
  // match (=), match_re (=~) and matchers, in one list sorted as
  // Alertmanager sorts them (labels.Matchers: name, value, type).
  Matchers matchers;
  std::vector<std::string> mute_time_intervals, active_time_intervals;
  bool continue_matching = false;  // `continue`
  int64_t group_wait_ms = -1, group_interval_ms = -1, repeat_interval_ms = -1;
  std::vector<RouteConfig> routes;
  std::string where;  // file:line:column of the route, for messages
};

// inhibit_rules[]: source_match/source_match_re/source_matchers (and the
// target side) converted to matchers as Alertmanager does.
struct InhibitRuleConfig {
  Matchers source_matchers, target_matchers;
  std::vector<std::string> equal;
};

// The whole notify: section (or the alertmanager.yml it names).
struct NotifyConfig {
  std::string file;  // the file the section was read from
  GlobalConfig global;
  RouteConfig route;
  std::vector<InhibitRuleConfig> inhibit_rules;
  std::vector<ReceiverConfig> receivers;
  std::vector<std::string> templates;  // globs, relative ones joined to the file's directory
  // time_intervals and the deprecated top-level mute_time_intervals, by name.
  TimeIntervals time_intervals;
};

// Reads the notify: section `section` of the file `r` reads (or, with
// `config_file: F`, the alertmanager.yml F, relative to config_dir; errors
// then name F). Validates as Alertmanager 0.25's config.Load and refuses by
// name each Alertmanager key vigia does not implement. Errors carry
// file:line:column. The integrations' own items are checked by them.
Status read_notify_config(const YamlReader& r, const YAML::Node& section, const std::string& config_dir,
                          NotifyConfig& out);
// Reads an alertmanager.yml document (the text of file `file`).
Status parse_notify_config(const std::string& text, const std::string& file, NotifyConfig& out);

// Reads an http_config mapping (Prometheus common's HTTPClientConfig, the
// part vigia implements); throws ConfigError via the reader. Relative file
// names are joined to `dir` as Alertmanager's SetDirectory does.
HttpConfig read_http_config(const YamlReader& r, const YAML::Node& n, const std::string& what,
                            const std::string& dir);
// Reads a tls_config mapping (ca_file, cert_file, key_file, server_name,
// insecure_skip_verify; min_version/max_version refused by name).
TlsConfig read_tls_config(const YamlReader& r, const YAML::Node& n, const std::string& what,
                          const std::string& dir);
// A relative file name of the config joined to its directory `dir`.
std::string join_dir(const std::string& dir, const std::string& file);
// Reads `key` / `key_file` of map n into a Secret (both set is an error).
Secret read_secret(const YamlReader& r, const YAML::Node& n, const std::string& what, const std::string& key,
                   const std::string& dir);

}  // namespace vigia::notify

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

#include "alerting/notify/model.h"
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
struct TlsConfig {
  std::string ca_file, cert_file, key_file, server_name;
  bool insecure_skip_verify = false;
};
struct HttpConfig {
  std::string basic_auth_username;
  Secret basic_auth_password;
  std::string authorization_type;  // "Bearer" by default when credentials are set
  Secret authorization_credentials;
  TlsConfig tls;
  bool follow_redirects = true;
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

}  // namespace vigia::notify

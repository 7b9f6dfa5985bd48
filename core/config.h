// The vigia configuration file (--config.file). Every key is documented in
// README.md; deploy/vigia.yml is a commented example.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "core/http_client.h"
#include "core/secret.h"
#include "core/status.h"

namespace vigia {

// One scrape job of the alert evaluator's embedded store (alerting.scrape).
struct ScrapeJobConfig {
  std::string job;                // the `job` label
  std::vector<std::string> urls;  // full /metrics URLs; `instance` is each URL's host:port
  double interval_seconds = 0;    // 0: alerting.evaluation_interval
  double timeout_seconds = 0;     // 0: the interval (at most 10 s)
};

// One alerting.thresholds entry: the rules that read
// vigia_alert_threshold{threshold="<name>"} use `value` instead of the default
// written in their expression (rules/*.yml, docs/runbooks.md).
struct AlertThreshold {
  std::string name;
  double value = 0;
  std::string where;  // "file:line:column" of its key, for errors found later
};

// One alerting.alertmanagers entry: an external Alertmanager that vigia
// forwards its alerts to as Prometheus does (alerting/forwarder.h), POSTed to
// <url>/api/v2/alerts.
struct AlertmanagerTarget {
  std::string url;  // http(s)://host[:port][/prefix], without a trailing slash
  double timeout_seconds = 10;
  std::string username;    // basic_auth.username
  std::string password;    // basic_auth.password (inline)
  SecretRef password_ref;  // basic_auth.password_file / password_env
  TlsClientOptions tls;    // tls_config
};

// The alert evaluator (alerting:). Defaults give the embedded mode with the
// built-in rules.
struct AlertingConfig {
  std::vector<std::string> rule_files;  // globs; relative ones are from the config file's directory
  double evaluation_interval_seconds = 15;
  std::string state_file;               // "" : the default (see app.cc)
  std::string query_url;                // remote mode: a Prometheus-compatible API instead of the store
  std::vector<ScrapeJobConfig> scrape;  // other exporters fed into the embedded store
  std::vector<std::pair<std::string, std::string>> external_labels;
  std::vector<AlertThreshold> thresholds;  // exported as vigia_alert_threshold{threshold}
  double resend_delay_seconds = 60;        // Prometheus's --rules.alert.resend-delay
  std::vector<AlertmanagerTarget> alertmanagers;
};

struct Config {
  std::string file;  // the file's name, for errors of sections read later
  AlertingConfig alerting;
  // The areas' sections (core/area.h), read by their areas, which report
  // errors with this file's line and column: only those present.
  std::vector<std::pair<std::string, YAML::Node>> sections;

  // The section named `key`, or a null node.
  YAML::Node section(std::string_view key) const {
    for (const auto& [k, node] : sections)
      if (k == key) return node;
    return YAML::Node();
  }
};

// Loads and validates a configuration file: its top level may hold
// `alerting` and the keys in `sections` (the areas'; see area_sections()).
// Errors are one line naming file:line:column:
// "vigia.yml:3:5: unknown key 'colectors' in host".
Status load_config_file(const std::string& path, const std::vector<std::string>& sections, Config& out);
// The same from text; `name` is used as the file name in errors.
Status load_config_text(const std::string& text, const std::string& name,
                        const std::vector<std::string>& sections, Config& out);

}  // namespace vigia

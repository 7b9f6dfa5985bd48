// Shared by the integrations' files (integrations.cc, webhook.cc, email.cc,
// chat.cc, exec.cc): not an interface for other modules.
#pragma once

#include <memory>
#include <string>

#include "alerting/notify/config.h"
#include "alerting/notify/model.h"
#include "alerting/notify/notify_template.h"
#include "core/http_client.h"
#include "core/yaml_reader.h"

namespace vigia::notify {

// What an integration's reader gets: the item, its name in errors
// ("receivers[ops].webhook_configs[0]"), the global defaults, the config
// directory and the templates.
struct ItemContext {
  const YamlReader& r;
  const YAML::Node& node;
  std::string what;
  const GlobalConfig& g;
  const std::string& dir;
  const TemplateSet& tmpl;
};

std::unique_ptr<Integration> make_webhook(const ItemContext& c);
std::unique_ptr<Integration> make_email(const ItemContext& c);
std::unique_ptr<Integration> make_slack(const ItemContext& c);
std::unique_ptr<Integration> make_telegram(const ItemContext& c);
std::unique_ptr<Integration> make_discord(const ItemContext& c);
std::unique_ptr<Integration> make_exec(const ItemContext& c);

// Refuses, by name, the keys of `unsupported` present in the item.
void refuse_keys(const ItemContext& c, std::initializer_list<std::string_view> unsupported);
// send_resolved, defaulting to `def`.
bool read_send_resolved(const ItemContext& c, bool def);
// A string key with a default.
std::string read_string(const ItemContext& c, const char* key, const std::string& def);
// An http(s) URL (refused otherwise).
std::string read_url(const ItemContext& c, const char* key);
// The first line of a file (url_file, api_url_file), trimmed.
bool read_url_file(const std::string& file, std::string& url, std::string& err);

// POSTs body (JSON) with the http_config, classifying the answer as
// Alertmanager's Retrier: 2xx ok; 5xx and `retry_codes` retryable; other
// statuses not; network errors retryable. `secrets` are removed from any
// error text (URL tokens); `name` prefixes the error ("webhook").
DeliveryResult post_json(const std::string& url, const std::string& body, const HttpConfig& hc,
                         const DeliveryContext& ctx, std::vector<std::pair<std::string, std::string>> headers,
                         const std::vector<std::string>& secrets,
                         std::initializer_list<long> retry_codes = {});

// s with every occurrence of each secret replaced by <secret>.
std::string scrub(std::string s, const std::vector<std::string>& secrets);

}  // namespace vigia::notify

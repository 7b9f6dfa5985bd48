// A local reader of an integration's http_config and of secrets, until the
// config reader's read_http_config/read_secret/Secret::load (config.h, the
// engine's part) are merged: the lead replaces these three with those.
#pragma once

#include <string>

#include "alerting/notify/config.h"
#include "core/http_client.h"
#include "core/yaml_reader.h"

namespace vigia::notify {

// Prometheus common's HTTPClientConfig, the part vigia implements
// (basic_auth, authorization, bearer_token(_file), tls_config,
// follow_redirects); proxy_url, oauth2 and the others are refused by name.
HttpConfig read_http_config_local(const YamlReader& r, const YAML::Node& n, const std::string& what,
                                  const std::string& dir);
// `key` / `key_file` of map n (both set is an error); files joined to dir.
Secret read_secret_local(const YamlReader& r, const YAML::Node& n, const std::string& what,
                         const std::string& key, const std::string& dir);
// The secret's value: inline, or the file's content without its trailing newline.
Status load_secret_local(const Secret& s, std::string& out);

// Applies an HttpConfig to a request (auth header, TLS options); false with
// err set if a secret file cannot be read.
bool apply_http_config(const HttpConfig& c, HttpClientRequest& req, std::string& err);

// A relative file name joined to dir.
std::string join_dir(const std::string& dir, const std::string& file);

}  // namespace vigia::notify

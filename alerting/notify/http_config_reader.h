// An integration's http_config applied to an HTTP request (the config is
// read by config.h's read_http_config, its secrets by read_secret).
#pragma once

#include <string>

#include "alerting/notify/config.h"
#include "core/http_client.h"
#include "core/yaml_reader.h"

namespace vigia::notify {

// Applies an HttpConfig to a request (auth header, TLS options); false with
// err set if a secret file cannot be read.
bool apply_http_config(const HttpConfig& c, HttpClientRequest& req, std::string& err);

}  // namespace vigia::notify

// The nginx exporter: nginx-prometheus-exporter 0.11-compatible metrics of
// each stub_status page in the `nginx:` config section.
//
//   nginx:
//     - name: lb
//       url: http://127.0.0.1:8080/stub_status   # a stub_status location
//     - name: web1
//       url: https://10.0.0.2/nginx_status
//       username: vigia                # optional basic auth
//       password_file: /run/secrets/nginx_status   # or password_env: NGINX_STATUS_PW
//
// Per target (labelled target="<name>" on /metrics, unlabelled on
// /probe?target=NAME): nginx_up, nginx_connections_{accepted,handled} and
// nginx_http_requests_total (counters), nginx_connections_{active,reading,
// writing,waiting} (gauges). A page that cannot be fetched within the scrape
// deadline, answers other than 200, or is not a stub_status page gives
// nginx_up 0 and nothing else for that target, as the reference does.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/secret.h"
#include "core/service.h"
#include "core/yaml_reader.h"

namespace vigia::nginx {

struct TargetConfig {
  std::string name;
  std::string url;       // http:// or https://, without userinfo
  std::string username;  // basic auth when not empty
  SecretRef password;    // password_file / password_env (read at each scrape)
};

// Reads the `nginx:` list (a null node is an empty list). Throws ConfigError
// naming file:line:column: unknown keys, a missing or duplicate name, a
// missing url or one that is not http(s):// or carries credentials, a
// password without a username.
std::vector<TargetConfig> read_targets(const YamlReader& r, const YAML::Node& n, std::string_view section);

// The area's collector, run by the service-target runtime (core/service.h).
std::shared_ptr<ServiceCollector> make_collector(const std::vector<TargetConfig>& targets);

}  // namespace vigia::nginx

// The `rabbitmq:` configuration section: a list of named RabbitMQ nodes, each
// read through its management HTTP API.
//
//   rabbitmq:
//     - name: rabbit1                   # the target label, /probe?target=rabbit1
//       url: http://127.0.0.1:15672     # the management API's base URL
//       username: monitoring            # a user with the `monitoring` tag
//       password_file: /run/secrets/rabbitmq   # or password_env: RABBITMQ_PASSWORD
//       per_object: false               # true: one series per queue (/metrics/per-object)
//       queue_include: "orders\\..*"    # regular expressions on the queue name
//       queue_exclude: "amq\\.gen-.*"   #   (whole name, ECMAScript syntax)
//       max_queues: 5000                # a cap on the queues read per scrape
//       page_size: 500                  # queues per /api/queues page (0: one request)
//       queue_stats: true               # false: depths only (disable_stats: cheaper)
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "core/secret.h"
#include "core/status.h"
#include "core/yaml_reader.h"

namespace re2 {
class RE2;
}

namespace vigia::rabbitmq {

struct TargetConfig {
  std::string name;
  std::string url;  // without a trailing slash, without userinfo
  std::string username;
  SecretRef password;
  bool per_object = false;
  std::string queue_include;                               // empty: every queue
  std::string queue_exclude;                               // empty: none
  std::shared_ptr<const re2::RE2> include_re, exclude_re;  // whole-name matches
  int max_queues = 5000;
  int page_size = 500;      // the management API's largest page; 0: one unpaginated request
  bool queue_stats = true;  // false: disable_stats (no consumers, no message counters; cheaper)

  // Whether the queue is to be read (include/exclude).
  bool wants(const std::string& queue) const;
};

// Reads the section (a null node: no targets). Throws ConfigError with
// file:line:column: unknown keys, missing or duplicate names, a url that is
// not http(s):// or carries credentials, a password without a username, a
// bad regular expression, max_queues outside 1-1000000.
std::vector<TargetConfig> read_targets(const YamlReader& r, const YAML::Node& n, std::string_view section);

// For unit tests: read_targets over YAML text, the error as a Status.
Status parse_targets(const std::string& file, const std::string& yaml, std::vector<TargetConfig>& out);

}  // namespace vigia::rabbitmq

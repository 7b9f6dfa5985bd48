// The `redis:` configuration section: a list of named Redis servers.
//
//   redis:
//     - name: cache                    # the target label, /probe?target=cache
//       address: 127.0.0.1:6379        # host:port, redis://host:port[/db] or rediss:// (TLS)
//       tls_config: {ca_file: ca.pem, cert_file: c.pem, key_file: c.key,
//                    server_name: redis.internal, insecure_skip_verify: false}
//       username: vigia                # ACL user (AUTH username password)
//       password_file: /etc/vigia/redis.pass   # or password_env: REDIS_PASSWORD
//       db: 0                          # database of keys without dbN= (check_keys)
//       check_keys: ["db0=session:*"]  # SCAN patterns -> redis_key_size/_value
//       check_single_keys: ["db1=counter"]
//       check_keys_limit: 1000         # keys a scrape may touch, all patterns
//       bullmq: {prefix: bull, db: 0, max_queues: 500}
//
// rediss:// is TLS over OpenSSL (exporters/redis/transport.h): Debian 12's
// hiredis 0.14 has no hiredis_ssl, vigia uses only its reply reader.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "core/http_client.h"
#include "core/secret.h"
#include "core/status.h"
#include "core/yaml_reader.h"

namespace vigia::redis {

// A key of check_keys / check_single_keys: "pattern" or "dbN=pattern".
struct KeyRef {
  int db = 0;
  std::string key;
};

struct BullmqConfig {
  bool enabled = false;
  std::string prefix = "bull";
  int db = 0;
  int max_queues = 500;
};

struct TargetConfig {
  std::string name;
  std::string host;
  int port = 6379;
  bool tls = false;             // rediss://
  TlsClientOptions tls_config;  // its CA, client certificate, name to verify
  std::string username;
  SecretRef password;
  int db = 0;
  std::vector<KeyRef> check_keys;         // glob patterns (SCAN MATCH)
  std::vector<KeyRef> check_single_keys;  // exact keys
  int check_keys_limit = 1000;
  BullmqConfig bullmq;
};

// Parses "host:port", "[v6]:port", "host" (port 6379) or
// "redis[s]://host[:port][/db]" into t.host, t.port, t.tls (rediss://) and
// (from the URL path) db; false with err for user info in the URL or a bad port.
bool parse_address(std::string_view address, TargetConfig& t, bool& has_db, std::string& err);

// Reads the section (a null node: no targets). Throws ConfigError with
// file:line:column.
std::vector<TargetConfig> read_targets(const YamlReader& r, const YAML::Node& n, std::string_view section);

// For unit tests: read_targets over YAML text, the error as a Status.
Status parse_targets(const std::string& file, const std::string& yaml, std::vector<TargetConfig>& out);

}  // namespace vigia::redis

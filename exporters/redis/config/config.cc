#include "exporters/redis/config.h"

#include <charconv>
#include <set>

#include "core/target_list.h"
#include "core/tls_options.h"

namespace vigia::redis {
namespace {

bool parse_int(std::string_view s, int lo, int hi, int& out) {
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < lo || v > hi) return false;
  out = v;
  return true;
}

// "pattern" or "dbN=pattern", as redis_exporter's --check-keys entries.
std::vector<KeyRef> read_keys(const YamlReader& r, const YAML::Node& n, const std::string& what,
                              int default_db) {
  std::vector<std::string> items = r.get_string_list(n, what);
  std::vector<KeyRef> out;
  for (size_t i = 0; i < items.size(); ++i) {
    const YAML::Node at = n.IsSequence() ? n[i] : n;
    KeyRef k{default_db, items[i]};
    size_t eq = items[i].find('=');
    if (eq != std::string::npos && items[i].compare(0, 2, "db") == 0) {
      std::string_view db(items[i].data() + 2, eq - 2);
      if (!parse_int(db, 0, 1 << 20, k.db))
        r.fail(at, what + ": '" + items[i] + "': expected dbN=key with N a database number");
      k.key = items[i].substr(eq + 1);
    }
    if (k.key.empty()) r.fail(at, what + ": empty key");
    out.push_back(std::move(k));
  }
  return out;
}

}  // namespace

bool parse_address(std::string_view a, TargetConfig& t, bool& has_db, std::string& err) {
  has_db = false;
  t.tls = a.rfind("rediss://", 0) == 0;
  bool url = t.tls || a.rfind("redis://", 0) == 0;
  if (url) {
    a.remove_prefix(t.tls ? 9 : 8);
    size_t slash = a.find('/');
    if (slash != std::string_view::npos) {
      std::string_view path = a.substr(slash + 1);
      a = a.substr(0, slash);
      if (!path.empty()) {
        if (!parse_int(path, 0, 1 << 20, t.db)) {
          err = "the URL's path must be a database number";
          return false;
        }
        has_db = true;
      }
    }
    if (a.find('@') != std::string_view::npos) {
      err = "no user or password in the URL: use username and password_file/password_env";
      return false;
    }
  } else if (a.find("://") != std::string_view::npos) {
    err = "expected host:port, redis://host:port or rediss://host:port";
    return false;
  }
  std::string_view host = a, port;
  if (!a.empty() && a[0] == '[') {
    size_t close = a.find(']');
    if (close == std::string_view::npos) {
      err = "unterminated [IPv6 address]";
      return false;
    }
    host = a.substr(1, close - 1);
    if (close + 1 < a.size()) {
      if (a[close + 1] != ':') {
        err = "expected :port after ]";
        return false;
      }
      port = a.substr(close + 2);
    }
  } else if (size_t colon = a.rfind(':'); colon != std::string_view::npos) {
    if (a.find(':') != colon) {
      err = "an IPv6 address needs brackets: [::1]:6379";
      return false;
    }
    host = a.substr(0, colon);
    port = a.substr(colon + 1);
  }
  if (host.empty()) {
    err = "missing host";
    return false;
  }
  t.host = std::string(host);
  t.port = 6379;
  if (!port.empty() && !parse_int(port, 1, 65535, t.port)) {
    err = "bad port '" + std::string(port) + "' (1-65535)";
    return false;
  }
  return true;
}

std::vector<TargetConfig> read_targets(const YamlReader& r, const YAML::Node& n, std::string_view section) {
  std::vector<TargetConfig> out;
  static const std::vector<std::string_view> kKeys = {
      "name",       "address",           "username",         "password_file", "password_env", "db",
      "check_keys", "check_single_keys", "check_keys_limit", "bullmq",        "tls_config"};
  r.read_named_list(
      n, section, "target", kKeys,
      [&](const YAML::Node& item, const std::string& what, const std::string& name) {
        TargetConfig t;
        t.name = name;
        if (!item["address"]) r.fail(item, what + ": missing key 'address'");
        std::string err;
        bool url_db = false;
        if (!parse_address(r.get_string(item["address"], what + ".address"), t, url_db, err))
          r.fail(item["address"], what + ".address: " + err);
        if (item["tls_config"]) {
          if (!t.tls) r.fail(item["tls_config"], what + ".tls_config: needs a rediss:// address");
          t.tls_config = read_tls_client_options(r, item["tls_config"], what + ".tls_config");
        }
        if (item["db"]) {
          if (url_db) r.fail(item["db"], what + ".db: the address already names a database");
          t.db = r.get_int(item["db"], what + ".db", 0, 1 << 20);
        }
        if (item["username"]) t.username = r.get_string(item["username"], what + ".username");
        t.password = read_secret_ref(r, item, what);
        if (!t.username.empty() && t.password.empty())
          r.fail(item["username"], what + ".username: needs password_file or password_env");
        if (item["check_keys"]) t.check_keys = read_keys(r, item["check_keys"], what + ".check_keys", t.db);
        if (item["check_single_keys"])
          t.check_single_keys = read_keys(r, item["check_single_keys"], what + ".check_single_keys", t.db);
        if (item["check_keys_limit"])
          t.check_keys_limit = r.get_int(item["check_keys_limit"], what + ".check_keys_limit", 1, 100000);
        if (const YAML::Node b = item["bullmq"]) {
          std::string bw = what + ".bullmq";
          if (!b.IsMap() && !b.IsNull()) r.fail(b, bw + ": expected a mapping ({prefix: bull, db: 0})");
          r.check_keys(b, bw, {"prefix", "db", "max_queues"});
          t.bullmq.enabled = true;
          if (b["prefix"]) {
            t.bullmq.prefix = r.get_string(b["prefix"], bw + ".prefix");
            if (t.bullmq.prefix.empty()) r.fail(b["prefix"], bw + ".prefix: must not be empty");
            // SCAN MATCH would read these as glob syntax.
            if (t.bullmq.prefix.find_first_of("*?[]\\") != std::string::npos)
              r.fail(b["prefix"], bw + ".prefix: must not contain * ? [ ] or \\");
          }
          if (b["db"]) t.bullmq.db = r.get_int(b["db"], bw + ".db", 0, 1 << 20);
          if (b["max_queues"])
            t.bullmq.max_queues = r.get_int(b["max_queues"], bw + ".max_queues", 1, 100000);
        }
        out.push_back(std::move(t));
      });
  return out;
}

Status parse_targets(const std::string& file, const std::string& yaml, std::vector<TargetConfig>& out) {
  return parse_target_list<TargetConfig>(file, yaml, "redis", read_targets, out);
}

}  // namespace vigia::redis

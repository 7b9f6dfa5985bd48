#include "core/web_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>

#include "core/fs.h"
#include "core/http_tls.h"
#include "core/web_auth.h"
#include "core/yaml_reader.h"

namespace vigia {
namespace {

// Go's tls.CipherSuites() names and their GnuTLS key exchange, cipher and MAC
// ("" key exchange: a TLS 1.3 suite, which Go does not let one configure).
struct Suite {
  std::string_view go, kx, cipher, mac;
};
constexpr std::array<Suite, 17> kSuites{{
    {"TLS_RSA_WITH_AES_128_CBC_SHA", "RSA", "AES-128-CBC", "SHA1"},
    {"TLS_RSA_WITH_AES_256_CBC_SHA", "RSA", "AES-256-CBC", "SHA1"},
    {"TLS_RSA_WITH_AES_128_GCM_SHA256", "RSA", "AES-128-GCM", "AEAD"},
    {"TLS_RSA_WITH_AES_256_GCM_SHA384", "RSA", "AES-256-GCM", "AEAD"},
    {"TLS_AES_128_GCM_SHA256", "", "", ""},
    {"TLS_AES_256_GCM_SHA384", "", "", ""},
    {"TLS_CHACHA20_POLY1305_SHA256", "", "", ""},
    {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA", "AES-128-CBC", "SHA1"},
    {"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA", "AES-256-CBC", "SHA1"},
    {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA", "AES-128-CBC", "SHA1"},
    {"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA", "AES-256-CBC", "SHA1"},
    {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA", "AES-128-GCM", "AEAD"},
    {"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA", "AES-256-GCM", "AEAD"},
    {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA", "AES-128-GCM", "AEAD"},
    {"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA", "AES-256-GCM", "AEAD"},
    {"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA", "CHACHA20-POLY1305", "AEAD"},
    {"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA", "CHACHA20-POLY1305", "AEAD"},
}};

constexpr std::array<std::pair<std::string_view, std::string_view>, 4> kCurves{{
    {"CurveP256", "GROUP-SECP256R1"},
    {"CurveP384", "GROUP-SECP384R1"},
    {"CurveP521", "GROUP-SECP521R1"},
    {"X25519", "GROUP-X25519"},
}};

const Suite* find_suite(std::string_view name) {
  for (const auto& s : kSuites)
    if (s.go == name) return &s;
  return nullptr;
}

int tls_version(const YamlReader& r, const YAML::Node& n, std::string_view what) {
  std::string v = r.get_string(n, what);
  if (v.size() == 5 && v.starts_with("TLS1") && v[4] >= '0' && v[4] <= '3') return 10 + (v[4] - '0');
  r.fail(n, std::string(what) + ": unknown TLS version: " + v);
}

// exporter-toolkit's extraHTTPHeaders: the only names allowed, and the values
// of those that are enumerations.
void check_header(const YamlReader& r, const YAML::Node& key, const std::string& name,
                  const std::string& value) {
  static const std::array<std::pair<std::string_view, std::vector<std::string_view>>, 5> allowed_headers{{
      {"Strict-Transport-Security", {}},
      {"X-Content-Type-Options", {"nosniff"}},
      {"X-Frame-Options", {"deny", "sameorigin"}},
      {"X-XSS-Protection", {}},
      {"Content-Security-Policy", {}},
  }};
  for (const auto& [allowed, values] : allowed_headers) {
    if (allowed != name) continue;
    if (values.empty() || std::find(values.begin(), values.end(), value) != values.end()) return;
    std::string list;
    for (auto v : values) list += (list.empty() ? "\"" : " \"") + std::string(v) + "\"";
    r.fail(key,
           "invalid value for " + name + ". Expected one of: [" + list + "], but got: \"" + value + "\"");
  }
  r.fail(key, "HTTP header \"" + name + "\" can not be configured");
}

std::string join_dir(const std::string& dir, const std::string& path) {
  if (path.empty() || path[0] == '/' || dir.empty()) return path;
  return dir + "/" + path;
}

void read_tls(const YamlReader& r, const YAML::Node& n, const std::string& dir, WebConfig& c) {
  const char* what = "tls_server_config";
  r.check_keys(n, what,
               {"cert_file", "key_file", "client_auth_type", "client_ca_file", "cipher_suites",
                "curve_preferences", "min_version", "max_version", "prefer_server_cipher_suites"});
  if (!n.IsMap()) return;
  if (n["cert_file"]) c.cert_file = join_dir(dir, r.get_string(n["cert_file"], "cert_file"));
  if (n["key_file"]) c.key_file = join_dir(dir, r.get_string(n["key_file"], "key_file"));
  if (n["client_ca_file"])
    c.client_ca_file = join_dir(dir, r.get_string(n["client_ca_file"], "client_ca_file"));
  using CA = HttpTlsOptions::ClientAuth;
  if (YAML::Node a = n["client_auth_type"]) {
    c.client_auth_type = r.get_string(a, "client_auth_type");
    const std::string& t = c.client_auth_type;
    if (t == "" || t == "NoClientCert")
      c.client_auth = CA::kNone;
    else if (t == "RequestClientCert")
      c.client_auth = CA::kRequest;
    else if (t == "RequireAnyClientCert" ||
             t == "RequireClientCert")  // the second: exporter-toolkit's old name
      c.client_auth = CA::kRequireAny;
    else if (t == "VerifyClientCertIfGiven")
      c.client_auth = CA::kVerifyIfGiven;
    else if (t == "RequireAndVerifyClientCert")
      c.client_auth = CA::kRequireAndVerify;
    else
      r.fail(a, "Invalid ClientAuth: " + t);
  }
  if (YAML::Node l = n["cipher_suites"]) {
    if (!l.IsNull() && !l.IsSequence()) r.fail(l, "cipher_suites: expected a list");
    for (const auto& item : l) {
      std::string s = r.get_string(item, "cipher_suites");
      if (!find_suite(s)) r.fail(item, "unknown cipher: " + s);
      c.cipher_suites.push_back(s);
    }
  }
  if (YAML::Node l = n["curve_preferences"]) {
    if (!l.IsNull() && !l.IsSequence()) r.fail(l, "curve_preferences: expected a list");
    for (const auto& item : l) {
      std::string s = r.get_string(item, "curve_preferences");
      if (std::none_of(kCurves.begin(), kCurves.end(), [&](const auto& k) { return k.first == s; }))
        r.fail(item, "unknown curve: " + s);
      c.curve_preferences.push_back(s);
    }
  }
  if (n["min_version"]) c.min_version = tls_version(r, n["min_version"], "min_version");
  if (n["max_version"]) c.max_version = tls_version(r, n["max_version"], "max_version");
  if (n["prefer_server_cipher_suites"])
    c.prefer_server_cipher_suites =
        r.get_bool(n["prefer_server_cipher_suites"], "prefer_server_cipher_suites");
  // ConfigToTLSConfig's checks, at the section.
  if (!c.tls_configured()) return;
  if (c.cert_file.empty()) r.fail(n, "missing cert_file");
  if (c.key_file.empty()) r.fail(n, "missing key_file");
  if (!c.client_ca_file.empty() && c.client_auth == CA::kNone)
    r.fail(n, "Client CA's have been configured without a Client Auth Policy");
  if (c.client_ca_file.empty() &&
      (c.client_auth == CA::kVerifyIfGiven || c.client_auth == CA::kRequireAndVerify))
    r.fail(n, "client_auth_type " + c.client_auth_type + " needs client_ca_file");
  if (c.min_version > c.max_version) r.fail(n, "min_version is above max_version");
}

void read_http(const YamlReader& r, const YAML::Node& n, WebConfig& c) {
  r.check_keys(n, "http_server_config", {"http2", "headers"});
  if (!n.IsMap()) return;
  if (n["http2"]) c.http2 = r.get_bool(n["http2"], "http2");
  YAML::Node h = n["headers"];
  if (!h) return;
  r.expect_map(h, "headers");
  if (h.IsNull()) return;
  std::vector<std::string_view> any;
  for (const auto& kv : h) {
    if (!kv.first.IsScalar()) r.fail(kv.first, "expected a plain key in headers");
    std::string name = kv.first.Scalar();
    for (const auto& [seen, v] : c.headers)
      if (seen == name) r.fail(kv.first, "duplicate key '" + name + "' in headers");
    std::string value = r.get_string(kv.second, "headers." + name);
    check_header(r, kv.first, name, value);
    c.headers.emplace_back(name, value);
  }
}

void read_users(const YamlReader& r, const YAML::Node& n, WebConfig& c) {
  r.expect_map(n, "basic_auth_users");
  if (n.IsNull()) return;
  for (const auto& kv : n) {
    if (!kv.first.IsScalar()) r.fail(kv.first, "expected a plain key in basic_auth_users");
    std::string user = kv.first.Scalar();
    for (const auto& [seen, h] : c.users)
      if (seen == user) r.fail(kv.first, "duplicate key '" + user + "' in basic_auth_users");
    std::string hash = kv.second.IsNull() ? "" : r.get_string(kv.second, "basic_auth_users." + user);
    // Never the hash itself in the error: it is a secret too.
    if (!is_bcrypt_hash(hash))
      r.fail(kv.second.IsNull() ? kv.first : kv.second,
             "basic_auth_users." + user + ": not a bcrypt hash ($2a$, $2b$ or $2y$, cost 4-31)");
    c.users.emplace_back(user, hash);
  }
}

}  // namespace

Status parse_web_config(std::string_view text, const std::string& name, WebConfig& out) {
  out = WebConfig();
  size_t slash = name.rfind('/');
  std::string dir = slash == std::string::npos ? "" : name.substr(0, slash == 0 ? 1 : slash);
  YamlReader r(name);
  try {
    YAML::Node root = YAML::Load(std::string(text));
    if (!root.IsDefined() || root.IsNull()) return Status::ok();
    r.check_keys(root, "the top level", {"tls_server_config", "http_server_config", "basic_auth_users"});
    if (!root.IsMap()) r.fail(root, "expected a mapping");
    if (root["tls_server_config"]) read_tls(r, root["tls_server_config"], dir, out);
    if (root["http_server_config"]) read_http(r, root["http_server_config"], out);
    if (root["basic_auth_users"]) read_users(r, root["basic_auth_users"], out);
  } catch (const ConfigError& e) {
    return Status::error(e.what());
  } catch (const YAML::Exception& e) {
    return Status::error(yaml_error_message(name, e));
  }
  return Status::ok();
}

std::string tls_priorities(const WebConfig& c) {
  std::string p = c.prefer_server_cipher_suites ? "NORMAL:%SERVER_PRECEDENCE" : "NORMAL";
  p += ":-VERS-ALL";
  for (int v = c.min_version; v <= c.max_version; ++v) p += ":+VERS-TLS1." + std::to_string(v - 10);
  std::vector<std::string_view> kx, ciphers, macs;
  auto add = [](std::vector<std::string_view>& to, std::string_view v) {
    if (!v.empty() && std::find(to.begin(), to.end(), v) == to.end()) to.push_back(v);
  };
  for (const auto& name : c.cipher_suites) {
    const Suite* s = find_suite(name);
    add(kx, s->kx);
    add(ciphers, s->cipher);
    add(macs, s->mac);
  }
  if (!kx.empty()) {
    // TLS 1.3's own suites, which Go keeps whatever cipher_suites says.
    if (c.max_version >= 13)
      for (std::string_view v : {"AES-128-GCM", "AES-256-GCM", "CHACHA20-POLY1305", "AES-128-CCM"}) {
        add(ciphers, v);
        add(macs, "AEAD");
      }
    p += ":-KX-ALL";
    for (auto v : kx) p += ":+" + std::string(v);
    p += ":-CIPHER-ALL";
    for (auto v : ciphers) p += ":+" + std::string(v);
    p += ":-MAC-ALL";
    for (auto v : macs) p += ":+" + std::string(v);
  }
  if (!c.curve_preferences.empty()) {
    p += ":-GROUP-ALL";
    for (const auto& name : c.curve_preferences)
      for (const auto& [go, group] : kCurves)
        if (go == name) p += ":+" + std::string(group);
  }
  return p;
}

Status apply_web_config_file(const std::string& path, HttpServer::Options& opts) {
  if (path.empty()) return Status::ok();
  std::string text;
  if (Status st = read_file(path, text); !st.is_ok())
    return Status::error("--web.config.file: " + st.message());
  WebConfig c;
  if (Status st = parse_web_config(text, path, c); !st.is_ok())
    return Status::error("--web.config.file: " + st.message());
  HttpTlsOptions tls;
  if (c.tls_configured()) {
    auto read = [](const std::string& file, const char* key, std::string& out) {
      Status st = read_file(file, out);
      return st.is_ok() ? st : Status::error(std::string(key) + ": " + st.message());
    };
    Status st = read(c.cert_file, "cert_file", tls.cert_pem);
    if (st.is_ok()) st = read(c.key_file, "key_file", tls.key_pem);
    if (st.is_ok() && !c.client_ca_file.empty())
      st = read(c.client_ca_file, "client_ca_file", tls.client_ca_pem);
    tls.client_auth = c.client_auth;
    tls.priorities = tls_priorities(c);
    if (st.is_ok()) st = check_tls_options(tls);
    if (!st.is_ok()) return Status::error("--web.config.file: " + path + ": " + st.message());
  }
  opts.tls = std::move(tls);
  opts.headers = c.headers;
  opts.guard.reset();
  if (!c.users.empty()) opts.guard = std::make_shared<BasicAuthGuard>(std::move(c.users));
  return Status::ok();
}

}  // namespace vigia

#include "alerting/notify/http_config_reader.h"

#include "core/fs.h"

namespace vigia::notify {

std::string join_dir(const std::string& dir, const std::string& file) {
  if (file.empty() || file[0] == '/' || dir.empty()) return file;
  return dir + "/" + file;
}

Secret read_secret_local(const YamlReader& r, const YAML::Node& n, const std::string& what,
                         const std::string& key, const std::string& dir) {
  Secret s;
  if (n[key]) s.value = r.get_string(n[key], what + "." + key);
  if (n[key + "_file"]) {
    if (n[key]) r.fail(n[key + "_file"], "at most one of " + key + " & " + key + "_file must be configured");
    s.file = join_dir(dir, r.get_string(n[key + "_file"], what + "." + key + "_file"));
  }
  return s;
}

Status load_secret_local(const Secret& s, std::string& out) {
  if (s.file.empty()) {
    out = s.value;
    return Status::ok();
  }
  Status st = read_file(s.file, out);
  if (!st.is_ok()) return Status::error(s.file + ": cannot read the secret file");
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return Status::ok();
}

HttpConfig read_http_config_local(const YamlReader& r, const YAML::Node& n, const std::string& what,
                                  const std::string& dir) {
  HttpConfig c;
  if (!n || n.IsNull()) return c;
  r.expect_map(n, what);
  for (const char* k :
       {"proxy_url", "oauth2", "no_proxy", "proxy_from_environment", "proxy_connect_header", "enable_http2"})
    if (n[k]) r.fail(n[k], std::string("'") + k + "' in " + what + " is not supported by vigia");
  r.check_keys(
      n, what,
      {"basic_auth", "authorization", "bearer_token", "bearer_token_file", "tls_config", "follow_redirects"});
  if (const auto& b = n["basic_auth"]) {
    r.check_keys(b, what + ".basic_auth", {"username", "password", "password_file"});
    if (b["username"]) c.basic_auth_username = r.get_string(b["username"], what + ".basic_auth.username");
    c.basic_auth_password = read_secret_local(r, b, what + ".basic_auth", "password", dir);
  }
  if (const auto& a = n["authorization"]) {
    r.check_keys(a, what + ".authorization", {"type", "credentials", "credentials_file"});
    c.authorization_type = a["type"] ? r.get_string(a["type"], what + ".authorization.type") : "Bearer";
    if (c.authorization_type == "Basic" || c.authorization_type == "basic")
      r.fail(a["type"], "authorization type cannot be set to \"basic\", use \"basic_auth\" instead");
    c.authorization_credentials = read_secret_local(r, a, what + ".authorization", "credentials", dir);
  }
  if (n["bearer_token"] || n["bearer_token_file"]) {
    if (n["authorization"] || n["basic_auth"])
      r.fail(n["bearer_token"] ? n["bearer_token"] : n["bearer_token_file"],
             "at most one of basic_auth, bearer_token & bearer_token_file, authorization must be configured");
    c.authorization_type = "Bearer";
    c.authorization_credentials = read_secret_local(r, n, what, "bearer_token", dir);
  }
  if (n["basic_auth"] && n["authorization"])
    r.fail(n["authorization"], "at most one of basic_auth, oauth2 & authorization must be configured");
  if (const auto& t = n["tls_config"]) {
    r.check_keys(t, what + ".tls_config",
                 {"ca_file", "cert_file", "key_file", "server_name", "insecure_skip_verify"});
    if (t["ca_file"]) c.tls.ca_file = join_dir(dir, r.get_string(t["ca_file"], what + ".tls_config.ca_file"));
    if (t["cert_file"])
      c.tls.cert_file = join_dir(dir, r.get_string(t["cert_file"], what + ".tls_config.cert_file"));
    if (t["key_file"])
      c.tls.key_file = join_dir(dir, r.get_string(t["key_file"], what + ".tls_config.key_file"));
    if (t["server_name"])
      c.tls.server_name = r.get_string(t["server_name"], what + ".tls_config.server_name");
    if (t["insecure_skip_verify"])
      c.tls.insecure_skip_verify =
          r.get_bool(t["insecure_skip_verify"], what + ".tls_config.insecure_skip_verify");
  }
  if (n["follow_redirects"])
    c.follow_redirects = r.get_bool(n["follow_redirects"], what + ".follow_redirects");
  return c;
}

bool apply_http_config(const HttpConfig& c, HttpClientRequest& req, std::string& err) {
  if (!c.basic_auth_username.empty() || !c.basic_auth_password.empty()) {
    std::string pw;
    Status s = load_secret_local(c.basic_auth_password, pw);
    if (!s.is_ok()) {
      err = s.message();
      return false;
    }
    req.headers.emplace_back("Authorization", basic_auth_header(c.basic_auth_username, pw));
  } else if (!c.authorization_credentials.empty()) {
    std::string cred;
    Status s = load_secret_local(c.authorization_credentials, cred);
    if (!s.is_ok()) {
      err = s.message();
      return false;
    }
    req.headers.emplace_back("Authorization",
                             (c.authorization_type.empty() ? "Bearer" : c.authorization_type) + " " + cred);
  }
  req.ca_file = c.tls.ca_file;
  req.cert_file = c.tls.cert_file;
  req.key_file = c.tls.key_file;
  req.server_name = c.tls.server_name;
  req.insecure_skip_verify = c.tls.insecure_skip_verify;
  req.follow_redirects = c.follow_redirects;
  return true;
}

}  // namespace vigia::notify

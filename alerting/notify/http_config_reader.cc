#include "alerting/notify/http_config_reader.h"

#include "core/fs.h"

namespace vigia::notify {

std::string join_dir(const std::string& dir, const std::string& file) {
  if (file.empty() || file[0] == '/' || dir.empty()) return file;
  return dir + "/" + file;
}

bool apply_http_config(const HttpConfig& c, HttpClientRequest& req, std::string& err) {
  if (!c.basic_auth_username.empty() || !c.basic_auth_password.empty()) {
    std::string pw;
    Status s = c.basic_auth_password.load(pw);
    if (!s.is_ok()) {
      err = s.message();
      return false;
    }
    req.headers.emplace_back("Authorization", basic_auth_header(c.basic_auth_username, pw));
  } else if (!c.authorization_credentials.empty()) {
    std::string cred;
    Status s = c.authorization_credentials.load(cred);
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

#include "alerting/notify/http_config_reader.h"

#include "core/fs.h"

namespace vigia::notify {

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
  req.tls = c.tls;
  req.follow_redirects = c.follow_redirects;
  return true;
}

}  // namespace vigia::notify

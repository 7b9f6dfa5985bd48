// --web.config.file: Prometheus exporter-toolkit's web-config.yml (TLS, basic
// authentication with bcrypt hashes, response headers), so that one file
// serves node_exporter and vigia. The keys are exporter-toolkit 0.8's (the
// version of Debian 12's exporters):
//
//   tls_server_config:   cert_file, key_file, client_auth_type, client_ca_file,
//                        min_version, max_version (TLS10..TLS13; default TLS12..TLS13),
//                        cipher_suites (Go names), curve_preferences,
//                        prefer_server_cipher_suites
//   http_server_config:  http2 (accepted, ignored: HTTP/1.1 only), headers
//                        (Strict-Transport-Security, X-Content-Type-Options: nosniff,
//                        X-Frame-Options: deny|sameorigin, X-XSS-Protection,
//                        Content-Security-Policy)
//   basic_auth_users:    user: bcrypt hash ($2a$, $2b$ or $2y$)
//
// Unknown or repeated keys are errors with file:line:column. The file is read
// at start; changing it takes a restart (exporter-toolkit re-reads it on each
// request and connection). Differences: cipher_suites and curve_preferences
// become a GnuTLS priority string (the union of the suites' key exchanges,
// ciphers and MACs; TLS 1.3's suites stay enabled as in Go), and a verifying
// client_auth_type needs client_ca_file (Go would fall back to the system's
// CAs).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/http_server.h"
#include "core/status.h"

namespace vigia {

struct WebConfig {
  // tls_server_config
  std::string cert_file, key_file, client_ca_file;  // relative: to the file's directory
  std::string client_auth_type;                     // as written ("" = NoClientCert)
  HttpTlsOptions::ClientAuth client_auth = HttpTlsOptions::ClientAuth::kNone;
  std::vector<std::string> cipher_suites;      // Go names, checked
  std::vector<std::string> curve_preferences;  // CurveP256, CurveP384, CurveP521, X25519
  int min_version = 12;                        // 10..13 for TLS 1.0..1.3
  int max_version = 13;
  bool prefer_server_cipher_suites = true;
  // http_server_config
  bool http2 = true;
  std::vector<std::pair<std::string, std::string>> headers;
  // basic_auth_users: user and bcrypt hash, in file order.
  std::vector<std::pair<std::string, std::string>> users;

  // exporter-toolkit serves TLS when any of these is set (then cert_file and
  // key_file must be).
  bool tls_configured() const {
    return !cert_file.empty() || !key_file.empty() || !client_auth_type.empty() || !client_ca_file.empty();
  }
};

// Parses and checks the text (no file is read); `name` is the file name in
// errors ("web.yml:3:5: unknown key 'cert' in tls_server_config") and its
// directory is joined to relative paths.
Status parse_web_config(std::string_view text, const std::string& name, WebConfig& out);

// The GnuTLS priority string of the versions, cipher suites and curves.
std::string tls_priorities(const WebConfig& c);

// Reads the file and sets opts' tls (certificate, key and CA files read and
// checked by GnuTLS), headers and guard (basic_auth_users). An empty path
// changes nothing. Errors start with "--web.config.file".
Status apply_web_config_file(const std::string& path, HttpServer::Options& opts);

}  // namespace vigia

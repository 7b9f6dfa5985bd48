// --web.config.file: the parser (exporter-toolkit's keys and errors), the
// GnuTLS priority string, and basic authentication (bcrypt through crypt_r,
// the cache, the counted reasons).
#include <catch.hpp>

#include <gnutls/gnutls.h>

#include <string>

#include "core/exposition.h"
#include "core/web_auth.h"
#include "core/web_config.h"

using namespace vigia;

namespace {

// "s3cret", bcrypt cost 4 (made with libxcrypt).
constexpr const char* kHash = "$2b$04$pRk44VGZ4e3A1vmC5MGkpufVO6EfMaluY0a5xv3i3xBcCsB88oA2a";

std::string parse_error(const std::string& text) {
  WebConfig c;
  Status st = parse_web_config(text, "/etc/vigia/web.yml", c);
  return st.is_ok() ? "" : st.message();
}

bool priorities_accepted(const std::string& p) {
  gnutls_priority_t prio = nullptr;
  if (gnutls_priority_init(&prio, p.c_str(), nullptr) < 0) return false;
  gnutls_priority_deinit(prio);
  return true;
}

std::string base64(const std::string& in) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < in.size(); i += 3) {
    uint32_t n = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) n |= static_cast<unsigned char>(in[i + 1]) << 8;
    if (i + 2 < in.size()) n |= static_cast<unsigned char>(in[i + 2]);
    out += k[n >> 18];
    out += k[(n >> 12) & 63];
    out += i + 1 < in.size() ? k[(n >> 6) & 63] : '=';
    out += i + 2 < in.size() ? k[n & 63] : '=';
  }
  return out;
}

HttpRequest with_auth(const std::string& value) {
  HttpRequest r;
  r.path = "/metrics";
  if (!value.empty()) r.headers.emplace_back("Authorization", value);
  return r;
}

}  // namespace

TEST_CASE("web config: every key of exporter-toolkit 0.8") {
  WebConfig c;
  Status st = parse_web_config(R"(
tls_server_config:
  cert_file: server.crt
  key_file: /abs/server.key
  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: ca.pem
  min_version: TLS13
  max_version: TLS13
  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256]
  curve_preferences: [X25519, CurveP256]
  prefer_server_cipher_suites: false
http_server_config:
  http2: false
  headers:
    X-Frame-Options: deny
    Strict-Transport-Security: max-age=31536000
basic_auth_users:
  alice: )" + std::string(kHash) + "\n",
                               "/etc/vigia/web.yml", c);
  REQUIRE(st.is_ok());
  CHECK(c.cert_file == "/etc/vigia/server.crt");
  CHECK(c.key_file == "/abs/server.key");
  CHECK(c.client_ca_file == "/etc/vigia/ca.pem");
  CHECK(c.client_auth == HttpTlsOptions::ClientAuth::kRequireAndVerify);
  CHECK(c.min_version == 13);
  CHECK(c.max_version == 13);
  CHECK(c.cipher_suites.size() == 2);
  CHECK(!c.prefer_server_cipher_suites);
  CHECK(!c.http2);
  REQUIRE(c.headers.size() == 2);
  CHECK(c.headers[0] == std::pair<std::string, std::string>{"X-Frame-Options", "deny"});
  REQUIRE(c.users.size() == 1);
  CHECK(c.users[0].first == "alice");
  std::string p = tls_priorities(c);
  CHECK(p.find("+VERS-TLS1.3") != std::string::npos);
  CHECK(p.find("VERS-TLS1.2") == std::string::npos);
  CHECK(p.find("+ECDHE-RSA") != std::string::npos);
  CHECK(p.find("+GROUP-X25519") != std::string::npos);
  CHECK(priorities_accepted(p));
}

TEST_CASE("web config: defaults, empty files, plain HTTP") {
  WebConfig c;
  REQUIRE(parse_web_config("", "w.yml", c).is_ok());
  CHECK(!c.tls_configured());
  CHECK(c.min_version == 12);
  CHECK(c.max_version == 13);
  REQUIRE(parse_web_config("basic_auth_users:\nhttp_server_config:\n", "w.yml", c).is_ok());
  CHECK(c.users.empty());
  CHECK(priorities_accepted(tls_priorities(c)));
  REQUIRE(parse_web_config("tls_server_config:\n  cert_file: a\n  key_file: b\n", "w.yml", c).is_ok());
  CHECK(c.cert_file == "a");  // no directory in the name: as given
  CHECK(c.tls_configured());
}

TEST_CASE("web config: errors name file:line:column") {
  CHECK(parse_error("tls_server_config:\n  cert: x\n") ==
        "/etc/vigia/web.yml:2:3: unknown key 'cert' in tls_server_config");
  CHECK(parse_error("basic_auth_user:\n  a: b\n") ==
        "/etc/vigia/web.yml:1:1: unknown key 'basic_auth_user' in the top level");
  CHECK(parse_error("tls_server_config:\n  key_file: k\n") == "/etc/vigia/web.yml:2:3: missing cert_file");
  CHECK(parse_error("tls_server_config:\n  cert_file: c\n") == "/etc/vigia/web.yml:2:3: missing key_file");
  CHECK(parse_error("tls_server_config:\n  cert_file: c\n  key_file: k\n  client_ca_file: ca\n") ==
        "/etc/vigia/web.yml:2:3: Client CA's have been configured without a Client Auth Policy");
  CHECK(parse_error("tls_server_config:\n  cert_file: c\n  key_file: k\n  client_auth_type: Sometimes\n") ==
        "/etc/vigia/web.yml:4:21: Invalid ClientAuth: Sometimes");
  CHECK(parse_error("tls_server_config:\n  cert_file: c\n  key_file: k\n  min_version: TLS14\n") ==
        "/etc/vigia/web.yml:4:16: min_version: unknown TLS version: TLS14");
  CHECK(parse_error("tls_server_config:\n  cert_file: c\n  key_file: k\n  min_version: TLS13\n"
                    "  max_version: TLS12\n") == "/etc/vigia/web.yml:2:3: min_version is above max_version");
  CHECK(parse_error("tls_server_config:\n  cipher_suites: [TLS_RSA_WITH_RC4_128_SHA]\n") ==
        "/etc/vigia/web.yml:2:19: unknown cipher: TLS_RSA_WITH_RC4_128_SHA");
  CHECK(parse_error("tls_server_config:\n  curve_preferences: [P256]\n") ==
        "/etc/vigia/web.yml:2:23: unknown curve: P256");
  CHECK(parse_error("http_server_config:\n  headers:\n    Server: vigia\n") ==
        "/etc/vigia/web.yml:3:5: HTTP header \"Server\" can not be configured");
  CHECK(parse_error("http_server_config:\n  headers:\n    X-Frame-Options: allow\n") ==
        "/etc/vigia/web.yml:3:5: invalid value for X-Frame-Options. Expected one of: [\"deny\" "
        "\"sameorigin\"], but got: \"allow\"");
  CHECK(parse_error("http_server_config:\n  http2: maybe\n") ==
        "/etc/vigia/web.yml:2:10: http2: expected true or false");
  CHECK(parse_error("tls_server_config: [a]\n") ==
        "/etc/vigia/web.yml:1:20: tls_server_config: expected a mapping");
  CHECK(parse_error("basic_auth_users:\n  a: " + std::string(kHash) + "\n  a: " + kHash + "\n") ==
        "/etc/vigia/web.yml:3:3: duplicate key 'a' in basic_auth_users");
  CHECK(parse_error("tls_server_config: {cert_file: [").starts_with("/etc/vigia/web.yml:"));
  // A verifying policy needs the CA file (Go would use the system's CAs).
  CHECK(parse_error("tls_server_config:\n  cert_file: c\n  key_file: k\n  client_auth_type: "
                    "VerifyClientCertIfGiven\n")
            .find("needs client_ca_file") != std::string::npos);
}

TEST_CASE("web config: a bad hash is refused without being shown") {
  std::string secretish = "$2b$04$notreallyahashbutsecret";
  std::string e = parse_error("basic_auth_users:\n  bob: \"" + secretish + "\"\n");
  CHECK(e.find("/etc/vigia/web.yml:2:8: basic_auth_users.bob: not a bcrypt hash") == 0);
  CHECK(e.find(secretish) == std::string::npos);
  CHECK(parse_error("basic_auth_users:\n  bob:\n").find(":2:3: basic_auth_users.bob: not a bcrypt") !=
        std::string::npos);
}

TEST_CASE("bcrypt hashes, Basic credentials") {
  CHECK(is_bcrypt_hash(kHash));
  CHECK(is_bcrypt_hash("$2y$10$L/6AQsHsvcV9nghX4S4GZuD3OmxBOAl.E.xtD5cfC7qsgXUBYj3eK"));
  CHECK(is_bcrypt_hash("$2a$31$L/6AQsHsvcV9nghX4S4GZuD3OmxBOAl.E.xtD5cfC7qsgXUBYj3eK"));
  CHECK(!is_bcrypt_hash("$2x$10$L/6AQsHsvcV9nghX4S4GZuD3OmxBOAl.E.xtD5cfC7qsgXUBYj3eK"));
  CHECK(!is_bcrypt_hash("$2b$03$L/6AQsHsvcV9nghX4S4GZuD3OmxBOAl.E.xtD5cfC7qsgXUBYj3eK"));
  CHECK(!is_bcrypt_hash("$2b$10$L/6AQsHsvcV9nghX4S4GZuD3OmxBOAl.E.xtD5cfC7qsgXUBYj3e"));
  CHECK(!is_bcrypt_hash("$6$salt$hash"));
  CHECK(bcrypt_matches("s3cret", kHash));
  CHECK(!bcrypt_matches("s3cret ", kHash));
  CHECK(!bcrypt_matches("", kHash));
  std::string u, p;
  REQUIRE(parse_basic_auth("Basic YWxpY2U6czNjcmV0", u, p));  // alice:s3cret
  CHECK(u == "alice");
  CHECK(p == "s3cret");
  REQUIRE(parse_basic_auth("basic YTpiOmM=", u, p));  // a:b:c, case-insensitive scheme
  CHECK(u == "a");
  CHECK(p == "b:c");
  REQUIRE(parse_basic_auth("Basic Og==", u, p));  // ":"
  CHECK(u.empty());
  CHECK(!parse_basic_auth("Bearer YWxpY2U6czNjcmV0", u, p));
  CHECK(!parse_basic_auth("Basic YWxpY2U", u, p));   // bad length
  CHECK(!parse_basic_auth("Basic YWxpY2U=", u, p));  // no colon
  CHECK(!parse_basic_auth("Basic YW=pY2U6", u, p));  // padding inside
  CHECK(!parse_basic_auth("Basic", u, p));
}

TEST_CASE("BasicAuthGuard: 401 with WWW-Authenticate, counted reasons, cached outcomes") {
  std::vector<std::pair<std::string, std::string>> users{{"alice", kHash}};
  BasicAuthGuard g(users);
  HttpResponse resp;
  CHECK(g.allow(with_auth("Basic YWxpY2U6czNjcmV0"), resp));  // alice:s3cret
  CHECK(g.bcrypt_runs() == 1);
  CHECK(g.allow(with_auth("Basic YWxpY2U6czNjcmV0"), resp));
  CHECK(g.bcrypt_runs() == 1);                                 // from the cache
  CHECK(!g.allow(with_auth("Basic YWxpY2U6d3Jvbmc="), resp));  // alice:wrong
  CHECK(resp.status == 401);
  REQUIRE(resp.headers.size() >= 1);
  CHECK(resp.headers[0] == std::pair<std::string, std::string>{"WWW-Authenticate", "Basic"});
  CHECK(!g.allow(with_auth("Basic Ym9iOnMzY3JldA=="), resp));  // bob:s3cret (unknown, costs a bcrypt)
  CHECK(g.bcrypt_runs() == 3);
  CHECK(!g.allow(with_auth(""), resp));
  CHECK(!g.allow(with_auth("Basic !!!!"), resp));
  std::string text = encode_text([&](MetricSink& s) { g.write_metrics(s); });
  CHECK(text.find("vigia_http_auth_failures_total{reason=\"missing\"} 2") != std::string::npos);
  CHECK(text.find("vigia_http_auth_failures_total{reason=\"unknown_user\"} 1") != std::string::npos);
  CHECK(text.find("vigia_http_auth_failures_total{reason=\"wrong_password\"} 1") != std::string::npos);
  // Past the cache's size, eviction keeps it bounded and answers stay right.
  for (int i = 0; i < 150; ++i)
    CHECK(!g.allow(with_auth("Basic " + base64((i % 2 ? "alice:" : "bob:") + std::to_string(i))), resp));
  CHECK(g.bcrypt_runs() == 153);
  CHECK(g.allow(with_auth("Basic " + base64("alice:s3cret")), resp));
}

// Basic authentication of --web.config.file's basic_auth_users (bcrypt
// hashes, checked with libxcrypt's crypt_r), as exporter-toolkit's handler:
// a missing, unknown or wrong credential gets 401 with
// `WWW-Authenticate: Basic`; an unknown user costs a bcrypt check too (a fixed
// hash), so timing does not tell users apart. Outcomes of a (user, hash,
// password) are cached (100 entries, random eviction) under a SHA-256 of the
// three, so the password itself is not kept; bcrypt runs one at a time.
// Failures are counted in vigia_http_auth_failures_total{reason} (missing,
// unknown_user, wrong_password) and logged at debug level with the user name
// only.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/http_server.h"

namespace vigia {

// "$2a$", "$2b$" or "$2y$", a cost of 04..31, "$" and 53 characters of
// bcrypt's base64: what crypt_r verifies.
bool is_bcrypt_hash(std::string_view h);

// The user and password of an `Authorization: Basic ...` value, as Go's
// Request.BasicAuth: false if absent or malformed.
bool parse_basic_auth(std::string_view header, std::string& user, std::string& password);

// True if crypt_r(password, hash) equals hash (compared in constant time).
bool bcrypt_matches(const std::string& password, const std::string& hash);

class BasicAuthGuard final : public HttpGuard {
 public:
  explicit BasicAuthGuard(std::vector<std::pair<std::string, std::string>> users);
  bool allow(const HttpRequest& req, HttpResponse& resp) override;
  void write_metrics(MetricSink& sink) const override;

  uint64_t bcrypt_runs() const { return bcrypt_runs_.load(); }

 private:
  using Key = std::array<unsigned char, 32>;
  bool check(const std::string& user, const std::string& password, bool* known_user);

  std::map<std::string, std::string, std::less<>> users_;
  std::mutex bcrypt_mu_;
  std::mutex cache_mu_;
  std::map<Key, bool> cache_;
  uint64_t evict_state_ = 0x9e3779b97f4a7c15ULL;
  std::atomic<uint64_t> missing_{0}, unknown_{0}, wrong_{0}, bcrypt_runs_{0};
};

}  // namespace vigia

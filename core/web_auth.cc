#include "core/web_auth.h"

#include <crypt.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include <cstring>
#include <memory>

#include "core/log.h"
#include "core/metric.h"

namespace vigia {
namespace {

constexpr size_t kCacheSize = 100;
// A bcrypt hash of a password nobody sends: checked for unknown users so that
// they cost as much as known ones.
constexpr const char* kDummyHash = "$2b$10$L/6AQsHsvcV9nghX4S4GZuD3OmxBOAl.E.xtD5cfC7qsgXUBYj3eK";

bool bcrypt_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '/';
}

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Standard base64 with padding, as Go's base64.StdEncoding.
bool base64_decode(std::string_view in, std::string& out) {
  if (in.size() % 4 != 0) return false;
  out.clear();
  for (size_t i = 0; i < in.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int j = 0; j < 4; ++j) {
      char c = in[i + j];
      if (c == '=' && i + 4 == in.size() && j >= 2) {
        v[j] = 0;
        ++pad;
        continue;
      }
      if (pad > 0) return false;
      v[j] = base64_value(c);
      if (v[j] < 0) return false;
    }
    uint32_t n = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    out.push_back(static_cast<char>(n >> 16));
    if (pad < 2) out.push_back(static_cast<char>((n >> 8) & 0xff));
    if (pad < 1) out.push_back(static_cast<char>(n & 0xff));
  }
  return true;
}

bool equal_constant_time(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char d = 0;
  for (size_t i = 0; i < a.size(); ++i) d |= static_cast<unsigned char>(a[i] ^ b[i]);
  return d == 0;
}

}  // namespace

bool is_bcrypt_hash(std::string_view h) {
  if (h.size() != 60 || !h.starts_with("$2") || (h[2] != 'a' && h[2] != 'b' && h[2] != 'y') || h[3] != '$')
    return false;
  if (h[4] < '0' || h[4] > '9' || h[5] < '0' || h[5] > '9' || h[6] != '$') return false;
  int cost = (h[4] - '0') * 10 + (h[5] - '0');
  if (cost < 4 || cost > 31) return false;
  for (char c : h.substr(7))
    if (!bcrypt_char(c)) return false;
  return true;
}

bool parse_basic_auth(std::string_view header, std::string& user, std::string& password) {
  constexpr std::string_view kPrefix = "basic ";
  if (header.size() < kPrefix.size()) return false;
  for (size_t i = 0; i < kPrefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(header[i])) != kPrefix[i]) return false;
  std::string decoded;
  if (!base64_decode(header.substr(kPrefix.size()), decoded)) return false;
  size_t colon = decoded.find(':');
  if (colon == std::string::npos) return false;
  user = decoded.substr(0, colon);
  password = decoded.substr(colon + 1);
  return true;
}

bool bcrypt_matches(const std::string& password, const std::string& hash) {
  auto data = std::make_unique<crypt_data>();  // 32 KiB: not on a handler's stack
  const char* out = crypt_r(password.c_str(), hash.c_str(), data.get());
  bool ok = out && out[0] != '*' && equal_constant_time(out, hash);
  explicit_bzero(data.get(), sizeof(crypt_data));
  return ok;
}

BasicAuthGuard::BasicAuthGuard(std::vector<std::pair<std::string, std::string>> users) {
  for (auto& [u, h] : users) users_[u] = std::move(h);
}

bool BasicAuthGuard::check(const std::string& user, const std::string& password, bool* known_user) {
  auto it = users_.find(user);
  *known_user = it != users_.end();
  const std::string hash = *known_user ? it->second : kDummyHash;
  // The cache key: SHA-256 of user, hash and password, length-prefixed.
  std::string material;
  for (const std::string* part : {&user, &hash, &password}) {
    material += std::to_string(part->size()) + ":";
    material += *part;
  }
  Key key{};
  gnutls_hash_fast(GNUTLS_DIG_SHA256, material.data(), material.size(), key.data());
  explicit_bzero(material.data(), material.size());
  {
    std::lock_guard lk(cache_mu_);
    if (auto c = cache_.find(key); c != cache_.end()) return c->second && *known_user;
  }
  bool ok;
  {
    std::lock_guard lk(bcrypt_mu_);
    ok = bcrypt_matches(password, hash) && *known_user;
    bcrypt_runs_++;
  }
  std::lock_guard lk(cache_mu_);
  if (cache_.size() >= kCacheSize) {
    // Drop about a tenth, at random, so that eviction is not on every request.
    size_t drop = std::max<size_t>(1, cache_.size() / 10);
    for (size_t i = 0; i < drop && !cache_.empty(); ++i) {
      evict_state_ ^= evict_state_ << 13;
      evict_state_ ^= evict_state_ >> 7;
      evict_state_ ^= evict_state_ << 17;
      auto victim = cache_.begin();
      std::advance(victim, static_cast<long>(evict_state_ % cache_.size()));
      cache_.erase(victim);
    }
  }
  cache_[key] = ok;
  return ok;
}

bool BasicAuthGuard::allow(const HttpRequest& req, HttpResponse& resp) {
  std::string user, password;
  const char* reason = "missing";
  if (parse_basic_auth(req.header("Authorization"), user, password)) {
    bool known = false;
    bool ok = check(user, password, &known);
    explicit_bzero(password.data(), password.size());
    if (ok) return true;
    reason = known ? "wrong_password" : "unknown_user";
    (known ? wrong_ : unknown_)++;
  } else {
    missing_++;
  }
  log::debug("Basic authentication failed", {{"user", user}, {"reason", reason}, {"path", req.path}});
  resp = HttpResponse();
  resp.status = 401;
  resp.headers.emplace_back("WWW-Authenticate", "Basic");
  resp.headers.emplace_back("X-Content-Type-Options", "nosniff");
  resp.body = "Unauthorized\n";
  return false;
}

void BasicAuthGuard::write_metrics(MetricSink& sink) const {
  sink.family("vigia_http_auth_failures_total",
              "HTTP requests answered 401 by basic authentication (--web.config.file), by reason: "
              "missing (no or malformed credentials), unknown_user, wrong_password.",
              MetricType::kCounter);
  sink.sample("vigia_http_auth_failures_total", {{"reason", "missing"}},
              static_cast<double>(missing_.load()));
  sink.sample("vigia_http_auth_failures_total", {{"reason", "unknown_user"}},
              static_cast<double>(unknown_.load()));
  sink.sample("vigia_http_auth_failures_total", {{"reason", "wrong_password"}},
              static_cast<double>(wrong_.load()));
}

}  // namespace vigia

#include "core/tls_options.h"

namespace vigia {
namespace {

std::string join_dir(const std::string& dir, const std::string& p) {
  if (p.empty() || p[0] == '/' || dir.empty()) return p;
  return dir.back() == '/' ? dir + p : dir + "/" + p;
}

std::string dir_of(const std::string& file) {
  size_t slash = file.rfind('/');
  return slash == std::string::npos ? "" : file.substr(0, slash + 1);
}

// The version names of Go's crypto/tls (Prometheus common's TLSVersion).
int read_tls_version(const YamlReader& r, const YAML::Node& n, const std::string& what) {
  std::string v = r.get_string(n, what);
  if (v == "TLS10") return 0x0301;
  if (v == "TLS11") return 0x0302;
  if (v == "TLS12") return 0x0303;
  if (v == "TLS13") return 0x0304;
  r.fail(n, what + ": expected TLS10, TLS11, TLS12 or TLS13");
}

}  // namespace

TlsClientOptions read_tls_client_options(const YamlReader& r, const YAML::Node& n, const std::string& what) {
  return read_tls_client_options(r, n, what, TlsReadOptions{});
}

TlsClientOptions read_tls_client_options(const YamlReader& r, const YAML::Node& n, const std::string& what,
                                         const TlsReadOptions& o) {
  TlsClientOptions t;
  std::vector<std::string_view> keys = {"ca_file", "cert_file", "key_file", "server_name",
                                        "insecure_skip_verify"};
  if (o.min_version) keys.push_back("min_version");
  keys.insert(keys.end(), o.unsupported.begin(), o.unsupported.end());
  r.check_keys(n, what, keys);
  if (n.IsNull()) return t;
  for (const auto& kv : n)
    for (std::string_view u : o.unsupported)
      if (kv.first.Scalar() == u)
        r.fail(kv.first, what + ": '" + std::string(u) + "' is not supported by vigia");
  // A key that is given: with yaml_v2, a null value is no value.
  auto given = [&](const char* key) { return n[key] && !(o.yaml_v2 && n[key].IsNull()); };
  const std::string dir = o.dir ? *o.dir : dir_of(r.file());
  auto file = [&](const char* key) { return join_dir(dir, r.get_string(n[key], what + "." + key)); };
  if (given("ca_file")) t.ca_file = file("ca_file");
  if (given("cert_file")) t.cert_file = file("cert_file");
  if (given("key_file")) t.key_file = file("key_file");
  if (o.cert_and_key_together && t.cert_file.empty() != t.key_file.empty())
    r.fail(n, what + ": cert_file and key_file must be given together");
  if (given("server_name")) t.server_name = r.get_string(n["server_name"], what + ".server_name");
  if (given("insecure_skip_verify")) {
    const YAML::Node v = n["insecure_skip_verify"];
    if (o.yaml_v2 && v.IsScalar() && v.Tag() == "!")
      r.fail(v, what + ".insecure_skip_verify: expected true or false, not a quoted string");
    t.insecure_skip_verify = r.get_bool(v, what + ".insecure_skip_verify");
  }
  if (o.min_version && given("min_version"))
    *o.min_version = read_tls_version(r, n["min_version"], what + ".min_version");
  return t;
}

}  // namespace vigia

#include "core/tls_options.h"

namespace vigia {
namespace {

std::string relative_to_config(const YamlReader& r, const std::string& p) {
  if (p.empty() || p[0] == '/') return p;
  size_t slash = r.file().rfind('/');
  return slash == std::string::npos ? p : r.file().substr(0, slash + 1) + p;
}

}  // namespace

TlsClientOptions read_tls_client_options(const YamlReader& r, const YAML::Node& n, const std::string& what) {
  TlsClientOptions t;
  r.check_keys(n, what, {"ca_file", "cert_file", "key_file", "server_name", "insecure_skip_verify"});
  if (n.IsNull()) return t;
  if (n["ca_file"]) t.ca_file = relative_to_config(r, r.get_string(n["ca_file"], what + ".ca_file"));
  if (n["cert_file"]) t.cert_file = relative_to_config(r, r.get_string(n["cert_file"], what + ".cert_file"));
  if (n["key_file"]) t.key_file = relative_to_config(r, r.get_string(n["key_file"], what + ".key_file"));
  if (t.cert_file.empty() != t.key_file.empty())
    r.fail(n, what + ": cert_file and key_file must be given together");
  if (n["server_name"]) t.server_name = r.get_string(n["server_name"], what + ".server_name");
  if (n["insecure_skip_verify"])
    t.insecure_skip_verify = r.get_bool(n["insecure_skip_verify"], what + ".insecure_skip_verify");
  return t;
}

}  // namespace vigia

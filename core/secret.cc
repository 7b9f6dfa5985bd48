#include "core/secret.h"

#include <cstdlib>

#include "core/fs.h"
#include "core/yaml_reader.h"

namespace vigia {

SecretRef read_secret_ref(const YamlReader& r, const YAML::Node& item, const std::string& what,
                          std::string_view key) {
  std::string file_key = std::string(key) + "_file", env_key = std::string(key) + "_env";
  SecretRef ref;
  if (item[file_key]) ref.file = r.get_string(item[file_key], what + "." + file_key);
  if (item[env_key]) ref.env = r.get_string(item[env_key], what + "." + env_key);
  if (item[file_key] && item[env_key])
    r.fail(item[env_key], what + ": give either " + file_key + " or " + env_key + ", not both");
  return ref;
}

Status load_secret(const SecretRef& ref, std::string& out) {
  out.clear();
  if (!ref.file.empty()) {
    Status st = read_file(ref.file, out);
    if (!st.is_ok()) return Status::error("password_file: " + st.message());
    if (size_t nl = out.find_first_of("\r\n"); nl != std::string::npos) out.resize(nl);
    return Status::ok();
  }
  if (!ref.env.empty()) {
    const char* v = std::getenv(ref.env.c_str());
    if (v == nullptr) return Status::error("password_env: variable " + ref.env + " is not set");
    out = v;
  }
  return Status::ok();
}

std::string redact(std::string s, std::string_view secret) {
  if (!secret.empty())
    for (size_t p = s.find(secret); p != std::string::npos; p = s.find(secret, p + 10))
      s.replace(p, secret.size(), "<redacted>");
  std::string out;
  out.reserve(s.size());
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

}  // namespace vigia

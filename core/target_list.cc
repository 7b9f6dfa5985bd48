#include "core/target_list.h"

namespace vigia {

Status read_yaml_text(const std::string& file, const std::string& yaml,
                      const std::function<void(const YamlReader& r, YAML::Node root)>& read) {
  YamlReader r(file);
  try {
    read(r, YAML::Load(yaml));
    return Status::ok();
  } catch (const ConfigError& e) {
    return Status::error(e.what());
  } catch (const YAML::Exception& e) {
    return Status::error(yaml_error_message(file, e));
  }
}

SecretRef read_basic_auth(const YamlReader& r, const YAML::Node& item, const std::string& what,
                          std::string& username) {
  if (item["username"]) username = r.get_string(item["username"], what + ".username");
  SecretRef password = read_secret_ref(r, item, what);
  if (!password.empty() && username.empty()) r.fail(item, what + ": a password needs a username");
  return password;
}

}  // namespace vigia

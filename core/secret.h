// Secrets named by the configuration (password_file / password_env in every
// area that logs in to a server): read at each connection attempt, never kept
// in the configuration text, and never written to a log line, error or metric.
#pragma once

#include <string>
#include <string_view>

#include <yaml-cpp/yaml.h>

#include "core/status.h"

namespace vigia {

class YamlReader;

struct SecretRef {
  std::string file;  // first line of the file, trailing newline dropped
  std::string env;   // an environment variable
  bool empty() const { return file.empty() && env.empty(); }
};

// Reads the optional keys "<key>_file" and "<key>_env" ("password_file",
// "password_env") of map node `item`; `what` names it in errors. Both given
// is an error at the second. Throws ConfigError (file:line:column).
SecretRef read_secret_ref(const YamlReader& r, const YAML::Node& item, const std::string& what,
                          std::string_view key = "password");

// Reads the secret into out (empty if ref is). The error names the file or
// the variable, never the secret.
Status load_secret(const SecretRef& ref, std::string& out);

// Replaces every occurrence of secret in s with "<redacted>" and folds
// multi-line messages into one line (runs of whitespace become one space).
std::string redact(std::string s, std::string_view secret);

}  // namespace vigia

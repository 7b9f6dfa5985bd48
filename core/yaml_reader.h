// Helpers for reading configuration YAML with yaml-cpp: every error names
// file:line:column (1-based) and unknown keys are rejected by name.
// Errors are thrown as ConfigError from inside the helpers and caught once by
// the loader (load_config_file), which turns them into a Status.
#pragma once

#include <yaml-cpp/yaml.h>

#include <functional>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace vigia {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class YamlReader {
 public:
  explicit YamlReader(std::string file) : file_(std::move(file)) {}

  const std::string& file() const { return file_; }
  // "file:line:col" of a node.
  std::string where(const YAML::Node& n) const;
  [[noreturn]] void fail(const YAML::Node& n, std::string_view msg) const;

  // Fails unless n is a map (a null node counts as an empty map).
  void expect_map(const YAML::Node& n, std::string_view what) const;
  // Fails at the first key of map n that is not in `allowed`
  // ("vigia.yml:12:5: unknown key 'pasword' in host"), that repeats an
  // earlier one ("duplicate key 'host' in the top level") or is not a scalar.
  void check_keys(const YAML::Node& n, std::string_view what,
                  std::initializer_list<std::string_view> allowed) const;
  void check_keys(const YAML::Node& n, std::string_view what,
                  const std::vector<std::string_view>& allowed) const;

  std::string get_string(const YAML::Node& n, std::string_view what) const;
  bool get_bool(const YAML::Node& n, std::string_view what) const;
  double get_double(const YAML::Node& n, std::string_view what) const;
  // An integer from lo to hi ("<what>: expected an integer lo-hi").
  int get_int(const YAML::Node& n, std::string_view what, int lo, int hi) const;
  // An http:// or https:// URL with a host ("<what>: <expected>" otherwise)
  // and no credentials in it (they go in username and password_file/_env).
  std::string get_http_url(const YAML::Node& n, std::string_view what, std::string_view expected) const;
  // Prometheus durations: "15s", "1m30s", "2h", "500ms", "7d", "1w", "1y".
  double get_duration_seconds(const YAML::Node& n, std::string_view what) const;
  std::vector<std::string> get_string_list(const YAML::Node& n, std::string_view what) const;

  // A section that is a list of named items (an area's targets): a null node
  // is an empty list; each item is a mapping with only `keys` and a non-empty
  // `name` unique in the list ("duplicate <noun> name 'x'"). Calls
  // read(item, what, name) for each item in order; `what` names it in errors
  // ("<section>[0]").
  using NamedItemReader =
      std::function<void(const YAML::Node& item, const std::string& what, const std::string& name)>;
  void read_named_list(const YAML::Node& n, std::string_view section, std::string_view noun,
                       const std::vector<std::string_view>& keys, const NamedItemReader& read) const;

 private:
  std::string file_;
};

// yaml-cpp's own error as "file:line:column: message" (its message starts
// with "yaml-cpp: error at line L, column C: ").
std::string yaml_error_message(const std::string& file, const YAML::Exception& e);

// Parses a Prometheus duration (core/text.h parse_duration_ms) into seconds;
// false if malformed or out of range.
bool parse_prometheus_duration(std::string_view s, double& seconds);

}  // namespace vigia

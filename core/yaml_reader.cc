#include "core/yaml_reader.h"

#include <set>

#include <algorithm>

#include "core/text.h"

namespace vigia {

std::string YamlReader::where(const YAML::Node& n) const {
  YAML::Mark m = n.Mark();
  if (m.line < 0) return file_;
  return file_ + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
}

void YamlReader::fail(const YAML::Node& n, std::string_view msg) const {
  throw ConfigError(where(n) + ": " + std::string(msg));
}

void YamlReader::expect_map(const YAML::Node& n, std::string_view what) const {
  if (n.IsNull() || n.IsMap()) return;
  fail(n, std::string(what) + ": expected a mapping");
}

void YamlReader::check_keys(const YAML::Node& n, std::string_view what,
                            std::initializer_list<std::string_view> allowed) const {
  check_keys(n, what, std::vector<std::string_view>(allowed));
}

void YamlReader::check_keys(const YAML::Node& n, std::string_view what,
                            const std::vector<std::string_view>& allowed) const {
  expect_map(n, what);
  if (!n.IsMap()) return;
  std::vector<std::string_view> seen;
  for (const auto& kv : n) {
    if (!kv.first.IsScalar()) fail(kv.first, "expected a plain key in " + std::string(what));
    const std::string& key = kv.first.Scalar();
    auto known = std::find(allowed.begin(), allowed.end(), key);
    if (known == allowed.end()) fail(kv.first, "unknown key '" + key + "' in " + std::string(what));
    // yaml-cpp keeps duplicate keys and n[key] returns the first: refuse them
    // as Prometheus does rather than ignore one silently.
    if (std::find(seen.begin(), seen.end(), *known) != seen.end())
      fail(kv.first, "duplicate key '" + key + "' in " + std::string(what));
    seen.push_back(*known);
  }
}

void YamlReader::read_named_list(const YAML::Node& n, std::string_view section, std::string_view noun,
                                 const std::vector<std::string_view>& keys,
                                 const NamedItemReader& read) const {
  if (!n || n.IsNull()) return;
  if (!n.IsSequence()) fail(n, std::string(section) + ": expected a list of " + std::string(noun) + "s");
  std::set<std::string> names;
  size_t i = 0;
  for (const auto& item : n) {
    std::string what = std::string(section) + "[" + std::to_string(i++) + "]";
    if (!item.IsMap()) fail(item, what + ": expected a mapping");
    check_keys(item, what, keys);
    if (!item["name"]) fail(item, what + ": missing key 'name'");
    std::string name = get_string(item["name"], what + ".name");
    if (name.empty()) fail(item["name"], what + ".name: must not be empty");
    if (!names.insert(name).second)
      fail(item["name"], what + ".name: duplicate " + std::string(noun) + " name '" + name + "'");
    read(item, what, name);
  }
}

std::string YamlReader::get_string(const YAML::Node& n, std::string_view what) const {
  if (!n.IsScalar()) fail(n, std::string(what) + ": expected a string");
  return n.Scalar();
}

bool YamlReader::get_bool(const YAML::Node& n, std::string_view what) const {
  bool b = false;
  if (!n.IsScalar() || !YAML::convert<bool>::decode(n, b))
    fail(n, std::string(what) + ": expected true or false");
  return b;
}

double YamlReader::get_double(const YAML::Node& n, std::string_view what) const {
  double d = 0;
  if (!n.IsScalar() || !YAML::convert<double>::decode(n, d))
    fail(n, std::string(what) + ": expected a number");
  return d;
}

int YamlReader::get_int(const YAML::Node& n, std::string_view what, int lo, int hi) const {
  double d = get_double(n, what);
  if (d < lo || d > hi || d != static_cast<int>(d))
    fail(n, std::string(what) + ": expected an integer " + std::to_string(lo) + "-" + std::to_string(hi));
  return static_cast<int>(d);
}

std::string YamlReader::get_http_url(const YAML::Node& n, std::string_view what,
                                     std::string_view expected) const {
  std::string url = get_string(n, what);
  std::string_view u = url;
  size_t scheme = u.starts_with("http://") ? 7 : u.starts_with("https://") ? 8 : 0;
  if (scheme == 0 || u.size() == scheme) fail(n, std::string(what) + ": " + std::string(expected));
  std::string_view authority = u.substr(scheme, u.find_first_of("/?#", scheme) - scheme);
  if (authority.find('@') != std::string_view::npos)
    fail(n,
         std::string(what) + ": give credentials as username and password_file/password_env, not in the URL");
  return url;
}

double YamlReader::get_duration_seconds(const YAML::Node& n, std::string_view what) const {
  double s = 0;
  if (!n.IsScalar() || !parse_prometheus_duration(n.Scalar(), s))
    fail(n, std::string(what) + ": expected a duration such as 30s, 5m or 1h30m");
  return s;
}

std::vector<std::string> YamlReader::get_string_list(const YAML::Node& n, std::string_view what) const {
  std::vector<std::string> out;
  if (n.IsNull()) return out;
  if (!n.IsSequence()) fail(n, std::string(what) + ": expected a list");
  for (const auto& item : n) out.push_back(get_string(item, what));
  return out;
}

bool parse_prometheus_duration(std::string_view s, double& seconds) {
  int64_t ms = 0;
  if (parse_duration_ms(s, ms) != DurationParse::kOk) return false;
  seconds = static_cast<double>(ms) / 1000;
  return true;
}

std::string yaml_error_message(const std::string& file, const YAML::Exception& e) {
  if (e.mark.line >= 0)
    return file + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) + ": " +
           e.msg;
  return file + ": " + e.msg;
}

}  // namespace vigia

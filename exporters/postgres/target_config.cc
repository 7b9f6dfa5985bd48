#include "exporters/postgres/target_config.h"

#include <cstdlib>
#include <set>

#include "core/fs.h"

namespace vigia::postgres {

std::vector<TargetConfig> read_targets(const YamlReader& r, const YAML::Node& n,
                                       std::string_view section) {
  std::vector<TargetConfig> out;
  if (!n || n.IsNull()) return out;
  if (!n.IsSequence()) r.fail(n, std::string(section) + ": expected a list of targets");
  std::set<std::string> names;
  size_t i = 0;
  for (const auto& item : n) {
    std::string what = std::string(section) + "[" + std::to_string(i++) + "]";
    if (!item.IsMap()) r.fail(item, what + ": expected a mapping");
    // The opt-in collectors exist for postgres targets only.
    if (section == "postgres")
      r.check_keys(item, what,
                   {"name", "dsn", "host", "port", "user", "dbname", "password_file", "password_env",
                    "collect", "stat_statements_limit"});
    else
      r.check_keys(item, what,
                   {"name", "dsn", "host", "port", "user", "dbname", "password_file", "password_env"});
    TargetConfig t;
    if (!item["name"]) r.fail(item, what + ": missing key 'name'");
    t.name = r.get_string(item["name"], what + ".name");
    if (t.name.empty()) r.fail(item["name"], what + ".name: must not be empty");
    if (!names.insert(t.name).second)
      r.fail(item["name"], what + ".name: duplicate target name '" + t.name + "'");
    if (item["dsn"]) t.dsn = r.get_string(item["dsn"], what + ".dsn");
    if (item["host"]) t.host = r.get_string(item["host"], what + ".host");
    if (item["port"]) {
      double p = r.get_double(item["port"], what + ".port");
      if (p < 1 || p > 65535 || p != static_cast<int>(p))
        r.fail(item["port"], what + ".port: expected a port number (1-65535)");
      t.port = static_cast<int>(p);
    }
    if (item["user"]) t.user = r.get_string(item["user"], what + ".user");
    if (item["dbname"]) t.dbname = r.get_string(item["dbname"], what + ".dbname");
    if (item["password_file"]) t.password_file = r.get_string(item["password_file"], what + ".password_file");
    if (item["password_env"]) t.password_env = r.get_string(item["password_env"], what + ".password_env");
    bool parts = item["host"] || item["port"] || item["user"] || item["dbname"];
    if (item["dsn"] && parts)
      r.fail(item["dsn"], what + ": give either dsn or host/port/user/dbname, not both");
    if (t.dsn.empty() && t.host.empty()) r.fail(item, what + ": missing key 'dsn' (or 'host')");
    if (item["password_file"] && item["password_env"])
      r.fail(item["password_env"], what + ": give either password_file or password_env, not both");
    if (item["collect"]) {
      static const std::set<std::string> kKnown = {"stat_user_tables", "statio_user_tables",
                                                   "stat_statements"};
      const YAML::Node& c = item["collect"];
      t.collect = r.get_string_list(c, what + ".collect");
      std::set<std::string> seen;
      for (size_t k = 0; k < t.collect.size(); ++k) {
        if (!seen.insert(t.collect[k]).second)
          r.fail(c.IsSequence() ? c[k] : c, what + ".collect: '" + t.collect[k] + "' listed twice");
        if (!kKnown.count(t.collect[k]))
          r.fail(c.IsSequence() ? c[k] : c,
                 what + ".collect: unknown collector '" + t.collect[k] +
                     "' (known: stat_user_tables, statio_user_tables, stat_statements)");
      }
    }
    if (item["stat_statements_limit"]) {
      double l = r.get_double(item["stat_statements_limit"], what + ".stat_statements_limit");
      if (l < 1 || l > 100000 || l != static_cast<int>(l))
        r.fail(item["stat_statements_limit"], what + ".stat_statements_limit: expected an integer 1-100000");
      t.stat_statements_limit = static_cast<int>(l);
    }
    out.push_back(std::move(t));
  }
  return out;
}

Status parse_targets(const std::string& file, const YAML::Node& n, std::string_view section,
                     std::vector<TargetConfig>& out) {
  YamlReader r(file);
  try {
    out = read_targets(r, n, section);
    return Status::ok();
  } catch (const ConfigError& e) {
    return Status::error(e.what());
  } catch (const YAML::Exception& e) {
    return Status::error(file + ": " + e.msg);
  }
}

Status load_password(const TargetConfig& t, std::string& out) {
  out.clear();
  if (!t.password_file.empty()) {
    Status st = read_file(t.password_file, out);
    if (!st.is_ok()) return Status::error("password_file: " + st.message());
    if (size_t nl = out.find_first_of("\r\n"); nl != std::string::npos) out.resize(nl);
    return Status::ok();
  }
  if (!t.password_env.empty()) {
    const char* v = std::getenv(t.password_env.c_str());
    if (v == nullptr) return Status::error("password_env: variable " + t.password_env + " is not set");
    out = v;
  }
  return Status::ok();
}

}  // namespace vigia::postgres

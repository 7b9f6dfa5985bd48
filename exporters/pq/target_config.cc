#include "exporters/pq/target_config.h"

#include <set>

#include "core/fs.h"
#include "core/secret.h"

namespace vigia::pq {

std::vector<CustomQuery> read_queries_file(const std::string& path) {
  std::string text;
  Status st = read_file(path, text);
  if (!st.is_ok()) throw ConfigError("queries_file " + path + ": " + st.message());
  YamlReader r(path);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw ConfigError(path + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) +
                      ": " + e.msg);
  }
  std::vector<CustomQuery> out;
  if (!root || root.IsNull()) return out;
  r.expect_map(root, "the top level");
  std::set<std::string> seen;
  for (const auto& kv : root) {
    CustomQuery q;
    q.ns = r.get_string(kv.first, "query name");
    q.where = r.where(kv.first);
    if (!seen.insert(q.ns).second) r.fail(kv.first, "duplicate query '" + q.ns + "'");
    const YAML::Node& n = kv.second;
    if (!n.IsMap()) r.fail(n, q.ns + ": expected a mapping");
    r.check_keys(n, q.ns, {"query", "master", "cache_seconds", "metrics", "runonserver"});
    if (!n["query"]) r.fail(n, q.ns + ": missing key 'query'");
    q.query = r.get_string(n["query"], q.ns + ".query");
    if (n["master"]) q.master = r.get_bool(n["master"], q.ns + ".master");
    if (n["runonserver"]) r.get_string(n["runonserver"], q.ns + ".runonserver");
    if (n["cache_seconds"]) {
      q.cache_seconds = r.get_double(n["cache_seconds"], q.ns + ".cache_seconds");
      if (q.cache_seconds < 0) r.fail(n["cache_seconds"], q.ns + ".cache_seconds: must not be negative");
    }
    const YAML::Node& metrics = n["metrics"];
    if (!metrics || !metrics.IsSequence()) r.fail(metrics ? metrics : n, q.ns + ".metrics: expected a list");
    bool any_value = false;
    for (const auto& m : metrics) {
      if (!m.IsMap() || m.size() != 1) r.fail(m, q.ns + ".metrics: expected `- column: {usage: ...}`");
      auto col = m.begin();
      CustomQuery::Column c;
      c.name = r.get_string(col->first, q.ns + ".metrics");
      std::string what = q.ns + "." + c.name;
      const YAML::Node spec = col->second;  // a copy: col-> is a proxy to a temporary (ASan)
      if (!spec.IsMap()) r.fail(spec, what + ": expected a mapping");
      r.check_keys(spec, what, {"usage", "description", "metric_mapping"});
      if (!spec["usage"]) r.fail(spec, what + ": missing key 'usage'");
      std::string usage = r.get_string(spec["usage"], what + ".usage");
      if (usage == "LABEL")
        c.usage = CustomQuery::Usage::kLabel;
      else if (usage == "COUNTER")
        c.usage = CustomQuery::Usage::kCounter;
      else if (usage == "GAUGE")
        c.usage = CustomQuery::Usage::kGauge;
      else if (usage == "DISCARD")
        c.usage = CustomQuery::Usage::kDiscard;
      else
        r.fail(spec["usage"],
               what + ".usage: '" + usage + "' is not supported (LABEL, COUNTER, GAUGE or DISCARD)");
      if (spec["description"]) c.description = r.get_string(spec["description"], what + ".description");
      for (const auto& prev : q.columns)
        if (prev.name == c.name) r.fail(col->first, what + ": column listed twice");
      any_value =
          any_value || c.usage == CustomQuery::Usage::kCounter || c.usage == CustomQuery::Usage::kGauge;
      q.columns.push_back(std::move(c));
    }
    if (!any_value) r.fail(metrics, q.ns + ".metrics: no COUNTER or GAUGE column");
    out.push_back(std::move(q));
  }
  return out;
}

std::vector<TargetConfig> read_targets(const YamlReader& r, const YAML::Node& n, std::string_view section) {
  std::vector<TargetConfig> out;
  // The opt-in collectors exist for postgres targets only.
  std::vector<std::string_view> keys = {"name", "dsn",    "host",          "port",
                                        "user", "dbname", "password_file", "password_env"};
  if (section == "postgres")
    keys.insert(keys.end(), {"collect", "stat_statements_limit", "queries_file", "auto_discover_databases",
                             "include_databases", "exclude_databases", "max_databases"});
  r.read_named_list(
      n, section, "target", keys,
      [&](const YAML::Node& item, const std::string& what, const std::string& name) {
        TargetConfig t;
        t.name = name;
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
        SecretRef password = read_secret_ref(r, item, what);
        t.password_file = password.file;
        t.password_env = password.env;
        bool parts = item["host"] || item["port"] || item["user"] || item["dbname"];
        if (item["dsn"] && parts)
          r.fail(item["dsn"], what + ": give either dsn or host/port/user/dbname, not both");
        if (t.dsn.empty() && t.host.empty()) r.fail(item, what + ": missing key 'dsn' (or 'host')");
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
            r.fail(item["stat_statements_limit"],
                   what + ".stat_statements_limit: expected an integer 1-100000");
          t.stat_statements_limit = static_cast<int>(l);
        }
        if (item["auto_discover_databases"])
          t.auto_discover_databases =
              r.get_bool(item["auto_discover_databases"], what + ".auto_discover_databases");
        for (const char* key : {"include_databases", "exclude_databases", "max_databases"})
          if (item[key] && !t.auto_discover_databases)
            r.fail(item[key], what + "." + key + ": needs auto_discover_databases: true");
        if (item["include_databases"])
          t.include_databases = r.get_string_list(item["include_databases"], what + ".include_databases");
        if (item["exclude_databases"])
          t.exclude_databases = r.get_string_list(item["exclude_databases"], what + ".exclude_databases");
        for (const std::string& db : t.include_databases)
          for (const std::string& ex : t.exclude_databases)
            if (db == ex)
              r.fail(item["exclude_databases"],
                     what + ".exclude_databases: '" + db + "' is also in include_databases");
        if (item["max_databases"]) {
          double m = r.get_double(item["max_databases"], what + ".max_databases");
          if (m < 1 || m > 10000 || m != static_cast<int>(m))
            r.fail(item["max_databases"], what + ".max_databases: expected an integer 1-10000");
          t.max_databases = static_cast<int>(m);
        }
        if (item["queries_file"]) {
          t.queries_file = r.get_string(item["queries_file"], what + ".queries_file");
          std::string path = t.queries_file;
          // Relative to the configuration file, as Prometheus resolves rule files.
          size_t slash = r.file().rfind('/');
          if (!path.empty() && path[0] != '/' && slash != std::string::npos)
            path = r.file().substr(0, slash + 1) + path;
          t.queries = read_queries_file(path);
        }
        out.push_back(std::move(t));
      });
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
  return load_secret(SecretRef{t.password_file, t.password_env}, out);
}

}  // namespace vigia::pq

// The `postgres:` (and `pgbouncer:`) config sections: a list of named targets.
//
//   postgres:
//     - name: primary
//       dsn: postgresql://vigia@127.0.0.1:5432/postgres   # libpq URI or key=value
//       password_file: /run/secrets/pg_password           # or password_env: PGPASS_PRIMARY
//     - name: replica
//       host: 10.0.0.2          # instead of dsn: host, port, user, dbname
//       port: 5432
//       user: vigia
//       dbname: postgres
//       collect: [stat_user_tables, statio_user_tables, stat_statements]  # opt-in
//       stat_statements_limit: 100   # top-N statements by total execution time
//       queries_file: queries.yaml   # postgres_exporter custom queries
//       auto_discover_databases: true  # per-database collectors in every database too
//       include_databases: [app, billing]   # only these (default: all)
//       exclude_databases: [scratch]
//       max_databases: 100            # at most this many discovered databases
//
// The password is never part of the configuration text: it is read from the
// file (first line, trailing newline dropped) or the environment variable at
// each connection attempt, and never written to a log line, error or metric.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/yaml_reader.h"

namespace vigia::pq {

// One query of a postgres_exporter queries.yaml file:
//   pg_example:                       # namespace: metrics are pg_example_<column>
//     query: "SELECT datname, n FROM ..."
//     master: true                    # only in the target's own database (discovery)
//     cache_seconds: 30               # reuse the result this long (0: every scrape)
//     metrics:
//       - datname: {usage: LABEL, description: "..."}
//       - n: {usage: GAUGE, description: "..."}   # or COUNTER, DISCARD
struct CustomQuery {
  enum class Usage { kLabel, kCounter, kGauge, kDiscard };
  struct Column {
    std::string name;
    Usage usage;
    std::string description;
  };
  std::string ns;
  std::string query;
  std::string where;  // "queries.yaml:3:1", for logs
  double cache_seconds = 0;
  // master: true runs the query in the target's own database only; otherwise
  // it also runs in every discovered database (auto_discover_databases).
  bool master = false;
  std::vector<Column> columns;
};

// Reads a queries.yaml file. Throws ConfigError naming file:line:column.
std::vector<CustomQuery> read_queries_file(const std::string& path);

struct TargetConfig {
  std::string name;
  std::string dsn;  // empty when host/port/user/dbname are used
  std::string host;
  int port = 0;  // 0: libpq's default
  std::string user;
  std::string dbname;
  std::string password_file;
  std::string password_env;
  // Opt-in collectors (postgres targets only): "stat_user_tables",
  // "statio_user_tables", "stat_statements". They run in the target's own
  // database (dbname); pg_stat_statements is cluster-wide anyway.
  std::vector<std::string> collect;
  int stat_statements_limit = 100;   // top-N statements by total time
  std::string queries_file;          // as written (relative to the config file)
  std::vector<CustomQuery> queries;  // read from queries_file at load time
  // Database discovery (postgres targets only; postgres_exporter's
  // --auto-discover-databases, --include-databases, --exclude-databases): the
  // per-database collectors (stat_user_tables, statio_user_tables, custom
  // queries without master: true) also run in every other database that
  // accepts connections and is not a template, one persistent connection each.
  bool auto_discover_databases = false;
  std::vector<std::string> include_databases;  // empty: every database
  std::vector<std::string> exclude_databases;
  int max_databases = 100;  // discovered databases beyond this (by name) are skipped
};

// Reads a list of targets from the node of a section named `section`
// ("postgres", "pgbouncer"). A null node is an empty list. Throws ConfigError
// ("vigia.yml:4:7: unknown key 'pasword' in postgres[0]"). Checks: name given
// and unique, dsn or host (not both), password_file or password_env (not both).
std::vector<TargetConfig> read_targets(const YamlReader& r, const YAML::Node& n, std::string_view section);

// The same, returning a Status; `file` names the file in errors.
Status parse_targets(const std::string& file, const YAML::Node& n, std::string_view section,
                     std::vector<TargetConfig>& out);

// Reads the target's password from password_file / password_env into out
// (empty if neither is set). The error names the file or variable, never the
// password.
Status load_password(const TargetConfig& t, std::string& out);

}  // namespace vigia::pq

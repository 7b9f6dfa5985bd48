#include "exporters/postgres/postgres.h"

#include <algorithm>
#include <cmath>
#include <pqxx/pqxx>

#include "core/fs.h"
#include "core/log.h"
#include "exporters/postgres/activity_collector.h"
#include "exporters/postgres/archiver_collector.h"
#include "exporters/postgres/bgwriter_collector.h"
#include "exporters/postgres/replication_collector.h"
#include "exporters/postgres/settings_collector.h"
#include "exporters/postgres/stat_database_collector.h"
#include "exporters/postgres/custom_query_collector.h"
#include "exporters/postgres/table_collectors.h"

namespace vigia::postgres {
namespace {

constexpr const char* kUpHelp =
    "Whether the last scrape of metrics from PostgreSQL was able to connect to the server (1 for yes, 0 for "
    "no).";
constexpr const char* kDatabaseUpHelp =
    "Whether the per-database collectors could run in this discovered database (1 for yes, 0 for no).";

void append_error(std::string& errors, const std::string& e) {
  if (!errors.empty()) errors += "; ";
  errors += e;
}

std::string timeout_statement(const CollectContext& ctx) {
  // Queries stop a little before the deadline so the answer still arrives in time.
  long long timeout_ms = std::max<long long>(100, ctx.remaining().count() * 8 / 10);
  return "SET statement_timeout = " + std::to_string(timeout_ms);
}

// Runs the collectors one after the other on tx, appending "name: error" to
// errors. Returns false when a statement was cancelled by statement_timeout:
// the scrape's time is spent. Rethrows broken_connection.
bool run_collectors(pqxx::transaction_base& tx, std::vector<std::unique_ptr<QueryCollector>>& collectors,
                    const ServerInfo& info, MetricSink& sink, std::string& errors) {
  for (auto& qc : collectors) {
    try {
      qc->collect(tx, info, sink);
    } catch (const pqxx::broken_connection&) {
      throw;
    } catch (const pqxx::sql_error& e) {
      append_error(errors, std::string(qc->name()) + ": " + e.what());
      // 57014 query_canceled (statement_timeout): the remaining collectors
      // would only make the target late.
      if (e.sqlstate() == "57014") {
        errors += " (remaining collectors skipped)";
        return false;
      }
    } catch (const std::exception& e) {
      append_error(errors, std::string(qc->name()) + ": " + e.what());
    }
  }
  return true;
}

bool per_database_collector(const std::string& name) {
  return name == "stat_user_tables" || name == "statio_user_tables";
}

void add_per_database_collectors(const TargetConfig& cfg, bool label_database,
                                 std::vector<std::unique_ptr<QueryCollector>>& out) {
  for (const std::string& c : cfg.collect) {
    if (c == "stat_user_tables") out.push_back(std::make_unique<StatUserTablesCollector>());
    if (c == "statio_user_tables") out.push_back(std::make_unique<StatioUserTablesCollector>());
  }
  for (const CustomQuery& q : cfg.queries)
    if (!q.master) out.push_back(std::make_unique<CustomQueryCollector>(q, label_database));
}

TargetConfig database_config(const TargetConfig& target, const std::string& dbname) {
  TargetConfig t;
  t.name = target.name;
  t.dsn = target.dsn;
  t.host = target.host;
  t.port = target.port;
  t.user = target.user;
  t.dbname = dbname;  // replaces the dsn's (build_conninfo)
  t.password_file = target.password_file;
  t.password_env = target.password_env;
  return t;
}

}  // namespace

struct PostgresTarget::Database {
  Database(const TargetConfig& target, const std::string& dbname, Connection::Options opts)
      : name(dbname), conn(database_config(target, dbname), opts) {
    add_per_database_collectors(target, true, collectors);
  }
  std::string name;
  Connection conn;
  std::vector<std::unique_ptr<QueryCollector>> collectors;
};

double field_value(const pqxx::field& f) { return pq::sql_value(f.c_str(), f.is_null()); }

PostgresTarget::PostgresTarget(TargetConfig cfg, Connection::Options opts)
    : cfg_(std::move(cfg)), opts_(opts), conn_(cfg_, opts) {
  if (cfg_.auto_discover_databases) {
    for (const std::string& c : cfg_.collect) per_database_ = per_database_ || per_database_collector(c);
    for (const CustomQuery& q : cfg_.queries) per_database_ = per_database_ || !q.master;
  }
  collectors_.push_back(std::make_unique<SettingsCollector>());
  collectors_.push_back(std::make_unique<StatDatabaseCollector>());
  collectors_.push_back(std::make_unique<DatabaseSizeCollector>());
  collectors_.push_back(std::make_unique<ActivityCollector>());
  collectors_.push_back(std::make_unique<LocksCollector>());
  collectors_.push_back(std::make_unique<BgwriterCollector>());
  collectors_.push_back(std::make_unique<ArchiverCollector>());
  collectors_.push_back(std::make_unique<ReplicationCollector>());
  for (const std::string& c : cfg_.collect)
    if (c == "stat_statements")
      collectors_.push_back(std::make_unique<StatStatementsCollector>(cfg_.stat_statements_limit));
  add_per_database_collectors(cfg_, per_database_, collectors_);
  for (const CustomQuery& q : cfg_.queries)
    if (q.master) collectors_.push_back(std::make_unique<CustomQueryCollector>(q));
}

PostgresTarget::~PostgresTarget() = default;

void PostgresTarget::interrupt() {
  conn_.interrupt();
  {
    std::lock_guard<std::mutex> lock(databases_mu_);
    stopping_ = true;
    for (auto& [name, db] : databases_) db->conn.interrupt();
  }
}

void PostgresTarget::discover(pqxx::transaction_base& tx) {
  pqxx::result r = tx.exec(
      "SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate "
      "AND datname <> current_database() AND has_database_privilege(oid, 'CONNECT') ORDER BY datname");
  auto listed = [](const std::vector<std::string>& list, const std::string& name) {
    return std::find(list.begin(), list.end(), name) != list.end();
  };
  std::vector<std::string> names;
  size_t skipped = 0;
  for (const auto& row : r) {
    std::string name = row[0].c_str();
    if (!cfg_.include_databases.empty() && !listed(cfg_.include_databases, name)) continue;
    if (listed(cfg_.exclude_databases, name)) continue;
    if (names.size() >= static_cast<size_t>(cfg_.max_databases)) {
      ++skipped;
      continue;
    }
    names.push_back(std::move(name));
  }
  // Logged when it changes, not made a target error: that would log at every scrape.
  std::string note;
  if (skipped > 0)
    note = std::to_string(skipped) + " databases past max_databases (" + std::to_string(cfg_.max_databases) +
           ") are not collected";
  if (note != skipped_note_ && !note.empty()) log::warn(note, {{"target", cfg_.name}});
  skipped_note_ = note;

  std::map<std::string, std::unique_ptr<Database>> gone;
  {
    std::lock_guard<std::mutex> lock(databases_mu_);
    std::map<std::string, std::unique_ptr<Database>> next;
    for (const std::string& name : names) {
      auto it = databases_.find(name);
      if (it != databases_.end()) {
        next.emplace(name, std::move(it->second));
        databases_.erase(it);
        continue;
      }
      auto db = std::make_unique<Database>(cfg_, name, opts_);
      if (stopping_) db->conn.interrupt();
      log::info("postgres database discovered", {{"target", cfg_.name}, {"datname", name}});
      next.emplace(name, std::move(db));
    }
    gone.swap(databases_);
    databases_.swap(next);
  }
  // Closed outside the lock: each sends the server its goodbye.
  for (const auto& [name, db] : gone)
    log::info("postgres database gone, connection closed", {{"target", cfg_.name}, {"datname", name}});
}

void PostgresTarget::collect_database(Database& db, const CollectContext& ctx, const ServerInfo& server,
                                      MetricSink& sink, std::string& errors) {
  auto up = [&](double v) {
    sink.gauge("vigia_postgres_database_up", kDatabaseUpHelp, v, {{"datname", db.name}});
  };
  auto fail = [&](const std::string& msg) {
    up(0);
    append_error(errors, "database \"" + db.name + "\": " + msg);
  };
  if (ctx.remaining() < std::chrono::milliseconds(50)) return fail("skipped: the scrape deadline has come");
  ServerInfo info = server;
  info.database = db.name;
  pqxx::connection_base* c = nullptr;
  // A dead persistent connection is re-opened at once, once.
  for (int attempt = 0;; ++attempt) {
    Status st = db.conn.ensure(ctx, c);
    if (!st.is_ok()) return fail(st.message());
    try {
      pqxx::nontransaction tx(*c);
      tx.exec(timeout_statement(ctx));
      break;
    } catch (const pqxx::broken_connection& e) {
      db.conn.drop();
      if (attempt > 0) return fail(std::string("connection lost: ") + e.what());
    } catch (const std::exception& e) {
      return fail(e.what());
    }
  }
  std::string errs;
  try {
    pqxx::nontransaction tx(*c);
    run_collectors(tx, db.collectors, info, sink, errs);
  } catch (const pqxx::broken_connection& e) {
    db.conn.drop();
    return fail(std::string("connection lost: ") + e.what());
  }
  up(1);
  if (!errs.empty()) append_error(errors, "database \"" + db.name + "\": " + errs);
}

Status PostgresTarget::collect(const CollectContext& ctx, MetricSink& sink) {
  auto start = Clock::now();
  auto ping = [&] {
    sink.gauge("vigia_postgres_ping_seconds",
               "Time this scrape took to (re)connect to the server and run its first statement.",
               std::chrono::duration<double>(Clock::now() - start).count());
  };
  auto down = [&](const std::string& msg) {
    sink.gauge("pg_up", kUpHelp, 0);
    ping();
    return Status::error(redact(msg, conn_.secret()));
  };
  std::string set_timeout = timeout_statement(ctx);
  pqxx::connection_base* c = nullptr;
  ServerInfo info;
  std::string version, start_time;
  // A persistent connection may have died since the last scrape (server
  // restarted): reconnect once at once before reporting the target down.
  for (int attempt = 0;; ++attempt) {
    Status st = conn_.ensure(ctx, c);
    if (!st.is_ok()) return down(st.message());
    try {
      pqxx::nontransaction tx(*c);
      tx.exec(set_timeout);
      ping();
      pqxx::result r = tx.exec(
          "SELECT version(), current_setting('server_version_num')::int, pg_is_in_recovery(), "
          "EXTRACT(EPOCH FROM pg_postmaster_start_time())::float8, current_database()");
      version = r[0][0].c_str();
      info.version_num = r[0][1].as<int>();
      info.in_recovery = r[0][2].as<bool>();
      start_time = r[0][3].c_str();
      info.database = r[0][4].c_str();
      break;
    } catch (const pqxx::broken_connection& e) {
      conn_.drop();
      if (attempt > 0) return down(std::string("connection lost: ") + e.what());
    } catch (const std::exception& e) {
      return down(e.what());
    }
  }
  sink.gauge("pg_up", kUpHelp, 1);
  std::string short_version =
      std::to_string(info.version_num / 10000) + "." + std::to_string(info.version_num % 100) + ".0";
  sink.gauge("pg_static", "Version string as reported by postgres", 1,
             {{"short_version", short_version}, {"version", version}});
  double started = 0;
  if (parse_double(start_time, started))
    sink.gauge("pg_postmaster_start_time_seconds", "Time at which postmaster started", started);

  std::string errors;
  bool in_time = false;
  try {
    pqxx::nontransaction tx(*c);
    in_time = run_collectors(tx, collectors_, info, sink, errors);
    if (in_time && per_database_) {
      try {
        discover(tx);
      } catch (const pqxx::broken_connection&) {
        throw;
      } catch (const std::exception& e) {
        // The databases of the last successful discovery are still visited.
        append_error(errors, std::string("database discovery: ") + e.what());
      }
    }
  } catch (const pqxx::broken_connection& e) {
    conn_.drop();
    in_time = false;
    append_error(errors, std::string("connection lost: ") + e.what());
  }
  // Only the worker changes databases_: no lock needed to walk it here.
  if (in_time)
    for (auto& [name, db] : databases_) collect_database(*db, ctx, info, sink, errors);
  if (errors.empty()) return Status::ok();
  while (!errors.empty() && errors.back() == '\n') errors.pop_back();
  return Status::error(redact(errors, conn_.secret()));
}

void PostgresTarget::after(const Status& st, double seconds, MetricSink& sink) {
  sink.gauge("pg_exporter_last_scrape_duration_seconds",
             "Duration of the last scrape of metrics from PostgreSQL.", seconds);
  sink.gauge(
      "pg_exporter_last_scrape_error",
      "Whether the last scrape of metrics from PostgreSQL resulted in an error (1 for error, 0 for success).",
      st.is_error() ? 1 : 0);
  sink.counter("pg_exporter_scrapes_total", "Total number of times PostgreSQL was scraped for metrics.",
               static_cast<double>(++scrapes_));
}

std::shared_ptr<ServiceCollector> make_collector(const std::vector<TargetConfig>& targets) {
  std::vector<std::unique_ptr<ServiceTarget>> ts;
  for (const TargetConfig& t : targets) ts.push_back(std::make_unique<PostgresTarget>(t));
  return std::make_shared<ServiceCollector>(ServiceArea{"postgres", "pg_up", kUpHelp}, std::move(ts));
}

}  // namespace vigia::postgres

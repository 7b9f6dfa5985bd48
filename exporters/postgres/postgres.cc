#include "exporters/postgres/postgres.h"

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
    "Whether the last scrape of metrics from PostgreSQL was able to connect to the server (1 for yes, 0 for no).";

}  // namespace

double field_value(const pqxx::field& f) {
  if (f.is_null()) return std::nan("");
  const char* s = f.c_str();
  if (s[0] == 't' && s[1] == 0) return 1;
  if (s[0] == 'f' && s[1] == 0) return 0;
  double v = 0;
  return parse_double(s, v) ? v : std::nan("");
}

PostgresTarget::PostgresTarget(TargetConfig cfg, Connection::Options opts)
    : cfg_(std::move(cfg)), conn_(cfg_, opts) {
  collectors_.push_back(std::make_unique<SettingsCollector>());
  collectors_.push_back(std::make_unique<StatDatabaseCollector>());
  collectors_.push_back(std::make_unique<DatabaseSizeCollector>());
  collectors_.push_back(std::make_unique<ActivityCollector>());
  collectors_.push_back(std::make_unique<LocksCollector>());
  collectors_.push_back(std::make_unique<BgwriterCollector>());
  collectors_.push_back(std::make_unique<ArchiverCollector>());
  collectors_.push_back(std::make_unique<ReplicationCollector>());
  for (const std::string& c : cfg_.collect) {
    if (c == "stat_user_tables") collectors_.push_back(std::make_unique<StatUserTablesCollector>());
    if (c == "statio_user_tables") collectors_.push_back(std::make_unique<StatioUserTablesCollector>());
    if (c == "stat_statements")
      collectors_.push_back(std::make_unique<StatStatementsCollector>(cfg_.stat_statements_limit));
  }
  for (const CustomQuery& q : cfg_.queries) collectors_.push_back(std::make_unique<CustomQueryCollector>(q));
  runner_ = std::make_unique<TargetRunner>(
      [this](const CollectContext& ctx, MetricSink& sink) { return collect(ctx, sink); });
}

PostgresTarget::~PostgresTarget() { runner_.reset(); }

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
  // Queries stop a little before the deadline so the answer still arrives in time.
  long long timeout_ms = std::max<long long>(100, ctx.remaining().count() * 8 / 10);
  std::string set_timeout = "SET statement_timeout = " + std::to_string(timeout_ms);
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
          "EXTRACT(EPOCH FROM pg_postmaster_start_time())::float8");
      version = r[0][0].c_str();
      info.version_num = r[0][1].as<int>();
      info.in_recovery = r[0][2].as<bool>();
      start_time = r[0][3].c_str();
      break;
    } catch (const pqxx::broken_connection& e) {
      conn_.drop();
      if (attempt > 0) return down(std::string("connection lost: ") + e.what());
    } catch (const std::exception& e) {
      return down(e.what());
    }
  }
  sink.gauge("pg_up", kUpHelp, 1);
  std::string short_version = std::to_string(info.version_num / 10000) + "." +
                              std::to_string(info.version_num % 100) + ".0";
  sink.gauge("pg_static", "Version string as reported by postgres", 1,
             {{"short_version", short_version}, {"version", version}});
  double started = 0;
  if (parse_double(start_time, started))
    sink.gauge("pg_postmaster_start_time_seconds", "Time at which postmaster started", started);

  std::string errors;
  try {
    pqxx::nontransaction tx(*c);
    for (auto& qc : collectors_) {
      try {
        qc->collect(tx, info, sink);
      } catch (const pqxx::broken_connection&) {
        throw;
      } catch (const pqxx::sql_error& e) {
        if (!errors.empty()) errors += "; ";
        errors += std::string(qc->name()) + ": " + e.what();
        // 57014 query_canceled (statement_timeout): the scrape's time is
        // spent, the remaining collectors would only make the target late.
        if (e.sqlstate() == "57014") {
          errors += " (remaining collectors skipped)";
          break;
        }
      } catch (const std::exception& e) {
        if (!errors.empty()) errors += "; ";
        errors += std::string(qc->name()) + ": " + e.what();
      }
    }
  } catch (const pqxx::broken_connection& e) {
    conn_.drop();
    if (!errors.empty()) errors += "; ";
    errors += std::string("connection lost: ") + e.what();
  }
  if (errors.empty()) return Status::ok();
  while (!errors.empty() && errors.back() == '\n') errors.pop_back();
  return Status::error(redact(errors, conn_.secret()));
}

PostgresCollector::PostgresCollector(const std::vector<TargetConfig>& targets) {
  for (const TargetConfig& t : targets) targets_.push_back(std::make_unique<PostgresTarget>(t));
}

Status PostgresCollector::finish(PostgresTarget& t, uint64_t ticket, const CollectContext& ctx,
                                 Clock::time_point start, MetricSink& sink) {
  Status st;
  switch (t.runner().wait(ticket, ctx.deadline, sink, st)) {
    case TargetRunner::Outcome::kDone:
      break;
    case TargetRunner::Outcome::kTimedOut:
      st = Status::error("collection did not finish before the scrape deadline");
      sink.gauge("pg_up", kUpHelp, 0);
      break;
    case TargetRunner::Outcome::kBusy:
      st = Status::error("an earlier collection is still running");
      sink.gauge("pg_up", kUpHelp, 0);
      break;
  }
  if (st.is_error()) log::warn("postgres target failed", {{"target", t.name()}, {"err", st.message()}});
  sink.gauge("pg_exporter_last_scrape_duration_seconds",
             "Duration of the last scrape of metrics from PostgreSQL.",
             std::chrono::duration<double>(Clock::now() - start).count());
  sink.gauge("pg_exporter_last_scrape_error",
             "Whether the last scrape of metrics from PostgreSQL resulted in an error (1 for error, 0 for success).",
             st.is_error() ? 1 : 0);
  sink.counter("pg_exporter_scrapes_total", "Total number of times PostgreSQL was scraped for metrics.",
               static_cast<double>(++t.scrapes));
  return st;
}

Status PostgresCollector::collect(const CollectContext& ctx, MetricSink& sink) {
  auto start = Clock::now();
  std::vector<uint64_t> tickets;
  for (auto& t : targets_) tickets.push_back(t->runner().start(ctx));
  size_t failed = 0;
  for (size_t i = 0; i < targets_.size(); ++i) {
    LabelAddingSink labelled(sink, Label{"target", targets_[i]->name()});
    if (finish(*targets_[i], tickets[i], ctx, start, labelled).is_error()) ++failed;
  }
  // A target that is down is reported by pg_up, not as a failed collector.
  (void)failed;
  return Status::ok();
}

bool PostgresCollector::has_target(std::string_view target) const {
  for (const auto& t : targets_)
    if (t->name() == target) return true;
  return false;
}

Status PostgresCollector::collect_target(std::string_view target, const CollectContext& ctx,
                                         MetricSink& sink) {
  for (auto& t : targets_)
    if (t->name() == target) {
      finish(*t, t->runner().start(ctx), ctx, Clock::now(), sink);
      return Status::ok();
    }
  return Status::no_data("no postgres target named " + std::string(target));
}

}  // namespace vigia::postgres

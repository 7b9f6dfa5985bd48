#include "exporters/pgbouncer/pgbouncer.h"

#include <cmath>
#include <libpq-fe.h>
#include <sys/socket.h>

#include <algorithm>
#include <mutex>

#include "core/backoff.h"
#include "core/fs.h"
#include "core/secret.h"
#include "core/log.h"
#include "exporters/pq/connection.h"

namespace vigia::pgbouncer {
namespace {

constexpr const char* kUpHelp = "The pgbouncer scrape succeeded";

struct ColumnMetric {
  const char* column;
  const char* metric;
  const char* help;
  MetricType type;
  double scale;
};

constexpr ColumnMetric kPools[] = {
    {"cl_active", "pgbouncer_pools_client_active_connections",
     "Client connections linked to server connection and able to process queries", MetricType::kGauge, 1},
    {"cl_waiting", "pgbouncer_pools_client_waiting_connections",
     "Client connections waiting on a server connection", MetricType::kGauge, 1},
    {"cl_active_cancel_req", "pgbouncer_pools_client_active_cancel_connections",
     "Client connections that have forwarded query cancellations to the server and are waiting for the "
     "server response",
     MetricType::kGauge, 1},
    {"cl_waiting_cancel_req", "pgbouncer_pools_client_waiting_cancel_connections",
     "Client connections that have not forwarded query cancellations to the server yet", MetricType::kGauge,
     1},
    {"sv_active", "pgbouncer_pools_server_active_connections",
     "Server connections that are linked to a client connection", MetricType::kGauge, 1},
    {"sv_active_cancel", "pgbouncer_pools_server_active_cancel_connections",
     "Server connections that are currently forwarding a cancel request", MetricType::kGauge, 1},
    {"sv_being_canceled", "pgbouncer_pools_server_being_canceled_connections",
     "Servers that normally could become idle but are waiting to do so until all in-flight cancel requests "
     "have completed",
     MetricType::kGauge, 1},
    {"sv_idle", "pgbouncer_pools_server_idle_connections",
     "Server connections that are unused and immediately usable for client queries", MetricType::kGauge, 1},
    {"sv_used", "pgbouncer_pools_server_used_connections",
     "Server connections that have been idle for more than server_check_delay", MetricType::kGauge, 1},
    {"sv_tested", "pgbouncer_pools_server_testing_connections",
     "Server connections that are currently running either server_reset_query or server_check_query",
     MetricType::kGauge, 1},
    {"sv_login", "pgbouncer_pools_server_login_connections",
     "Server connections currently in the process of logging in", MetricType::kGauge, 1},
};

constexpr ColumnMetric kStats[] = {
    {"total_query_count", "pgbouncer_stats_queries_pooled_total", "Total number of SQL queries pooled",
     MetricType::kCounter, 1},
    {"total_query_time", "pgbouncer_stats_queries_duration_seconds_total",
     "Total number of seconds spent by pgbouncer when actively connected to PostgreSQL, executing queries",
     MetricType::kCounter, 1e-6},
    {"total_received", "pgbouncer_stats_received_bytes_total",
     "Total volume in bytes of network traffic received by pgbouncer", MetricType::kCounter, 1},
    {"total_sent", "pgbouncer_stats_sent_bytes_total",
     "Total volume in bytes of network traffic sent by pgbouncer", MetricType::kCounter, 1},
    {"total_xact_count", "pgbouncer_stats_sql_transactions_pooled_total",
     "Total number of SQL transactions pooled", MetricType::kCounter, 1},
    {"total_xact_time", "pgbouncer_stats_server_in_transaction_seconds_total",
     "Total number of seconds spent by pgbouncer when connected to PostgreSQL in a transaction, either idle "
     "in transaction or executing queries",
     MetricType::kCounter, 1e-6},
    {"total_wait_time", "pgbouncer_stats_client_wait_seconds_total",
     "Time spent by clients waiting for a server in seconds", MetricType::kCounter, 1e-6},
    // PgBouncer < 1.8 only (total_requests), >= 1.21 only (the parse/bind counts).
    {"total_requests", "pgbouncer_stats_queries_total",
     "Total number of SQL requests pooled by pgbouncer, shown as requests", MetricType::kCounter, 1},
    {"total_client_parse_count", "pgbouncer_stats_client_parses_total",
     "Total number of prepared statement Parse messages received from clients", MetricType::kCounter, 1},
    {"total_server_parse_count", "pgbouncer_stats_server_parses_total",
     "Total number of prepared statement Parse messages sent by pgbouncer to PostgreSQL",
     MetricType::kCounter, 1},
    {"total_bind_count", "pgbouncer_stats_binds_total",
     "Total number of prepared statements readied for execution with a Bind message", MetricType::kCounter,
     1},
};

// SHOW LISTS rows (list, items) -> pgbouncer_exporter's unlabelled gauges.
struct ListMetric {
  const char* list;
  const char* metric;
  const char* help;
};
constexpr ListMetric kLists[] = {
    {"databases", "pgbouncer_databases", "Count of databases"},
    {"users", "pgbouncer_users", "Count of users"},
    {"pools", "pgbouncer_pools", "Count of pools"},
    {"free_clients", "pgbouncer_free_clients", "Count of free clients"},
    {"used_clients", "pgbouncer_used_clients", "Count of used clients"},
    {"login_clients", "pgbouncer_login_clients", "Count of clients in login state"},
    {"free_servers", "pgbouncer_free_servers", "Count of free servers"},
    {"used_servers", "pgbouncer_used_servers", "Count of used servers"},
    {"dns_names", "pgbouncer_cached_dns_names", "Count of DNS names in the cache"},
    {"dns_zones", "pgbouncer_cached_dns_zones", "Count of DNS zones in the cache"},
    {"dns_queries", "pgbouncer_in_flight_dns_queries", "Count of in-flight DNS queries"},
};

constexpr ColumnMetric kDatabases[] = {
    {"current_connections", "pgbouncer_databases_current_connections",
     "Current number of connections for this database", MetricType::kGauge, 1},
    {"pool_size", "pgbouncer_databases_pool_size", "Maximum number of server connections", MetricType::kGauge,
     1},
    {"reserve_pool", "pgbouncer_databases_reserve_pool",
     "Maximum number of additional connections for this database", MetricType::kGauge, 1},
    {"max_connections", "pgbouncer_databases_max_connections",
     "Maximum number of allowed connections for this database", MetricType::kGauge, 1},
    {"paused", "pgbouncer_databases_paused", "1 if this database is currently paused, else 0",
     MetricType::kGauge, 1},
    {"disabled", "pgbouncer_databases_disabled", "1 if this database is currently disabled, else 0",
     MetricType::kGauge, 1},
};

double value_of(const PGresult* r, int row, int col, double scale) {
  return pq::sql_value(PQgetvalue(r, row, col), PQgetisnull(r, row, col)) * scale;
}

// Writes one family per known column of r; label_cols name the label columns
// (each may be absent: empty value).
template <size_t N, size_t L>
void write_table(const PGresult* r, const ColumnMetric (&cols)[N], const char* const (&label_names)[L],
                 MetricSink& sink) {
  int label_idx[L];
  for (size_t i = 0; i < L; ++i) label_idx[i] = PQfnumber(r, label_names[i]);
  Label labels[L];
  for (const ColumnMetric& m : cols) {
    int idx = PQfnumber(r, m.column);
    if (idx < 0) continue;
    sink.family(m.metric, m.help, m.type);
    for (int row = 0; row < PQntuples(r); ++row) {
      for (size_t i = 0; i < L; ++i)
        labels[i] =
            Label{label_names[i],
                  label_idx[i] < 0 ? std::string_view() : std::string_view(PQgetvalue(r, row, label_idx[i]))};
      sink.sample(m.metric, Labels(labels, L), value_of(r, row, idx, m.scale));
    }
  }
}

// pgbouncer_pools_client_maxwait_seconds: maxwait (whole seconds) plus
// maxwait_us (its microsecond part, PgBouncer >= 1.8). pgbouncer_exporter maps
// maxwait alone, so it rounds down to the second; the sum is the same wait
// without the truncation.
void write_maxwait(const PGresult* r, MetricSink& sink) {
  int s_idx = PQfnumber(r, "maxwait"), us_idx = PQfnumber(r, "maxwait_us");
  if (s_idx < 0) return;
  int db_idx = PQfnumber(r, "database"), user_idx = PQfnumber(r, "user");
  constexpr const char* kName = "pgbouncer_pools_client_maxwait_seconds";
  sink.family(kName, "Age of oldest unserved client connection, shown as second", MetricType::kGauge);
  for (int row = 0; row < PQntuples(r); ++row) {
    double v = value_of(r, row, s_idx, 1);
    if (us_idx >= 0) v += value_of(r, row, us_idx, 1e-6);
    Label labels[] = {{"database", db_idx < 0 ? std::string_view() : PQgetvalue(r, row, db_idx)},
                      {"user", user_idx < 0 ? std::string_view() : PQgetvalue(r, row, user_idx)}};
    sink.sample(kName, Labels(labels, 2), v);
  }
}

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

// The admin console over plain libpq: libpqxx 6.4 refuses servers that report
// a version below 9.0, and the console reports PgBouncer's own (1.18.0).
class AdminConnection {
 public:
  explicit AdminConnection(pq::TargetConfig t) : target_(std::move(t)) {}
  ~AdminConnection() { drop(); }
  AdminConnection(const AdminConnection&) = delete;
  AdminConnection& operator=(const AdminConnection&) = delete;

  const pq::TargetConfig& target() const { return target_; }
  const std::string& secret() const { return password_; }
  void drop() {
    PGconn* old = nullptr;
    {
      std::lock_guard<std::mutex> lock(mu_);
      std::swap(old, conn_);
    }
    if (old) PQfinish(old);
  }
  // Same contract as pq::Connection::interrupt.
  void interrupt() {
    std::lock_guard<std::mutex> lock(mu_);
    interrupted_ = true;
    interrupt_fd_.fire();  // a connection attempt in progress
    if (conn_ && PQsocket(conn_) >= 0) ::shutdown(PQsocket(conn_), SHUT_RDWR);
  }

  // Same contract as pq::Connection::ensure.
  Status ensure(const CollectContext& ctx) {
    if (conn_ && PQstatus(conn_) == CONNECTION_OK) return Status::ok();
    drop();
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (interrupted_) return Status::error("shutting down");
    }
    if (Status wait = backoff_.check(); !wait.is_ok()) return wait;
    auto fail = [&](const std::string& msg) { return backoff_.failed(redact(msg, password_)); };
    Status st = pq::load_password(target_, password_);
    if (!st.is_ok()) return fail(st.message());
    std::string conninfo;
    int timeout_s = pq::connect_timeout_seconds(ctx);
    st = pq::build_conninfo(target_, password_, timeout_s, conninfo);
    if (!st.is_ok()) return fail(st.message());
    std::string err;
    PGconn* conn = pq::connect_pq(conninfo, std::chrono::seconds(timeout_s), interrupt_fd_.fd(), err);
    if (conn == nullptr) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (interrupted_) return Status::error("shutting down");
      }
      return fail("connect: " + err);
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!interrupted_) std::swap(conn_, conn);
    }
    if (conn) {
      PQfinish(conn);
      return Status::error("shutting down");
    }
    backoff_.succeeded();
    return Status::ok();
  }

  // Runs a console command (simple query protocol). On failure returns null
  // and sets err; a broken connection is dropped.
  Result query(const char* sql, std::string& err) {
    Result r(PQexec(conn_, sql));
    if (r && PQresultStatus(r.get()) == PGRES_TUPLES_OK) return r;
    err = std::string(sql) + ": " + (r ? PQresultErrorMessage(r.get()) : PQerrorMessage(conn_));
    err = redact(err, password_);
    if (PQstatus(conn_) != CONNECTION_OK) drop();
    return nullptr;
  }

 private:
  pq::TargetConfig target_;
  std::mutex mu_;  // guards conn_ and interrupted_ against interrupt()
  PGconn* conn_ = nullptr;
  bool interrupted_ = false;
  pq::InterruptFd interrupt_fd_;
  std::string password_;
  Backoff backoff_;
};

// A pgbouncer target: its admin console connection.
class PgbouncerTarget final : public ServiceTarget {
 public:
  explicit PgbouncerTarget(const pq::TargetConfig& cfg) : conn(cfg) {}
  const std::string& name() const override { return conn.target().name; }
  Status collect(const CollectContext& ctx, MetricSink& sink) override;
  // A worker stuck on a hung pgbouncer returns now.
  void interrupt() override { conn.interrupt(); }

 private:
  AdminConnection conn;
};

}  // namespace

Status PgbouncerTarget::collect(const CollectContext& ctx, MetricSink& sink) {
  Result version, pools, stats, databases, config, lists;
  std::string err;
  // A persistent connection may have died (pgbouncer restarted): reconnect
  // once at once before reporting the target down.
  for (int attempt = 0; attempt < 2; ++attempt) {
    Status st = conn.ensure(ctx);
    if (!st.is_ok()) {
      sink.gauge("pgbouncer_up", kUpHelp, 0);
      return st;
    }
    err.clear();
    if ((version = conn.query("SHOW VERSION", err)) && (pools = conn.query("SHOW POOLS", err)) &&
        (stats = conn.query("SHOW STATS", err)) && (databases = conn.query("SHOW DATABASES", err)) &&
        (config = conn.query("SHOW CONFIG", err)) && (lists = conn.query("SHOW LISTS", err)))
      break;
  }
  if (!lists) {
    sink.gauge("pgbouncer_up", kUpHelp, 0);
    return Status::error(err);
  }
  sink.gauge("pgbouncer_up", kUpHelp, 1);
  if (PQntuples(version.get()) > 0) {
    // The whole string ("PgBouncer 1.18.0"), as pgbouncer_exporter exports it.
    std::string_view v = PQgetvalue(version.get(), 0, 0);
    sink.gauge("pgbouncer_version_info", "The pgbouncer version info", 1, {{"version", v}});
  }
  write_maxwait(pools.get(), sink);
  static constexpr const char* kPoolLabels[] = {"database", "user"};
  write_table(pools.get(), kPools, kPoolLabels, sink);
  static constexpr const char* kStatLabels[] = {"database"};
  write_table(stats.get(), kStats, kStatLabels, sink);
  static constexpr const char* kDbLabels[] = {"name", "host", "port", "database", "force_user", "pool_mode"};
  write_table(databases.get(), kDatabases, kDbLabels, sink);
  const PGresult* l = lists.get();
  for (const ListMetric& m : kLists)
    for (int row = 0; row < PQntuples(l) && PQnfields(l) >= 2; ++row) {
      double v = 0;
      if (PQgetvalue(l, row, 0) == std::string_view(m.list) && parse_double(PQgetvalue(l, row, 1), v))
        sink.gauge(m.metric, m.help, v);
    }
  const PGresult* c = config.get();
  for (int row = 0; row < PQntuples(c); ++row) {
    std::string_view key = PQgetvalue(c, row, 0);
    double v = 0;
    if (key == "max_client_conn" && parse_double(PQgetvalue(c, row, 1), v))
      sink.gauge("pgbouncer_config_max_client_connections", "Config maximum number of client connections", v);
    else if (key == "max_user_connections" && parse_double(PQgetvalue(c, row, 1), v))
      sink.gauge("pgbouncer_config_max_user_connections",
                 "Config maximum number of server connections per user", v);
  }
  return Status::ok();
}

std::shared_ptr<ServiceCollector> make_collector(const std::vector<pq::TargetConfig>& targets) {
  std::vector<std::unique_ptr<ServiceTarget>> ts;
  for (const auto& t : targets) ts.push_back(std::make_unique<PgbouncerTarget>(t));
  return std::make_shared<ServiceCollector>(ServiceArea{"pgbouncer", "pgbouncer_up", kUpHelp}, std::move(ts));
}

}  // namespace vigia::pgbouncer

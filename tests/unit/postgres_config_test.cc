#include <catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <pqxx/except>

#include "core/config.h"
#include "core/exposition.h"
#include "exporters/pq/connection.h"
#include "exporters/postgres/settings_collector.h"
#include "exporters/pq/target_config.h"

using namespace vigia;
using namespace vigia::postgres;
using namespace vigia::pq;
using namespace std::chrono_literals;

namespace {

Status parse(const std::string& yaml, std::vector<TargetConfig>& out) {
  Config cfg;
  Status st = load_config_text(yaml, "vigia.yml", {"postgres", "pgbouncer"}, cfg);
  if (!st.is_ok()) return st;
  return pq::parse_targets(cfg.file, cfg.section("postgres"), "postgres", out);
}

std::string error_of(const std::string& yaml) {
  std::vector<TargetConfig> t;
  Status st = parse(yaml, t);
  REQUIRE(st.is_error());
  return st.message();
}

}  // namespace

TEST_CASE("postgres targets: dsn and host/port forms") {
  std::vector<TargetConfig> t;
  Status st = parse(
      "postgres:\n"
      "  - name: primary\n"
      "    dsn: postgresql://vigia@127.0.0.1:5432/postgres\n"
      "    password_file: /run/secrets/pg\n"
      "  - name: replica\n"
      "    host: 10.0.0.2\n"
      "    port: 5433\n"
      "    user: mon\n"
      "    dbname: app\n"
      "    password_env: PG_PW\n",
      t);
  REQUIRE(st.is_ok());
  REQUIRE(t.size() == 2);
  CHECK(t[0].name == "primary");
  CHECK(t[0].dsn == "postgresql://vigia@127.0.0.1:5432/postgres");
  CHECK(t[0].password_file == "/run/secrets/pg");
  CHECK(t[1].host == "10.0.0.2");
  CHECK(t[1].port == 5433);
  CHECK(t[1].user == "mon");
  CHECK(t[1].dbname == "app");
  CHECK(t[1].password_env == "PG_PW");
}

TEST_CASE("postgres targets: errors name file:line:col") {
  CHECK(error_of("postgres:\n  - name: a\n    dsn: x\n    pasword: y\n") ==
        "vigia.yml:4:5: unknown key 'pasword' in postgres[0]");
  CHECK(error_of("postgres:\n  - dsn: x\n") == "vigia.yml:2:5: postgres[0]: missing key 'name'");
  CHECK(error_of("postgres:\n  - name: a\n    dsn: x\n  - name: a\n    dsn: y\n") ==
        "vigia.yml:4:11: postgres[1].name: duplicate target name 'a'");
  CHECK(error_of("postgres:\n  - name: a\n") == "vigia.yml:2:5: postgres[0]: missing key 'dsn' (or 'host')");
  CHECK(error_of("postgres:\n  - name: a\n    dsn: x\n    host: h\n").find("not both") != std::string::npos);
  CHECK(error_of("postgres:\n  - name: a\n    host: h\n    port: 70000\n") ==
        "vigia.yml:4:11: postgres[0].port: expected a port number (1-65535)");
  CHECK(error_of("postgres:\n  - name: a\n    dsn: x\n    password_file: f\n    password_env: E\n")
            .find("vigia.yml:5:19: postgres[0]: give either password_file or password_env") == 0);
  CHECK(error_of("postgres: {name: a}\n") == "vigia.yml:1:11: postgres: expected a list of targets");
  CHECK(error_of("postgress: []\n") == "vigia.yml:1:1: unknown key 'postgress' in the top level");
}

TEST_CASE("postgres targets: opt-in collectors") {
  std::vector<TargetConfig> t;
  REQUIRE(parse("postgres:\n  - name: a\n    dsn: x\n    collect: [stat_statements, stat_user_tables]\n"
                "    stat_statements_limit: 7\n  - name: b\n    dsn: y\n",
                t)
              .is_ok());
  REQUIRE(t.size() == 2);
  CHECK(t[0].collect == std::vector<std::string>{"stat_statements", "stat_user_tables"});
  CHECK(t[0].stat_statements_limit == 7);
  CHECK(t[1].collect.empty());
  CHECK(t[1].stat_statements_limit == 100);
  CHECK(error_of("postgres:\n  - name: a\n    dsn: x\n    collect: [stat_user_tables, stat_tables]\n") ==
        "vigia.yml:4:33: postgres[0].collect: unknown collector 'stat_tables' (known: stat_user_tables, "
        "statio_user_tables, stat_statements)");
  CHECK(error_of("postgres:\n  - name: a\n    dsn: x\n    collect: [stat_user_tables, stat_user_tables]\n") ==
        "vigia.yml:4:33: postgres[0].collect: 'stat_user_tables' listed twice");
  CHECK(error_of("postgres:\n  - name: a\n    dsn: x\n    stat_statements_limit: 0\n") ==
        "vigia.yml:4:28: postgres[0].stat_statements_limit: expected an integer 1-100000");
  // pgbouncer targets have no opt-in collectors.
  Config cfg;
  REQUIRE(load_config_text("pgbouncer:\n  - name: a\n    dsn: x\n    collect: [stat_statements]\n",
                           "vigia.yml", {"pgbouncer"}, cfg)
              .is_ok());
  CHECK(pq::parse_targets(cfg.file, cfg.section("pgbouncer"), "pgbouncer", t).message() ==
        "vigia.yml:4:5: unknown key 'collect' in pgbouncer[0]");
}

TEST_CASE("postgres targets: database discovery keys") {
  std::vector<TargetConfig> t;
  REQUIRE(
      parse("postgres:\n  - name: a\n    dsn: x\n    auto_discover_databases: true\n"
            "    include_databases: [app, 'we ird']\n    exclude_databases: [scratch]\n    max_databases: 7\n"
            "  - name: b\n    dsn: y\n",
            t)
          .is_ok());
  REQUIRE(t.size() == 2);
  CHECK(t[0].auto_discover_databases);
  CHECK(t[0].include_databases == std::vector<std::string>{"app", "we ird"});
  CHECK(t[0].exclude_databases == std::vector<std::string>{"scratch"});
  CHECK(t[0].max_databases == 7);
  CHECK_FALSE(t[1].auto_discover_databases);
  CHECK(t[1].max_databases == 100);
  CHECK(error_of("postgres:\n  - name: a\n    dsn: x\n    include_databases: [app]\n") ==
        "vigia.yml:4:24: postgres[0].include_databases: needs auto_discover_databases: true");
  CHECK(
      error_of(
          "postgres:\n  - name: a\n    dsn: x\n    auto_discover_databases: false\n    max_databases: 3\n") ==
      "vigia.yml:5:20: postgres[0].max_databases: needs auto_discover_databases: true");
  CHECK(error_of("postgres:\n  - name: a\n    dsn: x\n    auto_discover_databases: yes please\n")
            .find("vigia.yml:4:30: ") == 0);
  CHECK(
      error_of(
          "postgres:\n  - name: a\n    dsn: x\n    auto_discover_databases: true\n    max_databases: 0\n") ==
      "vigia.yml:5:20: postgres[0].max_databases: expected an integer 1-10000");
  CHECK(error_of("postgres:\n  - name: a\n    dsn: x\n    auto_discover_databases: true\n"
                 "    include_databases: [a, b]\n    exclude_databases: [b]\n") ==
        "vigia.yml:6:24: postgres[0].exclude_databases: 'b' is also in include_databases");
  Config cfg;
  REQUIRE(load_config_text("pgbouncer:\n  - name: a\n    dsn: x\n    auto_discover_databases: true\n",
                           "vigia.yml", {"pgbouncer"}, cfg)
              .is_ok());
  CHECK(pq::parse_targets(cfg.file, cfg.section("pgbouncer"), "pgbouncer", t).message() ==
        "vigia.yml:4:5: unknown key 'auto_discover_databases' in pgbouncer[0]");
}

namespace {
std::string write_tmp(const std::string& name, const std::string& text) {
  std::string path = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") + "/" + name;
  std::ofstream(path) << text;
  return path;
}
std::string queries_error(const std::string& text) {
  std::string path = write_tmp("vigia_q_test.yaml", text);
  try {
    read_queries_file(path);
  } catch (const ConfigError& e) {
    std::string m = e.what();
    return m.substr(m.rfind('/') + 1);
  }
  return "no error";
}
}  // namespace

TEST_CASE("queries.yaml: postgres_exporter's format") {
  std::string path =
      write_tmp("vigia_q_ok.yaml",
                "pg_ex:\n  query: \"SELECT a, b, c, d FROM t\"\n  master: true\n  cache_seconds: 30\n"
                "  metrics:\n    - a:\n        usage: \"LABEL\"\n        description: \"A\"\n"
                "    - b:\n        usage: \"COUNTER\"\n        description: \"B\"\n"
                "    - c:\n        usage: \"GAUGE\"\n        description: \"C\"\n"
                "    - d:\n        usage: \"DISCARD\"\n        description: \"D\"\n");
  auto q = read_queries_file(path);
  REQUIRE(q.size() == 1);
  CHECK(q[0].ns == "pg_ex");
  CHECK(q[0].cache_seconds == 30);
  CHECK(q[0].where.find("vigia_q_ok.yaml:1:1") != std::string::npos);
  REQUIRE(q[0].columns.size() == 4);
  CHECK(q[0].columns[0].usage == CustomQuery::Usage::kLabel);
  CHECK(q[0].columns[1].usage == CustomQuery::Usage::kCounter);
  CHECK(q[0].columns[2].usage == CustomQuery::Usage::kGauge);
  CHECK(q[0].columns[3].usage == CustomQuery::Usage::kDiscard);
  CHECK(q[0].columns[2].description == "C");

  CHECK(queries_error("pg_ex:\n  query: x\n  metrics:\n    - a:\n        usage: MAPPEDMETRIC\n") ==
        "vigia_q_test.yaml:5:16: pg_ex.a.usage: 'MAPPEDMETRIC' is not supported (LABEL, COUNTER, GAUGE or "
        "DISCARD)");
  CHECK(queries_error("pg_ex:\n  metrics: []\n") == "vigia_q_test.yaml:2:3: pg_ex: missing key 'query'");
  CHECK(queries_error("pg_ex:\n  query: x\n  metrics:\n    - a: {usage: LABEL}\n") ==
        "vigia_q_test.yaml:4:5: pg_ex.metrics: no COUNTER or GAUGE column");
  CHECK(queries_error("pg_ex:\n  query: x\n  qeury: y\n  metrics:\n    - a: {usage: GAUGE}\n") ==
        "vigia_q_test.yaml:3:3: unknown key 'qeury' in pg_ex");
  CHECK(queries_error("pg_ex:\n  query: [x\n").find("vigia_q_test.yaml:") == 0);
  CHECK(queries_error("pg_ex:\n  query: x\n  metrics:\n    - a: {usage: GAUGE}\n    - a: {usage: GAUGE}\n") ==
        "vigia_q_test.yaml:5:7: pg_ex.a: column listed twice");
}

TEST_CASE("passwords come from a file's first line or the environment") {
  std::string path = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") + "/vigia-pgpw-test";
  std::ofstream(path) << "s3cr3t\nignored\n";
  TargetConfig t;
  t.password_file = path;
  std::string pw;
  REQUIRE(load_password(t, pw).is_ok());
  CHECK(pw == "s3cr3t");
  std::remove(path.c_str());
  Status st = load_password(t, pw);
  CHECK(st.is_error());
  CHECK(st.message().find(path) != std::string::npos);

  TargetConfig e;
  e.password_env = "VIGIA_TEST_PG_PW_UNSET_X";
  CHECK(load_password(e, pw).is_error());
  setenv("VIGIA_TEST_PG_PW_SET_X", "from-env", 1);
  e.password_env = "VIGIA_TEST_PG_PW_SET_X";
  REQUIRE(load_password(e, pw).is_ok());
  CHECK(pw == "from-env");
}

TEST_CASE("build_conninfo quotes values and overrides application_name") {
  TargetConfig t;
  t.dsn = "postgresql://mon@db.example:6543/app?application_name=other&sslmode=disable";
  std::string ci;
  REQUIRE(build_conninfo(t, "it's\\pw", 5, ci).is_ok());
  CHECK(ci.find("host='db.example'") != std::string::npos);
  CHECK(ci.find("port='6543'") != std::string::npos);
  CHECK(ci.find("user='mon'") != std::string::npos);
  CHECK(ci.find("dbname='app'") != std::string::npos);
  CHECK(ci.find("sslmode='disable'") != std::string::npos);
  CHECK(ci.find("password='it\\'s\\\\pw'") != std::string::npos);
  CHECK(ci.find("application_name='vigia'") != std::string::npos);
  CHECK(ci.find("other") == std::string::npos);
  CHECK(ci.find("connect_timeout='5'") != std::string::npos);
  CHECK(ci.find("gssencmode='disable'") != std::string::npos);

  REQUIRE(build_conninfo(t, "", 0, ci).is_ok());
  CHECK(ci.find("connect_timeout='2'") != std::string::npos);  // libpq's minimum
  CHECK(ci.find("password") == std::string::npos);

  // A dsn's own gssencmode is kept.
  TargetConfig gss;
  gss.dsn = "host=h gssencmode=prefer";
  REQUIRE(build_conninfo(gss, "", 5, ci).is_ok());
  CHECK(ci.find("gssencmode='prefer'") != std::string::npos);
  CHECK(ci.find("gssencmode='disable'") == std::string::npos);

  // A discovered database replaces the dsn's dbname, quoted.
  t.dbname = "it's db";
  REQUIRE(build_conninfo(t, "", 5, ci).is_ok());
  CHECK(ci.find("dbname='it\\'s db'") != std::string::npos);
  CHECK(ci.find("dbname='app'") == std::string::npos);
  CHECK(ci.find("host='db.example'") != std::string::npos);

  TargetConfig bad;
  bad.dsn = "postgresql://u:hunter2@host/db?nosuchoption=1";
  Status st = build_conninfo(bad, "", 5, ci);
  REQUIRE(st.is_error());
  CHECK(st.message().find("hunter2") == std::string::npos);
}

TEST_CASE("redact hides the secret and folds lines") {
  CHECK(redact("FATAL:  bad pw xyz for\n\tuser xyz\n", "xyz") ==
        "FATAL: bad pw <redacted> for user <redacted>");
  CHECK(redact("nothing", "") == "nothing");
}

TEST_CASE("pg_settings rows become postgres_exporter metrics") {
  std::string m;
  double v = 0;
  REQUIRE(setting_metric("shared_buffers", "16384", "8kB", "integer", m, v));
  CHECK(m == "pg_settings_shared_buffers_bytes");
  CHECK(v == 16384.0 * 8192);
  REQUIRE(setting_metric("work_mem", "4096", "kB", "integer", m, v));
  CHECK(m == "pg_settings_work_mem_bytes");
  CHECK(v == 4096.0 * 1024);
  REQUIRE(setting_metric("max_connections", "100", "", "integer", m, v));
  CHECK(m == "pg_settings_max_connections");
  CHECK(v == 100);
  REQUIRE(setting_metric("statement_timeout", "1500", "ms", "integer", m, v));
  CHECK(m == "pg_settings_statement_timeout_seconds");
  CHECK(v == 1.5);
  REQUIRE(setting_metric("log_rotation_age", "1440", "min", "integer", m, v));
  CHECK(v == 86400);
  REQUIRE(setting_metric("log_min_duration_statement", "-1", "ms", "integer", m, v));
  CHECK(v == -1);
  REQUIRE(setting_metric("fsync", "on", "", "bool", m, v));
  CHECK(v == 1);
  REQUIRE(setting_metric("pg_stat_statements.track_utility", "off", "", "bool", m, v));
  CHECK(m == "pg_settings_pg_stat_statements_track_utility");
  CHECK(v == 0);
  REQUIRE(setting_metric("checkpoint_completion_target", "0.9", "", "real", m, v));
  CHECK(v == 0.9);
  CHECK_FALSE(setting_metric("wal_level", "replica", "", "enum", m, v));
  CHECK_FALSE(setting_metric("fsync", "maybe", "", "bool", m, v));
}

TEST_CASE("connect_pq: an interrupt ends an attempt on a server that never answers") {
  // A listening socket that accepts (the kernel does, from its backlog) but
  // never answers the startup packet: a SIGSTOPped postmaster.
  int srv = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(srv >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(srv, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(::listen(srv, 8) == 0);
  socklen_t len = sizeof a;
  REQUIRE(::getsockname(srv, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  std::string conninfo = "host=127.0.0.1 port=" + std::to_string(ntohs(a.sin_port)) +
                         " user=u dbname=d sslmode=disable gssencmode=disable connect_timeout=10";

  SECTION("the budget ends it as connect_timeout would") {
    std::string err;
    auto t0 = Clock::now();
    PGconn* c = connect_pq(conninfo, 300ms, -1, err);
    auto took = Clock::now() - t0;
    CHECK(c == nullptr);
    CHECK(err == "timeout expired");
    CHECK(took >= 290ms);
    CHECK(took < 2s);
  }
  SECTION("the interrupt fd ends it at once") {
    InterruptFd stop;
    std::thread t([&] {
      std::this_thread::sleep_for(200ms);
      stop.fire();
    });
    std::string err;
    auto t0 = Clock::now();
    PGconn* c = connect_pq(conninfo, 10s, stop.fd(), err);
    auto took = Clock::now() - t0;
    t.join();
    CHECK(c == nullptr);
    CHECK(err == "connection attempt interrupted");
    CHECK(took < 2s);
    // Fired stays fired: the next attempt returns at once.
    t0 = Clock::now();
    CHECK(connect_pq(conninfo, 10s, stop.fd(), err) == nullptr);
    CHECK(Clock::now() - t0 < 100ms);
  }
  SECTION("libpqxx through the policy: broken_connection, interrupted") {
    InterruptFd stop;
    stop.fire();
    CHECK_THROWS_AS(InterruptibleConnection(conninfo, 10s, stop.fd()), pqxx::broken_connection);
  }
  ::close(srv);
}

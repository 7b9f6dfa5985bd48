// One persistent libpqxx connection per target, reconnected with backoff.
// Shared by the postgres and pgbouncer exporters.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include <pqxx/connection>

#include "core/collector.h"
#include "core/status.h"
#include "exporters/postgres/target_config.h"

namespace vigia::postgres {

// Builds a libpq key=value connection string from the target: the dsn (URI or
// key=value, parsed by libpq; a non-empty t.dbname replaces its dbname, for
// discovered databases) or host/port/user/dbname, then the password,
// gssencmode=disable unless the dsn sets it, application_name=vigia,
// connect_timeout (seconds, at least 2: libpq's minimum) and TCP keepalives. Values are quoted as libpq wants. The error
// (a malformed dsn) never contains the password.
Status build_conninfo(const TargetConfig& t, std::string_view password, int connect_timeout_s,
                      std::string& out);

// Replaces every occurrence of secret in s with "<redacted>" and folds libpq's
// multi-line messages into one line (runs of whitespace become one space).
std::string redact(std::string s, std::string_view secret);

class Connection {
 public:
  struct Options {
    std::chrono::milliseconds backoff_min{500};
    std::chrono::milliseconds backoff_max{8000};
  };

  Connection(TargetConfig target, Options opts);
  explicit Connection(TargetConfig target) : Connection(std::move(target), Options{}) {}
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Returns an open connection in out, connecting first if there is none or
  // if the server closed the kept one while it was idle (its socket has data
  // or EOF to read: restart, pg_terminate_backend).
  // After a failed attempt no new one is made until the backoff has passed
  // (doubling from backoff_min to backoff_max; reset by a success): the error
  // then says so. Errors never contain the password.
  Status ensure(const CollectContext& ctx, pqxx::connection_base*& out);
  // Forgets the connection (after a broken_connection); the next ensure()
  // reconnects at once.
  void drop();
  // For shutdown, from another thread than the one using the connection:
  // shuts its socket down so that a query blocked on a hung server returns
  // at once (with a broken_connection), and makes every later ensure() fail.
  // A connection attempt in progress still runs to its connect_timeout.
  void interrupt();
  bool connected() const { return conn_ != nullptr; }
  // Successful connection attempts so far.
  uint64_t connects() const { return connects_; }
  // Last password used, to redact error messages of queries.
  const std::string& secret() const { return password_; }
  const TargetConfig& target() const { return target_; }

 private:
  TargetConfig target_;
  Options opts_;
  std::mutex mu_;  // guards conn_ and interrupted_ against interrupt()
  std::unique_ptr<pqxx::connection> conn_;
  bool interrupted_ = false;
  std::string password_;
  std::string last_error_;
  Clock::time_point next_attempt_{};
  std::chrono::milliseconds backoff_{0};
  uint64_t connects_ = 0;
};

}  // namespace vigia::postgres

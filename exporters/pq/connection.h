// One persistent libpqxx connection per target, reconnected with backoff.
// Shared by the postgres and pgbouncer exporters.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include <libpq-fe.h>

#include <pqxx/connection>

#include "core/backoff.h"
#include "core/collector.h"
#include "core/secret.h"
#include "core/status.h"
#include "exporters/pq/target_config.h"

namespace vigia::pq {

// Builds a libpq key=value connection string from the target: the dsn (URI or
// key=value, parsed by libpq; a non-empty t.dbname replaces its dbname, for
// discovered databases) or host/port/user/dbname, then the password,
// gssencmode=disable unless the dsn sets it, application_name=vigia,
// connect_timeout (seconds, at least 2: libpq's minimum) and TCP keepalives. Values are quoted as libpq
// wants. The error (a malformed dsn) never contains the password.
Status build_conninfo(const TargetConfig& t, std::string_view password, int connect_timeout_s,
                      std::string& out);

// The connection attempt's time for a collection under ctx: what is left of
// its deadline, in whole seconds rounded up, and at least libpq's minimum
// connect_timeout (2 s). Both build_conninfo's connect_timeout and
// connect_pq's budget.
int connect_timeout_seconds(const CollectContext& ctx);

using vigia::redact;  // core/secret.h

// A value of a result row as a double, as the SQL exporters read them: NULL
// and text that is not a number give NaN; booleans "t"/"f" give 1/0.
double sql_value(const char* text, bool is_null);

// An eventfd that, once fired, stays readable: the wake-up that makes a
// connection attempt (connect_pq) return at once, at shutdown.
class InterruptFd {
 public:
  InterruptFd();
  ~InterruptFd();
  InterruptFd(const InterruptFd&) = delete;
  InterruptFd& operator=(const InterruptFd&) = delete;
  // Thread-safe, idempotent, irreversible.
  void fire();
  int fd() const { return fd_; }

 private:
  int fd_;
};

// Connects with libpq's non-blocking PQconnectStart and a PQconnectPoll loop
// that waits in poll(2) on the connection's socket and on interrupt_fd (-1:
// none) until `budget` has passed: the time connect_timeout allows
// PQconnectdb, which cannot be cut short. Returns the open connection, or
// null with err set to libpq's message, "timeout expired" or
// "connection attempt interrupted" (err is not redacted).
PGconn* connect_pq(const std::string& conninfo, std::chrono::milliseconds budget, int interrupt_fd,
                   std::string& err);

// connect_pq as a libpqxx connection policy: pqxx::connect_direct with
// connect_pq in place of PQconnectdb. libpqxx calls do_startconnect at
// construction (and again if it ever reactivates a broken connection: hence a
// budget, not a deadline); it throws pqxx::broken_connection on failure.
class InterruptibleConnectPolicy final : public pqxx::connectionpolicy {
 public:
  InterruptibleConnectPolicy(const std::string& conninfo, std::chrono::milliseconds budget, int interrupt_fd)
      : pqxx::connectionpolicy(conninfo), budget_(budget), interrupt_fd_(interrupt_fd) {}
  handle do_startconnect(handle orig) override;

 private:
  std::chrono::milliseconds budget_;
  int interrupt_fd_;
};

// pqxx::connection with that policy, built as pqxx::basic_connection_base
// builds its own (whose constructor cannot pass the policy more than the
// connection string). connection_base has no virtual destructor: own this
// type, never delete it through a connection_base pointer.
class InterruptibleConnection final : public pqxx::connection_base {
 public:
  InterruptibleConnection(const std::string& conninfo, std::chrono::milliseconds budget, int interrupt_fd)
      : pqxx::connection_base(policy_), options_(conninfo), policy_(options_, budget, interrupt_fd) {
    init();
  }
  ~InterruptibleConnection() noexcept { close(); }

 private:
  std::string options_;  // before policy_, which is built from it
  InterruptibleConnectPolicy policy_;
};

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
  // A connection attempt in progress returns at once too (connect_pq).
  void interrupt();
  bool connected() const { return conn_ != nullptr; }
  // Successful connection attempts so far.
  uint64_t connects() const { return connects_; }
  // Last password used, to redact error messages of queries.
  const std::string& secret() const { return password_; }
  const TargetConfig& target() const { return target_; }

 private:
  TargetConfig target_;
  std::mutex mu_;  // guards conn_ and interrupted_ against interrupt()
  std::unique_ptr<InterruptibleConnection> conn_;
  bool interrupted_ = false;
  InterruptFd interrupt_fd_;
  std::string password_;
  Backoff backoff_;
  uint64_t connects_ = 0;
};

}  // namespace vigia::pq

#include "exporters/pq/connection.h"

#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <pqxx/connection>
#include <pqxx/except>

#include "core/fs.h"

namespace vigia::pq {
namespace {

void append_kv(std::string& out, std::string_view key, std::string_view value) {
  if (!out.empty()) out += ' ';
  out += key;
  out += "='";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  out += '\'';
}

// An idle connection has nothing to read: data or EOF there means the server
// closed it (restart, pg_terminate_backend: its FATAL message, then EOF).
// Such a connection is replaced before use rather than found broken by a
// statement: libpqxx 6.4 leaks the PGresult of a statement that meets a
// closed connection ("Could not obtain client encoding").
bool readable(int fd) {
  if (fd < 0) return true;
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) != 0;
}

}  // namespace

InterruptFd::InterruptFd() : fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

InterruptFd::~InterruptFd() {
  if (fd_ >= 0) ::close(fd_);
}

void InterruptFd::fire() {
  if (fd_ < 0) return;
  uint64_t one = 1;
  // Non-blocking: fails only if the counter is saturated, readable anyway.
  ssize_t n = ::write(fd_, &one, sizeof one);
  (void)n;
}

PGconn* connect_pq(const std::string& conninfo, std::chrono::milliseconds budget, int interrupt_fd,
                   std::string& err) {
  auto deadline = Clock::now() + budget;
  PGconn* conn = PQconnectStart(conninfo.c_str());
  if (conn == nullptr) {
    err = "out of memory";
    return nullptr;
  }
  auto failed = [&](std::string msg) -> PGconn* {
    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
    err = std::move(msg);
    PQfinish(conn);
    return nullptr;
  };
  if (PQstatus(conn) == CONNECTION_BAD) return failed(PQerrorMessage(conn));
  // libpq: before the first PQconnectPoll, behave as if it returned WRITING.
  PostgresPollingStatusType st = PGRES_POLLING_WRITING;
  for (;;) {
    if (st == PGRES_POLLING_OK) return conn;
    if (st == PGRES_POLLING_FAILED) return failed(PQerrorMessage(conn));
    // The socket may change between calls (another address, another host).
    pollfd fds[2] = {{PQsocket(conn), static_cast<short>(st == PGRES_POLLING_READING ? POLLIN : POLLOUT), 0},
                     {interrupt_fd, POLLIN, 0}};
    if (fds[0].fd < 0) return failed(PQerrorMessage(conn));
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return failed("timeout expired");
    int n = ::poll(fds, interrupt_fd >= 0 ? 2 : 1, static_cast<int>(std::min<int64_t>(left, 60000)));
    if (n < 0 && errno != EINTR) return failed(std::string("poll: ") + std::strerror(errno));
    if (n > 0 && interrupt_fd >= 0 && (fds[1].revents & POLLIN))
      return failed("connection attempt interrupted");
    if (n > 0) st = PQconnectPoll(conn);
  }
}

InterruptibleConnectPolicy::handle InterruptibleConnectPolicy::do_startconnect(handle orig) {
  if (orig != nullptr) return orig;
  std::string err;
  PGconn* conn = connect_pq(options(), budget_, interrupt_fd_, err);
  if (conn == nullptr) throw pqxx::broken_connection(err);
  return conn;
}

int connect_timeout_seconds(const CollectContext& ctx) {
  return std::max(2, static_cast<int>((ctx.remaining().count() + 999) / 1000));
}

double sql_value(const char* s, bool is_null) {
  if (is_null) return std::nan("");
  if (s[0] == 't' && s[1] == 0) return 1;
  if (s[0] == 'f' && s[1] == 0) return 0;
  double v = 0;
  return parse_double(s, v) ? v : std::nan("");
}

Status build_conninfo(const TargetConfig& t, std::string_view password, int connect_timeout_s,
                      std::string& out) {
  out.clear();
  bool has_gssencmode = false;
  // Keys we set ourselves replace those of the dsn.
  auto overridden = [&](std::string_view key) {
    return key == "application_name" || key == "connect_timeout" || key == "keepalives" ||
           key == "keepalives_idle" || key == "keepalives_interval" || key == "keepalives_count" ||
           (key == "password" && !password.empty()) || (key == "dbname" && !t.dbname.empty());
  };
  if (!t.dsn.empty()) {
    char* err = nullptr;
    PQconninfoOption* opts = PQconninfoParse(t.dsn.c_str(), &err);
    if (opts == nullptr) {
      std::string msg = err ? err : "out of memory";
      if (err) PQfreemem(err);
      while (!msg.empty() && msg.back() == '\n') msg.pop_back();
      // The dsn itself may hold a password: report libpq's reason only.
      return Status::error("dsn: " + redact(redact(msg, t.dsn), password));
    }
    for (PQconninfoOption* o = opts; o->keyword != nullptr; ++o) {
      if (o->val != nullptr && !overridden(o->keyword)) append_kv(out, o->keyword, o->val);
      if (o->val != nullptr && std::string_view(o->keyword) == "gssencmode") has_gssencmode = true;
    }
    PQconninfoFree(opts);
    if (!t.dbname.empty()) append_kv(out, "dbname", t.dbname);
  } else {
    append_kv(out, "host", t.host);
    if (t.port != 0) append_kv(out, "port", std::to_string(t.port));
    if (!t.user.empty()) append_kv(out, "user", t.user);
    if (!t.dbname.empty()) append_kv(out, "dbname", t.dbname);
  }
  if (!password.empty()) append_kv(out, "password", password);
  // libpq's default gssencmode=prefer looks for Kerberos credentials at every
  // connection (krb5 configuration, credential cache): CPU and ~0.5 MiB of
  // resident libkrb5 for nothing on the usual password setups. A dsn that
  // names gssencmode keeps its own.
  if (!has_gssencmode) append_kv(out, "gssencmode", "disable");
  append_kv(out, "application_name", "vigia");
  append_kv(out, "connect_timeout", std::to_string(std::max(2, connect_timeout_s)));
  append_kv(out, "keepalives", "1");
  append_kv(out, "keepalives_idle", "30");
  append_kv(out, "keepalives_interval", "10");
  append_kv(out, "keepalives_count", "3");
  return Status::ok();
}

Connection::Connection(TargetConfig target, Options opts)
    : target_(std::move(target)), backoff_(opts.backoff_min, opts.backoff_max) {}

Connection::~Connection() = default;

void Connection::drop() {
  std::unique_ptr<InterruptibleConnection> old;
  {
    std::lock_guard<std::mutex> lock(mu_);
    old = std::move(conn_);
  }
}

void Connection::interrupt() {
  std::lock_guard<std::mutex> lock(mu_);
  interrupted_ = true;
  interrupt_fd_.fire();  // a connection attempt in progress
  // The socket stays open (the worker closes it); only its traffic stops.
  if (conn_ && conn_->sock() >= 0) ::shutdown(conn_->sock(), SHUT_RDWR);
}

Status Connection::ensure(const CollectContext& ctx, pqxx::connection_base*& out) {
  out = nullptr;
  if (conn_ && conn_->is_open() && !readable(conn_->sock())) {
    out = conn_.get();
    return Status::ok();
  }
  drop();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (interrupted_) return Status::error("shutting down");
  }
  if (Status wait = backoff_.check(); !wait.is_ok()) return wait;
  auto fail = [&](std::string msg) { return backoff_.failed(redact(std::move(msg), password_)); };
  Status st = load_password(target_, password_);
  if (!st.is_ok()) return fail(st.message());
  int timeout_s = connect_timeout_seconds(ctx);
  std::string conninfo;
  st = build_conninfo(target_, password_, timeout_s, conninfo);
  if (!st.is_ok()) return fail(st.message());
  try {
    auto conn = std::make_unique<InterruptibleConnection>(conninfo, std::chrono::seconds(timeout_s),
                                                          interrupt_fd_.fd());
    std::lock_guard<std::mutex> lock(mu_);
    if (interrupted_) return Status::error("shutting down");
    conn_ = std::move(conn);
  } catch (const std::exception& e) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (interrupted_) return Status::error("shutting down");
    }
    std::string msg = e.what();
    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
    return fail("connect: " + msg);
  }
  ++connects_;
  backoff_.succeeded();
  out = conn_.get();
  return Status::ok();
}

}  // namespace vigia::pq

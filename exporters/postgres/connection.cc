#include "exporters/postgres/connection.h"

#include <libpq-fe.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <pqxx/connection>
#include <pqxx/except>

namespace vigia::postgres {
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

std::string redact(std::string s, std::string_view secret) {
  if (!secret.empty())
    for (size_t p = s.find(secret); p != std::string::npos; p = s.find(secret, p + 10))
      s.replace(p, secret.size(), "<redacted>");
  std::string out;
  out.reserve(s.size());
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
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
    : target_(std::move(target)), opts_(opts) {}

Connection::~Connection() = default;

void Connection::drop() {
  std::unique_ptr<pqxx::connection> old;
  {
    std::lock_guard<std::mutex> lock(mu_);
    old = std::move(conn_);
  }
}

void Connection::interrupt() {
  std::lock_guard<std::mutex> lock(mu_);
  interrupted_ = true;
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
  auto now = Clock::now();
  if (now < next_attempt_)
    return Status::error("not reconnecting before the backoff has passed; last error: " + last_error_);
  auto fail = [&](std::string msg) {
    last_error_ = redact(std::move(msg), password_);
    backoff_ = backoff_.count() == 0 ? opts_.backoff_min : std::min(backoff_ * 2, opts_.backoff_max);
    next_attempt_ = Clock::now() + backoff_;
    return Status::error(last_error_);
  };
  Status st = load_password(target_, password_);
  if (!st.is_ok()) return fail(st.message());
  int timeout_s = static_cast<int>((ctx.remaining().count() + 999) / 1000);
  std::string conninfo;
  st = build_conninfo(target_, password_, timeout_s, conninfo);
  if (!st.is_ok()) return fail(st.message());
  try {
    auto conn = std::make_unique<pqxx::connection>(conninfo);
    std::lock_guard<std::mutex> lock(mu_);
    if (interrupted_) return Status::error("shutting down");
    conn_ = std::move(conn);
  } catch (const std::exception& e) {
    std::string msg = e.what();
    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
    return fail("connect: " + msg);
  }
  ++connects_;
  backoff_ = std::chrono::milliseconds(0);
  next_attempt_ = {};
  last_error_.clear();
  out = conn_.get();
  return Status::ok();
}

}  // namespace vigia::postgres

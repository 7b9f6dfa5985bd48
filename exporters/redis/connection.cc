#include "exporters/redis/connection.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/secret.h"

namespace vigia::redis {

std::string_view reply_text(const redisReply* r) {
  if (r && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS || r->type == REDIS_REPLY_ERROR))
    return std::string_view(r->str, r->len);
  return {};
}

Connection::Connection(TargetConfig target) : target_(std::move(target)) {
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

Connection::~Connection() {
  drop();
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

void Connection::drop() {
  redisContext* old = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::swap(old, ctx_);
  }
  if (old) redisFree(old);
}

void Connection::interrupt() {
  std::lock_guard<std::mutex> lock(mu_);
  interrupted_ = true;
  if (wake_fd_ >= 0) {
    uint64_t one = 1;
    ssize_t n = ::write(wake_fd_, &one, sizeof one);
    (void)n;
  }
  if (ctx_ && ctx_->fd >= 0) ::shutdown(ctx_->fd, SHUT_RDWR);
}

Status Connection::set_timeout(const CollectContext& ctx) {
  auto left = ctx.remaining();
  // A zero timeval would mean "no timeout".
  if (left.count() < 1) return Status::error("deadline passed");
  timeval tv{static_cast<time_t>(left.count() / 1000),
             static_cast<suseconds_t>((left.count() % 1000) * 1000)};
  if (redisSetTimeout(ctx_, tv) != REDIS_OK)
    return Status::error(std::string("setting the socket timeout: ") + ctx_->errstr);
  return Status::ok();
}

// hiredis 0.14's connect with a timeout cannot be woken: connect without
// blocking, wait here for the socket or the wake-up, then hand hiredis the
// socket in blocking mode.
Status Connection::connect(const CollectContext& ctx) {
  redisContext* c = redisConnectNonBlock(target_.host.c_str(), target_.port);
  if (c == nullptr) return Status::error("connect: out of memory");
  auto fail = [&](std::string msg) {
    redisFree(c);
    return Status::error(std::move(msg));
  };
  if (c->err) return fail(std::string("connect: ") + c->errstr);
  pollfd fds[2] = {{c->fd, POLLOUT, 0}, {wake_fd_, POLLIN, 0}};
  while (true) {
    int ms = static_cast<int>(std::min<int64_t>(ctx.remaining().count(), 1 << 30));
    if (ms <= 0) return fail("connect: timed out");
    int n = ::poll(fds, wake_fd_ >= 0 ? 2 : 1, ms);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(std::string("connect: poll: ") + std::strerror(errno));
    if (n == 0) return fail("connect: timed out");
    if (wake_fd_ >= 0 && (fds[1].revents & POLLIN)) return fail("shutting down");
    break;
  }
  int err = 0;
  socklen_t len = sizeof err;
  if (::getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  if (err != 0) return fail(std::string("connect: ") + std::strerror(err));
  int flags = ::fcntl(c->fd, F_GETFL);
  if (flags < 0 || ::fcntl(c->fd, F_SETFL, flags & ~O_NONBLOCK) < 0)
    return fail(std::string("connect: fcntl: ") + std::strerror(errno));
  c->flags |= REDIS_BLOCK;
  redisEnableKeepAlive(c);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (interrupted_) return fail("shutting down");
    ctx_ = c;
  }
  selected_db_ = 0;
  return Status::ok();
}

Status Connection::ensure(const CollectContext& ctx, bool& fresh) {
  fresh = false;
  if (ctx_ && ctx_->err == 0) return Status::ok();
  drop();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (interrupted_) return Status::error("shutting down");
  }
  if (Status wait = backoff_.check(); !wait.is_ok()) return wait;
  Status st = load_secret(target_.password, password_);
  if (!st.is_ok()) return backoff_.failed(st.message());
  st = connect(ctx);
  if (!st.is_ok()) {
    if (st.message() == "shutting down") return st;
    return backoff_.failed(st.message());
  }
  if (!password_.empty()) {
    Command auth = {"AUTH"};
    if (!target_.username.empty()) auth.push_back(target_.username);
    auth.push_back(password_);
    std::vector<Reply> r;
    st = pipeline({auth}, r, ctx);
    if (st.is_ok() && r[0]->type == REDIS_REPLY_ERROR)
      st = Status::error("AUTH: " + std::string(reply_text(r[0].get())));
    if (!st.is_ok()) {
      drop();
      return backoff_.failed(redact(st.message(), password_));
    }
  }
  backoff_.succeeded();
  fresh = true;
  return Status::ok();
}

Status Connection::pipeline(const std::vector<Command>& cmds, std::vector<Reply>& out,
                            const CollectContext& ctx) {
  out.clear();
  if (!ctx_) return Status::error("not connected");
  if (Status st = set_timeout(ctx); !st.is_ok()) {
    drop();
    return st;
  }
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const Command& c : cmds) {
    argv.clear();
    lens.clear();
    for (const std::string& a : c) argv.push_back(a.data()), lens.push_back(a.size());
    if (redisAppendCommandArgv(ctx_, static_cast<int>(argv.size()), argv.data(), lens.data()) != REDIS_OK) {
      std::string err = ctx_->errstr;
      drop();
      return Status::error(err);
    }
  }
  for (size_t i = 0; i < cmds.size(); ++i) {
    void* r = nullptr;
    if (redisGetReply(ctx_, &r) != REDIS_OK || r == nullptr) {
      std::string err = ctx_->errstr;
      bool eagain = err.find("temporarily unavailable") != std::string::npos;
      drop();
      out.clear();
      return Status::error(
          cmds[i].empty() ? err : cmds[i][0] + ": " + (eagain ? "no reply before the deadline" : err));
    }
    out.emplace_back(static_cast<redisReply*>(r));
  }
  return Status::ok();
}

Status Connection::select(int db, const CollectContext& ctx) {
  if (db == selected_db_) return Status::ok();
  std::vector<Reply> r;
  Status st = pipeline({{"SELECT", std::to_string(db)}}, r, ctx);
  if (!st.is_ok()) return st;
  if (r[0]->type == REDIS_REPLY_ERROR)
    return Status::error("SELECT " + std::to_string(db) + ": " + std::string(reply_text(r[0].get())));
  selected_db_ = db;
  return Status::ok();
}

}  // namespace vigia::redis

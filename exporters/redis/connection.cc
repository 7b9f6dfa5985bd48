#include "exporters/redis/connection.h"

#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/secret.h"
#include "exporters/redis/reply_reader.h"

namespace vigia::redis {

std::string_view reply_text(const redisReply* r) {
  if (r && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS || r->type == REDIS_REPLY_ERROR))
    return std::string_view(r->str, r->len);
  return {};
}

namespace {

// A reply larger than this (a huge string of check_single_keys, a hostile
// server) fails the exchange instead of filling the host's memory.
constexpr size_t kMaxReplyBytes = size_t{512} << 20;
constexpr size_t kReadChunk = 64 << 10;

}  // namespace

Connection::Connection(TargetConfig target) : target_(std::move(target)) {
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

Connection::~Connection() {
  drop();
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

void Connection::drop() {
  std::unique_ptr<Transport> old;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::swap(old, transport_);
  }
  if (reader_) redisReaderFree(reader_);
  reader_ = nullptr;
}

void Connection::interrupt() {
  std::lock_guard<std::mutex> lock(mu_);
  interrupted_ = true;
  if (wake_fd_ >= 0) {
    uint64_t one = 1;
    ssize_t n = ::write(wake_fd_, &one, sizeof one);
    (void)n;
  }
  if (transport_ && transport_->fd() >= 0) ::shutdown(transport_->fd(), SHUT_RDWR);
}

Status Connection::connect(const CollectContext& ctx) {
  auto t = std::make_unique<Transport>(wake_fd_);
  if (Status st = t->open(target_, ctx); !st.is_ok()) return st;
  redisReader* reader = make_reply_reader();
  if (!reader) return Status::error("connect: out of memory");
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (interrupted_) {
      redisReaderFree(reader);
      return Status::error("shutting down");
    }
    transport_ = std::move(t);
  }
  reader_ = reader;
  selected_db_ = 0;
  return Status::ok();
}

Status Connection::ensure(const CollectContext& ctx, bool& fresh) {
  fresh = false;
  if (transport_) return Status::ok();
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
  if (!transport_) return Status::error("not connected");
  std::string wire;
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const Command& c : cmds) {
    argv.clear();
    lens.clear();
    for (const std::string& a : c) argv.push_back(a.data()), lens.push_back(a.size());
    char* cmd = nullptr;
    int n = redisFormatCommandArgv(&cmd, static_cast<int>(argv.size()), argv.data(), lens.data());
    if (n < 0) return Status::error("formatting a command: out of memory");
    wire.append(cmd, static_cast<size_t>(n));
    redisFreeCommand(cmd);
  }
  auto fail = [&](size_t i, const std::string& why) {
    drop();
    out.clear();
    std::string what = i < cmds.size() && !cmds[i].empty() ? cmds[i][0] + ": " : "";
    return Status::error(what + (why == "timeout" ? "no reply before the deadline" : why));
  };
  if (Status st = transport_->write_all(wire, ctx); !st.is_ok()) return fail(0, st.message());
  std::string buf;
  size_t total = 0;
  for (size_t i = 0; i < cmds.size();) {
    void* r = nullptr;
    if (redisReaderGetReply(reader_, &r) != REDIS_OK)
      return fail(i, std::string("protocol error: ") + reader_->errstr);
    if (r) {
      out.emplace_back(static_cast<redisReply*>(r));
      ++i;
      continue;
    }
    buf.clear();
    if (Status st = transport_->read_some(buf, kReadChunk, ctx); !st.is_ok()) return fail(i, st.message());
    total += buf.size();
    if (total > kMaxReplyBytes) return fail(i, "replies larger than 512 MiB");
    if (redisReaderFeed(reader_, buf.data(), buf.size()) != REDIS_OK)
      return fail(i, std::string("protocol error: ") + reader_->errstr);
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

// One persistent connection per Redis target: connected (and authenticated)
// on demand with backoff, every exchange bounded by the collection's deadline,
// and interruptible from another thread at shutdown. The bytes go over
// exporters/redis/transport.h (TCP or TLS); hiredis formats the commands and
// parses the replies (its reader API: redisReaderFeed/redisReaderGetReply).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <hiredis/hiredis.h>

#include "core/backoff.h"
#include "core/collector.h"
#include "core/status.h"
#include "exporters/redis/config.h"
#include "exporters/redis/transport.h"

namespace vigia::redis {

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

// A command's arguments (binary-safe).
using Command = std::vector<std::string>;

class Connection {
 public:
  explicit Connection(TargetConfig target);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Opens the connection if there is none: a non-blocking connect (and TLS
  // handshake) that waits for the socket and for interrupt() until the
  // deadline, then AUTH
  // ([username] password) when a password is configured. After a failed
  // attempt no new one is made before the backoff has passed (core/backoff.h).
  // Errors never contain the password. `fresh` says whether this call opened it.
  Status ensure(const CollectContext& ctx, bool& fresh);
  // Sends every command, then reads every reply, in one round trip, within the
  // deadline. Error replies (-ERR…) are replies, not failures; an I/O or
  // protocol error, or the deadline, drops the connection and fails.
  Status pipeline(const std::vector<Command>& cmds, std::vector<Reply>& out, const CollectContext& ctx);
  // SELECT db unless it is already selected.
  Status select(int db, const CollectContext& ctx);
  // Closes the connection; the next ensure() reconnects (after the backoff).
  void drop();
  // From any thread: shuts the socket down so that a read blocked on a hung
  // server returns now, wakes a connection attempt, and makes later ensure()
  // calls fail at once. Irreversible.
  void interrupt();
  const TargetConfig& target() const { return target_; }
  const std::string& secret() const { return password_; }

 private:
  Status connect(const CollectContext& ctx);

  TargetConfig target_;
  std::mutex mu_;                         // guards transport_ (its fd) and interrupted_ against interrupt()
  std::unique_ptr<Transport> transport_;  // null: not connected
  redisReader* reader_ = nullptr;
  bool interrupted_ = false;
  int wake_fd_ = -1;  // eventfd, readable once interrupt() ran
  int selected_db_ = 0;
  std::string password_;
  Backoff backoff_;
};

// The reply's text (status, string, error), or "" for other types.
std::string_view reply_text(const redisReply* r);

}  // namespace vigia::redis

// The byte stream to one Redis server: a TCP socket of our own, plain or TLS
// (OpenSSL: Debian 12's hiredis 0.14 has no TLS, so hiredis only parses the
// replies, exporters/redis/connection.h). Non-blocking throughout: every wait
// is a poll(2) on the socket and on a wake-up eventfd, bounded by the
// collection's deadline, so a server that accepts and never answers (or never
// finishes the TLS handshake) costs the deadline, and interrupt() ends a wait
// at once.
#pragma once

#include <string>
#include <string_view>

#include "core/collector.h"
#include "core/status.h"
#include "exporters/redis/config.h"

struct ssl_st;      // OpenSSL's SSL
struct ssl_ctx_st;  // OpenSSL's SSL_CTX

namespace vigia::redis {

class Transport {
 public:
  explicit Transport(int wake_fd) : wake_fd_(wake_fd) {}
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // Connects to t.host:t.port (each resolved address in turn), then, for
  // rediss://, the TLS handshake: the server's certificate verified against
  // tls_config.ca_file (or the system's CAs) and server_name (or the host)
  // unless insecure_skip_verify; a client certificate when cert_file is set.
  // Errors say which step failed and why ("TLS handshake: certificate verify
  // failed: unable to get local issuer certificate").
  Status open(const TargetConfig& t, const CollectContext& ctx);
  Status write_all(std::string_view data, const CollectContext& ctx);
  // Appends at least one byte to buf (at most max), or fails: deadline
  // ("timeout"), closed by the server, I/O or TLS error, interrupt.
  Status read_some(std::string& buf, size_t max, const CollectContext& ctx);
  // The socket (for shutdown(2) from another thread), -1 if none.
  int fd() const { return fd_; }

 private:
  Status wait(short events, const CollectContext& ctx);
  Status connect_tcp(const TargetConfig& t, const CollectContext& ctx);
  Status handshake(const TargetConfig& t, const CollectContext& ctx);

  int wake_fd_ = -1;
  int fd_ = -1;
  ssl_ctx_st* ssl_ctx_ = nullptr;
  ssl_st* ssl_ = nullptr;
};

}  // namespace vigia::redis

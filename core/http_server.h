// A small HTTP server over libmicrohttpd (its epoll mode). libmicrohttpd stays
// in http_server.cc.
//
// One event thread reads requests and writes responses for every connection,
// so idle, half-sent or slowly read connections cost a file descriptor and a
// little memory each, never a thread. Complete requests run on a fixed pool
// of handler threads; a handler may block (a scrape waits for its collection)
// without delaying I/O on other connections.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace vigia {

class FlagSet;
class MetricSink;

struct HttpRequest {
  std::string method;
  std::string path;                                          // without the query string
  std::string query;                                         // raw, without '?'
  std::vector<std::pair<std::string, std::string>> headers;  // names as sent
  std::string body;  // only for handlers registered with a max_body_bytes

  // Case-insensitive header lookup; empty if absent.
  std::string_view header(std::string_view name) const;
  // Every value of a query parameter, URL-decoded ("collect[]" may repeat).
  std::vector<std::string> query_values(std::string_view key) const;
  // The first value or "".
  std::string query_value(std::string_view key) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // When set, sent instead of body (a shared scrape result, no copy).
  std::shared_ptr<const std::string> shared_body;
};

using HttpHandler = std::function<void(const HttpRequest&, HttpResponse&)>;

// Runs before every handler (and the 404 answer), on a handler thread: basic
// authentication (core/web_config.h). allow() returns false after filling
// resp with the answer (401). Its metrics join HttpServer::write_metrics.
class HttpGuard {
 public:
  virtual ~HttpGuard() = default;
  virtual bool allow(const HttpRequest& req, HttpResponse& resp) = 0;
  virtual void write_metrics(MetricSink& sink) const = 0;
};

// HTTPS through libmicrohttpd's GnuTLS (core/web_config.h fills it from
// --web.config.file's tls_server_config). Off while cert_pem is empty.
struct HttpTlsOptions {
  std::string cert_pem;       // the certificate chain, leaf first
  std::string key_pem;        // its private key
  std::string client_ca_pem;  // CAs that client certificates are verified against
  std::string priorities;     // GnuTLS priority string (versions, ciphers, groups)
  // Go's tls.ClientAuthType, as exporter-toolkit's client_auth_type.
  enum class ClientAuth { kNone, kRequest, kRequireAny, kVerifyIfGiven, kRequireAndVerify };
  ClientAuth client_auth = ClientAuth::kNone;
  bool enabled() const { return !cert_pem.empty(); }
};

// Threading: handlers run on the server's handler threads, concurrently.
// Limits (each counted in write_metrics()):
//  - at most max_connections open connections; past it a new connection is
//    closed at once;
//  - at most max_requests requests handled or waiting for a handler thread;
//    past it the request gets 503 at once (node_exporter's --web.max-requests);
//  - a connection must deliver a complete request within read_timeout of
//    being accepted or of its previous response, and must not stop reading a
//    response for that long; otherwise it is closed;
//  - request headers beyond max_header_bytes get 431 (or 414 for the URL),
//    a body beyond max_body_bytes gets 413 (handlers receive no body).
class HttpServer {
 public:
  struct Options {
    // "host:port", ":port" or "port"; port 0 picks a free one (see port()).
    // ":port" listens on every IPv6 and IPv4 address where IPv6 exists.
    std::string listen_address = ":9100";
    int threads = 4;             // handler threads
    int max_connections = 4096;  // lowered to fit the file descriptor limit
    int max_requests = 40;       // 0: no limit
    std::chrono::milliseconds read_timeout{10000};
    size_t max_header_bytes = 16384;
    size_t max_body_bytes = 65536;
    // Initialised ({}) so that brace-initialised Options ({"127.0.0.1:0", 2})
    // stay free of -Wmissing-field-initializers.
    HttpTlsOptions tls{};
    // Added to every response (http_server_config.headers).
    std::vector<std::pair<std::string, std::string>> headers{};
    std::shared_ptr<HttpGuard> guard{};  // null: every request is allowed
  };

  // Counters since start(); each field is read atomically on its own.
  struct Stats {
    uint64_t connections_accepted = 0;
    uint64_t connections_rejected = 0;  // past max_connections
    uint64_t connections_open = 0;
    uint64_t read_timeouts = 0;  // closed by read_timeout
    uint64_t requests_in_flight = 0;
    uint64_t requests_limited = 0;  // 503 past max_requests
    // TLS connections closed before their handshake completed.
    uint64_t tls_handshake_failures = 0;
    // Requests answered, by handler path ("other" for 404s) and status.
    struct Count {
      std::string handler;
      int code;
      uint64_t value;
    };
    std::vector<Count> requests;  // sorted by handler, then code
  };

  explicit HttpServer(Options opts);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Exact-path handlers; register before start(). Unknown paths get 404.
  // With max_body_bytes > 0 the handler gets the request body (HttpRequest::
  // body) up to that size (413 past it); otherwise bodies are limited by
  // Options::max_body_bytes and dropped.
  void handle(std::string path, HttpHandler handler, size_t max_body_bytes = 0);
  // A handler of every path that starts with `prefix` and has no exact
  // handler (the longest prefix wins): "/api/v2/silence/" for
  // /api/v2/silence/{id}. Its requests are counted as handler "<prefix>*".
  void handle_prefix(std::string prefix, HttpHandler handler, size_t max_body_bytes = 0);

  // Binds and starts serving. The error is one line, e.g.
  // "listen tcp 127.0.0.1:9100: address already in use" (or names the TLS
  // setting libmicrohttpd or GnuTLS refused).
  // Raises the process's soft RLIMIT_NOFILE to its hard limit (as Go programs
  // do), since every open connection holds a file descriptor.
  Status start();
  // Waits for running handlers, answers 503 to requests still queued, then
  // closes every connection.
  void stop();

  // The bound port (after start()).
  int port() const { return port_; }

  Stats stats() const;
  // vigia_http_* self-metrics from stats().
  void write_metrics(MetricSink& sink) const;

  // Public for libmicrohttpd's C callbacks only.
  struct Impl;

 private:
  Options opts_;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

// The --web.* flags of the limits above, as strings until parsed.
struct HttpLimitFlags {
  std::string max_requests = "40";
  std::string max_connections = "4096";
  std::string read_timeout = "10s";
  std::string max_header_bytes = "16384";
  std::string max_body_bytes = "65536";
};
void add_http_limit_flags(FlagSet& fs, HttpLimitFlags& f);
// Parses the flags into opts; the error names the flag.
Status apply_http_limit_flags(const HttpLimitFlags& f, HttpServer::Options& opts);

// Splits "host:port" / ":port" / "port" / "[::1]:port". False if malformed.
bool split_listen_address(std::string_view addr, std::string& host, int& port);

// gzip-compresses `in` (level 1..9). Returns false on a zlib failure.
bool gzip_compress(std::string_view in, std::string& out, int level = 6);
// True if an Accept-Encoding header value accepts gzip.
bool accepts_gzip(std::string_view accept_encoding);

}  // namespace vigia

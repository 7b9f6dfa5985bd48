// A small HTTP server over civetweb. civetweb stays in http_server.cc.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace vigia {

struct HttpRequest {
  std::string method;
  std::string path;   // without the query string
  std::string query;  // raw, without '?'
  std::vector<std::pair<std::string, std::string>> headers;  // names as sent

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

// Threading: handlers run on civetweb's worker threads, concurrently.
class HttpServer {
 public:
  struct Options {
    // "host:port", ":port" or "port"; port 0 picks a free one (see port()).
    std::string listen_address = ":9100";
    int threads = 4;
  };

  explicit HttpServer(Options opts);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Exact-path handlers; register before start(). Unknown paths get 404.
  void handle(std::string path, HttpHandler handler);

  // Binds and starts serving. The error is one line, e.g.
  // "listen tcp 127.0.0.1:9100: address already in use".
  Status start();
  void stop();

  // The bound port (after start()).
  int port() const { return port_; }

  // The handler's dispatcher; public for civetweb's C callback only.
  struct Impl;

 private:
  Options opts_;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

// Splits "host:port" / ":port" / "port" / "[::1]:port". False if malformed.
bool split_listen_address(std::string_view addr, std::string& host, int& port);

// gzip-compresses `in` (level 1..9). Returns false on a zlib failure.
bool gzip_compress(std::string_view in, std::string& out, int level = 6);
// True if an Accept-Encoding header value accepts gzip.
bool accepts_gzip(std::string_view accept_encoding);

}  // namespace vigia

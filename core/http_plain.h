// The plain HTTP/1.1 transport of core/http_client.h, for http:// URLs and
// unix sockets when no proxy is set in the environment: a request/response
// on a kept-alive socket, without loading libcurl. libcurl and the TLS
// libraries it needs cost a process about 5.4 MiB of resident memory at
// their first use (measured in bench/README.md), which a process that only
// talks plain http:// or to a unix socket never needs.
// HttpClient::fetch chooses the transport; everything else (https://, a
// proxy, a redirect to https://) stays with libcurl.
//
// Internal to core/: the interface HttpClient uses, and the response reader
// the fuzz target and the unit tests drive.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/http_client.h"

namespace vigia::http_plain {

// Where the reader's bytes come from: the socket, or a test's buffer. read()
// returns the count read (> 0), 0 at the end of the stream, or -1 with
// `error` set.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  virtual long read(char* buf, size_t n, std::string& error) = 0;
};

struct Response {
  long status = 0;
  std::string content_type, content_encoding, location;
  bool keep_alive = true;  // the connection may carry another request
  std::string body;        // as received (still gzip-encoded if it was)
};

// Reads one response (interim 1xx answers skipped) from `src`, with `buffered`
// holding bytes already read past the previous response (and, on return,
// those past this one). A body longer than max_body_bytes is an error "body
// larger than N bytes". `no_body` is for a HEAD request. Returns "" or the
// error (curl's wording where curl has one: "Empty reply from server").
// `received` counts the response's bytes read (for the timeout's message).
std::string read_response(ByteSource& src, std::string& buffered, size_t max_body_bytes, bool no_body,
                          Response& out, size_t& received);

// A URL's userinfo part decoded ("s%40cret" -> "s@cret").
std::string percent_decode(std::string_view s);

// Decodes a gzip body (several members allowed) into `out`; a result longer
// than max_bytes fails. Returns "" or the error.
std::string gunzip(std::string_view in, size_t max_bytes, std::string& out);

// Whether the plain transport serves this request: an http:// URL (over TCP
// or the request's unix socket) and no proxy named by the environment
// (http_proxy, all_proxy, ALL_PROXY, as libcurl reads them for http).
bool serves(const HttpClientRequest& req);

// For tests: send every request through libcurl (true) or let serves()
// decide (false, the default). Process-wide.
void force_curl(bool on);

// What the transport needs from HttpClient's interrupt mechanism: sockets are
// registered when opened (false once interrupted: do not connect) and
// unregistered before they are closed; interrupt() shuts them down.
struct SocketHooks {
  std::function<bool(int)> opened;
  std::function<void(int)> closing;
  std::function<bool()> stopped;
};

// One client's cached connection and its requests. Not thread-safe.
class Transport {
 public:
  explicit Transport(SocketHooks hooks);
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // Sends the request (following redirects as HttpClient documents) and
  // fills `resp` as HttpClient::fetch does. When a redirect leads where this
  // transport does not go (https://), `resp` is untouched, `redirect` gets
  // the request to hand to libcurl (its URL and method changed as the
  // redirect asks, its redirect budget in `redirects_left`), and true is
  // returned.
  bool fetch(const HttpClientRequest& req, HttpClientResponse& resp, HttpClientRequest& redirect,
             int& redirects_left);

 private:
  struct Conn;
  struct Exchange;
  // One request and its response on the cached connection (a new one if
  // it is for another server or was closed), retried once on a new
  // connection when a kept-alive one turns out closed before answering.
  bool exchange(const Exchange& x, Response& r, std::string& error);
  bool connect(const Exchange& x, const std::string& key, std::string& error);
  void close_conn();
  std::unique_ptr<Conn> conn_;
  SocketHooks hooks_;
};

}  // namespace vigia::http_plain

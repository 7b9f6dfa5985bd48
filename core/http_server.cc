#include "core/http_server.h"

#include <arpa/inet.h>
#include <civetweb.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>
#include <libdeflate.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>

#include "core/text.h"

namespace vigia {

namespace {

int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string url_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
      out += static_cast<char>(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

const char* reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
  }
  return "Unknown";
}

}  // namespace

std::string_view HttpRequest::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (iequals_ascii(k, name)) return v;
  return {};
}

std::vector<std::string> HttpRequest::query_values(std::string_view key) const {
  std::vector<std::string> out;
  std::string_view q = query;
  while (!q.empty()) {
    size_t amp = q.find('&');
    std::string_view part = q.substr(0, amp);
    size_t eq = part.find('=');
    std::string k = url_decode(part.substr(0, eq));
    if (k == key) out.push_back(eq == std::string_view::npos ? "" : url_decode(part.substr(eq + 1)));
    if (amp == std::string_view::npos) break;
    q.remove_prefix(amp + 1);
  }
  return out;
}

std::string HttpRequest::query_value(std::string_view key) const {
  auto v = query_values(key);
  return v.empty() ? std::string() : v.front();
}

bool split_listen_address(std::string_view addr, std::string& host, int& port) {
  std::string_view port_part = addr;
  host.clear();
  if (!addr.empty() && addr.front() == '[') {
    size_t close = addr.find(']');
    if (close == std::string_view::npos || close + 1 >= addr.size() || addr[close + 1] != ':')
      return false;
    host = std::string(addr.substr(1, close - 1));
    port_part = addr.substr(close + 2);
  } else if (size_t colon = addr.rfind(':'); colon != std::string_view::npos) {
    host = std::string(addr.substr(0, colon));
    port_part = addr.substr(colon + 1);
  }
  if (port_part.empty() || port_part.size() > 5) return false;
  int p = 0;
  for (char c : port_part) {
    if (c < '0' || c > '9') return false;
    p = p * 10 + (c - '0');
  }
  if (p > 65535) return false;
  port = p;
  return true;
}

bool accepts_gzip(std::string_view ae) {
  while (!ae.empty()) {
    size_t comma = ae.find(',');
    std::string_view tok = ae.substr(0, comma);
    std::string_view coding = trim(tok.substr(0, tok.find(';')), " ");
    if (iequals_ascii(coding, "gzip")) {
      // "gzip;q=0" refuses it.
      size_t q = tok.find("q=");
      if (q == std::string_view::npos) return true;
      std::string_view qv = tok.substr(q + 2);
      return !(qv == "0" || qv == "0.0" || qv == "0.00" || qv == "0.000");
    }
    if (comma == std::string_view::npos) break;
    ae.remove_prefix(comma + 1);
  }
  return false;
}

namespace {

// One compressor per thread and level: allocating one costs more than
// compressing a small scrape. libdeflate compresses a whole buffer 2-3 times
// faster than zlib at the same level.
struct Compressor {
  libdeflate_compressor* c = nullptr;
  int level = -1;
  ~Compressor() {
    if (c) libdeflate_free_compressor(c);
  }
  libdeflate_compressor* get(int lvl) {
    if (c && level == lvl) return c;
    if (c) libdeflate_free_compressor(c);
    c = libdeflate_alloc_compressor(lvl);
    level = c ? lvl : -1;
    return c;
  }
};

}  // namespace

bool gzip_compress(std::string_view in, std::string& out, int level) {
  thread_local Compressor comp;
  libdeflate_compressor* c = comp.get(level);
  if (!c) return false;
  out.resize(libdeflate_gzip_compress_bound(c, in.size()));
  size_t n = libdeflate_gzip_compress(c, in.data(), in.size(), out.data(), out.size());
  out.resize(n);
  return n > 0 || in.empty();
}

namespace {

// civetweb reports a failed bind as "Failed to setup server ports"; bind once
// ourselves first to name the cause ("address already in use").
Status probe_bind(const std::string& host, int port, const std::string& shown) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  std::string service = std::to_string(port);
  int rc = getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &res);
  if (rc != 0) return Status::error("listen tcp " + shown + ": " + gai_strerror(rc));
  // Prefer IPv4 where civetweb is built without IPv6.
  addrinfo* ai = res;
  for (addrinfo* p = res; p; p = p->ai_next)
    if (p->ai_family == AF_INET) {
      ai = p;
      break;
    }
  int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
  Status st;
  if (fd >= 0) {
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0) st = Status::from_errno("listen tcp " + shown, errno);
    close(fd);
  }
  freeaddrinfo(res);
  return st;
}

}  // namespace

struct HttpServer::Impl {
  mg_context* ctx = nullptr;
  std::map<std::string, HttpHandler, std::less<>> handlers;

  static int on_request(mg_connection* conn, void* cbdata) {
    auto* self = static_cast<Impl*>(cbdata);
    const mg_request_info* ri = mg_get_request_info(conn);
    HttpRequest req;
    req.method = ri->request_method ? ri->request_method : "";
    req.path = ri->local_uri ? ri->local_uri : "";
    req.query = ri->query_string ? ri->query_string : "";
    for (int i = 0; i < ri->num_headers; ++i)
      req.headers.emplace_back(ri->http_headers[i].name, ri->http_headers[i].value);
    HttpResponse resp;
    auto it = self->handlers.find(req.path);
    if (it == self->handlers.end()) {
      resp.status = 404;
      resp.body = "404 page not found\n";
    } else {
      try {
        it->second(req, resp);
      } catch (const std::exception& e) {
        resp = HttpResponse();
        resp.status = 500;
        resp.body = std::string("internal error: ") + e.what() + "\n";
      }
    }
    const std::string& body = resp.shared_body ? *resp.shared_body : resp.body;
    std::string head;
    head.reserve(256 + body.size());
    head += "HTTP/1.1 ";
    head += std::to_string(resp.status);
    head += ' ';
    head += reason_phrase(resp.status);
    head += "\r\nContent-Type: ";
    head += resp.content_type;
    head += "\r\nContent-Length: ";
    head += std::to_string(body.size());
    for (const auto& [k, v] : resp.headers) {
      head += "\r\n";
      head += k;
      head += ": ";
      head += v;
    }
    head += "\r\n\r\n";
    // One write: a second send costs a syscall and a TCP segment of its own.
    if (req.method != "HEAD") head += body;
    mg_write(conn, head.data(), head.size());
    return static_cast<int>(resp.status);
  }

  static int on_log_message(const mg_connection*, const char*) { return 1; }
};

HttpServer::HttpServer(Options opts) : opts_(std::move(opts)), impl_(std::make_unique<Impl>()) {}

HttpServer::~HttpServer() { stop(); }

void HttpServer::handle(std::string path, HttpHandler handler) {
  impl_->handlers[std::move(path)] = std::move(handler);
}

Status HttpServer::start() {
  std::string host;
  int port = 0;
  if (!split_listen_address(opts_.listen_address, host, port))
    return Status::error("invalid listen address \"" + opts_.listen_address +
                         "\": want host:port or :port");
  if (Status b = probe_bind(host, port, opts_.listen_address); !b.is_ok()) {
    std::string m = b.message();
    for (char& c : m) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return Status::error(m);
  }
  std::string ports = host.empty() ? std::to_string(port) : host + ":" + std::to_string(port);
  std::string threads = std::to_string(opts_.threads);
  const char* options[] = {"listening_ports", ports.c_str(), "num_threads", threads.c_str(),
                           "enable_keep_alive", "yes", "request_timeout_ms", "30000", "tcp_nodelay", "1", nullptr};
  mg_callbacks cb{};
  cb.log_message = &Impl::on_log_message;
  mg_init_data init{};
  init.callbacks = &cb;
  init.user_data = impl_.get();
  init.configuration_options = options;
  char errtext[256] = {0};
  unsigned errcode = 0;
  mg_error_data err{};
  err.code = &errcode;
  err.text = errtext;
  err.text_buffer_size = sizeof errtext;
  mg_init_library(0);
  impl_->ctx = mg_start2(&init, &err);
  if (!impl_->ctx) {
    std::string why = errtext[0] ? errtext : "cannot start server";
    return Status::error("listen tcp " + opts_.listen_address + ": " + why);
  }
  mg_set_request_handler(impl_->ctx, "/", &Impl::on_request, impl_.get());
  mg_server_port sp[4];
  int n = mg_get_server_ports(impl_->ctx, 4, sp);
  port_ = n > 0 ? sp[0].port : port;
  return Status::ok();
}

void HttpServer::stop() {
  if (impl_ && impl_->ctx) {
    mg_stop(impl_->ctx);
    impl_->ctx = nullptr;
  }
}

}  // namespace vigia

#include "core/http_plain.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "core/text.h"

namespace vigia::http_plain {

namespace {

using Clock = std::chrono::steady_clock;

std::atomic<bool> g_force_curl{false};

constexpr int kMaxRedirects = 10;

bool iequals(std::string_view a, std::string_view b) { return iequals_ascii(a, b); }

bool istarts(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

}  // namespace

bool serves(const HttpClientRequest& req) {
  if (g_force_curl.load(std::memory_order_relaxed) || !istarts(req.url, "http://")) return false;
  for (const char* name : {"http_proxy", "all_proxy", "ALL_PROXY"}) {
    const char* v = std::getenv(name);
    if (v && *v) return false;
  }
  return true;
}

void force_curl(bool on) { g_force_curl = on; }

namespace {

// An http:// URL's parts.
struct Url {
  std::string host;         // without IPv6 brackets
  std::string host_header;  // as the Host header names it: host[:port], brackets kept
  std::string port = "80";
  std::string target = "/";  // path and query
  std::string user, password;
  bool userinfo = false;
};

const char* const kBadUrl = "URL using bad/illegal format or missing URL";

bool parse_url(std::string_view url, Url& u, std::string& error) {
  if (!istarts(url, "http://")) return error = "Protocol not supported by the plain transport", false;
  for (char c : url)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return error = kBadUrl, false;
  std::string_view rest = url.substr(7);
  size_t end = rest.find_first_of("/?#");
  std::string_view auth = rest.substr(0, end);
  std::string_view tail = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  if (size_t hash = tail.find('#'); hash != std::string_view::npos) tail = tail.substr(0, hash);
  u.target = tail.empty() ? "/" : tail[0] == '?' ? "/" + std::string(tail) : std::string(tail);
  if (size_t at = auth.rfind('@'); at != std::string_view::npos) {
    std::string_view info = auth.substr(0, at);
    size_t colon = info.find(':');
    u.user = percent_decode(info.substr(0, colon));
    if (colon != std::string_view::npos) u.password = percent_decode(info.substr(colon + 1));
    u.userinfo = true;
    auth = auth.substr(at + 1);
  }
  std::string_view host = auth, port;
  if (!auth.empty() && auth[0] == '[') {
    size_t close = auth.find(']');
    if (close == std::string_view::npos) return error = kBadUrl, false;
    host = auth.substr(1, close - 1);
    std::string_view after = auth.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return error = kBadUrl, false;
      port = after.substr(1);
    }
  } else if (size_t colon = auth.rfind(':'); colon != std::string_view::npos) {
    host = auth.substr(0, colon);
    port = auth.substr(colon + 1);
  }
  if (host.empty()) return error = kBadUrl, false;
  if (!port.empty()) {
    unsigned long p = 0;
    for (char c : port) {
      if (c < '0' || c > '9' || (p = p * 10 + unsigned(c - '0')) > 65535)
        return error = "Port number was not a decimal number between 0 and 65535", false;
    }
    u.port = std::to_string(p);
  }
  u.host = std::string(host);
  std::string bracketed = host.find(':') != std::string_view::npos ? "[" + u.host + "]" : u.host;
  u.host_header = u.port == "80" ? bracketed : bracketed + ":" + u.port;
  return true;
}

// RFC 3986's remove_dot_segments on an absolute path ("/a/b/../c" -> "/a/c"),
// its query and fragment left as they are.
std::string remove_dot_segments(std::string_view ref) {
  size_t q = ref.find_first_of("?#");
  std::string_view path = ref.substr(0, q), rest = q == std::string_view::npos ? "" : ref.substr(q);
  std::vector<std::string_view> out;
  bool trailing = false;
  while (!path.empty()) {
    path.remove_prefix(1);  // the '/'
    size_t slash = path.find('/');
    std::string_view seg = path.substr(0, slash);
    path = slash == std::string_view::npos ? std::string_view{} : path.substr(slash);
    trailing = path.empty() && (seg == "." || seg == "..");
    if (seg == "..") {
      if (!out.empty()) out.pop_back();
    } else if (seg != ".") {
      out.push_back(seg);
    }
  }
  std::string result;
  for (std::string_view seg : out) result.append("/").append(seg);
  if (result.empty() || trailing) result += "/";
  return result + std::string(rest);
}

// The URL a Location header leads to from `base` (absolute, scheme-relative,
// absolute-path or relative).
std::string resolve_location(std::string_view base, std::string_view loc) {
  size_t scheme_end = loc.find_first_of(":/?#");
  if (scheme_end != std::string_view::npos && loc[scheme_end] == ':' && scheme_end > 0)
    return std::string(loc);
  if (loc.substr(0, 2) == "//") return "http:" + std::string(loc);
  size_t auth_end = base.find_first_of("/?#", 7);
  std::string origin(base.substr(0, auth_end));
  if (!loc.empty() && loc[0] == '/') return origin + remove_dot_segments(loc);
  std::string_view path = auth_end == std::string_view::npos ? "/" : base.substr(auth_end);
  path = path.substr(0, path.find_first_of("?#"));
  if (path.empty()) path = "/";
  if (loc.empty()) return origin + std::string(path);
  if (loc[0] == '?') return origin + std::string(path) + std::string(loc);
  return origin + remove_dot_segments(std::string(path.substr(0, path.rfind('/') + 1)) + std::string(loc));
}

// The socket as a ByteSource, with the exchange's deadline.
class SocketSource : public ByteSource {
 public:
  SocketSource(int fd, Clock::time_point deadline, const SocketHooks& hooks)
      : fd_(fd), deadline_(deadline), hooks_(hooks) {}
  long read(char* buf, size_t n, std::string& error) override {
    for (;;) {
      ssize_t got = ::recv(fd_, buf, n, 0);
      if (got >= 0) return hooks_.stopped() ? (error = "interrupted", -1) : got;
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK)
        return error = std::string("Recv failure: ") + std::strerror(errno), -1;
      if (!wait(POLLIN, error)) return -1;
    }
  }
  // Waits until the socket is ready for `events`; false with `error` at the
  // deadline or on an interrupt.
  bool wait(short events, std::string& error) {
    for (;;) {
      if (hooks_.stopped()) return error = "interrupted", false;
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now()).count();
      if (left <= 0) return timed_out = true, error = "timeout", false;
      pollfd p{fd_, events, 0};
      int rc = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 1000)));
      if (rc > 0) return true;
      if (rc < 0 && errno != EINTR) return error = std::string("poll: ") + std::strerror(errno), false;
    }
  }
  bool timed_out = false;

 private:
  int fd_;
  Clock::time_point deadline_;
  const SocketHooks& hooks_;
};

}  // namespace

struct Transport::Conn {
  int fd = -1;
  std::string key;       // host:port or the unix socket's path
  std::string buffered;  // bytes read past the last response
};

Transport::Transport(SocketHooks hooks) : conn_(std::make_unique<Conn>()), hooks_(std::move(hooks)) {}

Transport::~Transport() {
  if (conn_->fd >= 0) {
    hooks_.closing(conn_->fd);
    ::close(conn_->fd);
  }
}

struct Transport::Exchange {
  const Url& url;
  const std::string& unix_socket;
  std::string_view method;
  const std::string& head;  // the request's head, CRLF CRLF included
  const std::string& body;
  Clock::time_point start, deadline;
  size_t max_body;
};

namespace {

std::string elapsed_ms(Clock::time_point start) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count());
}

}  // namespace

bool Transport::fetch(const HttpClientRequest& req, HttpClientResponse& resp, HttpClientRequest& redirect,
                      int& redirects_left) {
  const Clock::time_point start = Clock::now(), deadline = start + req.timeout;
  std::string url = req.url, method = req.method == "POST"     ? "POST"
                                      : req.method == "DELETE" ? "DELETE"
                                                               : "GET";
  std::string body = method == "POST" ? req.body : "";
  std::vector<std::pair<std::string, std::string>> headers = req.headers;
  std::string first_origin;
  auto fail = [&](const std::string& msg) {
    resp = HttpClientResponse{};
    resp.error = msg;
    return false;
  };
  for (;;) {
    Url u;
    std::string error;
    if (!parse_url(url, u, error)) return fail(error);
    std::string origin = u.host + ":" + u.port;
    if (first_origin.empty()) first_origin = origin;
    // Credentials go to the first server only (libcurl's and Go's rule).
    bool same_origin = origin == first_origin;
    std::string head = method + " " + u.target + " HTTP/1.1\r\n";
    auto custom = [&](std::string_view name) {
      for (const auto& [k, v] : headers)
        if (iequals(k, name)) return true;
      return false;
    };
    if (!custom("Host")) head += "Host: " + u.host_header + "\r\n";
    if (u.userinfo && same_origin && !custom("Authorization"))
      head += "Authorization: " + basic_auth_header(u.user, u.password) + "\r\n";
    if (!custom("User-Agent")) head += "User-Agent: vigia/" VIGIA_VERSION "\r\n";
    if (!custom("Accept")) head += "Accept: */*\r\n";
    if (req.accept_gzip && !custom("Accept-Encoding")) head += "Accept-Encoding: gzip\r\n";
    for (const auto& [k, v] : headers) {
      if (!same_origin && (iequals(k, "Authorization") || iequals(k, "Cookie"))) continue;
      if (iequals(k, "Content-Length") || iequals(k, "Transfer-Encoding")) continue;
      head += k + ": " + v + "\r\n";
    }
    if (method == "POST") {
      if (!custom("Content-Type")) head += "Content-Type: application/x-www-form-urlencoded\r\n";
      head += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    }
    head += "\r\n";
    Response r;
    if (!exchange(Exchange{u, req.unix_socket, method, head, body, start, deadline, req.max_body_bytes}, r,
                  error))
      return fail(error);
    bool redirect_status =
        r.status == 301 || r.status == 302 || r.status == 303 || r.status == 307 || r.status == 308;
    if (req.follow_redirects && redirect_status && !r.location.empty()) {
      if (redirects_left <= 0)
        return fail("Maximum (" + std::to_string(kMaxRedirects) + ") redirects followed");
      --redirects_left;
      url = resolve_location(url, r.location);
      // As Go's client: 301, 302 and 303 turn a POST or DELETE into a GET
      // without a body; 307 and 308 repeat the request as it was.
      if (r.status <= 303 && method != "GET") {
        method = "GET";
        body.clear();  // custom headers, Content-Type too, stay (libcurl's and Go's way)
      }
      Url next;
      std::string ignored;
      if (!parse_url(url, next, ignored) || next.host + ":" + next.port != first_origin)
        std::erase_if(headers, [](const auto& h) {
          return iequals(h.first, "Authorization") || iequals(h.first, "Cookie");
        });
      if (!istarts(url, "http://")) {
        if (!istarts(url, "https://")) {
          std::string scheme = url.substr(0, url.find(':'));
          return fail("Protocol \"" + scheme + "\" not supported or disabled in libcurl");
        }
        redirect = req;
        redirect.url = url;
        redirect.method = method;
        redirect.body = body;
        redirect.headers = headers;
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        redirect.timeout = std::max(left, std::chrono::milliseconds(1));
        return true;
      }
      continue;
    }
    resp = HttpClientResponse{};
    resp.status = r.status;
    resp.content_type = std::move(r.content_type);
    if (req.accept_gzip && (iequals(r.content_encoding, "gzip") || iequals(r.content_encoding, "x-gzip"))) {
      if (std::string err = gunzip(r.body, req.max_body_bytes, resp.body); !err.empty()) return fail(err);
    } else if (req.accept_gzip && !r.content_encoding.empty() && !iequals(r.content_encoding, "identity")) {
      return fail("Unrecognized content encoding type: " + r.content_encoding);
    } else {
      resp.body = std::move(r.body);
    }
    return false;
  }
}

void Transport::close_conn() {
  if (conn_->fd < 0) return;
  hooks_.closing(conn_->fd);
  ::close(conn_->fd);
  conn_->fd = -1;
  conn_->buffered.clear();
}

bool Transport::connect(const Exchange& x, const std::string& key, std::string& error) {
  std::vector<std::pair<sockaddr_storage, socklen_t>> addrs;
  std::string where;
  if (!x.unix_socket.empty()) {
    sockaddr_un a{};
    if (x.unix_socket.size() >= sizeof a.sun_path) return error = "unix socket path too long", false;
    a.sun_family = AF_UNIX;
    std::memcpy(a.sun_path, x.unix_socket.data(), x.unix_socket.size());
    sockaddr_storage s{};
    std::memcpy(&s, &a, sizeof a);
    addrs.emplace_back(s, socklen_t(sizeof a));
    where = x.unix_socket;
  } else {
    // The name is resolved by the system's resolver, which the deadline does
    // not bound (numeric addresses and /etc/hosts names answer at once).
    addrinfo hints{}, *res = nullptr;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (::getaddrinfo(x.url.host.c_str(), x.url.port.c_str(), &hints, &res) != 0 || !res)
      return error = "Could not resolve host: " + x.url.host, false;
    for (addrinfo* p = res; p; p = p->ai_next) {
      sockaddr_storage s{};
      std::memcpy(&s, p->ai_addr, p->ai_addrlen);
      addrs.emplace_back(s, p->ai_addrlen);
    }
    ::freeaddrinfo(res);
    where = x.url.host + " port " + x.url.port;
  }
  int last_errno = ECONNREFUSED;
  for (const auto& [addr, len] : addrs) {
    int fd = ::socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      last_errno = errno;
      continue;
    }
    if (!hooks_.opened(fd)) {
      ::close(fd);
      return error = "interrupted", false;
    }
    int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), len);
    if (rc != 0 && errno == EINPROGRESS) {
      SocketSource s(fd, x.deadline, hooks_);
      std::string wait_error;
      if (!s.wait(POLLOUT, wait_error)) {
        hooks_.closing(fd);
        ::close(fd);
        if (s.timed_out)
          return error = "Connection timed out after " + elapsed_ms(x.start) + " milliseconds", false;
        return error = wait_error, false;
      }
      int so_error = 0;
      socklen_t so_len = sizeof so_error;
      ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &so_len);
      rc = so_error == 0 ? 0 : -1;
      errno = so_error;
    }
    if (rc == 0) {
      if (addr.ss_family != AF_UNIX) {
        int one = 1;  // as libcurl: no Nagle delay on the request's second write
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      }
      conn_->fd = fd;
      conn_->key = key;
      conn_->buffered.clear();
      return true;
    }
    last_errno = errno;
    hooks_.closing(fd);
    ::close(fd);
  }
  if (hooks_.stopped()) return error = "interrupted", false;
  error =
      "Failed to connect to " + where + " after " + elapsed_ms(x.start) + " ms: " + std::strerror(last_errno);
  return false;
}

bool Transport::exchange(const Exchange& x, Response& r, std::string& error) {
  std::string key = x.unix_socket.empty() ? x.url.host + ":" + x.url.port : "unix:" + x.unix_socket;
  for (int attempt = 0;; ++attempt) {
    if (conn_->fd >= 0 && conn_->key != key) close_conn();
    if (conn_->fd >= 0) {
      // Anything to read on an idle kept-alive connection is its end (or
      // bytes no request asked for): either way it is not reused.
      pollfd p{conn_->fd, POLLIN, 0};
      if (!conn_->buffered.empty() || ::poll(&p, 1, 0) != 0) close_conn();
    }
    bool reused = conn_->fd >= 0;
    if (!reused && !connect(x, key, error)) return false;
    SocketSource src(conn_->fd, x.deadline, hooks_);
    size_t received = 0;
    error.clear();
    // The head and the body in one system call where the socket takes them.
    iovec iov[2] = {{const_cast<char*>(x.head.data()), x.head.size()},
                    {const_cast<char*>(x.body.data()), x.body.size()}};
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = x.body.empty() ? 1 : 2;
    while (error.empty() && (iov[0].iov_len > 0 || iov[1].iov_len > 0)) {
      ssize_t n = ::sendmsg(conn_->fd, &msg, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
          src.wait(POLLOUT, error);
          continue;
        }
        error = std::string("Send failure: ") + std::strerror(errno);
        break;
      }
      for (iovec& v : iov) {
        size_t k = std::min(static_cast<size_t>(n), v.iov_len);
        v.iov_base = static_cast<char*>(v.iov_base) + k;
        v.iov_len -= k;
        n -= static_cast<ssize_t>(k);
      }
      if (iov[0].iov_len == 0) {
        msg.msg_iov = iov + 1;
        msg.msg_iovlen = 1;
      }
    }
    if (error.empty()) error = read_response(src, conn_->buffered, x.max_body, false, r, received);
    if (error.empty()) {
      if (!r.keep_alive) close_conn();
      return true;
    }
    close_conn();
    if (hooks_.stopped()) return error = "interrupted", false;
    if (src.timed_out)
      return error = "Operation timed out after " + elapsed_ms(x.start) + " milliseconds with " +
                     std::to_string(received) + " bytes received",
             false;
    // A kept-alive connection the server closed before our request reached
    // it: once more on a new connection, as libcurl does.
    if (reused && attempt == 0 && received == 0) continue;
    return false;
  }
}

}  // namespace vigia::http_plain

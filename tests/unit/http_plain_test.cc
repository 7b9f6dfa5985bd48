// core/http_plain.h, differentially: every case is fetched twice from the same
// loopback server, once through the plain HTTP/1.1 transport and once through
// libcurl (http_plain::force_curl), and the two outcomes must agree: status,
// body, content type, success or failure, and what the server received
// (method, target, the headers that carry meaning). The server answers with
// scripted bytes: lengths, chunks with extensions and trailers, bodies ended by
// the connection's close, gzip, interim 100s, redirects of every kind,
// truncations, garbage, and connections it closes between requests.
#include <catch.hpp>

#include <libdeflate.h>
#include <netinet/in.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/http_client.h"
#include "core/http_plain.h"

using namespace vigia;
using namespace std::chrono_literals;

namespace {

struct Script {
  std::string bytes;    // the whole answer, as sent
  bool close = false;   // close the connection after it
  bool silent = false;  // never answer
};

struct Seen {
  std::string method, target, body;
  std::map<std::string, std::string> headers;  // lower-case names
};

// Reads requests on each connection and answers each by its path's script
// ("/missing" paths get a 404).
class ScriptServer {
 public:
  explicit ScriptServer(bool unix_socket = false) {
    if (unix_socket) {
      path_ = "/tmp/vigia-http-plain-" + std::to_string(::getpid()) + ".sock";
      ::unlink(path_.c_str());
      fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_un a{};
      a.sun_family = AF_UNIX;
      std::strncpy(a.sun_path, path_.c_str(), sizeof a.sun_path - 1);
      REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    } else {
      fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
      socklen_t len = sizeof a;
      REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0);
      port_ = ntohs(a.sin_port);
    }
    REQUIRE(::listen(fd_, 16) == 0);
    thread_ = std::thread([this] { run(); });
  }
  ~ScriptServer() {
    stop_ = true;
    thread_.join();
    for (auto& c : conns_) ::close(c.fd);
    ::close(fd_);
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const std::string& socket_path() const { return path_; }
  void on(const std::string& path, Script s) {
    std::lock_guard<std::mutex> lock(mu_);
    scripts_[path] = std::move(s);
  }
  std::vector<Seen> take_seen() {
    std::lock_guard<std::mutex> lock(mu_);
    return std::exchange(seen_, {});
  }
  int accepted() const { return accepted_; }

 private:
  struct Conn {
    int fd;
    std::string buf;
  };
  void run() {
    while (!stop_) {
      std::vector<pollfd> p{{fd_, POLLIN, 0}};
      for (auto& c : conns_) p.push_back({c.fd, POLLIN, 0});
      if (::poll(p.data(), p.size(), 20) <= 0) continue;
      if (p[0].revents & POLLIN) {
        int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (c >= 0) conns_.push_back({c, ""}), ++accepted_;
      }
      for (size_t i = p.size() - 1; i >= 1; --i) {
        if (!(p[i].revents & (POLLIN | POLLHUP))) continue;
        char b[65536];
        ssize_t n = ::read(p[i].fd, b, sizeof b);
        Conn& c = conns_[i - 1];
        bool drop = n <= 0;
        if (!drop) c.buf.append(b, static_cast<size_t>(n));
        while (!drop && serve_one(c, drop)) {
        }
        if (drop) {
          ::close(c.fd);
          conns_.erase(conns_.begin() + static_cast<long>(i - 1));
        }
      }
    }
  }
  // Serves one complete request from c.buf; false if none is complete yet.
  bool serve_one(Conn& c, bool& drop) {
    size_t end = c.buf.find("\r\n\r\n");
    if (end == std::string::npos) return false;
    Seen s;
    std::string head = c.buf.substr(0, end);
    size_t line_end = head.find("\r\n");
    std::string first = head.substr(0, line_end);
    s.method = first.substr(0, first.find(' '));
    s.target = first.substr(s.method.size() + 1, first.rfind(' ') - s.method.size() - 1);
    for (size_t pos = line_end; pos != std::string::npos && pos < head.size();) {
      size_t next = head.find("\r\n", pos + 2);
      std::string line = head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
      size_t colon = line.find(':');
      std::string name = line.substr(0, colon);
      for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      s.headers[name] = line.substr(colon + 2);
      pos = next;
    }
    size_t body_len = s.headers.count("content-length") ? std::stoul(s.headers["content-length"]) : 0;
    if (c.buf.size() < end + 4 + body_len) return false;
    s.body = c.buf.substr(end + 4, body_len);
    c.buf.erase(0, end + 4 + body_len);
    std::string path = s.target.substr(0, s.target.find('?'));
    Script script;
    {
      std::lock_guard<std::mutex> lock(mu_);
      seen_.push_back(s);
      auto it = scripts_.find(path);
      script = it != scripts_.end()
                   ? it->second
                   : Script{"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found", false};
    }
    if (script.silent) return false;
    for (size_t off = 0; off < script.bytes.size();) {
      ssize_t w = ::send(c.fd, script.bytes.data() + off, script.bytes.size() - off, MSG_NOSIGNAL);
      if (w <= 0) break;
      off += static_cast<size_t>(w);
    }
    if (script.close) drop = true;
    return !drop;
  }

  int fd_ = -1, port_ = 0;
  std::string path_;
  std::vector<Conn> conns_;
  std::mutex mu_;
  std::map<std::string, Script> scripts_;
  std::vector<Seen> seen_;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

struct Outcome {
  bool ok = false;
  long status = 0;
  std::string body, content_type, error;
  std::vector<Seen> seen;
};

// The same request through both transports, on fresh clients.
std::pair<Outcome, Outcome> both(ScriptServer& s, const HttpClientRequest& req, int times = 1) {
  Outcome out[2];
  for (int curl = 0; curl < 2; ++curl) {
    http_plain::force_curl(curl == 1);
    HttpClient client;
    for (int i = 0; i < times; ++i) {
      HttpClientResponse r = client.fetch(req);
      out[curl].ok = r.ok();
      out[curl].status = r.status;
      out[curl].body = r.body;
      out[curl].content_type = r.content_type;
      out[curl].error = r.error;
    }
    out[curl].seen = s.take_seen();
  }
  http_plain::force_curl(false);
  return {out[0], out[1]};
}

// What both transports must agree on, request side: the headers that carry
// meaning (not Accept, whose presence alone is libcurl's habit, kept).
void same_requests(const Outcome& plain, const Outcome& curl) {
  REQUIRE(plain.seen.size() == curl.seen.size());
  for (size_t i = 0; i < plain.seen.size(); ++i) {
    const Seen &a = plain.seen[i], &b = curl.seen[i];
    INFO("request " << i << ": " << a.method << " " << a.target);
    CHECK(a.method == b.method);
    CHECK(a.target == b.target);
    CHECK(a.body == b.body);
    for (const char* h : {"host", "authorization", "content-type", "content-length", "accept-encoding",
                          "user-agent", "x-custom", "cookie", "accept"}) {
      INFO("header " << h);
      CHECK(a.headers.count(h) == b.headers.count(h));
      if (a.headers.count(h) && b.headers.count(h)) CHECK(a.headers.at(h) == b.headers.at(h));
    }
  }
}

void same(const std::pair<Outcome, Outcome>& o) {
  const auto& [plain, curl] = o;
  INFO("plain error: " << plain.error << "\ncurl error: " << curl.error);
  CHECK(plain.ok == curl.ok);
  CHECK(plain.status == curl.status);
  CHECK(plain.body == curl.body);
  CHECK(plain.content_type == curl.content_type);
  same_requests(plain, curl);
}

std::string gzip(const std::string& in) {
  libdeflate_compressor* c = libdeflate_alloc_compressor(6);
  std::string out(libdeflate_gzip_compress_bound(c, in.size()), '\0');
  out.resize(libdeflate_gzip_compress(c, in.data(), in.size(), out.data(), out.size()));
  libdeflate_free_compressor(c);
  return out;
}

std::string ok_len(const std::string& body, const std::string& extra = "") {
  return "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n" + extra +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

}  // namespace

TEST_CASE("http plain: the transport is chosen by scheme and proxy") {
  HttpClientRequest req;
  req.url = "http://127.0.0.1:9/";
  CHECK(http_plain::serves(req));
  req.url = "HTTP://127.0.0.1:9/";
  CHECK(http_plain::serves(req));
  req.url = "https://127.0.0.1:9/";
  CHECK_FALSE(http_plain::serves(req));
  req.url = "http://127.0.0.1:9/";
  ::setenv("http_proxy", "http://proxy:3128", 1);
  CHECK_FALSE(http_plain::serves(req));
  ::unsetenv("http_proxy");
  http_plain::force_curl(true);
  CHECK_FALSE(http_plain::serves(req));
  http_plain::force_curl(false);
}

TEST_CASE("http plain: responses agree with libcurl's reading of them") {
  ScriptServer s;
  std::string big(200000, 'x');
  for (size_t i = 0; i < big.size(); i += 7) big[i] = static_cast<char>('a' + i % 26);
  s.on("/len", {ok_len("hello")});
  s.on("/big", {ok_len(big)});
  s.on("/empty", {ok_len("")});
  s.on("/chunked", {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n"
                    "5;ext=1\r\nhello\r\nA\r\n, chunked!\r\n0\r\nX-Trailer: t\r\n\r\n"});
  s.on("/close", {"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end", true});
  s.on("/http10", {"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\nold server", true});
  s.on("/gzip", {ok_len(gzip(big), "Content-Encoding: gzip\r\n")});
  s.on("/gzip2", {ok_len(gzip("first ") + gzip("second"), "Content-Encoding: gzip\r\n")});
  s.on("/nocontent", {"HTTP/1.1 204 No Content\r\n\r\n"});
  s.on("/continue", {"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok"});
  s.on("/error", {"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\nRetry-After: 1\r\n\r\nbusy"});
  s.on("/lower", {"HTTP/1.1 200 OK\r\ncontent-length: 3\r\ncontent-type: a/b\r\n\r\nabc"});
  s.on("/noreason", {"HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nhi"});
  s.on("/lf", {"HTTP/1.1 200 OK\nContent-Length: 2\n\nhi"});
  // Failures both must report as failures.
  s.on("/short", {"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", true});
  s.on("/badchunk", {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", true});
  s.on("/garbage", {"SSH-2.0-OpenSSH\r\n\r\n", true});
  s.on("/nothing", {"", true});
  s.on("/badgzip", {ok_len("not gzip at all", "Content-Encoding: gzip\r\n")});

  for (const char* path : {"/len", "/big", "/empty", "/chunked", "/close", "/http10", "/gzip", "/nocontent",
                           "/continue", "/error", "/lower", "/noreason", "/lf", "/missing", "/short",
                           "/badchunk", "/garbage", "/nothing", "/badgzip"}) {
    for (bool gz : {true, false}) {
      INFO(path << (gz ? " accept gzip" : " identity"));
      HttpClientRequest req;
      req.url = s.base() + path + "?q=1#frag";
      req.accept_gzip = gz;
      // Twice on one client: the second request shows the connection's state
      // was left right (kept or closed) by the first.
      auto o = both(s, req, 2);
      same(o);
      if (std::string(path) == "/big" || (gz && std::string(path) == "/gzip")) CHECK(o.first.body == big);
    }
  }
}

// A body of two gzip members (RFC 1952 allows it; Go's reader, which
// Prometheus and Alertmanager use, decodes it): libcurl 7.88 fails it with
// "Failed writing received data", the plain transport decodes both.
TEST_CASE("http plain: a gzip body of several members is decoded whole") {
  ScriptServer s;
  s.on("/gzip2", {ok_len(gzip("first ") + gzip("second"), "Content-Encoding: gzip\r\n")});
  HttpClient client;
  HttpClientRequest req;
  req.url = s.base() + "/gzip2";
  HttpClientResponse r = client.fetch(req);
  INFO(r.error);
  CHECK(r.ok());
  CHECK(r.body == "first second");
}

TEST_CASE("http plain: body limits, timeouts, refusals") {
  ScriptServer s;
  std::string big(100000, 'y');
  s.on("/big", {ok_len(big)});
  s.on("/bigchunked",
       {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n186A0\r\n" + big + "\r\n0\r\n\r\n"});
  s.on("/bigclose", {"HTTP/1.1 200 OK\r\n\r\n" + big, true});
  s.on("/biggzip", {ok_len(gzip(big), "Content-Encoding: gzip\r\n")});
  s.on("/silent", {"", false, true});
  for (const char* path : {"/big", "/bigchunked", "/bigclose", "/biggzip"}) {
    INFO(path);
    HttpClientRequest req;
    req.url = s.base() + path;
    req.max_body_bytes = 1000;
    auto [plain, curl] = both(s, req);
    CHECK_FALSE(plain.ok);
    CHECK_FALSE(curl.ok);
    CHECK(plain.error == "Get \"" + req.url + "\": body larger than 1000 bytes");
  }
  HttpClientRequest req;
  req.url = s.base() + "/silent";
  req.timeout = 300ms;
  auto [plain, curl] = both(s, req);
  CHECK_FALSE(plain.ok);
  CHECK_FALSE(curl.ok);
  CHECK(plain.error.find("timed out") != std::string::npos);

  // Nothing listens on the port of a closed listener.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  req.url = "http://127.0.0.1:" + std::to_string(ntohs(a.sin_port)) + "/";
  auto refused = both(s, req);
  CHECK_FALSE(refused.first.ok);
  CHECK_FALSE(refused.second.ok);
  CHECK(refused.first.error.find("Failed to connect to 127.0.0.1 port") != std::string::npos);
  req.url = "http://no-such-host.invalid/";
  auto unresolved = both(s, req);
  CHECK_FALSE(unresolved.first.ok);
  CHECK_FALSE(unresolved.second.ok);
  CHECK(unresolved.first.error ==
        "Get \"http://no-such-host.invalid/\": Could not resolve host: no-such-host.invalid");
}

TEST_CASE("http plain: requests carry what libcurl's carry") {
  ScriptServer s;
  s.on("/p", {ok_len("posted")});
  HttpClientRequest req;
  req.method = "POST";
  req.url = "http://alice:s%40cret@127.0.0.1:" + s.base().substr(s.base().rfind(':') + 1) + "/p?x=1";
  req.body = std::string(300000, 'b');  // beyond one socket write
  req.headers = {{"X-Custom", "1"}, {"Cookie", "c=1"}};
  same(both(s, req));
  req.headers.push_back({"Content-Type", "application/json"});
  req.body = "{}";
  same(both(s, req));
  req.method = "DELETE";
  req.body.clear();
  same(both(s, req));
  req.method = "GET";
  req.headers = {{"Host", "elsewhere.example"}, {"User-Agent", "mine"}, {"Authorization", "Bearer t"}};
  same(both(s, req));
}

TEST_CASE("http plain: redirects are followed as libcurl follows them") {
  ScriptServer s, other;
  auto to = [](const std::string& where, int code = 302) {
    return Script{"HTTP/1.1 " + std::to_string(code) + " Moved\r\nLocation: " + where +
                  "\r\nContent-Length: 5\r\n\r\nmoved"};
  };
  s.on("/final", {ok_len("arrived")});
  s.on("/abs", to(s.base() + "/final"));
  s.on("/rel/a", to("../final"));
  s.on("/rel/b", to("c"));
  s.on("/rel/c", to("/final"));
  s.on("/303", to("/final", 303));
  s.on("/307", to("/final", 307));
  s.on("/308", to("/final", 308));
  s.on("/301", to("/final", 301));
  s.on("/loop", to("/loop"));
  s.on("/nolocation", {"HTTP/1.1 302 Found\r\nContent-Length: 0\r\n\r\n"});
  s.on("/away", to(other.base() + "/final"));
  other.on("/final", {ok_len("elsewhere")});
  for (const char* path :
       {"/abs", "/rel/a", "/rel/b", "/303", "/307", "/308", "/301", "/loop", "/nolocation"}) {
    for (const char* method : {"GET", "POST"}) {
      for (bool follow : {true, false}) {
        INFO(method << " " << path << (follow ? " following" : " not following"));
        HttpClientRequest req;
        req.method = method;
        req.url = s.base() + path;
        req.body = "payload";
        req.headers = {{"Content-Type", "text/plain"}};
        req.follow_redirects = follow;
        same(both(s, req));
      }
    }
  }
  // Credentials stay with the first server.
  HttpClientRequest req;
  req.url = s.base() + "/away";
  req.headers = {{"Authorization", "Bearer secret"}, {"X-Custom", "kept"}};
  auto o = both(s, req);
  same(o);
  auto seen_plain = other.take_seen();
  REQUIRE(seen_plain.size() == 2);  // one request from each transport
  CHECK(seen_plain[0].headers.count("authorization") == 0);
  CHECK(seen_plain[1].headers.count("authorization") == 0);
  CHECK(seen_plain[0].headers["x-custom"] == "kept");
  CHECK(o.first.body == "elsewhere");
}

TEST_CASE("http plain: a kept-alive connection the server closed is replaced") {
  ScriptServer s;
  s.on("/once", {ok_len("fine", "Connection: keep-alive\r\n"), true});  // says keep-alive, then closes
  HttpClient client;
  HttpClientRequest req;
  req.url = s.base() + "/once";
  for (int i = 0; i < 3; ++i) {
    HttpClientResponse r = client.fetch(req);
    INFO(r.error);
    CHECK(r.ok());
    CHECK(r.body == "fine");
  }
  CHECK(s.accepted() == 3);
}

TEST_CASE("http plain: unix sockets, as the Docker Engine API is asked") {
  ScriptServer s(true);
  s.on("/v1.41/containers/json", {ok_len("[]", "Content-Type: application/json\r\n")});
  HttpClientRequest req;
  req.url = "http://localhost/v1.41/containers/json?all=1";
  req.unix_socket = s.socket_path();
  auto o = both(s, req, 2);
  same(o);
  CHECK(o.first.body == "[]");
  CHECK(s.accepted() == 2);  // one connection per transport, each reused
}

namespace {

// The bytes of a server, handed over `piece` at a time.
class Pieces : public http_plain::ByteSource {
 public:
  Pieces(std::string data, size_t piece) : data_(std::move(data)), piece_(piece) {}
  long read(char* buf, size_t n, std::string&) override {
    size_t k = std::min({n, piece_, data_.size() - pos_});
    std::memcpy(buf, data_.data() + pos_, k);
    pos_ += k;
    return static_cast<long>(k);
  }

 private:
  std::string data_;
  size_t piece_, pos_ = 0;
};

}  // namespace

TEST_CASE("http plain: a response is read whole however the network splits it") {
  std::string wire =
      "HTTP/1.1 100 Continue\r\n\r\n"
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: a/b\r\n\r\n"
      "4\r\nwiki\r\n5;x=y\r\npedia\r\n0\r\nTrailer: 1\r\n\r\n"
      "HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\nConnection: close\r\n\r\nnop";
  for (size_t piece : {1, 2, 3, 5, 7, 64, 4096}) {
    INFO("pieces of " << piece);
    Pieces src(wire, piece);
    std::string buffered;
    size_t received = 0;
    http_plain::Response r;
    CHECK(http_plain::read_response(src, buffered, 1000, false, r, received) == "");
    CHECK(r.status == 200);
    CHECK(r.body == "wikipedia");
    CHECK(r.content_type == "a/b");
    CHECK(r.keep_alive);
    CHECK(http_plain::read_response(src, buffered, 1000, false, r, received) == "");
    CHECK(r.status == 404);
    CHECK(r.body == "nop");
    CHECK_FALSE(r.keep_alive);
    CHECK(http_plain::read_response(src, buffered, 1000, false, r, received) == "Empty reply from server");
  }
}

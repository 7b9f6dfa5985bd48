// HttpServer's limits: a blocked handler does not block other requests,
// --web.max-requests answers 503, --web.max-connections closes, the read
// timeout closes idle, half-sent and trickling connections, size limits.
// Assertions are on the order of events, with waits of seconds at most.
#include <catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "core/exposition.h"
#include "core/flags.h"
#include "core/http_server.h"

using namespace vigia;
using namespace std::chrono_literals;

namespace {

int connect_to(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  return fd;
}

void send_all(int fd, const std::string& s) {
  REQUIRE(send(fd, s.data(), s.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(s.size()));
}

// Reads until the peer closes or `limit` passes; "" plus closed=false on timeout.
std::string read_until_close(int fd, bool& closed, std::chrono::milliseconds limit = 10s) {
  std::string raw;
  closed = false;
  auto end = std::chrono::steady_clock::now() + limit;
  char buf[4096];
  while (std::chrono::steady_clock::now() < end) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) continue;
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      closed = true;
      break;
    }
    raw.append(buf, static_cast<size_t>(n));
  }
  return raw;
}

int status_of(const std::string& raw) {
  if (raw.rfind("HTTP/1.", 0) != 0 || raw.size() < 12) return 0;
  return std::stoi(raw.substr(9, 3));
}

// One request with Connection: close; the status, 0 if none.
int get(int port, const std::string& target, const std::string& extra = "") {
  int fd = connect_to(port);
  send_all(fd, "GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + extra + "\r\n");
  bool closed = false;
  std::string raw = read_until_close(fd, closed);
  close(fd);
  return status_of(raw);
}

template <typename Pred>
bool eventually(Pred p, std::chrono::milliseconds limit = 10s) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (p()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return p();
}

// A handler that blocks until released, as a scrape waiting on a hung database.
struct Gate {
  std::atomic<int> entered{0};
  std::atomic<bool> open{false};
  HttpHandler handler() {
    return [this](const HttpRequest&, HttpResponse& resp) {
      entered++;
      while (!open) std::this_thread::sleep_for(5ms);
      resp.body = "slow\n";
    };
  }
};

HttpServer::Options opts(int threads) {
  HttpServer::Options o;
  o.listen_address = "127.0.0.1:0";
  o.threads = threads;
  return o;
}

}  // namespace

TEST_CASE("a blocked handler delays neither other requests nor I/O; max_requests answers 503") {
  Gate gate;
  auto o = opts(2);
  o.max_requests = 2;
  HttpServer server(o);
  server.handle("/slow", gate.handler());
  server.handle("/fast", [](const HttpRequest&, HttpResponse& resp) { resp.body = "fast\n"; });
  REQUIRE(server.start().is_ok());

  int slow_fd = connect_to(server.port());
  send_all(slow_fd, "GET /slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  REQUIRE(eventually([&] { return gate.entered == 1; }));
  CHECK(get(server.port(), "/fast") == 200);  // while /slow still blocks a thread

  // A second blocked request fills max_requests = 2: the next one gets 503 at once.
  int slow2 = connect_to(server.port());
  send_all(slow2, "GET /slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  REQUIRE(eventually([&] { return gate.entered == 2; }));
  CHECK(get(server.port(), "/fast") == 503);
  CHECK(server.stats().requests_in_flight == 2);
  CHECK(server.stats().requests_limited == 1);

  gate.open = true;
  bool closed = false;
  CHECK(status_of(read_until_close(slow_fd, closed)) == 200);
  CHECK(status_of(read_until_close(slow2, closed)) == 200);
  close(slow_fd);
  close(slow2);
  CHECK(get(server.port(), "/fast") == 200);

  std::string text = encode_text([&](MetricSink& s) { server.write_metrics(s); });
  CHECK(text.find("vigia_http_requests_total{code=\"200\",handler=\"/fast\"} 2") != std::string::npos);
  CHECK(text.find("vigia_http_requests_total{code=\"503\",handler=\"/fast\"} 1") != std::string::npos);
  CHECK(text.find("vigia_http_requests_total{code=\"200\",handler=\"/slow\"} 2") != std::string::npos);
  CHECK(text.find("vigia_http_requests_limited_total 1") != std::string::npos);
  server.stop();
}

TEST_CASE("stop() waits for a running handler and answers 503 to queued requests") {
  Gate gate;
  HttpServer server(opts(1));
  server.handle("/slow", gate.handler());
  REQUIRE(server.start().is_ok());
  int a = connect_to(server.port());
  send_all(a, "GET /slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  REQUIRE(eventually([&] { return gate.entered == 1; }));
  int b = connect_to(server.port());  // queued behind it: one handler thread
  send_all(b, "GET /slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  REQUIRE(eventually([&] { return server.stats().requests_in_flight == 2; }));
  std::thread opener([&] {
    std::this_thread::sleep_for(100ms);
    gate.open = true;
  });
  server.stop();
  opener.join();
  bool closed = false;
  CHECK(status_of(read_until_close(a, closed)) == 200);
  CHECK(status_of(read_until_close(b, closed)) == 503);
  close(a);
  close(b);
}

TEST_CASE("max_connections closes connections past it") {
  auto o = opts(1);
  o.max_connections = 2;
  HttpServer server(o);
  server.handle("/", [](const HttpRequest&, HttpResponse& resp) { resp.body = "ok\n"; });
  REQUIRE(server.start().is_ok());
  int a = connect_to(server.port()), b = connect_to(server.port());
  REQUIRE(eventually([&] { return server.stats().connections_open == 2; }));
  int c = connect_to(server.port());  // the kernel accepts it; the server closes it
  bool closed = false;
  CHECK(read_until_close(c, closed).empty());
  CHECK(closed);
  CHECK(server.stats().connections_rejected == 1);
  close(a);
  close(b);
  close(c);
  REQUIRE(eventually([&] { return server.stats().connections_open == 0; }));
  CHECK(get(server.port(), "/") == 200);
}

TEST_CASE("read_timeout closes idle, half-sent and trickling connections, not kept-alive busy ones") {
  auto o = opts(1);
  o.read_timeout = 1500ms;
  HttpServer server(o);
  server.handle("/", [](const HttpRequest&, HttpResponse& resp) { resp.body = "ok\n"; });
  REQUIRE(server.start().is_ok());
  int idle = connect_to(server.port());
  int half = connect_to(server.port());
  send_all(half, "GET / HTTP/1.1\r\nHost: x\r\n");
  int trickle = connect_to(server.port());
  send_all(trickle, "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ");
  // A byte every 100 ms is activity, yet the request is not complete in time.
  bool trickle_closed = false;
  std::thread t([&] {
    for (int i = 0; i < 200 && !trickle_closed; ++i) {
      if (send(trickle, "a", 1, MSG_NOSIGNAL) != 1) trickle_closed = true;
      std::this_thread::sleep_for(100ms);
    }
  });
  CHECK(get(server.port(), "/") == 200);  // served meanwhile
  bool closed = false;
  read_until_close(idle, closed);
  CHECK(closed);
  read_until_close(half, closed);
  CHECK(closed);
  read_until_close(trickle, closed);
  CHECK(closed);
  t.join();
  CHECK(server.stats().read_timeouts >= 3);

  // A kept-alive connection gets read_timeout again after each response:
  // six requests 300 ms apart, 1.8 s in all, outlive one read_timeout.
  int ka = connect_to(server.port());
  for (int i = 0; i < 6; ++i) {
    std::this_thread::sleep_for(300ms);
    send_all(ka, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    char buf[512];
    pollfd p{ka, POLLIN, 0};
    REQUIRE(poll(&p, 1, 5000) == 1);
    ssize_t n = recv(ka, buf, sizeof buf, 0);
    REQUIRE(n > 0);
    CHECK(status_of(std::string(buf, static_cast<size_t>(n))) == 200);
  }
  close(ka);
  close(idle);
  close(half);
  close(trickle);
}

TEST_CASE("header and body size limits") {
  auto o = opts(1);
  o.max_header_bytes = 4096;
  o.max_body_bytes = 1000;
  HttpServer server(o);
  server.handle("/", [](const HttpRequest&, HttpResponse& resp) { resp.body = "ok\n"; });
  REQUIRE(server.start().is_ok());
  int big_header = get(server.port(), "/", "X-Big: " + std::string(64 * 1024, 'a') + "\r\n");
  CHECK(big_header >= 400);
  CHECK(big_header < 500);
  CHECK(get(server.port(), "/", "X-Small: " + std::string(1000, 'a') + "\r\n") == 200);

  int fd = connect_to(server.port());
  send_all(fd, "POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 5000\r\n\r\n" +
                   std::string(5000, 'b'));
  bool closed = false;
  CHECK(status_of(read_until_close(fd, closed)) == 413);
  close(fd);
  fd = connect_to(server.port());
  send_all(fd, "POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 10\r\n\r\n0123456789");
  CHECK(status_of(read_until_close(fd, closed)) == 200);
  close(fd);
}

TEST_CASE("the limit flags parse into Options, errors name the flag") {
  FlagSet fs;
  HttpLimitFlags f;
  add_http_limit_flags(fs, f);
  std::vector<std::string> pos;
  REQUIRE(fs.parse({"--web.max-requests=0", "--web.read-timeout=1m30s", "--web.max-connections", "10"}, pos)
              .is_ok());
  HttpServer::Options o;
  REQUIRE(apply_http_limit_flags(f, o).is_ok());
  CHECK(o.max_requests == 0);
  CHECK(o.max_connections == 10);
  CHECK(o.read_timeout == 90s);
  CHECK(o.max_header_bytes == 16384);
  f.max_requests = "-1";
  CHECK(apply_http_limit_flags(f, o).message().find("--web.max-requests") != std::string::npos);
  f.max_requests = "40";
  f.read_timeout = "soon";
  CHECK(apply_http_limit_flags(f, o).message().find("--web.read-timeout") != std::string::npos);
  f.read_timeout = "10s";
  f.max_connections = "1.5";
  CHECK(apply_http_limit_flags(f, o).message().find("--web.max-connections") != std::string::npos);
}

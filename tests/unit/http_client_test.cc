// core/http_client.h at shutdown: interrupt() aborts a request in flight to a
// server that accepted and never answers (a real loopback socket), makes later
// requests fail at once, and leaves keep-alive working until then; the nginx
// area's targets forward their collector's interrupt to it.
#include <catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "core/exposition.h"
#include "core/http_client.h"
#include "exporters/nginx/nginx.h"

using namespace vigia;
using namespace std::chrono_literals;

namespace {

// A loopback TCP server: accepts connections and, if `answer`, replies to each
// request with a small keep-alive 200; otherwise reads and never answers.
class Server {
 public:
  explicit Server(bool answer) : answer_(answer) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(fd_, 16) == 0);
    socklen_t len = sizeof a;
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~Server() {
    stop_ = true;
    thread_.join();
    for (int c : conns_) ::close(c);
    ::close(fd_);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/stub_status"; }
  int accepted() const { return accepted_.load(); }
  int closed_by_peer() const { return closed_.load(); }

 private:
  void run() {
    std::vector<std::string> bufs;
    while (!stop_) {
      std::vector<pollfd> p{{fd_, POLLIN, 0}};
      for (int c : conns_) p.push_back({c, POLLIN, 0});
      if (::poll(p.data(), p.size(), 50) <= 0) continue;
      if (p[0].revents & POLLIN) {
        int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (c >= 0) {
          conns_.push_back(c);
          bufs.emplace_back();
          ++accepted_;
        }
      }
      for (size_t i = 1; i < p.size(); ++i) {
        if (!(p[i].revents & (POLLIN | POLLHUP))) continue;
        char b[4096];
        ssize_t n = ::read(p[i].fd, b, sizeof b);
        if (n <= 0) {
          ++closed_;
          ::close(p[i].fd);
          conns_.erase(conns_.begin() + static_cast<long>(i - 1));
          bufs.erase(bufs.begin() + static_cast<long>(i - 1));
          break;
        }
        std::string& buf = bufs[i - 1];
        buf.append(b, static_cast<size_t>(n));
        if (!answer_) continue;
        for (size_t end; (end = buf.find("\r\n\r\n")) != std::string::npos; buf.erase(0, end + 4)) {
          std::string body =
              "Active connections: 1 \nserver accepts handled requests\n 1 1 1 \n"
              "Reading: 0 Writing: 1 Waiting: 0 \n";
          std::string r = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
                          std::to_string(body.size()) + "\r\n\r\n" + body;
          (void)!::write(p[i].fd, r.data(), r.size());
        }
      }
    }
  }
  bool answer_;
  int fd_ = -1, port_ = 0;
  std::vector<int> conns_;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0}, closed_{0};
  std::thread thread_;
};

template <typename F>
bool eventually(F&& f, std::chrono::seconds limit = 20s) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (f()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return f();
}

}  // namespace

TEST_CASE("http client: keep-alive still works with the interrupt hooks") {
  Server s(true);
  {
    HttpClient c;
    HttpClientRequest req;
    req.url = s.url();
    for (int i = 0; i < 3; ++i) {
      HttpClientResponse r = c.fetch(req);
      INFO(r.error);
      REQUIRE(r.ok());
      CHECK(r.status == 200);
      CHECK(r.body.find("Active connections: 1") == 0);
    }
    CHECK(s.accepted() == 1);  // one connection, reused
  }
  // The client's destructor closes its connection (through close_socket).
  CHECK(eventually([&] { return s.closed_by_peer() == 1; }));
}

TEST_CASE("http client: interrupt aborts a request to a server that never answers") {
  Server s(false);
  HttpClient c;
  HttpClientRequest req;
  req.url = s.url();
  req.timeout = 120s;  // far beyond the test's patience: only interrupt ends it
  auto began = std::chrono::steady_clock::now();
  auto pending = std::async(std::launch::async, [&] { return c.fetch(req); });
  REQUIRE(eventually([&] { return s.accepted() == 1; }));  // the request is in flight
  CHECK(pending.wait_for(200ms) == std::future_status::timeout);
  c.interrupt();
  REQUIRE(pending.wait_for(20s) == std::future_status::ready);
  HttpClientResponse r = pending.get();
  CHECK(r.error == "Get \"" + s.url() + "\": interrupted");
  CHECK(r.status == 0);
  CHECK(std::chrono::steady_clock::now() - began < 60s);

  // Later requests fail at once, without connecting.
  r = c.fetch(req);
  CHECK(r.error == "Get \"" + s.url() + "\": interrupted");
  CHECK(s.accepted() == 1);
}

TEST_CASE("nginx collector: interrupt ends a collection waiting on a silent server") {
  Server s(false);
  nginx::TargetConfig t;
  t.name = "lb";
  t.url = s.url();
  auto collector = nginx::make_collector({t});
  CollectContext ctx;
  ctx.deadline = Clock::now() + 120s;
  auto pending = std::async(std::launch::async, [&] {
    TextEncoder enc;
    Status st = collector->collect(ctx, enc);
    std::string out;
    enc.finish(out);
    return out;
  });
  REQUIRE(eventually([&] { return s.accepted() == 1; }));
  CHECK(pending.wait_for(200ms) == std::future_status::timeout);
  collector->interrupt();
  REQUIRE(pending.wait_for(20s) == std::future_status::ready);
  std::string out = pending.get();
  INFO(out);
  CHECK(out.find("nginx_up{target=\"lb\"} 0\n") != std::string::npos);
}

#include <catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <cstring>
#include <string>

#include "core/http_server.h"

using namespace vigia;

namespace {

struct RawResponse {
  int status = 0;
  std::string head;  // status line and headers
  std::string body;
  std::string header(const std::string& name) const {
    size_t p = head.find("\r\n" + name + ": ");
    if (p == std::string::npos) return "";
    p += name.size() + 4;
    return head.substr(p, head.find("\r\n", p) - p);
  }
};

// One request over a fresh connection, read until the server closes it.
RawResponse http(int port, const std::string& method, const std::string& target,
                 const std::string& extra_headers = "", const std::string& body = "") {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  std::string req =
      method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + extra_headers +
      (body.empty() ? "" : "Content-Length: " + std::to_string(body.size()) + "\r\n") + "\r\n" + body;
  REQUIRE(send(fd, req.data(), req.size(), 0) == static_cast<ssize_t>(req.size()));
  std::string raw;
  char buf[4096];
  for (ssize_t n; (n = recv(fd, buf, sizeof buf, 0)) > 0;) raw.append(buf, static_cast<size_t>(n));
  close(fd);
  RawResponse r;
  size_t split = raw.find("\r\n\r\n");
  REQUIRE(split != std::string::npos);
  r.head = raw.substr(0, split + 2);
  r.body = raw.substr(split + 4);
  REQUIRE(r.head.rfind("HTTP/1.1 ", 0) == 0);
  r.status = std::stoi(r.head.substr(9, 3));
  return r;
}

std::string gunzip(const std::string& in) {
  z_stream zs{};
  REQUIRE(inflateInit2(&zs, 15 + 16) == Z_OK);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  std::string out;
  char buf[16384];
  int rc;
  do {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    REQUIRE((rc == Z_OK || rc == Z_STREAM_END));
    out.append(buf, sizeof buf - zs.avail_out);
  } while (rc != Z_STREAM_END);
  inflateEnd(&zs);
  return out;
}

}  // namespace

TEST_CASE("HttpServer serves handlers on 127.0.0.1:0, 404 elsewhere") {
  HttpServer server({"127.0.0.1:0", 2});
  std::vector<std::string> seen_collect;
  std::string seen_ua;
  server.handle("/metrics", [&](const HttpRequest& req, HttpResponse& resp) {
    seen_collect = req.query_values("collect[]");
    seen_ua = std::string(req.header("user-agent"));
    resp.content_type = "text/plain; version=0.0.4; charset=utf-8";
    resp.headers.emplace_back("X-Test", "yes");
    resp.body = "up 1\n";
  });
  server.handle("/shared", [](const HttpRequest&, HttpResponse& resp) {
    resp.shared_body = std::make_shared<const std::string>("shared text\n");
  });
  server.handle("/boom", [](const HttpRequest&, HttpResponse&) { throw std::runtime_error("kaput"); });
  Status st = server.start();
  INFO(st.message());
  REQUIRE(st.is_ok());
  REQUIRE(server.port() > 0);

  auto r = http(server.port(), "GET", "/metrics?collect%5B%5D=cpu&collect[]=mem&x=1&collect%5b%5d=%2Fdisk+a",
                "User-Agent: Prometheus/2.42\r\n");
  CHECK(r.status == 200);
  CHECK(r.body == "up 1\n");
  CHECK(r.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8");
  CHECK(r.header("Content-Length") == "5");
  CHECK(r.header("X-Test") == "yes");
  CHECK(seen_collect == std::vector<std::string>{"cpu", "mem", "/disk a"});
  CHECK(seen_ua == "Prometheus/2.42");

  auto head = http(server.port(), "HEAD", "/metrics");
  CHECK(head.status == 200);
  CHECK(head.header("Content-Length") == "5");
  CHECK(head.body.empty());

  auto shared = http(server.port(), "GET", "/shared");
  CHECK(shared.body == "shared text\n");

  auto missing = http(server.port(), "GET", "/nope");
  CHECK(missing.status == 404);
  CHECK(missing.body == "404 page not found\n");
  CHECK(http(server.port(), "GET", "/metrics/extra").status == 404);

  auto boom = http(server.port(), "GET", "/boom");
  CHECK(boom.status == 500);
  CHECK(boom.body == "internal error: kaput\n");
  server.stop();
}

TEST_CASE("HttpServer: bodies for the handlers that read them, prefix handlers") {
  HttpServer::Options o;
  o.listen_address = "127.0.0.1:0";
  o.max_body_bytes = 16;
  HttpServer s(o);
  s.handle(
      "/post", [](const HttpRequest& req, HttpResponse& resp) { resp.body = "got " + req.body; }, 1 << 20);
  s.handle("/nobody", [](const HttpRequest& req, HttpResponse& resp) { resp.body = "[" + req.body + "]"; });
  s.handle_prefix("/api/x/",
                  [](const HttpRequest& req, HttpResponse& resp) { resp.body = "prefix " + req.path; });
  s.handle_prefix("/api/x/long/",
                  [](const HttpRequest& req, HttpResponse& resp) { resp.body = "long " + req.path; });
  s.handle("/api/x/exact", [](const HttpRequest&, HttpResponse& resp) { resp.body = "exact"; });
  REQUIRE(s.start().is_ok());
  std::string big(100000, 'x');
  RawResponse r = http(s.port(), "POST", "/post", "", big);
  CHECK(r.status == 200);
  CHECK(r.body == "got " + big);
  r = http(s.port(), "POST", "/nobody", "", "0123456789");
  CHECK(r.status == 200);
  CHECK(r.body == "[]");  // a handler without a body limit gets none
  r = http(s.port(), "POST", "/nobody", "", std::string(17, 'y'));
  CHECK(r.status == 413);
  r = http(s.port(), "GET", "/api/x/abc");
  CHECK(r.body == "prefix /api/x/abc");
  r = http(s.port(), "GET", "/api/x/long/abc");
  CHECK(r.body == "long /api/x/long/abc");
  r = http(s.port(), "GET", "/api/x/exact");
  CHECK(r.body == "exact");
  CHECK(http(s.port(), "GET", "/api/y").status == 404);
  s.stop();
}

TEST_CASE("a port in use is reported as such") {
  HttpServer first({"127.0.0.1:0", 1});
  first.handle("/", [](const HttpRequest&, HttpResponse&) {});
  REQUIRE(first.start().is_ok());
  std::string addr = "127.0.0.1:" + std::to_string(first.port());
  HttpServer second({addr, 1});
  Status st = second.start();
  CHECK(st.is_error());
  CHECK(st.message() == "listen tcp " + addr + ": address already in use");
  HttpServer bad({"localhost:http", 1});
  CHECK(bad.start().message() == "invalid listen address \"localhost:http\": want host:port or :port");
}

TEST_CASE("HttpRequest: query_values decodes keys and values; headers ignore case") {
  HttpRequest req;
  req.query = "collect%5B%5D=cpu&a=1&collect[]=&collect%5b%5d&b=%ZZ&collect[]=x%20y%2";
  CHECK(req.query_values("collect[]") == std::vector<std::string>{"cpu", "", "", "x y%2"});
  CHECK(req.query_value("a") == "1");
  CHECK(req.query_value("b") == "%ZZ");
  CHECK(req.query_value("missing").empty());
  req.query = "";
  CHECK(req.query_values("a").empty());
  req.headers = {{"X-Prometheus-Scrape-Timeout-Seconds", "10"}};
  CHECK(req.header("x-prometheus-scrape-timeout-seconds") == "10");
  CHECK(req.header("x-other").empty());
}

TEST_CASE("gzip_compress output inflates back to the input") {
  std::string in;
  for (int i = 0; i < 5000; ++i) in += "node_cpu_seconds_total{cpu=\"" + std::to_string(i % 8) + "\"} 1\n";
  std::string out;
  REQUIRE(gzip_compress(in, out));
  CHECK(out.size() < in.size() / 5);
  CHECK(static_cast<unsigned char>(out[0]) == 0x1f);
  CHECK(static_cast<unsigned char>(out[1]) == 0x8b);
  CHECK(gunzip(out) == in);
  std::string empty;
  REQUIRE(gzip_compress("", empty, 9));
  CHECK(gunzip(empty).empty());
}

TEST_CASE("accepts_gzip reads Accept-Encoding") {
  CHECK(accepts_gzip("gzip"));
  CHECK(accepts_gzip("deflate, gzip;q=1.0"));
  CHECK(accepts_gzip("gzip, deflate, br"));
  CHECK(accepts_gzip("GZip"));
  CHECK(accepts_gzip("gzip; q=0.5"));
  CHECK_FALSE(accepts_gzip("gzip;q=0"));
  CHECK_FALSE(accepts_gzip("gzip;q=0.000"));
  CHECK_FALSE(accepts_gzip("identity"));
  CHECK_FALSE(accepts_gzip(""));
  CHECK_FALSE(accepts_gzip("x-gzip2"));
}

TEST_CASE("split_listen_address") {
  std::string host;
  int port = -1;
  CHECK(split_listen_address(":9100", host, port));
  CHECK((host.empty() && port == 9100));
  CHECK(split_listen_address("9100", host, port));
  CHECK((host.empty() && port == 9100));
  CHECK(split_listen_address("127.0.0.1:0", host, port));
  CHECK((host == "127.0.0.1" && port == 0));
  CHECK(split_listen_address("[::1]:9100", host, port));
  CHECK((host == "::1" && port == 9100));
  CHECK(split_listen_address("localhost:65535", host, port));
  CHECK((host == "localhost" && port == 65535));
  port = -1;
  for (const char* bad :
       {"", ":", "host:", "host:65536", "host:123456", "host:9a", "[::1]9100", "[::1", "[::1]:", "host:-1"}) {
    INFO(bad);
    CHECK_FALSE(split_listen_address(bad, host, port));
  }
  CHECK(port == -1);
}

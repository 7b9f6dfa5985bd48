// The nginx area: the stub_status parser from literals, the `nginx:` section's
// errors, and the collector against vigia's own HTTP server on loopback
// serving a good page, a 500, a page that is not stub_status, a page behind
// basic auth, and a port nothing listens on.
#include <catch.hpp>

#include <cstdlib>
#include <mutex>

#include "core/config.h"
#include "core/exposition.h"
#include "core/http_client.h"
#include "core/http_server.h"
#include "exporters/nginx/nginx.h"
#include "exporters/nginx/stub_status.h"
#include "config_test_util.h"

using namespace vigia;
using namespace vigia::nginx;
using namespace std::chrono_literals;

namespace {

constexpr const char* kPage =
    "Active connections: 3 \nserver accepts handled requests\n 17 16 42 \nReading: 0 Writing: 1 Waiting: 2 "
    "\n";

std::vector<TargetConfig> parse(const std::string& yaml) {
  return test::read_config_text(yaml, "vigia.yml", {"nginx"}, [](auto& r, const Config& cfg) {
    return read_targets(r, cfg.section("nginx"), "nginx");
  });
}

std::string error_of(const std::string& yaml) { return test::config_error_of(parse, yaml); }

}  // namespace

TEST_CASE("stub_status: nginx's page") {
  StubStatus s;
  REQUIRE(parse_stub_status(kPage, s).is_ok());
  CHECK(s.active == 3);
  CHECK(s.accepted == 17);
  CHECK(s.handled == 16);
  CHECK(s.requests == 42);
  CHECK(s.reading == 0);
  CHECK(s.writing == 1);
  CHECK(s.waiting == 2);
}

TEST_CASE("stub_status: tolerated variations") {
  StubStatus s;
  // CRLF, tabs and runs of blanks, no final line end, trailing text.
  REQUIRE(parse_stub_status("Active connections:\t7\r\nserver  accepts handled requests\r\n1 2 3\r\n"
                            "Reading: 4  Writing: 5 Waiting: 6",
                            s)
              .is_ok());
  CHECK((s.active == 7 && s.accepted == 1 && s.handled == 2 && s.requests == 3 && s.reading == 4 &&
         s.writing == 5 && s.waiting == 6));
  REQUIRE(parse_stub_status(std::string(kPage) + "more text\n", s).is_ok());
  CHECK(s.requests == 42);
  REQUIRE(parse_stub_status("Active connections: 9223372036854775807\nserver accepts handled requests\n"
                            "0 0 0\nReading: 0 Writing: 0 Waiting: 0\n",
                            s)
              .is_ok());
  CHECK(s.active == 9223372036854775807ull);
}

TEST_CASE("stub_status: malformed pages are errors naming the line") {
  StubStatus s;
  s.active = 99;
  auto err = [&](std::string_view body) {
    Status st = parse_stub_status(body, s);
    REQUIRE(st.is_error());
    return st.message();
  };
  CHECK(err("") == "stub_status line 1: expected 'Active connections:'");
  CHECK(err("<html>502 Bad Gateway</html>") == "stub_status line 1: expected 'Active connections:'");
  CHECK(err("Active connections: x\n") == "stub_status line 1: expected a number");
  CHECK(err("Active connections: -1\n") == "stub_status line 1: expected a number");
  CHECK(err("Active connections: 1 2\n") == "stub_status line 1: expected the end of the line");
  CHECK(err("Active connections: 1\nserver accepts handled\n") == "stub_status line 2: expected 'requests'");
  CHECK(err("Active connections: 1\nserver accepts handled requests\n 1 2\nReading: 0 Writing: 0 Waiting: "
            "0\n") == "stub_status line 3: expected a number");
  CHECK(err("Active connections: 1\nserver accepts handled requests\n 1 2 3\nReading: 0 Writing: 0\n") ==
        "stub_status line 4: expected 'Waiting:'");
  CHECK(err("Active connections: 1\nserver accepts handled requests\n 1 2 3\nReading: 0 Writing: 0 Waiting: "
            "1 x") == "stub_status line 4: expected the end of the line");
  CHECK(err("Active connections: 9223372036854775808\n") ==
        "stub_status line 1: expected a number below 2^63");
  CHECK(err("Active connections: 99999999999999999999999\n") ==
        "stub_status line 1: expected a number below 2^63");
  // Truncated anywhere: an error, never a partial result.
  std::string page = kPage;
  for (size_t n = 0; n + 2 < page.size(); ++n) {
    INFO(n);
    CHECK(parse_stub_status(std::string_view(page).substr(0, n), s).is_error());
  }
  CHECK(s.active == 99);  // untouched by failures
}

TEST_CASE("nginx section: targets and errors with file:line:column") {
  auto t = parse(
      "nginx:\n"
      "  - name: lb\n"
      "    url: http://127.0.0.1:8080/stub_status\n"
      "  - name: web1\n"
      "    url: https://10.0.0.2/status\n"
      "    username: mon\n"
      "    password_env: NGINX_PW\n");
  REQUIRE(t.size() == 2);
  CHECK(t[0].name == "lb");
  CHECK(t[0].url == "http://127.0.0.1:8080/stub_status");
  CHECK(t[0].username.empty());
  CHECK(t[1].username == "mon");
  CHECK(t[1].password.env == "NGINX_PW");
  CHECK(parse("nginx:\n").empty());

  CHECK(error_of("nginx: {name: a}\n") == "vigia.yml:1:8: nginx: expected a list of targets");
  CHECK(error_of("nginx:\n  - name: a\n    url: http://x/\n    urll: y\n") ==
        "vigia.yml:4:5: unknown key 'urll' in nginx[0]");
  CHECK(error_of("nginx:\n  - url: http://x/\n") == "vigia.yml:2:5: nginx[0]: missing key 'name'");
  CHECK(error_of("nginx:\n  - name: a\n") == "vigia.yml:2:5: nginx[0]: missing key 'url'");
  CHECK(error_of("nginx:\n  - {name: a, url: 'http://x/'}\n  - {name: a, url: 'http://y/'}\n") ==
        "vigia.yml:3:12: nginx[1].name: duplicate target name 'a'");
  CHECK(error_of("nginx:\n  - {name: a, url: 'ftp://x/'}\n")
            .find("vigia.yml:2:20: nginx[0].url: expected an http:// or https:// URL") == 0);
  CHECK(error_of("nginx:\n  - {name: a, url: 'http://u:p@x/'}\n")
            .find("vigia.yml:2:20: nginx[0].url: give credentials as username") == 0);
  CHECK(error_of("nginx:\n  - {name: a, url: 'http://x/', password_env: P}\n") ==
        "vigia.yml:2:5: nginx[0]: a password needs a username");
}

TEST_CASE("basic auth header") {
  CHECK(basic_auth_header("Aladdin", "open sesame") == "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  CHECK(basic_auth_header("a", "") == "Basic YTo=");
  CHECK(basic_auth_header("ab", "c") == "Basic YWI6Yw==");
}

namespace {

// Pages served by vigia's own HTTP server.
struct Pages {
  std::mutex mu;
  std::string last_auth;
  HttpServer server{HttpServer::Options{"127.0.0.1:0", 4}};
  Pages() {
    server.handle("/ok", [](const HttpRequest&, HttpResponse& resp) { resp.body = kPage; });
    server.handle("/error", [](const HttpRequest&, HttpResponse& resp) {
      resp.status = 500;
      resp.body = kPage;  // a good body does not make a 500 up
    });
    server.handle("/html",
                  [](const HttpRequest&, HttpResponse& resp) { resp.body = "<html>welcome</html>"; });
    server.handle("/auth", [this](const HttpRequest& req, HttpResponse& resp) {
      std::lock_guard lock(mu);
      last_auth = std::string(req.header("Authorization"));
      resp.status = last_auth == "Basic bW9uOnMzY3JldA==" ? 200 : 401;  // mon:s3cret
      resp.body = kPage;
    });
    REQUIRE(server.start().is_ok());
  }
  ~Pages() { server.stop(); }
  std::string url(const char* path) { return "http://127.0.0.1:" + std::to_string(server.port()) + path; }
};

int closed_port() {
  HttpServer s{HttpServer::Options{"127.0.0.1:0", 1}};
  REQUIRE(s.start().is_ok());
  int port = s.port();
  s.stop();
  return port;
}

std::string collect(ServiceCollector& c) {
  TextEncoder enc;
  CollectContext ctx;
  ctx.deadline = Clock::now() + 10s;
  REQUIRE(c.collect(ctx, enc).is_ok());
  std::string out;
  enc.finish(out);
  return out;
}

}  // namespace

TEST_CASE("nginx collector: one target down costs no other") {
  Pages pages;
  ::setenv("VIGIA_TEST_NGINX_PW", "s3cret", 1);
  std::vector<TargetConfig> t = {
      {"good", pages.url("/ok"), "", {}},
      {"error", pages.url("/error"), "", {}},
      {"html", pages.url("/html"), "", {}},
      {"closed", "http://127.0.0.1:" + std::to_string(closed_port()) + "/", "", {}},
      {"auth", pages.url("/auth"), "mon", SecretRef{"", "VIGIA_TEST_NGINX_PW"}},
      {"badauth", pages.url("/auth"), "mon", SecretRef{"", "VIGIA_TEST_NGINX_NO_SUCH_VAR"}},
  };
  auto c = make_collector(t);
  std::string out = collect(*c);
  INFO(out);
  CHECK(out.find("# HELP nginx_up Status of the last metric scrape\n# TYPE nginx_up gauge\n") !=
        std::string::npos);
  CHECK(out.find("nginx_up{target=\"good\"} 1\n") != std::string::npos);
  CHECK(out.find("nginx_up{target=\"auth\"} 1\n") != std::string::npos);
  for (const char* down : {"error", "html", "closed", "badauth"})
    CHECK(out.find("nginx_up{target=\"" + std::string(down) + "\"} 0\n") != std::string::npos);
  CHECK(out.find("# TYPE nginx_connections_accepted counter\n") != std::string::npos);
  CHECK(out.find("# TYPE nginx_connections_active gauge\n") != std::string::npos);
  CHECK(out.find("# TYPE nginx_http_requests_total counter\n") != std::string::npos);
  CHECK(out.find("nginx_connections_accepted{target=\"good\"} 17\n") != std::string::npos);
  CHECK(out.find("nginx_connections_handled{target=\"auth\"} 16\n") != std::string::npos);
  CHECK(out.find("nginx_http_requests_total{target=\"good\"} 42\n") != std::string::npos);
  CHECK(out.find("nginx_connections_waiting{target=\"good\"} 2\n") != std::string::npos);
  // A target that is down writes nothing but nginx_up.
  for (const char* down : {"error", "html", "closed", "badauth"})
    CHECK(out.find("nginx_connections_active{target=\"" + std::string(down) + "\"}") == std::string::npos);
  CHECK(out.find("s3cret") == std::string::npos);

  // /probe: one target, no target label.
  TextEncoder enc;
  CollectContext ctx;
  ctx.deadline = Clock::now() + 10s;
  REQUIRE(c->collect_target("good", ctx, enc).is_ok());
  std::string probe;
  enc.finish(probe);
  CHECK(probe.find("nginx_up 1\n") != std::string::npos);
  CHECK(probe.find("nginx_http_requests_total 42\n") != std::string::npos);
  CHECK(probe.find("target=") == std::string::npos);
  ::unsetenv("VIGIA_TEST_NGINX_PW");
}

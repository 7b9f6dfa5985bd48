// ScrapeTarget against a real HTTP server (vigia's civetweb server on a free
// loopback port), serving what each test case sets.
#include <catch.hpp>

#include <atomic>
#include <mutex>
#include <thread>

#include "alerting/promql/parser.h"
#include "alerting/store/http_target.h"
#include "core/http_server.h"

using namespace vigia;
using namespace vigia::promql;
using namespace std::chrono_literals;
using store::ScrapeTarget;
using store::ScrapeTargetConfig;
using store::Store;

namespace {

struct Exporter {
  std::mutex mu;
  std::string body = "# TYPE a gauge\na{x=\"1\"} 1\na{x=\"2\"} 2\n";
  int status = 200;
  std::chrono::milliseconds delay{0};
  std::string last_accept_encoding, last_timeout_header;
  HttpServer server{HttpServer::Options{"127.0.0.1:0", 4}};

  Exporter() {
    server.handle("/metrics", [this](const HttpRequest& req, HttpResponse& resp) {
      std::unique_lock lock(mu);
      last_accept_encoding = std::string(req.header("Accept-Encoding"));
      last_timeout_header = std::string(req.header("X-Prometheus-Scrape-Timeout-Seconds"));
      auto d = delay;
      resp.status = status;
      resp.content_type = "text/plain; version=0.0.4";
      // No Catch macros here: this runs on the server's threads.
      if (accepts_gzip(req.header("Accept-Encoding"))) {
        if (!gzip_compress(body, resp.body)) resp.status = 599;
        resp.headers.emplace_back("Content-Encoding", "gzip");
      } else {
        resp.body = body;
      }
      lock.unlock();
      std::this_thread::sleep_for(d);
    });
    server.handle("/moved", [](const HttpRequest&, HttpResponse& resp) {
      resp.status = 302;
      resp.headers.emplace_back("Location", "/metrics");
    });
    REQUIRE(server.start().is_ok());
  }
  ~Exporter() { server.stop(); }
  std::string url() { return "http://127.0.0.1:" + std::to_string(server.port()) + "/metrics"; }
  void set(std::string b, int s = 200) {
    std::lock_guard lock(mu);
    body = std::move(b);
    status = s;
  }
};

Vector eval(const Store& st, const char* expr, int64_t t) {
  ParseResult p = parse(expr);
  REQUIRE(p.ok());
  QueryResult r = evaluate_instant(*p.expr, st, t);
  REQUIRE(r.ok());
  return r.vector;
}

}  // namespace

TEST_CASE("scrape target: gzip, labels, report series, stale series, failures") {
  Exporter ex;
  Store st;
  ScrapeTarget target(ScrapeTargetConfig{ex.url(), {{"job", "app"}}, 5000ms});
  std::string instance = "127.0.0.1:" + std::to_string(ex.server.port());
  CHECK(label_value(target.labels(), "instance") == instance);

  auto r = target.scrape(st, 0);
  INFO(target.last_error());
  REQUIRE(r.up);
  CHECK(r.samples == 2);
  CHECK(ex.last_accept_encoding.find("gzip") != std::string::npos);
  CHECK(ex.last_timeout_header == "5");
  auto a = eval(st, "a", 0);
  REQUIRE(a.size() == 2);
  CHECK(labels_string(a[0].labels) ==
        "{__name__=\"a\", instance=\"" + instance + "\", job=\"app\", x=\"1\"}");
  CHECK(eval(st, "up{job=\"app\"}", 0).at(0).v == 1);
  CHECK(eval(st, "scrape_samples_scraped{job=\"app\"}", 0).at(0).v == 2);

  CHECK(eval(st, "scrape_series_added{job=\"app\"}", 0).at(0).v == 2);

  // A redirect is followed, as Prometheus follows it.
  {
    std::string moved = ex.url();
    moved.replace(moved.rfind("/metrics"), 8, "/moved");
    Store other;
    ScrapeTarget redirected(ScrapeTargetConfig{moved, {{"job", "moved"}}, 5000ms});
    CHECK(redirected.scrape(other, 0).samples == 2);
  }

  // A series goes away: stale at the next scrape.
  ex.set("# TYPE a gauge\na{x=\"1\"} 1\n");
  CHECK(target.scrape(st, 15000).series_added == 0);
  CHECK(eval(st, "scrape_series_added{job=\"app\"}", 15000).at(0).v == 0);
  CHECK(eval(st, "a", 15000).size() == 1);
  CHECK(eval(st, "a", 14999).size() == 2);

  // HTTP 500: up 0, the target's series stale.
  ex.set("oops", 500);
  r = target.scrape(st, 30000);
  CHECK_FALSE(r.up);
  CHECK(target.last_error() == "server returned HTTP status 500");
  CHECK(eval(st, "up{job=\"app\"}", 30000).at(0).v == 0);
  CHECK(eval(st, "a", 30000).empty());

  // Back, then an exposition that does not parse: the partial scrape is
  // discarded, as Prometheus does.
  ex.set("a{x=\"1\"} 1\n");
  CHECK(target.scrape(st, 45000).up);
  CHECK(eval(st, "a", 45000).size() == 1);
  ex.set("a{x=\"1\"} 1\nb{ 2\n");
  r = target.scrape(st, 60000);
  CHECK_FALSE(r.up);
  CHECK(target.last_error().find("line 2:") != std::string::npos);
  CHECK(eval(st, "a", 60000).empty());

  // Slower than the timeout.
  ex.set("a 1\n");
  {
    std::lock_guard lock(ex.mu);
    ex.delay = 1500ms;
  }
  ScrapeTarget slow(ScrapeTargetConfig{ex.url(), {{"job", "slow"}}, 200ms});
  r = slow.scrape(st, 75000);
  CHECK_FALSE(r.up);
  INFO(slow.last_error());
  CHECK(slow.last_error().find("timed out") != std::string::npos);
  CHECK(eval(st, "up{job=\"slow\"}", 75000).at(0).v == 0);

  // Larger than the body limit: a failed scrape, not a full memory.
  {
    std::lock_guard lock(ex.mu);
    ex.delay = 0ms;
    ex.body.clear();
    for (int i = 0; i < 20000; ++i) ex.body += "big{i=\"" + std::to_string(i) + "\"} 1\n";
  }
  store::ScrapeTargetConfig big_cfg{ex.url(), {{"job", "big"}}, 5000ms};
  big_cfg.max_body_bytes = 100000;
  ScrapeTarget big(big_cfg);
  CHECK_FALSE(big.scrape(st, 80000).up);
  CHECK(big.last_error().find("body larger than 100000 bytes") != std::string::npos);
  big_cfg.max_body_bytes = 1 << 20;
  CHECK(ScrapeTarget(big_cfg).scrape(st, 80000).samples == 20000);

  // Timestamps in the exposition are honoured, and such series never go stale.
  ex.set("ts_metric 5 70000\nplain 1\nfuture 1 99999999\n");
  ScrapeTarget stamped(ScrapeTargetConfig{ex.url(), {{"job", "stamped"}}, 5000ms});
  auto stamp_r = stamped.scrape(st, 85000);
  REQUIRE(stamp_r.up);
  CHECK(stamp_r.samples == 3);
  auto ts = eval(st, "timestamp(ts_metric)", 85000);
  REQUIRE(ts.size() == 1);
  CHECK(ts[0].v == 70);
  CHECK(eval(st, "timestamp(plain)", 85000).at(0).v == 85);
  CHECK(eval(st, "future", 85000).empty());  // more than 10 minutes ahead: refused
  ex.set("other 1\n");
  stamped.scrape(st, 100000);
  CHECK(eval(st, "plain", 100000).empty());
  CHECK(eval(st, "ts_metric", 100000).size() == 1);  // no marker: visible until the lookback passes

  // Removed: every series stale.
  target.stop(st, 90000);
  CHECK(eval(st, "{job=\"app\"}", 90000).empty());
}

TEST_CASE("credentials in a target URL never reach errors") {
  // A port nothing listens on: bind one, then close it.
  int port;
  {
    HttpServer s(HttpServer::Options{"127.0.0.1:0", 1});
    REQUIRE(s.start().is_ok());
    port = s.port();
    s.stop();
  }
  Store st;
  ScrapeTarget t(ScrapeTargetConfig{
      "http://scraper:s3cr3t-pw@127.0.0.1:" + std::to_string(port) + "/metrics", {{"job", "x"}}, 2000ms});
  CHECK(label_value(t.labels(), "instance") == "127.0.0.1:" + std::to_string(port));
  CHECK_FALSE(t.scrape(st, 0).up);
  CHECK(t.last_error().find("s3cr3t") == std::string::npos);
  CHECK(t.last_error().find("scraper:xxxxx@127.0.0.1") != std::string::npos);
  CHECK(redact_url("https://u:p@h:1/x?y=@") == "https://u:xxxxx@h:1/x?y=@");
  CHECK(redact_url("http://h/x") == "http://h/x");
  CHECK(url_host_port("https://u:p@example.org/metrics") == "example.org:443");
  CHECK(url_host_port("http://[::1]:9100/metrics") == "[::1]:9100");
}

TEST_CASE("a scraper runs its targets together and stops removed ones") {
  Exporter e1, e2;
  Store st;
  store::Scraper sc;
  sc.set_targets({{e1.url(), {{"job", "one"}}, 5000ms}, {e2.url(), {{"job", "two"}}, 5000ms}}, st, 0);
  auto reports = sc.scrape_all(st, 0);
  REQUIRE(reports.size() == 2);
  CHECK(reports[0].up);
  CHECK(reports[1].up);
  CHECK(eval(st, "count(a)", 0).at(0).v == 4);
  sc.set_targets({{e1.url(), {{"job", "one"}}, 5000ms}}, st, 15000);
  CHECK(sc.size() == 1);
  CHECK(eval(st, "{job=\"two\"}", 15000).empty());
  CHECK(eval(st, "count(a)", 15000).at(0).v == 2);
}

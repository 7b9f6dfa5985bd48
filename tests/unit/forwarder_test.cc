// Forwarding alerts to external Alertmanagers (alerting/forwarder.h) with a
// stepped clock: a rule group evaluated at chosen times, its alerts turned
// into Prometheus's notifier alerts (notify::alerts_from_rule, as vigia run
// does) and POSTed through a recording poster. Expected behaviour: Prometheus
// 2.42's rules/alerting.go (sendAlerts) and notifier/notifier.go.
#include <catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <mutex>
#include <set>
#include <nlohmann/json.hpp>

#include "alerting/forwarder.h"
#include "alerting/notify/alert_json.h"
#include "alerting/notify/notifier.h"
#include "alerting/promql/parser.h"
#include "alerting/promql/printer.h"
#include "alerting/rules/group.h"
#include "alerting/store/store.h"
#include "core/exposition.h"

using namespace vigia;
using namespace vigia::alerting;
using nlohmann::json;

namespace {

constexpr int64_t kSec = 1000;
constexpr int64_t kMin = 60 * kSec;
// Times are offsets from kT0 (0 is Go's zero time, never a real send's).
constexpr int64_t kT0 = 1700000000000;
std::string at(int64_t offset_ms) { return notify::api_time(kT0 + offset_ms); }

struct Post {
  size_t index;
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  json body;
};

// A rule `x > 0` over a stored gauge x, evaluated every 15 s (the group's
// interval) with the given resend delay; what it sends goes to a Forwarder
// whose POSTs are recorded (answered `status`, or a transport error for an
// Alertmanager whose index is in `down`).
struct Rig {
  store::Store st;
  LocalQuerier q{st};
  std::unique_ptr<Group> group;
  std::unique_ptr<Forwarder> fwd;
  std::vector<Post> posts;  // the forwarder posts to every Alertmanager at once: guarded by posts_mu
  std::mutex posts_mu;
  std::set<size_t> down;
  std::string expr_printed;

  Rig(int64_t resend_delay_ms, size_t n_ams = 1, size_t capacity = kForwardQueueCapacity) {
    st.set_retention(100 * 86400000LL);
    std::vector<GroupDef> defs;
    auto errs = parse_rule_file(R"(
groups:
  - name: g
    interval: 15s
    rules:
      - alert: High
        expr: x>0
        labels: {severity: page, cluster: from-rule}
        annotations: {summary: "x is {{ $value }}"}
)",
                                "t.yml", defs);
    REQUIRE(errs.empty());
    GroupOptions go;
    go.resend_delay_ms = resend_delay_ms;
    group = std::make_unique<Group>(defs[0], go);
    ForwarderOptions fo;
    for (size_t i = 0; i < n_ams; ++i) {
      AlertmanagerTarget t;
      t.url = "http://am" + std::to_string(i) + ":9093/prefix";
      fo.alertmanagers.push_back(t);
    }
    fo.alertmanagers[0].username = "prom";
    fo.alertmanagers[0].password = "s3cret";
    fo.queue_capacity = capacity;
    fo.post = [this](size_t i, const HttpClientRequest& req) {
      HttpClientResponse resp;
      {
        std::lock_guard<std::mutex> lock(posts_mu);
        posts.push_back({i, req.url, req.headers, json::parse(req.body)});
      }
      if (down.count(i))
        resp.error = "Post \"" + req.url + "\": Connection refused";
      else
        resp.status = 200;
      return resp;
    };
    fwd = std::make_unique<Forwarder>(std::move(fo));
  }

  void set_x(int64_t t, double v) { st.append({{"__name__", "x"}, {"job", "j"}}, kT0 + t, v); }

  // Evaluates at t; the alerts due go through alerts_from_rule (external
  // labels cluster=vps-1, region=eu) to the forwarder; then every batch is sent.
  void eval(int64_t offset) {
    int64_t t = kT0 + offset;
    NotifyFn notify = [&](const RuleDef& rule, const std::vector<Alert>& alerts) {
      expr_printed = promql::print(*rule.expr);
      fwd->send(notify::alerts_from_rule(expr_printed, alerts, {{"cluster", "vps-1"}, {"region", "eu"}},
                                         "http://vigia:9910", t));
    };
    group->evaluate(t, q, &st, notify);
    while (fwd->flush_batch()) {
    }
  }
};

// The error of loading `text` as vigia.yml (the test fails if there is none).
std::string load_err(const std::string& text) {
  Config c;
  Status st = load_config_text(text, "vigia.yml", {}, c);
  REQUIRE(st.is_error());
  return st.message();
}

std::string metrics_text(const Forwarder& f) {
  return encode_text([&](MetricSink& s) { f.write_metrics(s); });
}

}  // namespace

TEST_CASE("forwarded alerts: Prometheus's fields, endsAt = now + 4 x max(interval, resend delay)") {
  Rig r(2 * kSec);  // resend 2 s < interval 15 s: endsAt is 4 x 15 s ahead
  r.set_x(0, 5);
  r.eval(0);
  REQUIRE(r.posts.size() == 1);
  const Post& p = r.posts[0];
  CHECK(p.url == "http://am0:9093/prefix/api/v2/alerts");
  bool ctype = false, auth = false;
  for (const auto& [k, v] : p.headers) {
    ctype = ctype || (k == "Content-Type" && v == "application/json");
    auth = auth || (k == "Authorization" && v == basic_auth_header("prom", "s3cret"));
  }
  CHECK(ctype);
  CHECK(auth);
  REQUIRE(p.body.is_array());
  REQUIRE(p.body.size() == 1);
  const json& a = p.body[0];
  // Labels: the rule's (its cluster wins over the external label), then the
  // external labels it does not have.
  CHECK(a["labels"] == json{{"alertname", "High"},
                            {"cluster", "from-rule"},
                            {"job", "j"},
                            {"region", "eu"},
                            {"severity", "page"}});
  CHECK(a["annotations"] == json{{"summary", "x is 5"}});
  CHECK(a["startsAt"] == at(0));
  CHECK(a["endsAt"] == at(4 * 15 * kSec));
  CHECK(r.expr_printed == "x > 0");  // Prometheus's printing, not the file's text
  CHECK(a["generatorURL"] == "http://vigia:9910/graph?g0.expr=x+%3E+0&g0.tab=1");
  // Go's field order of models.PostableAlert.
  std::string body = Forwarder::postable_alerts_json({});
  CHECK(body == "[]");
}

TEST_CASE("resend: not before the resend delay, then every time it has passed; resolved sent with its time") {
  Rig r(1 * kMin);  // resend 1 m > interval 15 s: endsAt is 4 x 1 m ahead
  r.set_x(0, 1);
  r.eval(0);
  REQUIRE(r.posts.size() == 1);
  CHECK(r.posts[0].body[0]["endsAt"] == at(4 * kMin));
  for (int64_t t = 15 * kSec; t <= 60 * kSec; t += 15 * kSec) {
    r.set_x(t, 1);
    r.eval(t);
  }
  CHECK(r.posts.size() == 1);  // 60 s after the send is not "after" the delay
  r.set_x(75 * kSec, 1);
  r.eval(75 * kSec);
  REQUIRE(r.posts.size() == 2);
  CHECK(r.posts[1].body[0]["startsAt"] == at(0));  // unchanged: when it fired
  CHECK(r.posts[1].body[0]["endsAt"] == at(75 * kSec + 4 * kMin));

  // x drops to 0 at 90 s: resolved at once (not waiting for the delay), endsAt = the resolve time.
  r.set_x(90 * kSec, 0);
  r.eval(90 * kSec);
  REQUIRE(r.posts.size() == 3);
  CHECK(r.posts[2].body[0]["endsAt"] == at(90 * kSec));
  CHECK(r.posts[2].body[0]["startsAt"] == at(0));
  // A resolved alert is sent again every resend delay while kept (15 m), as Prometheus does.
  r.set_x(105 * kSec, 0);
  r.eval(105 * kSec);
  CHECK(r.posts.size() == 3);
  r.set_x(165 * kSec, 0);
  r.eval(165 * kSec);
  REQUIRE(r.posts.size() == 4);
  CHECK(r.posts[3].body[0]["endsAt"] == at(90 * kSec));

  // Firing again: a new alert (new startsAt), sent at once.
  r.set_x(180 * kSec, 3);
  r.eval(180 * kSec);
  REQUIRE(r.posts.size() == 5);
  CHECK(r.posts[4].body[0]["startsAt"] == at(180 * kSec));
  CHECK(r.posts[4].body[0]["endsAt"] == at(180 * kSec + 4 * kMin));
}

TEST_CASE("every Alertmanager gets each batch; one that fails is counted, never a password in metrics") {
  Rig r(1 * kMin, 2);
  r.down.insert(1);
  r.set_x(0, 1);
  r.eval(0);
  REQUIRE(r.posts.size() == 2);
  CHECK(r.posts[0].body == r.posts[1].body);
  std::string m = metrics_text(*r.fwd);
  INFO(m);
  CHECK(m.find("vigia_notifications_sent_total{alertmanager=\"http://am0:9093/prefix/api/v2/alerts\"} 1") !=
        std::string::npos);
  CHECK(m.find("vigia_notifications_sent_total{alertmanager=\"http://am1:9093/prefix/api/v2/alerts\"} 1") !=
        std::string::npos);
  CHECK(m.find("vigia_notifications_errors_total{alertmanager=\"http://am0:9093/prefix/api/v2/alerts\"} 0") !=
        std::string::npos);
  CHECK(m.find("vigia_notifications_errors_total{alertmanager=\"http://am1:9093/prefix/api/v2/alerts\"} 1") !=
        std::string::npos);
  CHECK(m.find("vigia_notifications_dropped_total 0") != std::string::npos);  // one accepted it
  CHECK(m.find("vigia_notifications_queue_capacity 10000") != std::string::npos);
  CHECK(m.find("vigia_notifications_alertmanagers_discovered 2") != std::string::npos);
  CHECK(m.find("s3cret") == std::string::npos);

  // Both down: the batch is dropped (counted), not retried; the next resend carries it.
  r.down.insert(0);
  r.set_x(75 * kSec, 1);
  r.eval(75 * kSec);
  CHECK(r.posts.size() == 4);
  m = metrics_text(*r.fwd);
  CHECK(m.find("vigia_notifications_dropped_total 1") != std::string::npos);
  CHECK(m.find("vigia_notifications_queue_length 0") != std::string::npos);
}

TEST_CASE("the queue is bounded: the oldest alerts are dropped and counted; batches of 64") {
  ForwarderOptions fo;
  fo.alertmanagers.push_back(AlertmanagerTarget{});
  fo.alertmanagers[0].url = "http://am:9093";
  fo.queue_capacity = 100;
  std::vector<json> bodies;
  fo.post = [&](size_t, const HttpClientRequest& req) {
    bodies.push_back(json::parse(req.body));
    HttpClientResponse resp;
    resp.status = 202;
    return resp;
  };
  Forwarder f(std::move(fo));
  auto alerts = [](int from, int n) {
    std::vector<notify::Alert> out;
    for (int i = from; i < from + n; ++i) {
      notify::Alert a;
      a.labels = notify::LabelSet{{"alertname", "A"}, {"i", std::to_string(i)}};
      a.starts_at_ms = 1000;
      a.ends_at_ms = 2000;
      out.push_back(a);
    }
    return out;
  };
  f.send(alerts(0, 80));
  f.send(alerts(80, 40));  // 120 > 100: the 20 oldest go
  CHECK(f.queue_length() == 100);
  f.send(alerts(120, 150));  // larger than the queue: its own 50 oldest, then the whole queue
  CHECK(f.queue_length() == 100);
  std::string m = metrics_text(f);
  CHECK(m.find("vigia_notifications_dropped_total 170") != std::string::npos);
  CHECK(m.find("vigia_notifications_queue_length 100") != std::string::npos);
  while (f.flush_batch()) {
  }
  REQUIRE(bodies.size() == 2);
  CHECK(bodies[0].size() == 64);
  CHECK(bodies[1].size() == 36);
  CHECK(bodies[0][0]["labels"]["i"] == "170");  // the oldest kept
  CHECK(bodies[1][35]["labels"]["i"] == "269");
  CHECK(!bodies[0][0].contains("annotations"));   // empty: omitted, as Go's omitempty
  CHECK(!bodies[0][0].contains("generatorURL"));  // likewise
  CHECK(f.queue_length() == 0);
  m = metrics_text(f);
  CHECK(m.find("vigia_notifications_sent_total{alertmanager=\"http://am:9093/api/v2/alerts\"} 100") !=
        std::string::npos);
}

TEST_CASE("a password_file is read at each send; a missing one is an error naming the file") {
  std::string dir = "/tmp/vigia-forwarder-test-" + std::to_string(::getpid());
  std::string file = dir + ".pw";
  { std::ofstream(file) << "filepass\n"; }
  ForwarderOptions fo;
  fo.alertmanagers.push_back(AlertmanagerTarget{});
  fo.alertmanagers[0].url = "http://am:9093";
  fo.alertmanagers[0].username = "u";
  fo.alertmanagers[0].password_ref.file = file;
  std::vector<std::string> auths;
  fo.post = [&](size_t, const HttpClientRequest& req) {
    for (const auto& [k, v] : req.headers)
      if (k == "Authorization") auths.push_back(v);
    HttpClientResponse resp;
    resp.status = 200;
    return resp;
  };
  Forwarder f(std::move(fo));
  notify::Alert a;
  a.labels = notify::LabelSet{{"alertname", "A"}};
  f.send({a});
  CHECK(f.flush_batch());
  REQUIRE(auths.size() == 1);
  CHECK(auths[0] == basic_auth_header("u", "filepass"));
  std::remove(file.c_str());
  f.send({a});
  CHECK(f.flush_batch());
  CHECK(auths.size() == 1);  // not sent without its password
  std::string m = metrics_text(f);
  CHECK(m.find("vigia_notifications_errors_total{alertmanager=\"http://am:9093/api/v2/alerts\"} 1") !=
        std::string::npos);
  CHECK(m.find("vigia_notifications_dropped_total 1") != std::string::npos);
}

TEST_CASE("alerting.alertmanagers and resend_delay") {
  Config c;
  Status st = load_config_text(
      "alerting:\n"
      "  resend_delay: 2s\n"
      "  alertmanagers:\n"
      "    - url: http://127.0.0.1:9093/\n"
      "    - url: https://am.example:9443/prefix\n"
      "      timeout: 3s\n"
      "      basic_auth: {username: prom, password_file: /run/secrets/am}\n"
      "      tls_config: {ca_file: /etc/ca.pem, server_name: am}\n"
      "    - url: http://b:9093\n"
      "      basic_auth: {username: u, password: inline}\n",
      "vigia.yml", {}, c);
  INFO(st.message());
  REQUIRE(st.is_ok());
  CHECK(c.alerting.resend_delay_seconds == 2);
  REQUIRE(c.alerting.alertmanagers.size() == 3);
  const auto& a = c.alerting.alertmanagers;
  CHECK(a[0].url == "http://127.0.0.1:9093");  // trailing slash dropped
  CHECK(a[0].timeout_seconds == 10);           // Prometheus's default
  CHECK(a[0].username.empty());
  CHECK(a[1].url == "https://am.example:9443/prefix");
  CHECK(a[1].timeout_seconds == 3);
  CHECK(a[1].username == "prom");
  CHECK(a[1].password_ref.file == "/run/secrets/am");
  CHECK(a[1].tls.ca_file == "/etc/ca.pem");
  CHECK(a[1].tls.server_name == "am");
  CHECK(a[2].password == "inline");

  Config d;
  REQUIRE(load_config_text("alerting: {}\n", "vigia.yml", {}, d).is_ok());
  CHECK(d.alerting.resend_delay_seconds == 60);
  CHECK(d.alerting.alertmanagers.empty());
}

TEST_CASE("alerting.alertmanagers errors name file:line:column, never a password") {
  CHECK(load_err("alerting:\n  alertmanagers: {url: http://a}\n") ==
        "vigia.yml:2:18: alerting.alertmanagers must be a list of {url: ...}");
  CHECK(load_err("alerting:\n  alertmanagers:\n    - {timeout: 1s}\n") ==
        "vigia.yml:3:7: alerting.alertmanagers[0]: missing key 'url'");
  CHECK(load_err("alerting:\n  alertmanagers:\n    - url: http://a\n    - url: am:9093\n") ==
        "vigia.yml:4:12: alerting.alertmanagers[1].url: expected an http:// or https:// URL");
  CHECK(load_err("alerting:\n  alertmanagers:\n    - {url: http://a, scheme: http}\n") ==
        "vigia.yml:3:23: unknown key 'scheme' in alerting.alertmanagers[0]");
  CHECK(load_err("alerting:\n  alertmanagers:\n    - {url: http://a, timeout: 0s}\n") ==
        "vigia.yml:3:32: alerting.alertmanagers[0].timeout must be positive");
  CHECK(load_err("alerting:\n  alertmanagers:\n    - url: http://a\n    - url: http://a/\n") ==
        "vigia.yml:4:12: alerting.alertmanagers[1].url: duplicate Alertmanager http://a");
  std::string e = load_err("alerting:\n  alertmanagers:\n    - url: http://u:s3cret@a:9093\n");
  CHECK(e.rfind("vigia.yml:3:12: alerting.alertmanagers[0].url: give credentials", 0) == 0);
  CHECK(e.find("s3cret") == std::string::npos);
  e = load_err(
      "alerting:\n  alertmanagers:\n    - url: http://a\n      basic_auth: {username: u, password: s3cret, "
      "password_file: /f}\n");
  CHECK(e.rfind("vigia.yml:4:", 0) == 0);
  CHECK(e.find("s3cret") == std::string::npos);
  CHECK(load_err("alerting:\n  alertmanagers:\n    - url: http://a\n      tls_config: {cert_file: c}\n")
            .rfind("vigia.yml:4:19: ", 0) == 0);
  CHECK(load_err("alerting:\n  resend_delay: 0s\n") ==
        "vigia.yml:2:17: alerting.resend_delay must be positive");
}

// The notifier's engine (alerting/notify/): matchers and their parser, the
// routing tree (continue, nested routes, keys), aggregation groups on a
// stepped clock, inhibition, time intervals (a location, month and day
// edges), and the config reader's errors. The expectations are
// Alertmanager 0.25's documented or source behaviour; the whole-config and
// routing comparison with amtool itself is test_notify_engine_amtool.py.
#include <catch.hpp>

#include <cstdio>
#include <fstream>
#include <unistd.h>

#include "alerting/notify/config.h"
#include "alerting/notify/dispatch.h"
#include "alerting/notify/inhibit.h"
#include "alerting/notify/matcher.h"
#include "alerting/notify/route.h"
#include "alerting/notify/time_interval.h"
#include "core/yaml_reader.h"

using namespace vigia;
using namespace vigia::notify;

namespace {

LabelSet ls(std::initializer_list<std::pair<const char*, const char*>> kv) {
  LabelSet ls;
  for (auto& [k, v] : kv) ls.emplace_back(k, v);
  std::sort(ls.begin(), ls.end());
  return ls;
}

Matcher matcher(const std::string& s) {
  Matcher m;
  std::string err;
  REQUIRE(parse_matcher(s, m, err));
  return m;
}

std::string parse_error(const std::string& s) {
  Matcher m;
  std::string err;
  if (parse_matcher(s, m, err)) return "";
  return err;
}

NotifyConfig config(const std::string& yaml) {
  NotifyConfig cfg;
  Status st = parse_notify_config(yaml, "am.yml", cfg);
  INFO(st.message());
  REQUIRE(st.is_ok());
  return cfg;
}

std::string config_error(const std::string& yaml) {
  NotifyConfig cfg;
  Status st = parse_notify_config(yaml, "am.yml", cfg);
  return st.is_ok() ? "" : st.message();
}

std::vector<std::string> receivers(const Route& r, const LabelSet& ls) {
  std::vector<std::string> out;
  for (const Route* m : r.match(ls)) out.push_back(m->opts().receiver);
  return out;
}

constexpr char kReceivers[] =
    "receivers: [{name: default}, {name: pager}, {name: db}, {name: pg}, {name: web}]\n";

// 2024-01-01T00:00:00Z in milliseconds, and a civil-time helper (UTC).
int64_t utc_ms(int y, int mo, int d, int h, int mi) {
  // days from civil (proleptic Gregorian)
  y -= mo <= 2;
  int era = (y >= 0 ? y : y - 399) / 400;
  int yoe = y - era * 400;
  int doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  int64_t days = static_cast<int64_t>(era) * 146097 + doe - 719468;
  return ((days * 24 + h) * 60 + mi) * 60'000;
}

}  // namespace

TEST_CASE("matcher parsing as labels.ParseMatcher") {
  CHECK(matcher("foo=bar").string() == "foo=\"bar\"");
  CHECK(matcher("  foo  =~  \"a.*\"  ").string() == "foo=~\"a.*\"");
  CHECK(matcher("foo!=\"\"").type() == MatchType::kNotEqual);
  CHECK(matcher("foo!~x").type() == MatchType::kNotRegexp);
  CHECK(matcher("a:b=c").name() == "a:b");
  CHECK(matcher("foo==bar").value() == "=bar");
  CHECK(matcher(R"(foo="a\"b")").value() == "a\"b");
  CHECK(matcher(R"(foo="a\\b")").value() == "a\\b");
  CHECK(matcher(R"(foo="a\nb")").value() == "a\nb");
  CHECK(matcher(R"(foo="a\qb")").value() == "a\\qb");  // a spurious escape stays
  CHECK(matcher(R"(foo=a\)").value() == "a\\");        // a trailing backslash is literal
  CHECK(matcher("foo=\"a\\\"b\"").string() == R"(foo="a\"b")");
  CHECK(matcher("foo=\"x\ny\"").string() == R"(foo="x\ny")");
  CHECK(parse_error("foo").rfind("bad matcher format: foo", 0) == 0);
  CHECK(parse_error("1foo=bar").rfind("bad matcher format", 0) == 0);
  CHECK(parse_error("foo=\"bar").rfind("matcher value contains unescaped double quote", 0) == 0);
  CHECK(parse_error("foo=\"b\"ar\"").rfind("matcher value contains unescaped double quote", 0) == 0);
  CHECK(parse_error("foo=b\"ar").rfind("matcher value contains unescaped double quote", 0) == 0);
  CHECK(parse_error("foo=~\"(\"").find("missing closing )") != std::string::npos);
  CHECK(parse_error("foo=\"\xff\"").rfind("matcher value not valid UTF-8", 0) == 0);
}

TEST_CASE("matchers list parsing, string and matching") {
  Matchers ms;
  std::string err;
  REQUIRE(parse_matchers(R"({foo="bar", baz=~"x.*", q="a,b"})", ms, err));
  REQUIRE(ms.size() == 3);
  CHECK(ms[2].value() == "a,b");
  sort_matchers(ms);
  CHECK(matchers_string(ms) == R"({baz=~"x.*",foo="bar",q="a,b"})");
  CHECK(matches(ms, ls({{"foo", "bar"}, {"baz", "xyz"}, {"q", "a,b"}})));
  CHECK_FALSE(matches(ms, ls({{"foo", "bar"}, {"baz", "axyz"}, {"q", "a,b"}})));  // anchored
  Matchers empty;
  CHECK(parse_matchers("", empty, err));
  CHECK(empty.empty());
  CHECK(parse_matchers("{a=b,}", empty, err));  // a trailing comma is no matcher
  CHECK(empty.size() == 1);
  Matchers bad;
  CHECK_FALSE(parse_matchers("{,a=b}", bad, err));  // an empty one before a comma is
  // A missing label is the empty string.
  Matchers ne;
  REQUIRE(parse_matchers(R"({team!="", env=~"|prod"})", ne, err));
  CHECK_FALSE(matches(ne, ls({{"env", "prod"}})));
  CHECK(matches(ne, ls({{"team", "db"}})));
  CHECK(go_labelset_string(ls({{"b", "x\"y"}, {"a", "1"}, {"a1", "2"}})) == R"({a1="2", a="1", b="x\"y"})");
  CHECK(go_quote("a\tb\x01\xc3\xa9\xff") == "\"a\\tb\\x01\xc3\xa9\\xff\"");
}

TEST_CASE("route matching with continue and nested routes, keys and options") {
  NotifyConfig cfg = config(std::string(R"(
route:
  receiver: default
  group_by: [alertname]
  group_wait: 10s
  routes:
    - matchers: ['severity="page"']
      receiver: pager
      continue: true
    - match: {team: db}
      receiver: db
      group_by: ['...']
      routes:
        - match_re: {service: "pg.*"}
          receiver: pg
          repeat_interval: 1h
    - matchers: [team=~"db|web"]
      receiver: web
)") + kReceivers);
  auto root = Route::build(cfg.route);
  CHECK(receivers(*root, ls({{"foo", "bar"}})) == std::vector<std::string>{"default"});
  // A matching child with continue is still a match: the parent is not added.
  CHECK(receivers(*root, ls({{"severity", "page"}})) == std::vector<std::string>{"pager"});
  CHECK(receivers(*root, ls({{"severity", "page"}, {"team", "db"}, {"service", "pgbouncer"}})) ==
        std::vector<std::string>{"pager", "pg"});
  // db matched (no continue): web is not tried; a db alert no child matches stays at db.
  CHECK(receivers(*root, ls({{"team", "db"}, {"service", "mysql"}})) == std::vector<std::string>{"db"});
  CHECK(receivers(*root, ls({{"team", "web"}})) == std::vector<std::string>{"web"});
  CHECK(receivers(*root, ls({{"service", "pg"}})) == std::vector<std::string>{"default"});
  const Route& pg = *root->routes()[1]->routes()[0];
  CHECK(root->key() == "{}");
  // match_re's value is the anchored source of Alertmanager's compiled Regexp.
  CHECK(pg.key() == R"({}/{team="db"}/{service=~"^(?:pg.*)$"})");
  CHECK(pg.opts().group_by_all);
  CHECK(pg.opts().group_wait_ms == 10'000);          // inherited
  CHECK(pg.opts().group_interval_ms == 5 * 60'000);  // Alertmanager's default
  CHECK(pg.opts().repeat_interval_ms == 3600'000);
  CHECK(root->routes()[0]->opts().group_by == std::vector<std::string>{"alertname"});
}

TEST_CASE("aggregation groups on a stepped clock") {
  NotifyConfig cfg = config(std::string(R"(
route:
  receiver: default
  group_by: [alertname]
  group_wait: 30s
  group_interval: 5m
  routes:
    - matchers: [severity="page"]
      receiver: pager
)") + kReceivers);
  auto root = std::shared_ptr<const Route>(Route::build(cfg.route));
  const int64_t t0 = utc_ms(2024, 1, 1, 0, 0);
  Dispatcher d(root, t0);
  Alert a;
  a.labels = ls({{"alertname", "HighLoad"}, {"severity", "page"}, {"instance", "b"}});
  a.starts_at_ms = t0;
  a.ends_at_ms = t0 + 60 * 60'000;
  a.updated_at_ms = t0;
  d.put(a, t0);
  CHECK(d.next_due_ms() == t0 + 30'000);
  CHECK(d.due(t0 + 29'999).empty());
  auto f = d.due(t0 + 30'000);
  REQUIRE(f.size() == 1);
  CHECK(f[0].notification.receiver == "pager");
  CHECK(f[0].notification.group_key == R"({}/{severity="page"}:{alertname="HighLoad"})");
  CHECK(f[0].notification.group_labels == ls({{"alertname", "HighLoad"}}));
  CHECK(f[0].notification.repeat_interval_ms == 4 * 3600'000);
  REQUIRE(f[0].notification.alerts.size() == 1);
  CHECK(f[0].notification.alerts[0].ends_at_ms == 0);  // firing: no end time
  // In flight: not flushed again until done().
  CHECK(d.due(t0 + 10 * 60'000).empty());
  d.done(f[0], true);
  // A second alert in the flushed group waits for the group_interval tick.
  Alert b = a;
  b.labels = ls({{"alertname", "HighLoad"}, {"severity", "page"}, {"instance", "a"}});
  b.starts_at_ms = b.updated_at_ms = t0 + 11 * 60'000;
  b.ends_at_ms = t0 + 60 * 60'000;
  d.put(b, t0 + 11 * 60'000);
  // The group's timer (t0 + 5m30s) fired during the flight: due now, next tick 5m later.
  auto f2 = d.due(t0 + 11 * 60'000);
  REQUIRE(f2.size() == 1);
  CHECK(f2[0].notification.alerts.size() == 2);
  d.done(f2[0], true);
  CHECK(d.next_due_ms() == t0 + 16 * 60'000);
  // Resolve a: its flush carries the end time; after a successful flush it leaves the group.
  Alert ar = a;
  ar.ends_at_ms = ar.updated_at_ms = t0 + 12 * 60'000;
  d.put(ar, t0 + 12 * 60'000);
  auto g = d.due(t0 + 17 * 60'000);
  REQUIRE(g.size() == 1);
  REQUIRE(g[0].notification.alerts.size() == 2);
  // AlertSlice order: instance "a" before "b".
  CHECK(label_of(g[0].notification.alerts[0].labels, "instance") == "a");
  CHECK(g[0].notification.alerts[1].ends_at_ms == t0 + 12 * 60'000);
  d.done(g[0], false);  // a failed notification keeps the resolved alert
  auto h = d.due(t0 + 22 * 60'000);
  REQUIRE(h.size() == 1);
  CHECK(h[0].notification.alerts.size() == 2);
  d.done(h[0], true);
  REQUIRE(d.groups().size() == 1);
  CHECK(d.groups()[0].alerts.size() == 1);
  // b resolves; after the successful flush the group is empty, then removed.
  Alert br = b;
  br.ends_at_ms = br.updated_at_ms = t0 + 23 * 60'000;
  d.put(br, t0 + 23 * 60'000);
  auto k = d.due(t0 + 27 * 60'000);
  REQUIRE(k.size() == 1);
  d.done(k[0], true);
  CHECK(d.groups().empty());
  CHECK(d.group_count() == 1);
  d.due(t0 + 28 * 60'000);
  CHECK(d.group_count() == 0);
}

TEST_CASE("an alert older than group_wait flushes its new group at once") {
  NotifyConfig cfg = config(std::string("route:\n  receiver: default\n  group_wait: 30s\n") + kReceivers);
  auto root = std::shared_ptr<const Route>(Route::build(cfg.route));
  const int64_t t0 = utc_ms(2024, 1, 1, 0, 0);
  Dispatcher d(root, t0);
  Alert a;
  a.labels = ls({{"alertname", "Old"}});
  a.starts_at_ms = t0 - 31'000;
  a.updated_at_ms = t0;
  a.ends_at_ms = t0 + 300'000;
  d.put(a, t0);
  auto f = d.due(t0);
  REQUIRE(f.size() == 1);
  CHECK(f[0].notification.group_key == "{}:{}");
  // An alert just inside group_wait waits.
  Dispatcher d2(root, t0);
  a.starts_at_ms = t0 - 30'000;
  d2.put(a, t0);
  CHECK(d2.due(t0).empty());
  CHECK(d2.due(t0 + 30'000).size() == 1);
}

TEST_CASE("the store merges an alert by fingerprint as types.Alert.Merge") {
  NotifyConfig cfg = config(std::string("route:\n  receiver: default\n") + kReceivers);
  auto root = std::shared_ptr<const Route>(Route::build(cfg.route));
  const int64_t t0 = utc_ms(2024, 1, 1, 0, 0);
  Dispatcher d(root, t0);
  Alert a;
  a.labels = ls({{"alertname", "X"}});
  a.starts_at_ms = t0;
  a.ends_at_ms = t0 + 600'000;
  a.updated_at_ms = t0;
  d.put(a, t0);
  Alert b = a;  // a later update, overlapping: the earliest start stays
  b.starts_at_ms = t0 + 60'000;
  b.ends_at_ms = t0 + 300'000;
  b.updated_at_ms = t0 + 60'000;
  b.timeout = true;
  Alert m = d.put(b, t0 + 60'000);
  CHECK(m.starts_at_ms == t0);
  CHECK(m.ends_at_ms == t0 + 600'000);  // the earlier, explicit, later end wins over a timeout
  auto snap = d.alerts();
  REQUIRE(snap.size() == 1);
  CHECK(snap[0].receivers == std::vector<std::string>{"default"});
}

TEST_CASE("intake defaults as Alertmanager's API") {
  Alert a;
  a.labels = ls({{"alertname", "X"}, {"empty", ""}});
  apply_intake_defaults(a, 1000, 300'000);
  CHECK(a.labels == ls({{"alertname", "X"}}));
  CHECK(a.starts_at_ms == 1000);
  CHECK(a.ends_at_ms == 301'000);
  CHECK(a.timeout);
  Alert r;
  r.ends_at_ms = 500;  // resolved, no start: starts when it ended
  apply_intake_defaults(r, 1000, 300'000);
  CHECK(r.starts_at_ms == 500);
  CHECK_FALSE(r.timeout);
  CHECK(r.updated_at_ms == 1000);
}

TEST_CASE("inhibition") {
  NotifyConfig cfg = config(std::string(R"(
route: {receiver: default}
inhibit_rules:
  - source_matchers: [severity="critical"]
    target_matchers: [severity=~"warning|critical"]
    equal: [cluster]
)") + kReceivers);
  Inhibitor ih(cfg.inhibit_rules);
  const int64_t t0 = utc_ms(2024, 1, 1, 0, 0);
  Alert src;
  src.labels = ls({{"alertname", "Down"}, {"severity", "critical"}, {"cluster", "a"}});
  src.starts_at_ms = t0;
  src.ends_at_ms = t0 + 600'000;
  ih.put(src);
  uint64_t by = 0;
  CHECK(ih.mutes(ls({{"severity", "warning"}, {"cluster", "a"}}), t0, &by));
  CHECK(by == fingerprint(src.labels));
  CHECK_FALSE(ih.mutes(ls({{"severity", "warning"}, {"cluster", "b"}}), t0));
  CHECK_FALSE(ih.mutes(ls({{"severity", "warning"}}), t0));  // missing vs "a"
  CHECK_FALSE(ih.mutes(ls({{"severity", "info"}, {"cluster", "a"}}), t0));
  // Matching both sides: never inhibited by itself nor another two-sided alert.
  CHECK_FALSE(ih.mutes(src.labels, t0));
  CHECK_FALSE(ih.mutes(ls({{"alertname", "Other"}, {"severity", "critical"}, {"cluster", "a"}}), t0));
  // A resolved source inhibits nothing.
  CHECK_FALSE(ih.mutes(ls({{"severity", "warning"}, {"cluster", "a"}}), t0 + 600'000));
  // Missing == missing for `equal`.
  Alert nocluster = src;
  nocluster.labels = ls({{"alertname", "Down"}, {"severity", "critical"}});
  ih.put(nocluster);
  CHECK(ih.mutes(ls({{"severity", "warning"}}), t0));
}

TEST_CASE("time intervals: weekdays, times, a location, months and days of the month") {
  NotifyConfig cfg = config(std::string(R"(
route:
  receiver: default
  routes:
    - matchers: [a=b]
      receiver: pager
      active_time_intervals: [berlin_business, month_end, new_year, sydney_morning, feb_last]
time_intervals:
  - name: berlin_business
    time_intervals:
      - times: [{start_time: "09:00", end_time: "17:00"}]
        weekdays: ['monday:friday']
        location: Europe/Berlin
  - name: month_end
    time_intervals:
      - days_of_month: ['-3:-1']
  - name: new_year
    time_intervals:
      - months: ['January']
        days_of_month: ['1']
        years: ['2024:2025']
  - name: sydney_morning
    time_intervals:
      - times: [{start_time: "06:00", end_time: "07:00"}]
        location: Australia/Sydney
  - name: feb_last
    time_intervals:
      - months: [february]
        days_of_month: ['-1']
  - name: march_last_berlin
    time_intervals:
      - months: [march]
        days_of_month: ['-1']
        location: Europe/Berlin
)") + kReceivers);
  auto& ti = cfg.time_intervals;
  // 2024-07-01 is a Monday; CEST is UTC+2.
  CHECK(in_time_interval(ti, "berlin_business", utc_ms(2024, 7, 1, 7, 0)));
  CHECK_FALSE(in_time_interval(ti, "berlin_business", utc_ms(2024, 7, 1, 6, 59)));
  CHECK_FALSE(
      in_time_interval(ti, "berlin_business", utc_ms(2024, 7, 1, 15, 0)));  // 17:00 local: end excluded
  // Winter: CET is UTC+1.
  CHECK(in_time_interval(ti, "berlin_business", utc_ms(2024, 1, 8, 8, 0)));
  CHECK_FALSE(in_time_interval(ti, "berlin_business", utc_ms(2024, 1, 8, 7, 59)));
  // Saturday 2024-07-06.
  CHECK_FALSE(in_time_interval(ti, "berlin_business", utc_ms(2024, 7, 6, 10, 0)));
  // Sunday 23:30 UTC is Monday 00:30 in Berlin but still outside 09-17.
  CHECK_FALSE(in_time_interval(ti, "berlin_business", utc_ms(2024, 7, 7, 23, 30)));
  // Beyond the TZif table: the POSIX footer's rule (2045-07-03 is a Monday).
  CHECK(in_time_interval(ti, "berlin_business", utc_ms(2045, 7, 3, 7, 30)));
  CHECK_FALSE(in_time_interval(ti, "berlin_business", utc_ms(2045, 7, 3, 6, 30)));
  // Sydney: AEDT (UTC+11) in January, AEST (UTC+10) in July.
  CHECK(in_time_interval(ti, "sydney_morning", utc_ms(2024, 1, 14, 19, 30)));
  CHECK_FALSE(in_time_interval(ti, "sydney_morning", utc_ms(2024, 7, 14, 19, 30)));
  CHECK(in_time_interval(ti, "sydney_morning", utc_ms(2024, 7, 14, 20, 30)));
  // Month ends in UTC: April has 30 days, a leap February 29.
  CHECK(in_time_interval(ti, "month_end", utc_ms(2024, 4, 28, 0, 0)));
  CHECK_FALSE(in_time_interval(ti, "month_end", utc_ms(2024, 4, 27, 23, 59)));
  CHECK(in_time_interval(ti, "feb_last", utc_ms(2024, 2, 29, 12, 0)));
  CHECK_FALSE(in_time_interval(ti, "feb_last", utc_ms(2024, 2, 28, 12, 0)));
  CHECK(in_time_interval(ti, "feb_last", utc_ms(2023, 2, 28, 12, 0)));
  CHECK(in_time_interval(ti, "new_year", utc_ms(2025, 1, 1, 5, 0)));
  CHECK_FALSE(in_time_interval(ti, "new_year", utc_ms(2026, 1, 1, 5, 0)));
  CHECK_FALSE(in_time_interval(ti, "new_year", utc_ms(2025, 2, 1, 5, 0)));
  // The notify stages: the page route is active only in its intervals.
  auto root = Route::build(cfg.route);
  const RouteOpts& page = root->routes()[0]->opts();
  CHECK_FALSE(time_muted(page, ti, utc_ms(2024, 7, 1, 7, 0)));           // berlin_business
  CHECK(time_muted(page, ti, utc_ms(2024, 7, 10, 3, 0)));                // in none of them
  CHECK_FALSE(time_muted(root->opts(), ti, utc_ms(2024, 7, 10, 3, 0)));  // no intervals: never muted
  RouteOpts mute;
  mute.mute_time_intervals = {"month_end"};
  CHECK(time_muted(mute, ti, utc_ms(2024, 4, 29, 0, 0)));
  CHECK_FALSE(time_muted(mute, ti, utc_ms(2024, 4, 2, 0, 0)));
  // Alertmanager 0.25 counts a month's days as whole 24 h spans between its
  // first and the next month's first, local time: March in Berlin loses an
  // hour to DST and counts 30 days, so "-1" is March 30th there (fixed
  // upstream after 0.25; 0.25 is the reference).
  CHECK(in_time_interval(ti, "march_last_berlin", utc_ms(2024, 3, 30, 12, 0)));
  CHECK_FALSE(in_time_interval(ti, "march_last_berlin", utc_ms(2024, 3, 31, 12, 0)));
}

TEST_CASE("config errors name file:line:column") {
  CHECK(config_error(std::string("route:\n  receiver: default\n  routes:\n    - matchers: ['foo']\n") +
                     kReceivers) == "am.yml:4:18: route.routes[0].matchers[0]: bad matcher format: foo");
  CHECK(config_error(std::string("route:\n  receiver: default\n  routes:\n    - receiver: nobody\n") +
                     kReceivers) == "am.yml:4:17: undefined receiver \"nobody\" used in route");
  CHECK(config_error(std::string("route:\n  receiver: default\n  group_by: ['...', a]\n") + kReceivers)
            .rfind("am.yml:3:13: route.group_by: cannot have wildcard", 0) == 0);
  CHECK(config_error(std::string("route:\n  receiver: default\n  group_wiat: 1s\n") + kReceivers) ==
        "am.yml:3:3: unknown key 'group_wiat' in route");
  CHECK(config_error(std::string("route:\n  receiver: default\n  matchers: [a=b]\n") + kReceivers) ==
        "am.yml:2:3: route: root route must not have any matchers");
  CHECK(config_error(
            "route:\n  receiver: p\nreceivers:\n  - name: p\n    pagerduty_configs: [{routing_key: x}]\n") ==
        "am.yml:5:5: receivers[0]: 'pagerduty_configs' is not supported by vigia");
  CHECK(config_error(
            "global:\n  http_config:\n    oauth2: {}\nroute: {receiver: d}\nreceivers: [{name: d}]\n") ==
        "am.yml:3:5: global.http_config: 'oauth2' is not supported by vigia");
  // tls_config as Alertmanager reads it (core/tls_options.h with yaml_v2): versions refused by
  // name, a null value is no value, a quoted bool is a string, cert_file alone is accepted.
  CHECK(config_error("global:\n  http_config:\n    tls_config: {min_version: TLS12}\nroute: {receiver: d}\n"
                     "receivers: [{name: d}]\n") ==
        "am.yml:3:18: global.http_config.tls_config: 'min_version' is not supported by vigia");
  CHECK(
      config_error("global:\n  http_config:\n    tls_config: {ca_file: null, insecure_skip_verify: 'true'}\n"
                   "route: {receiver: d}\nreceivers: [{name: d}]\n") ==
      "am.yml:3:55: global.http_config.tls_config.insecure_skip_verify: expected true or false, not a quoted "
      "string");
  CHECK(config_error("global:\n  http_config:\n    tls_config: {ca_file: ca.pem, ca: x}\n"
                     "route: {receiver: d}\nreceivers: [{name: d}]\n") ==
        "am.yml:3:35: unknown key 'ca' in global.http_config.tls_config");
  CHECK(config("global:\n  http_config:\n    tls_config: {cert_file: c.pem, server_name: s}\n"
               "route: {receiver: d}\nreceivers: [{name: d}]\n")
            .global.http_config.tls.cert_file == "./c.pem");  // Alertmanager's SetDirectory(".")
  CHECK(config_error(std::string("route:\n  receiver: default\n  group_interval: 0s\n") + kReceivers) ==
        "am.yml:3:19: route.group_interval cannot be zero");
  CHECK(config_error(
            "route:\n  receiver: m\nreceivers:\n  - name: m\n    email_configs:\n      - to: a@b.c\n") ==
        "am.yml:6:9: receivers[0].email_configs[0]: no global SMTP smarthost set");
  CHECK(config_error(
            std::string("route: {receiver: default}\ntime_intervals:\n  - name: t\n    time_intervals:\n"
                        "      - location: Mars/Base\n") +
            kReceivers) ==
        "am.yml:5:19: time_intervals[0].time_intervals[0].location: unknown time zone Mars/Base");
  CHECK(config_error("route: {receiver: [x\n").rfind("am.yml:", 0) == 0);
  // Secrets never appear in errors.
  CHECK(config_error(
            "global:\n  smtp_auth_password: hunter2\n  smtp_auth_password_file: /x\nroute: {receiver: d}\n"
            "receivers: [{name: d}]\n")
            .find("hunter2") == std::string::npos);
}

TEST_CASE("config_file: reads an alertmanager.yml; errors name that file") {
  char dir_tmpl[] = "/tmp/vigia-notify-XXXXXX";
  REQUIRE(mkdtemp(dir_tmpl));
  std::string dir = dir_tmpl;
  {
    std::ofstream(dir + "/alertmanager.yml") << "route:\n  receiver: default\n  routes:\n    - receiver: x\n"
                                             << kReceivers << "templates: ['t/*.tmpl']\n";
  }
  YAML::Node vigia = YAML::Load("notify:\n  config_file: alertmanager.yml\n");
  YamlReader r("vigia.yml");
  NotifyConfig cfg;
  Status st = read_notify_config(r, vigia["notify"], dir, cfg);
  CHECK(st.message() == dir + "/alertmanager.yml:4:17: undefined receiver \"x\" used in route");
  {
    std::ofstream(dir + "/alertmanager.yml") << "route:\n  receiver: default\n"
                                             << kReceivers << "templates: ['t/*.tmpl']\n";
  }
  NotifyConfig ok;
  REQUIRE(read_notify_config(r, vigia["notify"], dir, ok).is_ok());
  CHECK(ok.file == dir + "/alertmanager.yml");
  REQUIRE(ok.templates.size() == 1);
  CHECK(ok.templates[0] == dir + "/t/*.tmpl");
  YAML::Node missing = YAML::Load("notify:\n  config_file: nope.yml\n");
  CHECK(read_notify_config(r, missing["notify"], dir, cfg)
            .message()
            .rfind("vigia.yml:2:16: notify.config_file", 0) == 0);
  std::remove((dir + "/alertmanager.yml").c_str());
  rmdir(dir.c_str());
}

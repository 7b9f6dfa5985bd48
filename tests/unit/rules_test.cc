// Rule files, the alert state machine, persistence and the API shapes. Times
// are stepped (evaluation is a pure function of the time it is given); the
// expected alert behaviour is Prometheus 2.42's (rules/alerting.go).
#include <catch.hpp>

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>

#include "alerting/promql/parser.h"
#include "alerting/rules/api.h"
#include "alerting/rules/group.h"
#include "alerting/rules/manager.h"
#include "alerting/rules/rule_file.h"
#include "alerting/rules/rule_test.h"
#include "alerting/store/store.h"

using namespace vigia;
using namespace vigia::alerting;
using promql::LabelSet;

namespace {

constexpr int64_t kMin = 60000;

std::vector<GroupDef> groups_of(const std::string& yaml) {
  std::vector<GroupDef> out;
  auto errs = parse_rule_file(yaml, "t.yml", out);
  INFO((errs.empty() ? "" : errs[0]));
  REQUIRE(errs.empty());
  return out;
}

std::string first_error(const std::string& yaml) {
  std::vector<GroupDef> out;
  auto errs = parse_rule_file(yaml, "bad.yml", out);
  REQUIRE(!errs.empty());
  CHECK(out.empty());
  return errs[0];
}

// A gauge `x{i="<i>"}` stored every minute with the given values ("_" none).
void load(store::Store& st, const std::string& series, const std::string& values) {
  std::vector<promql::Point> pts;
  std::string err;
  REQUIRE(expand_series_values(values, kMin, pts, err));
  promql::ParseResult p = promql::parse(series);
  REQUIRE(p.ok());
  LabelSet ls;
  for (const auto& m : static_cast<const promql::VectorSelector&>(*p.expr).matchers)
    promql::set_label(ls, m.name, m.value);
  for (const auto& pt : pts) st.append(ls, pt.t, pt.v);
}

const Alert* only_alert(const Group& g, size_t rule = 0) {
  auto snap = g.snapshot();
  if (snap.rules[rule].alerts().size() != 1) return nullptr;
  static Alert copy;
  copy = snap.rules[rule].alerts().begin()->second;
  return &copy;
}

struct Fixture {
  store::Store st;
  LocalQuerier q{st};
  Fixture() { st.set_retention(100 * 86400000LL); }
};

}  // namespace

TEST_CASE("rule files load as Prometheus reads them") {
  auto gs = groups_of(R"(
groups:
  - name: a
    interval: 30s
    limit: 10
    rules:
      - record: job:up:sum
        expr: sum by (job) (up)
        labels: {team: ops}
      - alert: Down
        expr: up == 0
        for: 5m
        keep_firing_for: 1m
        labels: {severity: page}
        annotations: {summary: "{{ $labels.instance }} down"}
  - name: b
    rules: []
)");
  REQUIRE(gs.size() == 2);
  CHECK(gs[0].interval_ms == 30000);
  CHECK(gs[0].limit == 10);
  REQUIRE(gs[0].rules.size() == 2);
  CHECK_FALSE(gs[0].rules[0].is_alert);
  CHECK(gs[0].rules[0].name == "job:up:sum");
  CHECK(gs[0].rules[0].labels == LabelSet{{"team", "ops"}});
  const RuleDef& d = gs[0].rules[1];
  CHECK(d.is_alert);
  CHECK(d.for_ms == 5 * kMin);
  CHECK(d.keep_firing_for_ms == kMin);
  CHECK(d.expr != nullptr);
  CHECK(d.annotations == LabelSet{{"summary", "{{ $labels.instance }} down"}});
  CHECK(gs[1].rules.empty());
}

TEST_CASE("rule file errors are promtool's, with line and column") {
  // The same wording promtool check rules prints for these lines.
  CHECK(first_error("groups:\n  - name: g\n    rules:\n      - alert: X\n        expr: up ==\n") ==
        "bad.yml: 5:15: group \"g\", rule 1, \"X\": could not parse expression: 1:6: parse error: unexpected "
        "end of input");
  CHECK(first_error("groups:\n  - name: g\n    rules:\n      - record: \"bad name\"\n        expr: up\n") ==
        "bad.yml: 4:17: group \"g\", rule 1, \"bad name\": invalid recording rule name: bad name");
  CHECK(first_error("groups:\n  - name: g\n    rules: []\n  - name: g\n    rules: []\n") ==
        "bad.yml: 4:5: groupname: \"g\" is repeated in the same file");
  CHECK(
      first_error("groups:\n  - name: g\n    rules:\n      - alert: X\n        expr: up\n        fo: 5m\n") ==
      "bad.yml: 6:9: unknown key 'fo' in rule");
  CHECK(first_error(
            "groups:\n  - name: g\n    rules:\n      - record: r\n        expr: up\n        for: 5m\n") ==
        "bad.yml: 4:17: group \"g\", rule 1, \"r\": invalid field 'for' in recording rule");
  CHECK(first_error("groups:\n  - name: g\n    rules:\n      - expr: up\n") ==
        "bad.yml: 0:0: group \"g\", rule 1, \"\": one of 'record' or 'alert' must be set");
  CHECK(first_error("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        labels: "
                    "{__name__: x}\n") ==
        "bad.yml: group \"g\", rule 1, \"A\": invalid label name: __name__");
  CHECK(first_error(
            "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        for: 5x\n") ==
        "bad.yml: 6:14: for: not a valid duration string: \"5x\"");
  CHECK(first_error("groups: [\n").find("bad.yml: ") == 0);
  // Every error of a file is reported, not only the first.
  std::vector<GroupDef> out;
  auto errs = parse_rule_file(
      "groups:\n  - name: g\n    rules:\n      - alert: X\n        expr: up ==\n"
      "      - record: r\n        expr: sum(\n",
      "two.yml", out);
  CHECK(errs.size() == 2);
}

TEST_CASE("an alert is pending, fires after `for`, resolves and is dropped 15m later") {
  Fixture f;
  load(f.st, "up{instance=\"a\",job=\"j\"}", "1 0 0 0 0 0 0 0 1x30");
  auto gs = groups_of(R"(
groups:
  - name: g
    rules:
      - alert: Down
        expr: up == 0
        for: 5m
        labels: {severity: page}
)");
  Group g(gs[0], {});
  std::vector<std::pair<std::string, std::vector<Alert>>> sent;
  NotifyFn notify = [&](const RuleDef& r, const std::vector<Alert>& as) { sent.emplace_back(r.name, as); };

  g.evaluate(0, f.q, &f.st, notify);
  CHECK(g.snapshot().rules[0].alerts().empty());
  CHECK(g.snapshot().rules[0].health() == RuleHealth::kOk);

  g.evaluate(1 * kMin, f.q, &f.st, notify);
  const Alert* a = only_alert(g);
  REQUIRE(a);
  CHECK(a->state == AlertState::kPending);
  CHECK(a->active_at == kMin);
  CHECK(a->labels == LabelSet{{"alertname", "Down"}, {"instance", "a"}, {"job", "j"}, {"severity", "page"}});
  CHECK(sent.empty());  // pending alerts are not sent

  g.evaluate(5 * kMin, f.q, &f.st, notify);
  CHECK(only_alert(g)->state == AlertState::kPending);  // 4m < 5m
  g.evaluate(6 * kMin, f.q, &f.st, notify);
  a = only_alert(g);
  CHECK(a->state == AlertState::kFiring);
  CHECK(a->fired_at == 6 * kMin);
  CHECK(a->active_at == kMin);
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].first == "Down");
  CHECK(sent[0].second[0].valid_until == 6 * kMin + 4 * kMin);  // 4 × max(resend 1m, interval 15s)

  // The ALERTS series are in the store, as a rule's output.
  promql::ParseResult p = promql::parse("ALERTS{alertstate=\"firing\"}");
  auto r = f.q.query(*p.expr, "", 6 * kMin);
  REQUIRE(r.vector.size() == 1);
  CHECK(promql::label_value(r.vector[0].labels, "severity") == "page");
  p = promql::parse("ALERTS_FOR_STATE");
  r = f.q.query(*p.expr, "", 6 * kMin);
  REQUIRE(r.vector.size() == 1);
  CHECK(r.vector[0].v == 60);

  // Not re-sent before the resend delay; re-sent after it.
  g.evaluate(6 * kMin + 30000, f.q, &f.st, notify);
  CHECK(sent.size() == 1);
  g.evaluate(7 * kMin + 30000, f.q, &f.st, notify);
  CHECK(sent.size() == 2);

  // up is 1 again at 8m: resolved, sent once as resolved, ALERTS stale.
  g.evaluate(8 * kMin, f.q, &f.st, notify);
  a = only_alert(g);
  CHECK(a->state == AlertState::kInactive);
  CHECK(a->resolved_at == 8 * kMin);
  REQUIRE(sent.size() == 3);
  CHECK(sent[2].second[0].resolved_at == 8 * kMin);
  p = promql::parse("ALERTS");
  CHECK(f.q.query(*p.expr, "", 8 * kMin).vector.empty());
  g.evaluate(9 * kMin, f.q, &f.st, notify);
  CHECK(sent.size() == 3);
  // Kept 15 minutes after resolution, then dropped.
  g.evaluate(23 * kMin, f.q, &f.st, notify);
  CHECK(only_alert(g) != nullptr);
  g.evaluate(23 * kMin + 1, f.q, &f.st, notify);
  CHECK(g.snapshot().rules[0].alerts().empty());
}

TEST_CASE("a pending alert that vanishes is dropped; keep_firing_for holds a firing one") {
  Fixture f;
  load(f.st, "v{i=\"p\"}", "1 1 0 0 0 0 0 0 0 0");
  load(f.st, "v{i=\"k\"}", "1 1 1 1 0 0 0 0 0 0");
  auto gs = groups_of(R"(
groups:
  - name: g
    rules:
      - alert: P
        expr: v{i="p"} > 0
        for: 5m
      - alert: K
        expr: v{i="k"} > 0
        keep_firing_for: 2m
)");
  Group g(gs[0], {});
  g.evaluate(0, f.q, &f.st, {});
  CHECK(only_alert(g, 0)->state == AlertState::kPending);
  CHECK(only_alert(g, 1)->state == AlertState::kFiring);  // for: 0 fires at once
  g.evaluate(2 * kMin, f.q, &f.st, {});
  CHECK(g.snapshot().rules[0].alerts().empty());
  g.evaluate(4 * kMin, f.q, &f.st, {});  // K's expression is empty from 4m
  const Alert* k = only_alert(g, 1);
  CHECK(k->state == AlertState::kFiring);
  CHECK(k->keep_firing_since == 4 * kMin);
  g.evaluate(5 * kMin, f.q, &f.st, {});
  CHECK(only_alert(g, 1)->state == AlertState::kFiring);
  g.evaluate(6 * kMin, f.q, &f.st, {});  // 2m after: resolved
  CHECK(only_alert(g, 1)->state == AlertState::kInactive);
  CHECK(only_alert(g, 1)->resolved_at == 6 * kMin);
}

TEST_CASE("an evaluation error marks the rule err and the others go on") {
  Fixture f;
  load(f.st, "a{k=\"1\",x=\"1\"}", "1x5");
  load(f.st, "a{k=\"1\",x=\"2\"}", "1x5");
  load(f.st, "b{k=\"1\"}", "1x5");
  auto gs = groups_of(R"(
groups:
  - name: g
    rules:
      - record: r:many
        expr: b * on(k) a
      - alert: Dup
        expr: a
        labels: {x: same}
      - record: r:ok
        expr: b + 1
)");
  Group g(gs[0], {});
  g.evaluate(kMin, f.q, &f.st, {});
  auto snap = g.snapshot();
  CHECK(snap.rules[0].health() == RuleHealth::kErr);
  CHECK(snap.rules[0].last_error().find("many-to-many matching not allowed") != std::string::npos);
  CHECK(snap.rules[1].health() == RuleHealth::kErr);
  CHECK(snap.rules[1].last_error() ==
        "vector contains metrics with the same labelset after applying alert labels");
  CHECK(snap.rules[2].health() == RuleHealth::kOk);
  promql::ParseResult p = promql::parse("r:ok");
  auto r = f.q.query(*p.expr, "", kMin);
  REQUIRE(r.vector.size() == 1);
  CHECK(r.vector[0].v == 2);
  // The rules API shows the error.
  std::string json = rules_api_json({snap}, "");
  CHECK(json.find("\"health\":\"err\"") != std::string::npos);
  CHECK(json.find("\"lastError\":\"vector contains metrics") != std::string::npos);
}

TEST_CASE("group limit: too many alerts is an error") {
  Fixture f;
  load(f.st, "v{i=\"1\"}", "1x3");
  load(f.st, "v{i=\"2\"}", "1x3");
  auto gs =
      groups_of("groups:\n  - name: g\n    limit: 1\n    rules:\n      - alert: A\n        expr: v > 0\n");
  Group g(gs[0], {});
  g.evaluate(kMin, f.q, &f.st, {});
  auto snap = g.snapshot();
  CHECK(snap.rules[0].last_error() == "exceeded limit of 1 with 2 alerts");
  CHECK(snap.rules[0].alerts().empty());
}

TEST_CASE("alert state survives a restart through the state file") {
  char dir[] = "/tmp/vigia-rules-XXXXXX";
  REQUIRE(mkdtemp(dir));
  std::string file = std::string(dir) + "/state.json";
  const std::string rules = R"(
groups:
  - name: g
    rules:
      - alert: Slow
        expr: v > 0
        for: 7d
      - alert: Now
        expr: v > 0
        labels: {severity: a}
      - alert: Now
        expr: v > 0
        labels: {severity: b}
)";
  Fixture f;
  load(f.st, "v{i=\"1\"}", "1x30");
  int64_t sent = 0;
  NotifyFn count = [&](const RuleDef&, const std::vector<Alert>& as) {
    sent += static_cast<int64_t>(as.size());
  };
  {
    RuleManager m({{}, file});
    m.set_groups(groups_of(rules));
    m.evaluate_due(kMin, f.q, &f.st, count);
    m.evaluate_due(kMin + 30000, f.q, &f.st, count);
    CHECK(sent == 2);  // the two `Now` alerts, once each
  }
  {
    RuleManager m({{}, file});
    m.set_groups(groups_of(rules));
    auto snap = m.snapshot();
    const auto& slow = snap[0].rules[0].alerts();
    REQUIRE(slow.size() == 1);
    CHECK(slow.begin()->second.state == AlertState::kPending);
    CHECK(slow.begin()->second.active_at == kMin);
    REQUIRE(snap[0].rules[1].alerts().size() == 1);
    REQUIRE(snap[0].rules[2].alerts().size() == 1);
    CHECK(promql::label_value(snap[0].rules[2].alerts().begin()->first, "severity") == "b");
    const Alert& now = snap[0].rules[1].alerts().begin()->second;
    CHECK(now.state == AlertState::kFiring);
    CHECK(now.fired_at == kMin);
    CHECK(now.last_sent_at == kMin);
    // Right after the restart the firing alerts are not sent again...
    m.evaluate_due(kMin + 45000, f.q, &f.st, count);
    CHECK(sent == 2);
    // ...but after the resend delay they are.
    m.evaluate_due(2 * kMin + 15000, f.q, &f.st, count);
    CHECK(sent == 4);
    CHECK(m.snapshot()[0].rules[0].alerts().begin()->second.active_at == kMin);
  }
  // A corrupt state file is ignored (logged), not fatal.
  { std::ofstream(file) << "{not json"; }
  RuleManager m({{}, file});
  m.set_groups(groups_of(rules));
  CHECK(m.snapshot()[0].rules[0].alerts().empty());
  std::remove(file.c_str());
  rmdir(dir);
}

TEST_CASE("groups are due every interval; set_groups keeps the state of unchanged rules") {
  Fixture f;
  load(f.st, "v", "1x30");
  RuleManager m({{}, ""});
  m.set_groups(
      groups_of("groups:\n  - name: fast\n    interval: 1m\n    rules:\n      - alert: A\n        expr: v > "
                "0\n        for: 10m\n"
                "  - name: slow\n    interval: 5m\n    rules:\n      - record: r\n        expr: v\n"));
  CHECK(m.evaluate_due(10, f.q, &f.st, {}) == kMin + 10);
  CHECK(m.evaluate_due(kMin + 10, f.q, &f.st, {}) == 2 * kMin + 10);
  CHECK(m.snapshot()[1].last_eval_ms == 10);
  // Missed intervals are skipped, each group on its own grid.
  CHECK(m.evaluate_due(5 * kMin + 20, f.q, &f.st, {}) == 6 * kMin + 10);
  CHECK(m.snapshot()[1].last_eval_ms == 5 * kMin + 20);
  CHECK(m.evaluate_due(6 * kMin + 10, f.q, &f.st, {}) == 7 * kMin + 10);
  m.set_groups(
      groups_of("groups:\n  - name: fast\n    interval: 1m\n    rules:\n      - alert: A\n        expr: v > "
                "0\n        for: 10m\n"));
  auto snap = m.snapshot();
  REQUIRE(snap.size() == 1);
  CHECK(snap[0].rules[0].alerts().begin()->second.active_at == 10);
}

TEST_CASE("API shapes and formats") {
  CHECK(format_float_e(1) == "1e+00");
  CHECK(format_float_e(0.5) == "5e-01");
  CHECK(format_float_e(123.456) == "1.23456e+02");
  CHECK(format_float_e(std::nan("")) == "NaN");
  CHECK(format_float_e(-INFINITY) == "-Inf");
  CHECK(rfc3339_ms(0) == "0001-01-01T00:00:00Z");
  CHECK(rfc3339_ms(1700000000000) == "2023-11-14T22:13:20Z");
  CHECK(rfc3339_ms(1700000000120) == "2023-11-14T22:13:20.12Z");
  Fixture f;
  load(f.st, "v{i=\"1\"}", "3x3");
  auto gs = groups_of(
      "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: v  >  0\n        for: 1m\n"
      "      - record: r\n        expr: v\n");
  Group g(gs[0], {});
  g.evaluate(0, f.q, &f.st, {});
  std::string rules = rules_api_json({g.snapshot()}, "alert");
  CHECK(rules.find("\"query\":\"v > 0\"") != std::string::npos);  // printed as Prometheus prints it
  CHECK(rules.find("\"duration\":60,") != std::string::npos);
  CHECK(rules.find("\"type\":\"recording\"") == std::string::npos);
  CHECK(rules.find("\"state\":\"pending\"") != std::string::npos);
  std::string alerts = alerts_api_json({g.snapshot()});
  CHECK(alerts ==
        "{\"status\":\"success\",\"data\":{\"alerts\":[{\"labels\":{\"alertname\":\"A\",\"i\":\"1\"},"
        "\"annotations\":{},\"state\":\"pending\",\"activeAt\":\"1970-01-01T00:00:00Z\",\"value\":\"3e+00\"}]"
        "}}");
}

TEST_CASE("expanding notation as promtool reads it") {
  std::vector<promql::Point> p;
  std::string err;
  REQUIRE(expand_series_values("-2+4x3 1-2x2 7x1 _x2 _ stale 1e3 1e-1+1e-1x1", 1000, p, err));
  std::vector<double> want = {-2, 2, 6, 10, 1, -1, -3, 7, 7};
  REQUIRE(p.size() == 13);
  for (size_t i = 0; i < want.size(); ++i) CHECK(p[i].v == want[i]);
  CHECK(p[8].t == 8000);
  CHECK(p[9].t == 12000);  // three missing samples before it
  CHECK(promql::is_stale_nan(p[9].v));
  CHECK(p[10].v == 1000);
  CHECK(p[11].v == Approx(0.1));
  CHECK(p[12].v == Approx(0.2));
  CHECK_FALSE(expand_series_values("1+x", 1000, p, err));
  CHECK_FALSE(expand_series_values("abc", 1000, p, err));
}

TEST_CASE("no false resolved: a firing alert is held while a target it names is down") {
  auto gs = groups_of(R"(
groups:
  - name: g
    rules:
      - alert: HighCpu
        expr: cpu > 80
)");
  Fixture f;
  // Instance a's cpu is gone for two minutes because its scrape failed (up
  // 0), then back at 10; instance b's cpu goes away while b is up.
  load(f.st, R"(cpu{instance="a", job="node"})", "90 90 stale stale 10");
  load(f.st, R"(up{instance="a", job="node"})", "1 1 0 0 1");
  load(f.st, R"(cpu{instance="b", job="node"})", "95 95 stale stale stale");
  load(f.st, R"(up{instance="b", job="node"})", "1 1 1 1 1");
  GroupOptions held;
  held.hold_on_down_target = true;
  Group g(gs[0], held);
  Group plain(gs[0], {});  // Prometheus's semantics, as in rule unit tests
  auto state_of = [](const Group& grp, const std::string& inst) {
    Group::Snapshot snap = grp.snapshot();  // kept alive for the loop
    for (const auto& [ls, a] : snap.rules[0].alerts())
      if (promql::label_value(ls, "instance") == inst) return std::string(alert_state_name(a.state));
    return std::string("none");
  };
  std::vector<std::string> held_a, held_b, plain_a;
  for (int m = 0; m <= 4; ++m) {
    g.evaluate(m * kMin, f.q, nullptr, nullptr);
    plain.evaluate(m * kMin, f.q, nullptr, nullptr);
    held_a.push_back(state_of(g, "a"));
    held_b.push_back(state_of(g, "b"));
    plain_a.push_back(state_of(plain, "a"));
  }
  CHECK(held_a == std::vector<std::string>{"firing", "firing", "firing", "firing", "inactive"});
  CHECK(held_b == std::vector<std::string>{"firing", "firing", "inactive", "inactive", "inactive"});
  CHECK(plain_a == std::vector<std::string>{"firing", "firing", "inactive", "inactive", "inactive"});
}

// alerting.thresholds: read with file:line:column errors, checked against the
// rules that read them, exported as vigia_alert_threshold{threshold}.
#include <catch.hpp>

#include <string>

#include "alerting/evaluator.h"
#include "core/config.h"
#include "core/exposition.h"
#include "core/self_metrics.h"

using namespace vigia;

namespace {

Status load(const std::string& text, Config& c) { return load_config_text(text, "vigia.yml", {}, c); }

std::string load_err(const std::string& text) {
  Config c;
  Status st = load(text, c);
  REQUIRE(st.is_error());
  return st.message();
}

std::string self_text() {
  return encode_text([](MetricSink& s) { write_alert_thresholds(s); });
}

}  // namespace

TEST_CASE("alerting.thresholds is read with its keys' positions") {
  Config c;
  Status st =
      load("alerting:\n  thresholds:\n    host_memory_week_percent: 85\n    probe_slow_seconds: 0.5\n", c);
  INFO(st.message());
  REQUIRE(st.is_ok());
  REQUIRE(c.alerting.thresholds.size() == 2);
  CHECK(c.alerting.thresholds[0].name == "host_memory_week_percent");
  CHECK(c.alerting.thresholds[0].value == 85);
  CHECK(c.alerting.thresholds[0].where == "vigia.yml:3:5");
  CHECK(c.alerting.thresholds[1].value == 0.5);
}

TEST_CASE("alerting.thresholds errors name file:line:column") {
  CHECK(load_err("alerting:\n  thresholds: [1]\n") ==
        "vigia.yml:2:15: alerting.thresholds: expected a mapping");
  CHECK(load_err("alerting:\n  thresholds:\n    probe_slow_seconds: fast\n") ==
        "vigia.yml:3:25: alerting.thresholds.probe_slow_seconds: expected a number");
  CHECK(load_err("alerting:\n  thresholds:\n    probe_slow_seconds: .nan\n") ==
        "vigia.yml:3:25: alerting.thresholds.probe_slow_seconds: expected a finite number");
  CHECK(load_err("alerting:\n  thresholds:\n    \"a-b\": 1\n") ==
        "vigia.yml:3:5: alerting.thresholds: 'a-b' is not a threshold name (letters, digits, _)");
  CHECK(load_err("alerting:\n  thresholds:\n    x: 1\n    x: 2\n") ==
        "vigia.yml:4:5: duplicate key 'x' in alerting.thresholds");
}

TEST_CASE("a threshold no rule reads is an error; the built-in rules read theirs") {
  Config c;
  REQUIRE(
      load("alerting:\n  thresholds:\n    host_memory_week_percent: 85\n    host_memroy_critical: 95\n", c)
          .is_ok());
  Status st = alerting::Evaluator::check_thresholds(c.alerting, "");
  REQUIRE(st.is_error());
  CHECK(
      st.message().rfind("vigia.yml:4:5: alerting.thresholds: no rule reads threshold 'host_memroy_critical' "
                         "(the rules read: ",
                         0) == 0);
  CHECK(st.message().find("host_memory_week_percent") != std::string::npos);
  c.alerting.thresholds.pop_back();
  CHECK(alerting::Evaluator::check_thresholds(c.alerting, "").is_ok());
}

TEST_CASE("set_alert_thresholds exports vigia_alert_threshold and replaces the previous set") {
  set_alert_thresholds({{"a_percent", 85}, {"b_seconds", 0.5}});
  std::string t = self_text();
  CHECK(t.find("vigia_alert_threshold{threshold=\"a_percent\"} 85\n") != std::string::npos);
  CHECK(t.find("vigia_alert_threshold{threshold=\"b_seconds\"} 0.5\n") != std::string::npos);
  set_alert_thresholds({{"b_seconds", 2}});
  t = self_text();
  CHECK(t.find("threshold=\"a_percent\"") == std::string::npos);
  CHECK(t.find("vigia_alert_threshold{threshold=\"b_seconds\"} 2\n") != std::string::npos);
  set_alert_thresholds({});
  CHECK(self_text().find("vigia_alert_threshold{") == std::string::npos);
}

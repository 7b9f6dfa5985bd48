// Alert template expansion (alerting/template/template.h).
//
// The differential part reads tests/fixtures/templates/: rules.yml holds alert
// rules whose annotations and labels exercise the language and every
// function, rules_test.yml the input series and the labels and annotations
// Prometheus 2.42 produced for them (promtool test rules passes on it:
// tests/e2e/test_templates.py), and parse_errors.yml / .expected templates
// that do not parse with promtool check rules' message for each. Here vigia
// evaluates each rule's expression on the same series with its own PromQL
// engine, expands the same templates, and must produce the same strings.
// The cases below the fixtures cover what promtool cannot show (externalURL
// and pathPrefix, which promtool leaves unset; query errors of the caller;
// the resource limits) and pin a few positions and messages directly.
#include <catch.hpp>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "alerting/promql/engine.h"
#include "alerting/promql/parser.h"
#include "alerting/template/template.h"
#include "promql_test_util.h"

using namespace vigia;
using vigia::alerting::TemplateData;
using vigia::alerting::TemplateQueryResult;

namespace {

const std::string kDir = std::string(VIGIA_FIXTURES) + "/templates/";

// Expands or returns Prometheus's annotation value for an error.
std::string expand(std::string_view text, const TemplateData& data, std::string_view alert = "Test") {
  std::string out, err;
  if (!alerting::expand_template(alert, text, data, out, err))
    return alerting::alert_template_error_value(err);
  return out;
}

TemplateData main_data() {
  TemplateData d;
  d.labels = {{"instance", "host1.example.org:9100"}, {"job", "node"}};
  d.external_labels = {{"region", "eu-west"}};
  d.external_url = "https://prom.example.org/prometheus";
  d.value = 1234567.891;
  return d;
}

// A `query` for the template function, as Prometheus's rule manager runs
// one: an instant query whose scalar result becomes one sample without labels.
alerting::TemplateQueryFn engine_query(const promql::Queryable& q, int64_t t_ms) {
  return [&q, t_ms](std::string_view expr, std::vector<TemplateQueryResult>& out, std::string& err) {
    promql::ParseResult p = promql::parse(expr);
    if (!p.ok()) {
      err = p.error;
      return false;
    }
    promql::QueryResult r = promql::evaluate_instant(*p.expr, q, t_ms);
    if (!r.ok()) {
      err = r.error;
      return false;
    }
    if (r.type == promql::ValueType::kScalar) {
      out.push_back({{}, r.scalar});
      return true;
    }
    if (r.type != promql::ValueType::kVector) {
      err = "rule result is not a vector or scalar";
      return false;
    }
    for (const auto& s : r.vector) out.push_back({s.labels, s.v});
    return true;
  };
}

int64_t duration_ms(const std::string& s) {
  int64_t ms = 0;
  REQUIRE(promql::parse_duration(s, &ms));
  return ms;
}

promql::LabelSet to_labels(const YAML::Node& map) {
  promql::LabelSet ls;
  for (const auto& kv : map) promql::set_label(ls, kv.first.as<std::string>(), kv.second.as<std::string>());
  return ls;
}

}  // namespace

TEST_CASE("template: Prometheus's expansions of the fixture rules (promtool test rules)") {
  YAML::Node rules = YAML::LoadFile(kDir + "rules.yml");
  YAML::Node test = YAML::LoadFile(kDir + "rules_test.yml")["tests"][0];

  promql::testing::MemoryQueryable store;
  std::string series;
  for (const auto& s : test["input_series"])
    series += s["series"].as<std::string>() + " " + s["values"].as<std::string>() + "\n";
  store.load(series, duration_ms(test["interval"].as<std::string>()));

  std::map<std::string, YAML::Node> rule_by_alert;
  for (const auto& g : rules["groups"])
    for (const auto& r : g["rules"])
      if (r["alert"]) rule_by_alert.emplace(r["alert"].as<std::string>(), YAML::Node(r));

  int annotations = 0, labels = 0;
  for (const auto& t : test["alert_rule_test"]) {
    std::string alert = t["alertname"].as<std::string>();
    int64_t at = duration_ms(t["eval_time"].as<std::string>());
    REQUIRE(rule_by_alert.count(alert));
    const YAML::Node& rule = rule_by_alert[alert];
    promql::ParseResult p = promql::parse(rule["expr"].as<std::string>());
    REQUIRE(p.ok());
    promql::QueryResult r = promql::evaluate_instant(*p.expr, store, at);
    REQUIRE(r.ok());
    REQUIRE(r.vector.size() == t["exp_alerts"].size());
    for (size_t i = 0; i < r.vector.size(); ++i) {
      const YAML::Node& exp = t["exp_alerts"][i];
      TemplateData data;
      data.labels = r.vector[i].labels;
      data.value = r.vector[i].v;
      data.external_labels = to_labels(test["external_labels"]);
      data.external_url = test["external_url"].as<std::string>();
      data.eval_time_ms = at;
      data.query = engine_query(store, at);
      promql::LabelSet alert_labels = data.labels;
      for (const auto& kv : rule["labels"]) {
        std::string key = kv.first.as<std::string>();
        std::string got = expand(kv.second.as<std::string>(), data, alert);
        promql::set_label(alert_labels, key, got);
        ++labels;
      }
      INFO("alert " << alert);
      CHECK(promql::labels_string(alert_labels) == promql::labels_string(to_labels(exp["exp_labels"])));
      REQUIRE(rule["annotations"].size() == exp["exp_annotations"].size());
      for (const auto& kv : rule["annotations"]) {
        std::string key = kv.first.as<std::string>();
        INFO("annotation " << key << ": " << kv.second.as<std::string>());
        REQUIRE(exp["exp_annotations"][key]);
        CHECK(expand(kv.second.as<std::string>(), data, alert) ==
              exp["exp_annotations"][key].as<std::string>());
        ++annotations;
      }
    }
  }
  CHECK(annotations >= 70);
  CHECK(labels >= 2);
}

TEST_CASE("template: parse errors as promtool check rules reports them") {
  YAML::Node rule = YAML::LoadFile(kDir + "parse_errors.yml")["groups"][0]["rules"][0];
  std::ifstream in(kDir + "parse_errors.expected");
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    size_t tab = line.find('\t');
    REQUIRE(tab != std::string::npos);
    std::string key = line.substr(0, tab), want = line.substr(tab + 1);
    REQUIRE(rule["annotations"][key]);
    std::string text = rule["annotations"][key].as<std::string>();
    INFO(key << ": " << text);
    std::string err;
    CHECK_FALSE(alerting::check_template(rule["alert"].as<std::string>(), text, err));
    CHECK(err == want);
    // Expansion fails the same way, with Expand's prefix.
    std::string out, xerr;
    CHECK_FALSE(alerting::expand_template("Bad", text, TemplateData{}, out, xerr));
    CHECK(xerr == "error parsing template __alert_Bad: " + want);
    ++n;
  }
  CHECK(n == static_cast<int>(rule["annotations"].size()));
}

TEST_CASE("template: text, variables and the definitions' positions") {
  TemplateData d = main_data();
  CHECK(expand("", d).empty());
  CHECK(expand("plain text", d) == "plain text");
  CHECK(expand("{{ $labels.instance }} is {{ $value }}", d) == "host1.example.org:9100 is 1.234567891e+06");
  CHECK(expand("{{ .Labels.job }} {{ .Value }} {{ $.Labels.job }}", d) == "node 1.234567891e+06 node");
  CHECK(expand("[{{ $labels.nope }}] [{{ .Labels.nope }}] [{{ index $labels \"nope\" }}]", d) == "[] [] []");
  CHECK(expand("{{ $externalLabels.region }} {{ $externalURL }}", d) ==
        "eu-west https://prom.example.org/prometheus");
  // The definitions take 112 bytes: the text starts at column 112.
  std::string out, err;
  CHECK_FALSE(alerting::expand_template("X", "{{ .Nope }}", d, out, err));
  CHECK(err ==
        "error executing template __alert_X: template: __alert_X:1:115: executing \"__alert_X\" at <.Nope>: "
        "can't "
        "evaluate field Nope in type struct { Labels map[string]string; ExternalLabels map[string]string; "
        "ExternalURL string; Value float64 }");
  CHECK(alerting::alert_template_error_value("E") == "<error expanding template: E>");
  CHECK(expand("a\n{{ 1 }}\n  {{ $labels.x.y }}", d) ==
        "<error expanding template: error executing template __alert_Test: template: __alert_Test:3:12: "
        "executing "
        "\"__alert_Test\" at <$labels.x.y>: can't evaluate field y in type string>");
}

TEST_CASE("template: externalURL and pathPrefix (unset under promtool)") {
  TemplateData d = main_data();
  CHECK(expand("{{ externalURL }}|{{ pathPrefix }}", d) == "https://prom.example.org/prometheus|/prometheus");
  d.external_url = "http://localhost:9090";
  CHECK(expand("{{ externalURL }}|{{ pathPrefix }}", d) == "http://localhost:9090|");
  d.external_url = "http://h/a%20b/?q=1#f";
  CHECK(expand("{{ pathPrefix }}", d) == "/a b/");
}

TEST_CASE("template: query without a query function, and the caller's errors") {
  TemplateData d = main_data();
  CHECK(expand("{{ query \"up\" }}", d) ==
        "<error expanding template: error executing template __alert_Test: template: __alert_Test:1:115: "
        "executing "
        "\"__alert_Test\" at <query \"up\">: error calling query: no query function is configured>");
  d.query = [](std::string_view expr, std::vector<TemplateQueryResult>& out, std::string& err) {
    if (expr == "bad") {
      err = "boom";
      return false;
    }
    out.push_back({{{"a", "2"}}, 2});
    out.push_back({{{"a", "1"}}, 1});
    return true;
  };
  CHECK(expand("{{ range query \"x\" | sortByLabel \"a\" }}{{ .Labels.a }}:{{ .Value }} {{ end }}", d) ==
        "1:1 2:2 ");
  CHECK(expand("{{ (query \"x\" | first).Value }} {{ index (query \"x\") 1 | value }}", d) == "2 1");
  CHECK(expand("{{ query \"bad\" }}", d).find("error calling query: boom>") != std::string::npos);
  CHECK(expand("{{ query \"x\" | first }}", d) == "{map[a:2] 2}");
}

TEST_CASE("template: value formatting follows Go's fmt") {
  TemplateData d;
  auto v = [&](double x) {
    d.value = x;
    return expand("{{ $value }}", d);
  };
  CHECK(v(0) == "0");
  CHECK(v(0.1) == "0.1");
  CHECK(v(1e6) == "1e+06");
  CHECK(v(123456) == "123456");
  CHECK(v(12345678) == "1.2345678e+07");
  CHECK(v(1e-5) == "1e-05");
  CHECK(v(0.0001) == "0.0001");
  CHECK(v(-2.5) == "-2.5");
  CHECK(v(INFINITY) == "+Inf");
  CHECK(v(-INFINITY) == "-Inf");
  CHECK(v(NAN) == "NaN");
  CHECK(v(5e-324) == "5e-324");
  CHECK(v(1.7976931348623157e308) == "1.7976931348623157e+308");
  CHECK(
      expand(
          "{{ printf \"%.2f|%6.1f|%-6.1f|%06.2f|%e|%.3g|%g\" 3.14159 2.5 2.5 -1.5 1234.5 0.00012345 1e-7 }}",
          d) == "3.14|   2.5|2.5   |-01.50|1.234500e+03|0.000123|1e-07");
  CHECK(expand("{{ printf \"%5.1f|%-5s|%5s|%x\" 1.25 \"ab\" \"ab\" \"hi\" }}", d) ==
        "  1.2|ab   |   ab|6869");
  CHECK(expand("{{ printf \"%d%%\" 5 }} {{ printf \"%*d|%-*d|\" 4 1 3 2 }}", d) == "5%    1|2  |");
}

TEST_CASE("template: builtins") {
  TemplateData d = main_data();
  CHECK(expand("{{ and 1 2 }} {{ and 0 2 }} {{ or 0 \"\" }} {{ or 0 3 }} {{ not 0 }} {{ not \"x\" }}", d) ==
        "2 0  3 true false");
  CHECK(expand("{{ len \"abc\" }} {{ len $labels }} {{ index \"abc\" 1 }}", d) == "3 2 98");
  CHECK(expand("{{ eq \"a\" \"b\" \"a\" }} {{ ne 1 2 }} {{ lt 1.5 2.5 }} {{ le \"a\" \"a\" }} {{ gt 2 1 }} "
               "{{ ge 1 2 }}",
               d) == "true true true true true false");
  CHECK(expand("{{ html \"<a href='x'>\" }} {{ js \"<'\\\">\" }} {{ urlquery \"a b/c\" }}", d) ==
        "&lt;a href=&#39;x&#39;&gt; \\u003C\\'\\\"\\u003E a+b%2Fc");
  CHECK(expand("{{ print \"a\" 1 2 \"b\" }}|{{ println 1 \"a\" }}|{{ printf \"%v-%v\" true nil }}", d) ==
        "a1 2b|1 a\n|true-<nil>");
  CHECK(expand("{{ slice \"hello\" 1 }} {{ slice \"hello\" 1 3 }}", d) == "ello el");
}

TEST_CASE("template: control structures") {
  TemplateData d = main_data();
  CHECK(expand("{{ if false }}a{{ else if 0 }}b{{ else if \"x\" }}c{{ else }}d{{ end }}", d) == "c");
  CHECK(expand("{{ with $labels.job }}{{ . }}{{ else }}none{{ end }} {{ with \"\" }}x{{ else }}none{{ end }}",
               d) == "node none");
  CHECK(expand("{{ range $i, $e := query \"x\" }}{{ $i }}{{ end }}", [] {
          TemplateData t;
          t.query = [](std::string_view, std::vector<TemplateQueryResult>& out, std::string&) {
            out.resize(3, TemplateQueryResult{{}, 0});
            return true;
          };
          return t;
        }()) == "012");
  CHECK(
      expand("{{ range $k, $v := $labels }}{{ $k }}{{ if eq $k \"instance\" }}{{ break }}{{ end }}{{ end }}",
             d) == "instance");
  CHECK(expand("{{ range $labels }}{{ continue }}x{{ end }}done", d) == "done");
  CHECK(expand("{{ $x := 1 }}{{ range $labels }}{{ $x = 2 }}{{ end }}{{ $x }}", d) == "2");
  CHECK(expand("{{ define \"t\" }}[{{ . }}]{{ end }}{{ template \"t\" $labels.job }}{{ template \"t\" }}",
               d) == "[node][<no value>]");
  CHECK(expand("  {{- 1 -}}  \n {{ 2 }} {{- /* c */}} x", d) == "12 x");
  CHECK(expand("{{- 3}}{{-3}}", d) == "3-3");
}

TEST_CASE("template: execution errors name the action and column") {
  TemplateData d = main_data();
  auto err = [&](std::string_view text) {
    std::string out, e;
    CHECK_FALSE(alerting::expand_template("A", text, d, out, e));
    return e;
  };
  const std::string pre = "error executing template __alert_A: template: __alert_A:1:";
  CHECK(err("{{ humanize \"x\" }}") == pre +
                                           "115: executing \"__alert_A\" at <humanize \"x\">: error calling "
                                           "humanize: strconv.ParseFloat: parsing "
                                           "\"x\": invalid syntax");
  CHECK(err("ab{{ title 1 }}") == pre + "123: executing \"__alert_A\" at <1>: expected string; found 1");
  CHECK(err("{{ label \"a\" nil }}") == pre +
                                            "115: executing \"__alert_A\" at <label \"a\" nil>: error "
                                            "calling label: runtime error: invalid memory "
                                            "address or nil pointer dereference");
  CHECK(err("{{ .Value.x }}") ==
        pre + "121: executing \"__alert_A\" at <.Value.x>: can't evaluate field x in type float64");
  CHECK(err("{{ printf 1 }}") == pre + "122: executing \"__alert_A\" at <1>: expected string; found 1");
  CHECK(err("{{ lt true false }}") ==
        pre +
            "115: executing \"__alert_A\" at <lt true false>: error calling lt: invalid type for comparison");
}

TEST_CASE("template: resource limits turn runaway templates into errors") {
  TemplateData d = main_data();
  std::string out, err;
  CHECK_FALSE(alerting::expand_template(
      "L", "{{ define \"r\" }}{{ template \"r\" . }}{{ end }}{{ template \"r\" . }}", d, out, err));
  CHECK(err.find("exceeded maximum template depth (1000)") != std::string::npos);
  CHECK_FALSE(alerting::expand_template(
      "L", "{{ define \"r\" }}{{ template \"r\" . }}{{ template \"r\" . }}{{ end }}{{ template \"r\" . }}", d,
      out, err));
  CHECK(err.find("exceeded") != std::string::npos);
  CHECK(expand("{{ printf \"%99999999d\" 1 }}", d) == "%!(NOVERB)%!(EXTRA int=1)");
  CHECK_FALSE(alerting::expand_template(
      "L",
      "{{ define \"w\" }}{{ printf \"%999999d\" 1 }}{{ end }}{{ range $labels }}{{ range $labels }}"
      "{{ template \"w\" }}{{ template \"w\" }}{{ template \"w\" }}{{ template \"w\" }}{{ template \"w\" }}"
      "{{ template \"w\" }}{{ template \"w\" }}{{ template \"w\" }}{{ template \"w\" }}{{ end }}{{ end }}",
      d, out, err));
  CHECK(err.find("template output exceeded 16 MiB") != std::string::npos);
  CHECK_FALSE(alerting::expand_template(
      "L",
      "{{ define \"r\" }}{{ $x := printf \"%999999d\" 1 }}{{ template \"r\" }}{{ end }}{{ template \"r\" }}",
      d, out, err));
  CHECK(err.find("template expansion exceeded 1000000 steps") != std::string::npos);
}

TEST_CASE("template: definitions, and nesting beyond the limit") {
  TemplateData d = main_data();
  CHECK(expand("{{ define \"a\" }}x{{ end }}{{ define \"a\" }}  {{ end }}{{ template \"a\" }}", d) == "x");
  std::string err;
  CHECK_FALSE(alerting::check_template("D", "{{ define \"a\" }}x{{ end }}{{ define \"a\" }}y{{ end }}", err));
  CHECK(err == "template: __alert_D:1: template: multiple definition of template \"a\"");
  CHECK_FALSE(alerting::check_template("D", "main{{ define \"__alert_D\" }}y{{ end }}", err));
  CHECK(err == "template: __alert_D:1: template: multiple definition of template \"__alert_D\"");
  std::string nested = std::string(99, '(') + "1" + std::string(99, ')');
  CHECK(expand("{{ " + nested + " }}", d) == "1");
  nested = std::string(100, '(') + "1" + std::string(100, ')');
  CHECK_FALSE(alerting::check_template("D", "{{ " + nested + " }}", err));
  CHECK(err == "template: __alert_D:1: exceeded maximum nesting depth (100)");
  std::string ifs;
  for (int i = 0; i < 150; ++i) ifs += "{{ if 1 }}";
  for (int i = 0; i < 150; ++i) ifs += "{{ end }}";
  CHECK_FALSE(alerting::check_template("D", ifs, err));
}

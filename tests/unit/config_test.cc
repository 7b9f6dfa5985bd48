#include <catch.hpp>

#include <regex>

#include "core/area.h"
#include "core/config.h"
#include "core/fs.h"
#include "core/yaml_reader.h"
#include "exporters/host/host.h"

using namespace vigia;

namespace {

// Loads text as vigia does with the host area: the file, then its section.
Status load(const std::string& text, Config& c, AreaList& areas) {
  areas.push_back(host::make_area());
  Status st = load_config_text(text, "vigia.yml", area_sections(areas), c);
  if (st.is_ok()) st = read_area_configs(areas, c);
  return st;
}

std::string load_err(const std::string& text) {
  Config c;
  AreaList areas;
  Status st = load(text, c, areas);
  REQUIRE(st.is_error());
  return st.message();
}

// The host collectors' switches after the file's, with every default off.
std::map<std::string, bool> switches(const AreaList& areas) {
  CollectorCatalog catalog;
  std::vector<std::shared_ptr<TargetCollector>> probes;
  REQUIRE(add_area_collectors(areas, true, catalog, probes).is_ok());
  catalog.disable_defaults();
  std::map<std::string, bool> out;
  for (const auto& [name, on] : catalog.list()) out[name] = on;
  return out;
}

}  // namespace

TEST_CASE("a valid file fills the config") {
  Config c;
  AreaList areas;
  Status st = load(
      "# comment\n"
      "host:\n"
      "  collectors:\n"
      "    enable: [cpu, meminfo]\n"
      "    disable:\n"
      "      - loadavg\n",
      c, areas);
  INFO(st.message());
  REQUIRE(st.is_ok());
  auto on = switches(areas);
  CHECK(on.at("cpu"));
  CHECK(on.at("meminfo"));
  CHECK_FALSE(on.at("loadavg"));
  CHECK_FALSE(on.at("netdev"));
}

TEST_CASE("empty documents and empty sections give the defaults") {
  for (const char* text : {"", "# nothing\n", "host:\n", "host: {}\n", "host:\n  collectors:\n",
                           "host:\n  collectors:\n    enable:\n"}) {
    INFO(text);
    Config c;
    AreaList areas;
    Status st = load(text, c, areas);
    REQUIRE(st.is_ok());
    for (const auto& [name, on] : switches(areas)) CHECK_FALSE(on);
  }
}

TEST_CASE("malformed YAML names file:line:col") {
  std::string m = load_err("host:\n  collectors: [cpu, meminfo\n");
  INFO(m);
  CHECK(std::regex_search(m, std::regex("^vigia\\.yml:[0-9]+:[0-9]+: ")));
  CHECK(m.find("yaml-cpp") == std::string::npos);  // the library's own prefix is dropped
  std::string tab = load_err("host:\n\tcollectors: {}\n");
  INFO(tab);
  CHECK(std::regex_search(tab, std::regex("^vigia\\.yml:[0-9]+:[0-9]+: ")));
  std::string unclosed = load_err("host: \"abc\n");
  CHECK(std::regex_search(unclosed, std::regex("^vigia\\.yml:[0-9]+:[0-9]+: ")));
}

TEST_CASE("unknown keys are named with their line:col") {
  CHECK(load_err("hots: {}\n") == "vigia.yml:1:1: unknown key 'hots' in the top level");
  CHECK(load_err("host:\n  colectors: {}\n") == "vigia.yml:2:3: unknown key 'colectors' in host");
  CHECK(load_err("host:\n  collectors:\n    enable: []\n    enabel: [cpu]\n") ==
        "vigia.yml:4:5: unknown key 'enabel' in host.collectors");
  CHECK(load_err("host: {collectors: {disable: [], x: 1}}\n") ==
        "vigia.yml:1:34: unknown key 'x' in host.collectors");
}

TEST_CASE("duplicate keys are refused, not silently dropped") {
  CHECK(load_err("host: {}\nhost:\n  collectors: {}\n") ==
        "vigia.yml:2:1: duplicate key 'host' in the top level");
  CHECK(load_err("host:\n  collectors:\n    enable: [a]\n    enable: [b]\n") ==
        "vigia.yml:4:5: duplicate key 'enable' in host.collectors");
}

TEST_CASE("wrong types name the key and what was expected") {
  CHECK(load_err("- host\n") == "vigia.yml:1:1: expected a mapping at the top level");
  CHECK(load_err("host: 5\n") == "vigia.yml:1:7: host: expected a mapping");
  CHECK(load_err("host:\n  collectors: [cpu]\n") == "vigia.yml:2:15: host.collectors: expected a mapping");
  CHECK(load_err("host:\n  collectors:\n    enable: cpu\n") ==
        "vigia.yml:3:13: host.collectors.enable: expected a list");
  CHECK(load_err("host:\n  collectors:\n    enable: [cpu, [x]]\n") ==
        "vigia.yml:3:19: host.collectors.enable: expected a string");
  CHECK(load_err("[a]: 1\n") == "vigia.yml:1:1: expected a plain key in the top level");
}

TEST_CASE("load_config_file: a missing file names its path") {
  Config c;
  Status st = load_config_file("/nonexistent/vigia.yml", {"host"}, c);
  CHECK(is_not_found(st));
  CHECK(st.message().rfind("/nonexistent/vigia.yml: ", 0) == 0);
}

TEST_CASE("parse_prometheus_duration accepts Prometheus's forms") {
  auto secs = [](std::string_view s) {
    double d = -1;
    INFO(s);
    REQUIRE(parse_prometheus_duration(s, d));
    return d;
  };
  CHECK(secs("0") == 0);
  CHECK(secs("0s") == 0);
  CHECK(secs("15s") == 15);
  CHECK(secs("500ms") == Approx(0.5));
  CHECK(secs("1m30s") == 90);
  CHECK(secs("1h30m") == 5400);
  CHECK(secs("2h") == 7200);
  CHECK(secs("7d") == 7 * 86400);
  CHECK(secs("1w") == 7 * 86400);
  CHECK(secs("1y") == 365 * 86400);
  CHECK(secs("1s500ms") == Approx(1.5));
  CHECK(secs("1y2w3d4h5m6s7ms") == Approx(365 * 86400 + 14 * 86400 + 3 * 86400 + 4 * 3600 + 306.007));
  CHECK(secs("090s") == 90);
}

TEST_CASE("parse_prometheus_duration refuses malformed durations") {
  for (const char* bad : {"", "1", "s", "1.5h", "-1s", "+1s", " 1s", "1s ", "1S", "1x", "30s1m", "1m1m",
                          "1ms1s", "1h 30m", "99999999999999999999s"}) {
    INFO(bad);
    double d = 42;
    CHECK_FALSE(parse_prometheus_duration(bad, d));
    CHECK(d == 42);
  }
}

TEST_CASE("YamlReader scalar getters") {
  YamlReader r("f.yml");
  YAML::Node n = YAML::Load("{b: yes, n: 1.5, d: 1m, s: [x], bad: maybe}");
  CHECK(r.get_bool(n["b"], "b"));
  CHECK(r.get_double(n["n"], "n") == 1.5);
  CHECK(r.get_duration_seconds(n["d"], "d") == 60);
  CHECK_THROWS_WITH(r.get_bool(n["bad"], "bad"), "f.yml:1:38: bad: expected true or false");
  CHECK_THROWS_WITH(r.get_string(n["s"], "s"), "f.yml:1:28: s: expected a string");
  CHECK_THROWS_WITH(r.get_duration_seconds(n["n"], "n"),
                    "f.yml:1:13: n: expected a duration such as 30s, 5m or 1h30m");
}

TEST_CASE("the alerting section") {
  Config c;
  Status st = load_config_text(
      "alerting:\n"
      "  rule_files: [rules/*.yml, /etc/vigia/extra.yml]\n"
      "  evaluation_interval: 30s\n"
      "  state_file: /var/lib/vigia/alerts.state\n"
      "  external_labels: {site: prod}\n"
      "  scrape:\n"
      "    - job: app\n"
      "      urls: [http://127.0.0.1:3000/metrics, https://10.0.0.2:9100/metrics]\n"
      "      interval: 1m\n",
      "vigia.yml", {}, c);
  INFO(st.message());
  REQUIRE(st.is_ok());
  CHECK(c.alerting.rule_files == std::vector<std::string>{"rules/*.yml", "/etc/vigia/extra.yml"});
  CHECK(c.alerting.evaluation_interval_seconds == 30);
  CHECK(c.alerting.state_file == "/var/lib/vigia/alerts.state");
  CHECK(c.alerting.query_url.empty());
  REQUIRE(c.alerting.external_labels.size() == 1);
  CHECK(c.alerting.external_labels[0] == std::pair<std::string, std::string>{"site", "prod"});
  REQUIRE(c.alerting.scrape.size() == 1);
  CHECK(c.alerting.scrape[0].job == "app");
  CHECK(c.alerting.scrape[0].urls.size() == 2);
  CHECK(c.alerting.scrape[0].interval_seconds == 60);

  Config d;
  REQUIRE(load_config_text("alerting: {}\n", "vigia.yml", {}, d).is_ok());
  CHECK(d.alerting.rule_files.empty());
  CHECK(d.alerting.evaluation_interval_seconds == 15);
}

TEST_CASE("alerting section errors name file:line:column") {
  CHECK(load_err("alerting:\n  rule_file: [a]\n") == "vigia.yml:2:3: unknown key 'rule_file' in alerting");
  CHECK(load_err("alerting:\n  evaluation_interval: 15\n").rfind("vigia.yml:2:24: ", 0) == 0);
  CHECK(load_err("alerting:\n  evaluation_interval: 0s\n") ==
        "vigia.yml:2:24: alerting.evaluation_interval must be positive");
  CHECK(load_err("alerting:\n  query_url: prometheus:9090\n") ==
        "vigia.yml:2:14: alerting.query_url must be an http:// or https:// URL");
  CHECK(load_err("alerting:\n  scrape:\n    - job: a\n      urls: [localhost:9100]\n") ==
        "vigia.yml:4:14: alerting.scrape[].urls: 'localhost:9100' is not an http:// or https:// URL");
  CHECK(load_err("alerting:\n  scrape:\n    - urls: [http://a/metrics]\n") ==
        "vigia.yml:3:7: alerting.scrape[]: missing key 'job'");
  CHECK(load_err("alerting:\n  scrape: {job: a}\n") ==
        "vigia.yml:2:11: alerting.scrape must be a list of jobs");
}

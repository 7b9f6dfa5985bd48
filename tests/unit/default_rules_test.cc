// The compiled-in default rules are exactly rules/*.yml (the files promtool
// checks and tests in tests/e2e/test_default_rules.py), each byte for byte.
#include <catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "alerting/default_rules.h"

TEST_CASE("built-in rules equal rules/*.yml byte for byte") {
  std::filesystem::path dir = std::filesystem::path(VIGIA_FIXTURES) / ".." / ".." / "rules";
  std::set<std::string> on_disk;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() == ".yml") on_disk.insert(e.path().filename().string());
  REQUIRE(on_disk.size() >= 10);
  std::set<std::string> built_in;
  for (const auto& f : vigia::alerting::default_rule_files()) {
    built_in.insert(std::string(f.name));
    std::ifstream in(dir / std::string(f.name), std::ios::binary);
    REQUIRE(in.good());
    std::stringstream ss;
    ss << in.rdbuf();
    INFO(f.name);
    REQUIRE(ss.str().size() > 200);
    CHECK(f.yaml == ss.str());
  }
  CHECK(built_in == on_disk);
  CHECK(vigia::alerting::default_rules_name("host.yml") == "<built-in>/host.yml");
}

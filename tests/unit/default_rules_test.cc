// The compiled-in default rules are exactly rules/vigia-default.yml (the file
// promtool checks and tests in tests/e2e/test_default_rules.py).
#include <catch.hpp>

#include <fstream>
#include <sstream>
#include <string>

#include "alerting/default_rules.h"

TEST_CASE("built-in rules equal rules/vigia-default.yml byte for byte") {
  std::ifstream in(std::string(VIGIA_FIXTURES) + "/../../rules/vigia-default.yml", std::ios::binary);
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  REQUIRE(ss.str().size() > 1000);
  CHECK(vigia::alerting::default_rules_yaml() == ss.str());
}

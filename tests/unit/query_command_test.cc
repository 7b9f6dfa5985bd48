#include <catch.hpp>

#include <cmath>

#include "alerting/query_command.h"

using namespace vigia::alerting;
using namespace vigia::promql;

TEST_CASE("--time takes RFC3339 and Unix timestamps") {
  int64_t ms = 0;
  REQUIRE(parse_time("1700000000.5", ms));
  CHECK(ms == 1700000000500);
  REQUIRE(parse_time("2023-11-14T22:13:20Z", ms));
  CHECK(ms == 1700000000000);
  REQUIRE(parse_time("2023-11-14T22:13:20.25Z", ms));
  CHECK(ms == 1700000000250);
  REQUIRE(parse_time("2023-11-15T00:13:20+02:00", ms));
  CHECK(ms == 1700000000000);
  CHECK_FALSE(parse_time("2023-11-14 22:13:20", ms));
  CHECK_FALSE(parse_time("2023-11-14T22:13:20", ms));  // no zone
  CHECK_FALSE(parse_time("yesterday", ms));
  CHECK_FALSE(parse_time("", ms));
}

TEST_CASE("results print as prometheus/common's String()") {
  QueryResult v;
  v.type = ValueType::kVector;
  v.vector = {Sample{{{"__name__", "up"}, {"job", "a\"b"}}, 1, 0}, Sample{{}, NAN, 0},
              Sample{{{"x", "1"}}, 0.5, 0}};
  CHECK(format_result(v, 1700000000123) ==
        "up{job=\"a\\\"b\"} => 1 @[1700000000.123]\n{} => NaN @[1700000000.123]\n{x=\"1\"} => 0.5 "
        "@[1700000000.123]\n");
  QueryResult empty;
  empty.type = ValueType::kVector;
  CHECK(format_result(empty, 0) == "\n");
  QueryResult s;
  s.type = ValueType::kScalar;
  s.scalar = -INFINITY;
  CHECK(format_result(s, 1000) == "scalar: -Inf @[1]\n");
  QueryResult m;
  m.type = ValueType::kMatrix;
  m.matrix = {Series{{{"__name__", "m"}, {"b", "1"}}, {{1000, 1}, {2500, 2}}},
              Series{{{"__name__", "m"}}, {{1000, 3}}}};
  // Fewer labels first, as model.Matrix sorts.
  CHECK(format_result(m, 0) == "m =>\n3 @[1]\nm{b=\"1\"} =>\n1 @[1]\n2 @[2.5]\n");
}

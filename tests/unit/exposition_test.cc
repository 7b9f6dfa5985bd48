#include <catch.hpp>

#include "core/exposition.h"

using namespace vigia;

TEST_CASE("append_double spells numbers as Go's strconv 'g' does") {
  auto f = [](double v) {
    std::string s;
    append_double(s, v);
    return s;
  };
  CHECK(f(0) == "0");
  CHECK(f(1) == "1");
  CHECK(f(-1) == "-1");
  CHECK(f(0.25) == "0.25");
  CHECK(f(123456) == "123456");
  CHECK(f(1234567) == "1.234567e+06");
  CHECK(f(1e6) == "1e+06");
  CHECK(f(0.0001) == "0.0001");
  CHECK(f(0.00001) == "1e-05");
  CHECK(f(2.5165824e10) == "2.5165824e+10");
  CHECK(f(18446744073709551615.0) == "1.8446744073709552e+19");
  CHECK(f(std::numeric_limits<double>::quiet_NaN()) == "NaN");
  CHECK(f(std::numeric_limits<double>::infinity()) == "+Inf");
  CHECK(f(-std::numeric_limits<double>::infinity()) == "-Inf");
}

TEST_CASE("label values escape backslash, quote and newline") {
  std::string s;
  append_escaped_label_value(s, "a\\b\"c\nd");
  CHECK(s == "a\\\\b\\\"c\\nd");
}

TEST_CASE("encoder sorts families, merges repeats and keeps first HELP") {
  std::string out = encode_text([](MetricSink& s) {
    s.gauge("zeta", "Z help.", 1);
    s.family("alpha_total", "A help\nwith \\ newline.", MetricType::kCounter);
    s.sample("alpha_total", {{"x", "1"}}, 2);
    s.family("zeta", "other help", MetricType::kGauge);
    s.sample("zeta", {{"y", "q\""}}, 3);
    s.family("empty", "never sampled", MetricType::kGauge);
  });
  CHECK(out ==
        "# HELP alpha_total A help\\nwith \\\\ newline.\n"
        "# TYPE alpha_total counter\n"
        "alpha_total{x=\"1\"} 2\n"
        "# HELP zeta Z help.\n"
        "# TYPE zeta gauge\n"
        "zeta 1\n"
        "zeta{y=\"q\\\"\"} 3\n");
}

TEST_CASE("a reused encoder forgets the previous scrape") {
  TextEncoder enc;
  enc.gauge("a", "h", 1);
  std::string first;
  enc.finish(first);
  enc.reset();
  enc.gauge("b", "h", 2);
  std::string second;
  enc.finish(second);
  CHECK(second == "# HELP b h\n# TYPE b gauge\nb 2\n");
}

TEST_CASE("LabelAddingSink appends the target label") {
  std::string out = encode_text([](MetricSink& s) {
    LabelAddingSink t(s, {"target", "primary"});
    t.gauge("pg_up", "up", 1);
    t.family("pg_x", "x", MetricType::kGauge);
    t.sample("pg_x", {{"datname", "db"}}, 5);
  });
  CHECK(out.find("pg_up{target=\"primary\"} 1\n") != std::string::npos);
  CHECK(out.find("pg_x{datname=\"db\",target=\"primary\"} 5\n") != std::string::npos);
}

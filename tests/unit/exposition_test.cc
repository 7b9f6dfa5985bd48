#include <catch.hpp>

#include <charconv>
#include <cmath>

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

TEST_CASE("append_double's integer fast path agrees with the general path") {
  // The general path: shortest scientific digits, then Go's 'g' rule.
  auto general = [](double v) {
    char buf[40];
    auto sci = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
    std::string s(buf, sci.ptr);
    int exp = std::stoi(s.substr(s.find('e') + 1));
    if (exp < -4 || exp >= 6) return s;
    auto fix = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
    return std::string(buf, fix.ptr);
  };
  uint64_t x = 88172645463325252ull;
  for (int i = 0; i < 200000; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    // Integers of every magnitude below 2^53, some with trailing zeros.
    double v = static_cast<double>(x >> (11 + i % 53));
    if (i % 3 == 0) v = std::round(v / 1000) * 1000;
    if (i % 2) v = -v;
    std::string got;
    append_double(got, v);
    if (got != general(v)) FAIL("value " << general(v) << " printed as " << got);
  }
  std::string s;
  append_double(s, -0.0);
  CHECK(s == "-0");  // as Go prints negative zero
  s.clear();
  append_double(s, 9007199254740993.0 * 4);
  CHECK(s == general(9007199254740993.0 * 4));
}

#include <catch.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <new>
#include <set>
#include <sstream>

#include "core/exposition.h"
#include "core/exposition_parser.h"

using namespace vigia;

// Counts heap allocations, to check that a reused parser does not allocate
// per sample. Not under AddressSanitizer, which owns operator new itself.
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VIGIA_UNDER_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define VIGIA_UNDER_ASAN 1
#endif
#ifndef VIGIA_UNDER_ASAN
#define VIGIA_COUNT_ALLOCS 1
// GCC cannot see that these replacements pair malloc with free.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
static std::atomic<long> g_allocs{0};
void* operator new(std::size_t n) {
  ++g_allocs;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#endif

namespace {

struct Sample {
  std::string family;
  MetricType type;
  std::string name;
  std::vector<std::pair<std::string, std::string>> labels;
  double value;
  int64_t ts;

  // NaN-aware equality via the encoded form.
  std::string key() const {
    std::string s = family + "|" + std::string(metric_type_name(type)) + "|" + name + "{";
    for (const auto& [k, v] : labels) s += k + "=" + v + ",";
    s += "} ";
    append_double(s, value);
    s += " " + std::to_string(ts);
    return s;
  }
};

struct FamilyCall {
  std::string name, help;
  MetricType type;
};

class RecordingSink final : public MetricSink {
 public:
  std::vector<FamilyCall> families;
  std::vector<Sample> samples;

  void family(std::string_view name, std::string_view help, MetricType type) override {
    families.push_back({std::string(name), std::string(help), type});
  }
  void sample(std::string_view name, Labels labels, double value, int64_t ts) override {
    REQUIRE(!families.empty());
    Sample s{families.back().name, families.back().type, std::string(name), {}, value, ts};
    for (const Label& l : labels) s.labels.emplace_back(std::string(l.name), std::string(l.value));
    samples.push_back(std::move(s));
  }
  using MetricSink::sample;
};

// Parses text that must be valid.
RecordingSink parse_ok(std::string_view text) {
  RecordingSink sink;
  Status st = parse_exposition(text, sink);
  INFO(st.message());
  REQUIRE(st.is_ok());
  return sink;
}

// The error message of text that must be invalid.
std::string parse_err(std::string_view text) {
  RecordingSink sink;
  Status st = parse_exposition(text, sink);
  REQUIRE(st.is_error());
  return st.message();
}

double value_of(std::string_view v) {
  std::string text = "x " + std::string(v) + "\n";
  return parse_ok(text).samples.at(0).value;
}

std::string read_fixture(const std::string& rel) {
  std::ifstream f(std::string(VIGIA_FIXTURES) + "/" + rel, std::ios::binary);
  REQUIRE(f.good());
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("HELP and TYPE lines describe the family; HELP unescapes \\\\ and \\n") {
  auto s = parse_ok(
      "# HELP http_requests_total Requests\\nserved, by \\\\code.\n"
      "# TYPE http_requests_total counter\n"
      "http_requests_total{code=\"200\"} 1027\n"
      "http_requests_total{code=\"400\"} 3\n");
  REQUIRE(s.families.size() == 1);
  CHECK(s.families[0].name == "http_requests_total");
  CHECK(s.families[0].help == "Requests\nserved, by \\code.");
  CHECK(s.families[0].type == MetricType::kCounter);
  REQUIRE(s.samples.size() == 2);
  CHECK(s.samples[1].labels == std::vector<std::pair<std::string, std::string>>{{"code", "400"}});
  CHECK(s.samples[1].value == 3);
  CHECK(s.samples[1].ts == -1);
}

TEST_CASE("TYPE may precede HELP; every type keyword is known") {
  for (auto [word, type] : {std::pair{"counter", MetricType::kCounter},
                            {"gauge", MetricType::kGauge},
                            {"untyped", MetricType::kUntyped}}) {
    auto s = parse_ok(std::string("# TYPE m ") + word + "\n# HELP m h\nm 1\n");
    REQUIRE(s.families.size() == 1);
    CHECK(s.families[0].type == type);
    CHECK(s.families[0].help == "h");
  }
}

TEST_CASE("comments, blank lines and surrounding blanks are skipped") {
  auto s = parse_ok(
      "# just a comment\n"
      "#HELPER is a comment too\n"
      "\n"
      "   \t\n"
      "#\n"
      "  # TYPE g gauge\n"
      "\tg  \t 5  \n"
      "g{a=\"1\"} 6");  // no final newline
  REQUIRE(s.families.size() == 1);
  CHECK(s.families[0].type == MetricType::kGauge);
  REQUIRE(s.samples.size() == 2);
  CHECK(s.samples[0].labels.empty());
  CHECK(s.samples[0].value == 5);
  CHECK(s.samples[1].value == 6);
}

TEST_CASE("an empty input and a comment-only input give nothing") {
  CHECK(parse_ok("").samples.empty());
  auto s = parse_ok("# HELP a never sampled\n# TYPE a gauge\n");
  CHECK(s.families.empty());
  CHECK(s.samples.empty());
}

TEST_CASE("label sets: blanks, trailing comma, empty set, colons in metric names") {
  auto s = parse_ok(
      "a:b_c { x = \"1\" ,y=\"\",  } 1\n"
      "d{} 2\n"
      "e{_z9=\"v\"} 3\n");
  REQUIRE(s.samples.size() == 3);
  CHECK(s.samples[0].name == "a:b_c");
  CHECK(s.samples[0].labels == std::vector<std::pair<std::string, std::string>>{{"x", "1"}, {"y", ""}});
  CHECK(s.samples[1].labels.empty());
  CHECK(s.samples[2].labels[0].first == "_z9");
}

TEST_CASE("label values unescape \\\\, \\\" and \\n, several per sample") {
  // Long values make the scratch buffer grow while later values are
  // unescaped: earlier views must stay right.
  std::string long1(300, 'a'), long2(5000, 'b');
  std::string text = "m{p=\"" + long1 + "\\\"q\\\"\",plain=\"as is\",n=\"l1\\nl2\",b=\"" + long2 +
                     "\\\\\",c=\"\\\\\\\\\"} 1\n";
  auto s = parse_ok(text);
  REQUIRE(s.samples.size() == 1);
  const auto& l = s.samples[0].labels;
  REQUIRE(l.size() == 5);
  CHECK(l[0].second == long1 + "\"q\"");
  CHECK(l[1].second == "as is");
  CHECK(l[2].second == "l1\nl2");
  CHECK(l[3].second == long2 + "\\");
  CHECK(l[4].second == "\\\\");
}

TEST_CASE("timestamps are optional int64 milliseconds") {
  auto s = parse_ok(
      "a 1 1700000000123\n"
      "b 2\n"
      "c 3 +0\n"
      "d 4 9223372036854775807 \n");
  REQUIRE(s.samples.size() == 4);
  CHECK(s.samples[0].ts == 1700000000123);
  CHECK(s.samples[1].ts == -1);
  CHECK(s.samples[2].ts == 0);
  CHECK(s.samples[3].ts == std::numeric_limits<int64_t>::max());
}

TEST_CASE("values: decimal, exponents, NaN and infinities") {
  CHECK(value_of("0") == 0);
  CHECK(value_of("-12.5") == -12.5);
  CHECK(value_of("+3") == 3);
  CHECK(value_of(".5") == 0.5);
  CHECK(value_of("1e3") == 1000);
  CHECK(value_of("1.5E-3") == 1.5e-3);
  CHECK(value_of("-2.5e+10") == -2.5e10);
  CHECK(value_of("1.8446744073709552e+19") == 18446744073709551615.0);
  CHECK(std::isnan(value_of("NaN")));
  CHECK(std::isnan(value_of("nan")));
  CHECK(value_of("+Inf") == std::numeric_limits<double>::infinity());
  CHECK(value_of("Inf") == std::numeric_limits<double>::infinity());
  CHECK(value_of("-Inf") == -std::numeric_limits<double>::infinity());
  CHECK(value_of("-infinity") == -std::numeric_limits<double>::infinity());
  CHECK(value_of("1e-400") == 0);  // underflow is not an error (as in Go)
}

TEST_CASE("histogram: _bucket, _sum and _count belong to the family") {
  auto s = parse_ok(
      "# HELP rt Request time.\n"
      "# TYPE rt histogram\n"
      "rt_bucket{le=\"0.1\"} 1\n"
      "rt_bucket{le=\"+Inf\"} 3\n"
      "rt_sum 0.7\n"
      "rt_count 3\n"
      "rt_total 9\n");
  REQUIRE(s.families.size() == 2);
  CHECK(s.families[0].name == "rt");
  CHECK(s.families[0].type == MetricType::kHistogram);
  CHECK(s.families[1].name == "rt_total");
  CHECK(s.families[1].type == MetricType::kUntyped);
  REQUIRE(s.samples.size() == 5);
  for (int i = 0; i < 4; ++i) CHECK(s.samples[i].family == "rt");
  CHECK(s.samples[0].name == "rt_bucket");
  CHECK(s.samples[2].name == "rt_sum");
  CHECK(s.samples[3].name == "rt_count");
}

TEST_CASE("summary: quantile samples, _sum and _count belong to the family") {
  auto s = parse_ok(
      "# TYPE gc summary\n"
      "gc{quantile=\"0.5\"} 0.001\n"
      "gc{quantile=\"1\"} 0.01\n"
      "gc_sum 1.5\n"
      "gc_count 42\n"
      "gc_bucket 1\n");
  REQUIRE(s.families.size() == 2);
  CHECK(s.families[0].type == MetricType::kSummary);
  CHECK(s.families[1].name == "gc_bucket");  // summaries have no buckets
  for (int i = 0; i < 4; ++i) CHECK(s.samples[i].family == "gc");
}

TEST_CASE("samples with no TYPE are untyped, each name its own family") {
  auto s = parse_ok(
      "x_bucket{le=\"1\"} 1\n"
      "x_sum 2\n"
      "x_count 3\n"
      "x 4\n");
  REQUIRE(s.families.size() == 4);
  for (const auto& f : s.families) CHECK(f.type == MetricType::kUntyped);
  CHECK(s.families[0].name == "x_bucket");
  CHECK(s.families[3].name == "x");
}

TEST_CASE("a family split by others is announced again with its type and HELP") {
  auto s = parse_ok(
      "# HELP a A.\n# TYPE a gauge\na 1\n"
      "# TYPE b counter\nb 2\n"
      "a{k=\"v\"} 3\n"
      "# TYPE h histogram\nh_count 1\nb 4\nh_sum 2\n");
  REQUIRE(s.families.size() == 6);
  CHECK(s.families[2].name == "a");
  CHECK(s.families[2].type == MetricType::kGauge);
  CHECK(s.families[2].help == "A.");
  CHECK(s.families[5].name == "h");
  CHECK(s.families[5].type == MetricType::kHistogram);
  CHECK(s.samples.back().family == "h");
}

TEST_CASE("errors name line:column and the fault") {
  using Catch::Matchers::Equals;
  CHECK_THAT(parse_err("a 1\nb{c} 1\n"), Equals("line 2:4: expected '=' after label name"));
  CHECK_THAT(parse_err("m{a=\"1\",a=\"2\"} 1\n"), Equals("line 1:9: duplicate label name 'a'"));
  CHECK_THAT(parse_err("1m 1\n"), Equals("line 1:1: expected a metric name, got '1'"));
  CHECK_THAT(parse_err("m-x 1\n"), Equals("line 1:2: unexpected '-' after metric name"));
  CHECK_THAT(parse_err("m{1a=\"x\"} 1\n"), Equals("line 1:3: expected a label name, got '1'"));
  CHECK_THAT(parse_err("m{a:b=\"x\"} 1\n"), Equals("line 1:4: expected '=' after label name"));
  CHECK_THAT(parse_err("m{a=x} 1\n"), Equals("line 1:5: expected '\"' to open the label value"));
  CHECK_THAT(parse_err("m{a=\"x\" b=\"y\"} 1\n"),
             Equals("line 1:9: expected ',' or '}' after label value, got 'b'"));
  CHECK_THAT(parse_err("m{a=\"x\"\n"), Equals("line 1:8: unexpected end of line in label set"));
  CHECK_THAT(parse_err("m{a=\"x\n\"} 1\n"), Equals("line 1:7: unterminated label value"));
  CHECK_THAT(parse_err("m{a=\"\\t\"} 1\n"), Equals("line 1:6: invalid escape sequence '\\t' in label value"));
  CHECK_THAT(parse_err("m\n"), Equals("line 1:2: expected a value"));
  CHECK_THAT(parse_err("m{} \n"), Equals("line 1:5: expected a value"));
  CHECK_THAT(parse_err("m 0x10\n"), Equals("line 1:3: invalid value '0x10'"));
  CHECK_THAT(parse_err("m 1_000\n"), Equals("line 1:3: invalid value '1_000'"));
  CHECK_THAT(parse_err("m nan(1)\n"), Equals("line 1:3: invalid value 'nan(1)'"));
  CHECK_THAT(parse_err("m +NaN\n"), Equals("line 1:3: invalid value '+NaN'"));
  CHECK_THAT(parse_err("m 1e\n"), Equals("line 1:3: invalid value '1e'"));
  CHECK_THAT(parse_err("m 1e400\n"), Equals("line 1:3: value '1e400' out of range"));
  CHECK_THAT(parse_err("m 1 12.5\n"), Equals("line 1:5: invalid timestamp '12.5'"));
  CHECK_THAT(parse_err("m 1 99999999999999999999\n"),
             Equals("line 1:5: invalid timestamp '99999999999999999999'"));
  CHECK_THAT(parse_err("m 1 -5\n"), Equals("line 1:5: negative timestamps are not supported"));
  CHECK_THAT(parse_err("m 1 2 3\n"), Equals("line 1:7: unexpected text after the timestamp"));
  CHECK_THAT(parse_err("m 1\r\n"), Equals("line 1:3: invalid value '1\r'"));
}

TEST_CASE("errors in HELP and TYPE lines") {
  using Catch::Matchers::Equals;
  CHECK_THAT(parse_err("# HELP\n"), Equals("line 1:7: expected a metric name after HELP"));
  CHECK_THAT(parse_err("# TYPE 9x gauge\n"), Equals("line 1:8: invalid metric name: unexpected '9'"));
  CHECK_THAT(parse_err("# TYPE a.b gauge\n"), Equals("line 1:9: unexpected '.' in metric name"));
  CHECK_THAT(parse_err("# TYPE m gauges\n"), Equals("line 1:10: unknown metric type 'gauges'"));
  CHECK_THAT(parse_err("# TYPE m\n"), Equals("line 1:9: expected a metric type"));
  CHECK_THAT(parse_err("# TYPE m gauge x\n"), Equals("line 1:16: unexpected text after the metric type"));
  CHECK_THAT(parse_err("# HELP m a\n# HELP m b\n"), Equals("line 2:8: second HELP line for metric 'm'"));
  CHECK_THAT(parse_err("# TYPE m gauge\n# TYPE m gauge\n"),
             Equals("line 2:8: second TYPE line for metric 'm'"));
  CHECK_THAT(parse_err("m 1\n# TYPE m gauge\n"),
             Equals("line 2:8: TYPE line for metric 'm' after its samples"));
  CHECK_THAT(parse_err("# HELP m bad \\t escape\n"),
             Equals("line 1:14: invalid escape sequence '\\t' in HELP"));
  CHECK_THAT(parse_err("# HELP m trailing \\"), Equals("line 1:19: unterminated escape sequence in HELP"));
}

TEST_CASE("errors in histogram and summary samples") {
  using Catch::Matchers::Equals;
  CHECK_THAT(parse_err("# TYPE h histogram\nh_bucket 1\n"),
             Equals("line 2:1: sample 'h_bucket' needs a label 'le'"));
  CHECK_THAT(parse_err("# TYPE h histogram\nh_bucket{le=\"x\"} 1\n"),
             Equals("line 2:1: label le=\"x\" of 'h_bucket' is not a number"));
  CHECK_THAT(parse_err("# TYPE h histogram\nh 1\n"),
             Equals("line 2:1: sample 'h' of histogram needs a suffix _bucket, _sum or _count"));
  CHECK_THAT(parse_err("# TYPE s summary\ns{q=\"1\"} 1\n"),
             Equals("line 2:1: sample 's' needs a label 'quantile'"));
}

TEST_CASE("samples before an error have been written") {
  RecordingSink sink;
  Status st = parse_exposition("a 1\nb 2\nc x\nd 4\n", sink);
  CHECK(st.is_error());
  CHECK(sink.samples.size() == 2);
}

namespace {

void write_varied(MetricSink& s) {
  s.family("app_requests_total", "Requests by\\ code\nand method.", MetricType::kCounter);
  s.sample("app_requests_total", {{"code", "200"}, {"method", "GET"}}, 1027);
  s.sample("app_requests_total", {{"code", "500"}, {"method", "POST"}}, 3);
  s.gauge("app_temperature", "Temp.", -12.75);
  s.family("app_weird", "Label values that need escapes.", MetricType::kGauge);
  s.sample("app_weird", {{"path", "C:\\dir\\\"x\"\nnext"}, {"empty", ""}}, 1e-7);
  s.sample("app_weird", {{"path", "ünïcödé ✓"}}, std::numeric_limits<double>::quiet_NaN());
  s.sample("app_weird", {{"path", "inf"}}, std::numeric_limits<double>::infinity());
  s.sample("app_weird", {{"path", "-inf"}}, -std::numeric_limits<double>::infinity());
  s.family("app_latency_seconds", "Latency.", MetricType::kHistogram);
  for (auto [le, v] : {std::pair{"0.005", 1.0}, {"0.1", 5.0}, {"1", 9.0}, {"+Inf", 10.0}})
    s.sample("app_latency_seconds_bucket", {{"handler", "/"}, {"le", le}}, v);
  s.sample("app_latency_seconds_sum", {{"handler", "/"}}, 2.125);
  s.sample("app_latency_seconds_count", {{"handler", "/"}}, 10);
  s.family("go_gc_seconds", "GC.", MetricType::kSummary);
  s.sample("go_gc_seconds", {{"quantile", "0"}}, 1.5e-05);
  s.sample("go_gc_seconds", {{"quantile", "1"}}, 0.0042);
  s.sample("go_gc_seconds_sum", {}, 12345678.9);
  s.sample("go_gc_seconds_count", {}, 18446744073709551615.0);
  s.family("legacy", "", MetricType::kUntyped);
  s.sample("legacy", Labels(), 7, 1700000000123);
  s.sample("legacy", Labels(), 8, 0);
}

}  // namespace

TEST_CASE("round trip: encode, parse, encode gives the same text") {
  std::string first = encode_text(write_varied);
  TextEncoder enc;
  Status st = parse_exposition(first, enc);
  INFO(st.message());
  REQUIRE(st.is_ok());
  std::string second;
  enc.finish(second);
  CHECK(second == first);
  auto s = parse_ok(first);
  CHECK(s.families.size() == 6);
  CHECK(s.samples.size() == 19);
}

TEST_CASE("a reused parser allocates nothing per sample") {
  std::string text = "# TYPE big gauge\n";
  for (int i = 0; i < 2000; ++i)
    text += "big{idx=\"" + std::to_string(i) + "\",esc=\"a\\\"b\\\\c\",n=\"x\"} " + std::to_string(i) + "\n";
  class NullSink final : public MetricSink {
   public:
    size_t n = 0;
    void family(std::string_view, std::string_view, MetricType) override {}
    void sample(std::string_view, Labels l, double, int64_t) override { n += l.size(); }
    using MetricSink::sample;
  } sink;
  ExpositionParser p;
  REQUIRE(p.parse(text, sink).is_ok());  // warms the buffers
  sink.n = 0;
#ifdef VIGIA_COUNT_ALLOCS
  long before = g_allocs.load();
#endif
  Status st = p.parse(text, sink);
#ifdef VIGIA_COUNT_ALLOCS
  long allocs = g_allocs.load() - before;
  CHECK(allocs <= 2);  // the one family's bookkeeping
#endif
  REQUIRE(st.is_ok());
  CHECK(sink.n == 2000 * 3);
}

TEST_CASE("the real output of prometheus-node-exporter 1.5 parses") {
  std::string text = read_fixture("exposition/node_exporter_1.5.txt");
  // Count independently, line by line.
  size_t sample_lines = 0;
  std::map<std::string, std::string> declared;  // TYPE lines: name -> type
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("# TYPE ", 0) == 0) {
      std::istringstream w(line.substr(7));
      std::string name, type;
      w >> name >> type;
      declared[name] = type;
    } else if (!line.empty() && line[0] != '#') {
      ++sample_lines;
    }
  }
  REQUIRE(sample_lines > 300);
  REQUIRE(declared.size() > 200);

  auto s = parse_ok(text);
  CHECK(s.samples.size() == sample_lines);
  std::set<std::string> announced;
  for (const auto& f : s.families) {
    announced.insert(f.name);
    INFO(f.name);
    REQUIRE(declared.count(f.name) == 1);
    CHECK(declared[f.name] == metric_type_name(f.type));
  }
  CHECK(s.families.size() == declared.size());  // each family once, contiguous
  CHECK(announced.size() == declared.size());
  for (const auto& smp : s.samples) {
    INFO(smp.name);
    CHECK(smp.name.rfind(smp.family, 0) == 0);
  }

  // Re-encoding parses to the same samples.
  TextEncoder enc;
  REQUIRE(parse_exposition(text, enc).is_ok());
  std::string again;
  enc.finish(again);
  auto s2 = parse_ok(again);
  REQUIRE(s2.samples.size() == s.samples.size());
  std::vector<std::string> a, b;
  for (const auto& x : s.samples) a.push_back(x.key());
  for (const auto& x : s2.samples) b.push_back(x.key());
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  CHECK(a == b);
  // node_exporter's own encoder (client_golang) and ours agree byte for byte.
  CHECK(again == text);
}

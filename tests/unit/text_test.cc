// core/strconv.h and core/text.h: the shared helpers against what Go's
// strconv, unicode/utf8, net/url, time and Prometheus's model.ParseDuration
// return for the same inputs (their documented results).
#include <catch.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <map>
#include <string>

#include "core/strconv.h"
#include "core/text.h"

using namespace vigia;

TEST_CASE("decode_utf8 is strict; decode_rune gives U+FFFD for one invalid byte") {
  size_t len = 0;
  uint32_t r = 0;
  CHECK(decode_utf8("\xc3\xa9", 0, len, r));
  CHECK((len == 2 && r == 0xe9));
  CHECK(decode_utf8("\xf0\x9f\x98\x80", 0, len, r));
  CHECK((len == 4 && r == 0x1f600));
  for (std::string bad : {"\x80", "\xc0\x80", "\xc1\xbf", "\xe0\x80\x80", "\xed\xa0\x80", "\xf0\x80\x80\x80",
                          "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xc3", "\xe2\x82", "\xff"}) {
    INFO(bad.size());
    CHECK_FALSE(decode_utf8(bad, 0, len, r));
    CHECK(decode_rune(bad, 0, len) == 0xfffd);
    CHECK(len == 1);
  }
}

TEST_CASE("append_utf8 encodes every length and replaces invalid runes") {
  std::string s;
  for (uint32_t r : {0x41u, 0xe9u, 0x263au, 0x1f600u, 0xd800u, 0x110000u}) append_utf8(s, r);
  CHECK(s == "A\xc3\xa9\xe2\x98\xba\xf0\x9f\x98\x80\xef\xbf\xbd\xef\xbf\xbd");
}

TEST_CASE("append_json_string writes what nlohmann::json (and encoding/json, HTML escaping aside) writes") {
  std::string all_bytes;  // every byte but the invalid UTF-8 ones (0x80..0xff alone)
  for (int c = 0; c < 0x80; ++c) all_bytes += static_cast<char>(c);
  for (std::string s :
       {std::string(), std::string("plain"), std::string("caf\xc3\xa9 \xf0\x9f\x98\x80 <a href=\"x\">&</a>"),
        std::string("tab\tnl\ncr\rbs\\q\"\b\f\x01\x1f\x7f"), all_bytes}) {
    std::string got;
    append_json_string(got, s);
    CHECK(got == nlohmann::json(s).dump());
    CHECK(nlohmann::json::parse(got).get<std::string>() == s);  // and it reads back
  }
  std::string got = "x";
  append_json_string(got,
                     "a\xff\xfe"
                     "b");
  CHECK(got ==
        "x\"a\xef\xbf\xbd"
        "b\"");  // invalid UTF-8: one U+FFFD per run, as to_valid_utf8
}

TEST_CASE("to_valid_utf8 is strings.ToValidUTF8 with U+FFFD: one per run of invalid bytes") {
  const std::string fffd = "\xef\xbf\xbd";
  CHECK(to_valid_utf8("plain, caf\xc3\xa9 \xf0\x9f\x98\x80") == "plain, caf\xc3\xa9 \xf0\x9f\x98\x80");
  CHECK(to_valid_utf8("a\xff"
                      "b") == "a" + fffd + "b");
  CHECK(to_valid_utf8("a\xff\xfe\xc3"
                      "b") == "a" + fffd + "b");                         // one run, one U+FFFD
  CHECK(to_valid_utf8("x\xed\xa0\x80y") == "x" + fffd + "y");            // a surrogate
  CHECK(to_valid_utf8("\xff\xc3\xa9\xff") == fffd + "\xc3\xa9" + fffd);  // two runs
  CHECK(to_valid_utf8("end\xe2\x82") == "end" + fffd);                   // truncated
  CHECK(to_valid_utf8("").empty());
}

TEST_CASE("go_quote is strconv.Quote") {
  CHECK(go_quote("") == "\"\"");
  CHECK(go_quote("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(go_quote("\a\b\f\n\r\t\v") == "\"\\a\\b\\f\\n\\r\\t\\v\"");
  CHECK(go_quote("\x01\x7f") == "\"\\x01\\x7f\"");
  CHECK(go_quote("\xc3\xa9\xe2\x98\xba") == "\"\xc3\xa9\xe2\x98\xba\"");  // printable runes stay
  CHECK(go_quote("\xff") == "\"\\xff\"");                                 // invalid bytes one by one
  CHECK(go_quote("\xc0\x80") == "\"\\xc0\\x80\"");
  CHECK(go_quote("\xe2\x80\x8b") == "\"\\u200b\"");  // U+200B, a format character
  CHECK(go_quote("\xef\xbb\xbf") == "\"\\ufeff\"");
  CHECK(go_quote("\xc2\x85") == "\"\\u0085\"");
}

TEST_CASE("go_quote_rune is strconv.QuoteRune") {
  CHECK(go_quote_rune('a') == "'a'");
  CHECK(go_quote_rune('\'') == "'\\''");
  CHECK(go_quote_rune('\n') == "'\\n'");
  CHECK(go_quote_rune(1) == "'\\x01'");
  CHECK(go_quote_rune(0x263a) == "'\xe2\x98\xba'");
  CHECK(go_quote_rune(0xd800) == "'\xef\xbf\xbd'");
}

TEST_CASE("go_unquote is strconv.Unquote, or PromQL's with kPromQL") {
  std::string out;
  CHECK(go_unquote("\"a\\tb\\x41\\101\\u00e9\\U0001F600\"", out));
  CHECK(out == "a\tbAA\xc3\xa9\xf0\x9f\x98\x80");
  CHECK(go_unquote("'\\''", out));
  CHECK(out == "'");
  CHECK(go_unquote("`a\\n\rb`", out));
  CHECK(out == "a\\nb");  // raw: no escapes, carriage returns dropped
  for (const char* bad : {"\"\\'\"", "'\\\"'", "\"\\ud800\"", "\"\\U00110000\"", "\"\\400\"", "\"\\q\"",
                          "\"a", "'ab'", "''", "xax", "\"a\"b\""}) {
    INFO(bad);
    CHECK_FALSE(go_unquote(bad, out));
  }
  CHECK(go_unquote("'ab'", out, UnquoteMode::kPromQL));
  CHECK(out == "ab");
  CHECK(go_unquote("`a\rb`", out, UnquoteMode::kPromQL));
  CHECK(out == "a\rb");
}

TEST_CASE("format_float is strconv.FormatFloat") {
  CHECK(format_float(0.1, 'g', -1) == "0.1");
  CHECK(format_float(1e21, 'g', -1) == "1e+21");
  CHECK(format_float(100000, 'g', -1) == "100000");
  CHECK(format_float(0.0001, 'g', -1) == "0.0001");
  CHECK(format_float(0.00001, 'g', -1) == "1e-05");
  CHECK(format_float(123456789, 'e', 3) == "1.235e+08");
  CHECK(format_float(123456789, 'E', -1) == "1.23456789E+08");
  CHECK(format_float(2.5, 'f', 0) == "2");
  CHECK(format_float(-0.0, 'g', -1) == "-0");
  CHECK(format_float(1, 'b', -1) == "4503599627370496p-52");
  CHECK(format_float(1, 'x', -1) == "0x1p+00");
  CHECK(format_float(NAN, 'g', -1) == "NaN");
  CHECK(format_float(-INFINITY, 'f', 2) == "-Inf");
}

TEST_CASE("trim and iequals_ascii") {
  CHECK(trim("  a b \n\t") == "a b");
  CHECK(trim(" \t\r\n").empty());
  CHECK(trim("").empty());
  CHECK(trim("xxaxx", "x") == "a");
  CHECK(trim("\ta ", " ") == "\ta");
  CHECK(iequals_ascii("Content-Type", "content-TYPE"));
  CHECK_FALSE(iequals_ascii("gzip", "gzip "));
  CHECK_FALSE(iequals_ascii("\xc3\xa9", "\xc3\x89"));
}

TEST_CASE("go_regexp_expand is Go's Regexp.Expand") {
  // Groups as regexp `(?P<first>a+)(b*)(?P<x_1>c)?` would give on "aab": 0 "aab", 1 "aa", 2 "b", 3 "".
  std::vector<std::string> g = {"aab", "aa", "b", ""};
  std::map<std::string, int> names = {{"first", 1}, {"x_1", 3}};
  auto ex = [&](std::string_view t) { return go_regexp_expand(t, g, names); };
  CHECK(ex("$1-$2") == "aa-b");
  CHECK(ex("${1}x") == "aax");
  CHECK(ex("$1x") == "");  // the name is "1x": no such group
  CHECK(ex("${first}|$first|$x_1.") == "aa|aa|.");
  CHECK(ex("$$1 $$") == "$1 $");
  CHECK(ex("$0") == "aab");
  CHECK(ex("$01") == "");               // a leading zero: a name, not an index
  CHECK(ex("$9 $99999999999") == " ");  // past the groups, and past 10^8
  CHECK(ex("${a-b}") == "${a-b}");      // malformed: the '$' stays text
  CHECK(ex("${1") == "${1");
  CHECK(ex("$") == "$");
  CHECK(ex("a$-b") == "a$-b");
  CHECK(ex("${}") == "${}");
  CHECK(ex("no refs") == "no refs");
}

TEST_CASE("query_escape is url.QueryEscape") {
  CHECK(query_escape("a b&c/\xc3\xa9~-_.") == "a+b%26c%2F%C3%A9~-_.");
  CHECK(query_escape("up{job=\"x\"}") == "up%7Bjob%3D%22x%22%7D");
}

TEST_CASE("utc_time and format_rfc3339_ms") {
  UtcTime t = utc_time(0);
  CHECK((t.year == 1970 && t.month == 1 && t.day == 1 && t.hour == 0 && t.minute == 0 && t.second == 0));
  t = utc_time(-1);
  CHECK((t.year == 1969 && t.month == 12 && t.day == 31 && t.hour == 23 && t.minute == 59 && t.second == 59));
  t = utc_time(951782400);  // a leap day
  CHECK((t.year == 2000 && t.month == 2 && t.day == 29));
  CHECK(format_rfc3339_ms(1700000000000) == "2023-11-14T22:13:20Z");
  CHECK(format_rfc3339_ms(1700000000120) == "2023-11-14T22:13:20.12Z");
  CHECK(format_rfc3339_ms(1700000000120, true) == "2023-11-14T22:13:20.120Z");
  CHECK(format_rfc3339_ms(-1) == "1969-12-31T23:59:59.999Z");
  CHECK(format_rfc3339_ms(-62135596800000) == "0001-01-01T00:00:00Z");
}

TEST_CASE("parse_duration_ms is model.ParseDuration's syntax, in int64 milliseconds") {
  int64_t ms = -1;
  CHECK(parse_duration_ms("0", ms) == DurationParse::kOk);
  CHECK(ms == 0);
  CHECK(parse_duration_ms("1h30m", ms) == DurationParse::kOk);
  CHECK(ms == 5400000);
  CHECK(parse_duration_ms("1y2w3d4h5m6s7ms", ms) == DurationParse::kOk);
  CHECK(ms == 365LL * 86400000 + 17LL * 86400000 + 4 * 3600000 + 5 * 60000 + 6007);
  CHECK(parse_duration_ms("9223372036854775807ms", ms) == DurationParse::kOk);
  CHECK(ms == INT64_MAX);
  ms = 42;
  CHECK(parse_duration_ms("", ms) == DurationParse::kEmpty);
  for (const char* bad :
       {"1", "s", "1.5h", "-1s", "+1s", " 1s", "1s ", "1S", "1x", "30s1m", "1m1m", "1ms1s", "1h 30m", "00"}) {
    INFO(bad);
    CHECK(parse_duration_ms(bad, ms) == DurationParse::kInvalid);
  }
  CHECK(parse_duration_ms("9223372036854775808ms", ms) == DurationParse::kOutOfRange);
  CHECK(parse_duration_ms("99999999999999999999s", ms) == DurationParse::kOutOfRange);
  CHECK(parse_duration_ms("300000000y1d", ms) == DurationParse::kOutOfRange);
  CHECK(parse_duration_ms("99999999999999999999s1x", ms) == DurationParse::kInvalid);  // syntax first
  CHECK(ms == 42);
}

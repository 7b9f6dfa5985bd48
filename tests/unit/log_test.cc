#include <catch.hpp>

#include "core/log.h"

using namespace vigia;
using log::Format;
using log::Level;

namespace {

std::string line(Format f, Level l, std::string_view msg, std::initializer_list<log::Field> fields = {}) {
  std::string out;
  log::format_line(out, f, "2026-01-02T03:04:05.006Z", l, msg, fields);
  return out;
}

}  // namespace

TEST_CASE("logfmt: plain values bare, others quoted and escaped") {
  CHECK(line(Format::kLogfmt, Level::kInfo, "Listening", {{"address", "0.0.0.0:9100"}}) ==
        "ts=2026-01-02T03:04:05.006Z level=info msg=Listening address=0.0.0.0:9100\n");
  CHECK(line(Format::kLogfmt, Level::kWarn, "two words", {{"empty", ""}, {"eq", "a=b"}}) ==
        "ts=2026-01-02T03:04:05.006Z level=warn msg=\"two words\" empty=\"\" eq=\"a=b\"\n");
  CHECK(
      line(
          Format::kLogfmt, Level::kError, "x",
          {{"q", "say \"hi\""}, {"bs", "C:\\dir"}, {"nl", "a\nb"}, {"ctl", std::string_view("\x01\t", 2)}}) ==
      "ts=2026-01-02T03:04:05.006Z level=error msg=x q=\"say \\\"hi\\\"\" bs=\"C:\\\\dir\" "
      "nl=\"a\\nb\" ctl=\"\\x01\\x09\"\n");
  CHECK(line(Format::kLogfmt, Level::kDebug, "ünï") == "ts=2026-01-02T03:04:05.006Z level=debug msg=ünï\n");
}

TEST_CASE("JSON: strings escaped, fields in order") {
  CHECK(line(Format::kJson, Level::kInfo, "Listening", {{"address", ":9100"}}) ==
        "{\"ts\":\"2026-01-02T03:04:05.006Z\",\"level\":\"info\",\"msg\":\"Listening\","
        "\"address\":\":9100\"}\n");
  CHECK(line(Format::kJson, Level::kError, "a\"b\\c", {{"k\n", std::string_view("\t\r\x01\x1f", 4)}}) ==
        "{\"ts\":\"2026-01-02T03:04:05.006Z\",\"level\":\"error\",\"msg\":\"a\\\"b\\\\c\","
        "\"k\\n\":\"\\t\\r\\u0001\\u001f\"}\n");
}

TEST_CASE("level and format names parse; unknown ones do not") {
  Level l = Level::kInfo;
  CHECK(log::parse_level("debug", l));
  CHECK(l == Level::kDebug);
  CHECK(log::parse_level("error", l));
  CHECK(l == Level::kError);
  CHECK_FALSE(log::parse_level("INFO", l));
  CHECK_FALSE(log::parse_level("warning", l));
  Format f = Format::kLogfmt;
  CHECK(log::parse_format("json", f));
  CHECK(f == Format::kJson);
  CHECK_FALSE(log::parse_format("text", f));
}

TEST_CASE("configure sets the minimum level") {
  log::configure(Level::kWarn, Format::kLogfmt);
  CHECK_FALSE(log::enabled(Level::kInfo));
  CHECK(log::enabled(Level::kWarn));
  CHECK(log::enabled(Level::kError));
  log::configure(Level::kInfo, Format::kLogfmt);
  CHECK(log::enabled(Level::kInfo));
  CHECK_FALSE(log::enabled(Level::kDebug));
}

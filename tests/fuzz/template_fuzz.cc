// libFuzzer target for alert template expansion (alerting/template/template.h),
// built with -DVIGIA_FUZZ=ON and clang, run for a bounded time by
// scripts/fuzz.sh (seeds: tests/fuzz/corpus/template/).
//
// Beyond crashes, sanitizer reports and hangs (runaway recursion, huge
// printf widths and loops must end in an error, never in a timeout), it
// checks that parsing agrees with expansion: check_template fails exactly
// when expand_template fails with "error parsing template", and with the
// same message.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "alerting/template/template.h"

using namespace vigia::alerting;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  static const TemplateData kData = [] {
    TemplateData d;
    d.labels = {{"instance", "host1.example.org:9100"}, {"job", "node"}};
    d.external_labels = {{"region", "eu"}};
    d.external_url = "https://prom.example.org/prefix";
    d.value = 1234.5;
    d.query = [](std::string_view expr, std::vector<TemplateQueryResult>& out, std::string& err) {
      if (expr.empty()) {
        err = "empty query";
        return false;
      }
      out.push_back({{{"__value__", "v"}, {"host", "b"}}, 2});
      out.push_back({{{"host", "a"}}, 0.5});
      return true;
    };
    return d;
  }();
  std::string out, err, check_err;
  bool ok = expand_template("Fuzz", text, kData, out, err);
  bool parses = check_template("Fuzz", text, check_err);
  const std::string prefix = "error parsing template __alert_Fuzz: ";
  bool parse_failed = !ok && err.compare(0, prefix.size(), prefix) == 0;
  if (parses == parse_failed || (parse_failed && err.substr(prefix.size()) != check_err)) {
    std::fprintf(stderr, "check_template and expand_template disagree:\n  check: %d %s\n  expand: %d %s\n",
                 parses, check_err.c_str(), ok, err.c_str());
    std::abort();
  }
  return 0;
}

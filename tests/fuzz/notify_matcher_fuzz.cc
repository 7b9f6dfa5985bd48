// libFuzzer target for Alertmanager's matcher parser (alerting/notify/matcher):
// never a crash; a parsed matcher list printed by matchers_string() parses
// back to the same matchers (name, type, value).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "alerting/notify/matcher.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  vigia::notify::Matchers ms;
  std::string error;
  if (!vigia::notify::parse_matchers(text, ms, error)) return 0;
  std::string printed = vigia::notify::matchers_string(ms);
  vigia::notify::Matchers again;
  if (!vigia::notify::parse_matchers(printed, again, error)) {
    std::fprintf(stderr, "printed form %s does not parse: %s\n", printed.c_str(), error.c_str());
    std::abort();
  }
  if (again.size() != ms.size()) {
    std::fprintf(stderr, "printed form %s: %zu matchers, not %zu\n", printed.c_str(), again.size(),
                 ms.size());
    std::abort();
  }
  for (size_t i = 0; i < ms.size(); ++i)
    if (again[i].name() != ms[i].name() || again[i].type() != ms[i].type() ||
        again[i].value() != ms[i].value()) {
      std::fprintf(stderr, "printed form %s does not round-trip at %zu\n", printed.c_str(), i);
      std::abort();
    }
  // The LabelSet and the notifier's flat Labels give the same answer.
  vigia::notify::LabelSet ls{{"a", "b"}, {"c", ""}};
  if (vigia::notify::matches(ms, ls) != vigia::notify::matches(ms, vigia::notify::Labels(ls))) {
    std::fprintf(stderr, "LabelSet and Labels disagree on %s\n", printed.c_str());
    std::abort();
  }
  return 0;
}

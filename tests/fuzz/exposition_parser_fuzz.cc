// libFuzzer target for the exposition parser (built with -DVIGIA_FUZZ=ON and
// clang). Besides crashes and sanitizer reports, it checks the round trip:
// whatever the parser accepts, the encoder writes text that parses again and
// encodes to the same text.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/exposition.h"
#include "core/exposition_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static vigia::ExpositionParser parser;
  static vigia::TextEncoder first, second;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  first.reset();
  if (!parser.parse(in, first).is_ok()) return 0;
  std::string once;
  first.finish(once);
  second.reset();
  vigia::Status st = parser.parse(once, second);
  if (!st.is_ok()) {
    std::fprintf(stderr, "re-parse failed: %s\n--- encoded:\n%s\n", st.message().c_str(), once.c_str());
    std::abort();
  }
  std::string twice;
  second.finish(twice);
  if (once != twice) {
    std::fprintf(stderr, "round trip differs\n--- once:\n%s\n--- twice:\n%s\n", once.c_str(), twice.c_str());
    std::abort();
  }
  return 0;
}

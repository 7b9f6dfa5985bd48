// libFuzzer target for the nginx stub_status parser (exporters/nginx). Besides
// crashes and sanitizer reports, it checks that an accepted page's values
// survive being written back in nginx's own layout and parsed again.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "exporters/nginx/stub_status.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using vigia::nginx::StubStatus;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  StubStatus s;
  if (!vigia::nginx::parse_stub_status(in, s).is_ok()) return 0;
  auto n = [](uint64_t v) { return std::to_string(v); };
  std::string page = "Active connections: " + n(s.active) + " \nserver accepts handled requests\n " +
                     n(s.accepted) + " " + n(s.handled) + " " + n(s.requests) +
                     " \nReading: " + n(s.reading) + " Writing: " + n(s.writing) +
                     " Waiting: " + n(s.waiting) + " \n";
  StubStatus t;
  if (!vigia::nginx::parse_stub_status(page, t).is_ok() || t.active != s.active || t.accepted != s.accepted ||
      t.handled != s.handled || t.requests != s.requests || t.reading != s.reading ||
      t.writing != s.writing || t.waiting != s.waiting) {
    std::fprintf(stderr, "round trip differs:\n%s\n", page.c_str());
    std::abort();
  }
  return 0;
}

// libFuzzer target for the EHLO reply parser of the notifier's SMTP AUTH
// choice (core/http_client.h smtp_ehlo_auth: what the SMTP server sends).
// Besides crashes and sanitizer reports, it checks that the mechanisms found
// are the rest of one of the input's lines: no LF, no trailing CR or space (a
// CR inside a line stays, as Go's textproto keeps it).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/http_client.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string mechs = "unchanged";
  vigia::smtp_ehlo_auth(in, mechs);
  if (mechs == "unchanged") return 0;
  bool bad = mechs.empty() || mechs.find('\n') != std::string::npos || mechs.back() == ' ' ||
             mechs.back() == '\r' || in.find(mechs) == std::string_view::npos;
  if (bad) {
    std::fprintf(stderr, "bad mechanisms: [%s]\n", mechs.c_str());
    std::abort();
  }
  return 0;
}

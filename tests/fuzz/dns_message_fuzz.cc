// libFuzzer target for the dns prober's response parser
// (exporters/probe/dns_message.h): any bytes are parsed or refused, never a
// crash, a loop through compression pointers or an unbounded allocation; an
// accepted record's text has miekg/dns's five tab-separated fields.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "exporters/probe/dns_message.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  vigia::probe::DnsResponse r;
  std::string err;
  if (!vigia::probe::parse_dns_response(in, r, err)) {
    if (err.empty()) std::abort();
    return 0;
  }
  for (const auto* section : {&r.answer, &r.authority, &r.additional})
    for (const std::string& rr : *section) {
      size_t tabs = 0;
      for (char c : rr) tabs += c == '\t';
      if (tabs < 4) {
        std::fprintf(stderr, "record without its header: %s\n", rr.c_str());
        std::abort();
      }
    }
  return 0;
}

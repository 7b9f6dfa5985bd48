// DNS messages for the dns prober (RFC 1035): the query it sends and the
// parse of the answer, whose records are given in miekg/dns's text form
// (RR.String(), what blackbox_exporter's validate_*_rrs regexes match):
// "example.org.\t300\tIN\tA\t192.0.2.1". A parser of outside input: bounded,
// compression loops refused, fuzzed (tests/fuzz/dns_message_fuzz.cc).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vigia::probe {

struct DnsResponse {
  uint16_t id = 0;
  int rcode = 0;  // with EDNS's extended bits when an OPT record carries them
  bool truncated = false;
  std::vector<std::string> answer, authority, additional;  // records as text
  bool has_soa_serial = false;
  uint32_t soa_serial = 0;  // of the first SOA in the answer
};

// The wire form of a query for name (made fully qualified), type and class.
std::string dns_query(uint16_t id, std::string_view name, uint16_t type, uint16_t klass,
                      bool recursion_desired);

// Parses a response; false with err on malformed input.
bool parse_dns_response(std::string_view msg, DnsResponse& out, std::string& err);

}  // namespace vigia::probe

// The parser of nginx's stub_status page (ngx_http_stub_status_module):
//
//   Active connections: 3
//   server accepts handled requests
//    17 17 42
//   Reading: 0 Writing: 1 Waiting: 2
//
// A pure function of the body, so it is unit-tested from literals and fuzzed
// (tests/fuzz/stub_status_fuzz.cc).
#pragma once

#include <cstdint>
#include <string_view>

#include "core/status.h"

namespace vigia::nginx {

struct StubStatus {
  uint64_t active = 0;
  uint64_t accepted = 0;
  uint64_t handled = 0;
  uint64_t requests = 0;
  uint64_t reading = 0;
  uint64_t writing = 0;
  uint64_t waiting = 0;
};

// Parses body into out. Accepts what nginx writes and what
// nginx-prometheus-exporter 0.11's scan of the same template accepts: the
// words exactly, runs of spaces or tabs where nginx writes one space, "\n" or
// "\r\n" line ends, the last line end optional, anything after the Waiting
// line ignored. Numbers are unsigned decimal integers below 2^63. Any other
// body is an error naming the line and what was expected there.
Status parse_stub_status(std::string_view body, StubStatus& out);

}  // namespace vigia::nginx

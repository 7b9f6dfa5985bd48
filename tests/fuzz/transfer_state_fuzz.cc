// libFuzzer target for the transfer area's state file parser
// (exporters/transfer/state.h): no crash or sanitizer report on any input,
// and what it accepts formats and parses back to the same state.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "exporters/transfer/state.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  vigia::transfer::TransferState s;
  if (!vigia::transfer::parse_state(in, s).is_ok()) return 0;
  vigia::transfer::TransferState back;
  if (!vigia::transfer::parse_state(vigia::transfer::format_state(s), back).is_ok() || !(back == s))
    std::abort();
  return 0;
}

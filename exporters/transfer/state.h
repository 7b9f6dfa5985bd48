// The transfer area's state file: the month's count and the counters it was
// taken from, so a restart continues the count and a reboot (new boot id,
// counters back at zero) adds the new counters whole.
//
// Text, one record a line, fields separated by one space:
//   vigia-transfer-state 1            first line: the format and its version
//   period_start 1764547200           Unix seconds, the billing month's start
//   receive 123456                    bytes counted in the month
//   transmit 654321
//   boot_id 2f0c...                   optional: the kernel boot the counters belong to
//   device eth0 1000 2000             the device's receive and transmit counters
//                                     at the last reading (any number of lines)
// Lines starting with '#' and empty lines are ignored.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "core/status.h"

namespace vigia::transfer {

struct DeviceCounters {
  uint64_t receive = 0, transmit = 0;
  bool operator==(const DeviceCounters&) const = default;
};

struct TransferState {
  int64_t period_start = 0;  // 0: none yet
  uint64_t receive = 0, transmit = 0;
  std::string boot_id;
  std::map<std::string, DeviceCounters> last;
  bool operator==(const TransferState&) const = default;
};

// The file's text; parse_state(format_state(s)) gives s back for any s whose
// boot_id and device names are non-empty tokens without blanks (names that
// are not are left out).
std::string format_state(const TransferState& s);

// Parses the text into out. Errors name the line ("line 3: ..."): a first line
// other than the header, an unknown record, a repeated record (a device named
// twice included), a missing or extra field, a number that is not a decimal
// integer in range (period_start >= 0), a boot id or device name with control
// characters, or a missing period_start, receive or
// transmit.
Status parse_state(std::string_view text, TransferState& out);

// Writes text to path atomically and durably: a temporary file beside it,
// fsync, rename, fsync of the directory. Missing parent directories are
// made (0755). On failure the temporary file is
// removed and the old file is untouched; the error names the path.
Status write_file_durably(const std::string& path, const std::string& text);

}  // namespace vigia::transfer

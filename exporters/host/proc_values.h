// Small value parsers that several host collectors share, with the semantics
// of the Go functions node_exporter 1.5 and procfs 0.8 use.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/fs.h"
#include "core/status.h"

namespace vigia::host {

// strconv.ParseUint(strings.TrimSpace(text), 10, 64): node_exporter's
// readUintFromFile. False if not a decimal uint64.
bool parse_trimmed_u64(std::string_view text, uint64_t& out);

// strconv.ParseUint(s, 16, bits): hex digits only (no 0x), at most `bits` bits.
bool parse_hex_u64(std::string_view s, uint64_t& out, int bits = 64);

// strconv.ParseInt(s, 0, 64): optional sign, then 0x/0o/0b/0 prefixes pick the
// base, '_' allowed between digits after a prefix or between digits.
bool parse_go_int64(std::string_view s, int64_t& out);

// strconv.ParseFloat(s, 64) in full: go_parse_float's decimal forms, and
// hexadecimal ones ("0x1.8p3", the exponent required), '_' between digits.
bool parse_go_float64(std::string_view s, double& out);

// Reads a file that must hold one decimal unsigned integer (trimmed).
// Missing file: the error is_not_found(); not a number: an error naming it.
Status read_u64_file(ProcFile& file, std::string& buf, uint64_t& out);

}  // namespace vigia::host

// Go's strings.Fields, strings.TrimSpace, strconv.ParseInt and ParseFloat on
// ASCII text, for the host parsers that follow procfs's Go code exactly.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace vigia::host {

// strings.Fields: splits on runs of white space (\t \n \v \f \r and space).
void go_fields(std::string_view s, std::vector<std::string_view>& out);
// strings.TrimSpace (ASCII white space).
std::string_view go_trim_space(std::string_view s);
// strconv.ParseInt(s, 10, 64): optional sign, decimal digits, in range.
bool go_parse_int(std::string_view s, int64_t& out);
// strconv.ParseFloat(s, 64) for decimal forms, "inf"/"nan" spellings included.
bool go_parse_float(std::string_view s, double& out);

}  // namespace vigia::host

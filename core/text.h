// Text forms that several folders share: trimming, URL query escaping,
// RFC 3339 times, Prometheus durations and Go's regexp template expansion. (Go's strconv and UTF-8 are
// core/strconv.h.)
//
// All functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace vigia {

inline constexpr std::string_view kAsciiSpace = " \t\n\v\f\r";

// `s` without the leading and trailing characters that are in `chars`.
std::string_view trim(std::string_view s, std::string_view chars = kAsciiSpace);

// Whether a and b are equal but for the case of ASCII letters.
bool iequals_ascii(std::string_view a, std::string_view b);

// Go's Regexp.Expand, for label_replace's replacement and blackbox_exporter's
// query_response `send`: $1, ${1}, $name, ${name} and $$. A reference is the
// longest run of ASCII letters, digits and '_' (RE2's group names hold no
// other); a number is a group index unless it has a leading zero or reaches
// 10^8 (then it is looked up as a name); a malformed reference (no name, or
// `${` without its `}`) keeps its '$' as text. `groups[i]` is group i's text
// ("" when it took no part), `names` the group names' indexes; a reference to
// a group that does not exist expands to nothing.
std::string go_regexp_expand(std::string_view tmpl, const std::vector<std::string>& groups,
                             const std::map<std::string, int>& names);

// Go's url.QueryEscape (also application/x-www-form-urlencoded): letters,
// digits and "-_.~" stay, a space becomes '+', every other byte %XX.
std::string query_escape(std::string_view s);

// The UTC calendar date and time of Unix time `unix_seconds` (proleptic
// Gregorian calendar, any int64 time).
struct UtcTime {
  int64_t year;
  int month, day, hour, minute, second;  // 1-12, 1-31, 0-23, 0-59, 0-59
};
UtcTime utc_time(int64_t unix_seconds);

// RFC 3339 in UTC of Unix milliseconds `ms`: "2026-11-22T10:00:00.12Z" as
// Go's RFC3339Nano writes it (fraction without trailing zeros, none when
// whole), or with `fixed_millis` always three digits ("...00.120Z").
std::string format_rfc3339_ms(int64_t ms, bool fixed_millis = false);
// Parses RFC 3339 ("2026-11-23T00:00:00Z", a fraction of any length and a
// +hh:mm offset allowed) into Unix milliseconds (the fraction rounded).
bool parse_rfc3339_ms(std::string_view s, int64_t& ms);

// Prometheus's durations (model.ParseDuration): "0", or one or more
// <digits><unit> with units y, w, d, h, m, s, ms each at most once and
// largest first ("1h30m", "250ms", "1y2w"); no sign, fraction or space.
enum class DurationParse {
  kOk,
  kEmpty,       // ""
  kInvalid,     // not the syntax above
  kOutOfRange,  // the syntax, but more milliseconds than int64 holds
};
// Sets `ms` only when it returns kOk. Syntax errors anywhere in `s` take
// precedence over kOutOfRange.
DurationParse parse_duration_ms(std::string_view s, int64_t& ms);

}  // namespace vigia

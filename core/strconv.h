// Go's unicode/utf8 and strconv, as far as vigia reproduces Go's output
// (Prometheus's error messages, label sets, templates): one implementation
// for the PromQL lexer and printer, the template engine and the rules.
//
// All functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace vigia {

// --- UTF-8 (unicode/utf8) ---

// Decodes the rune at s[i] (i < s.size()) strictly, as Go does: true with
// its byte length and value for a valid encoding; false for anything else
// (a stray continuation byte, a truncated sequence, an overlong form, a
// surrogate, a value above U+10FFFF).
bool decode_utf8(std::string_view s, size_t i, size_t& len, uint32_t& r);

// utf8.DecodeRuneInString(s[i:]): the rune at s[i] and its length, or
// U+FFFD with length 1 where the encoding is invalid (decode_utf8).
uint32_t decode_rune(std::string_view s, size_t i, size_t& len);

// utf8.AppendRune: appends the UTF-8 encoding of r; a surrogate or a value
// above U+10FFFF is appended as U+FFFD.
void append_utf8(std::string& out, uint32_t r);

// strings.ToValidUTF8(s, "\uFFFD"): s with each run of bytes that are not
// valid UTF-8 (decode_utf8) replaced by one U+FFFD; s itself when valid.
// For text from outside that becomes a label value (Prometheus refuses a
// scrape holding invalid UTF-8).
std::string to_valid_utf8(std::string_view s);
// utf8.ValidString: every byte sequence of s is valid UTF-8 (decode_utf8).
bool valid_utf8(std::string_view s);

// Appends s as a JSON string (quotes included), escaped as encoding/json and
// nlohmann::json do for `"`, `\`, \b \f \n \r \t and the other control
// characters (\u00XX); invalid UTF-8 runs become U+FFFD (to_valid_utf8). For
// the hot writers that build JSON text without a DOM.
void append_json_string(std::string& out, std::string_view s);

// --- strconv ---

// strconv.IsPrint, approximated: every rune but controls, spaces other than
// ' ', format characters, unassigned Greek, surrogates, private use and
// noncharacters.
bool go_is_print(uint32_t r);

// strconv.Quote (also Go's %q of a string): "..." with \a \b \f \n \r \t \v
// \\ \" escapes, \xNN for other controls and for each byte of invalid
// UTF-8, \uNNNN / \UNNNNNNNN for runes that are not printable.
std::string go_quote(std::string_view s);

// strconv.QuoteRune (Go's %q of a rune): 'x', '\n', '\x01'; a surrogate or
// a value above U+10FFFF quotes as U+FFFD.
std::string go_quote_rune(uint32_t r);

// Which unquoting: Go's strconv.Unquote, or PromQL's (Prometheus's
// util/strutil.Unquote), which differs in two points: a '...' literal may
// hold any number of runes, and a `...` literal keeps its carriage returns.
enum class UnquoteMode { kGo, kPromQL };

// Unquotes a "...", `...` or '...' literal (with its quotes) into `out`;
// false on bad syntax (an unknown or invalid escape, the literal's own quote
// unescaped inside it, mismatched quotes, or under kGo a '...' that is not
// exactly one rune).
bool go_unquote(std::string_view q, std::string& out, UnquoteMode mode = UnquoteMode::kGo);

// strconv.FormatFloat(v, fmt, prec, 64) for fmt 'e', 'E', 'f', 'g', 'G',
// 'b', 'x' and 'X'; prec -1 is the shortest representation that reads back
// exactly. NaN and ±Inf are "NaN", "+Inf", "-Inf".
std::string format_float(double v, char fmt, int prec);

}  // namespace vigia

#include "alerting/promql/regex.h"

#include <re2/re2.h>

namespace vigia::promql {

std::string_view go_regexp_error(int re2_error_code) {
  switch (static_cast<RE2::ErrorCode>(re2_error_code)) {
    case RE2::ErrorBadEscape: return "invalid escape sequence";
    case RE2::ErrorBadCharClass: return "invalid character class";
    case RE2::ErrorBadCharRange: return "invalid character class range";
    case RE2::ErrorMissingBracket: return "missing closing ]";
    case RE2::ErrorMissingParen: return "missing closing )";
    case RE2::ErrorTrailingBackslash: return "trailing backslash at end of expression";
    case RE2::ErrorRepeatArgument: return "missing argument to repetition operator";
    case RE2::ErrorRepeatSize: return "invalid repeat count";
    case RE2::ErrorRepeatOp: return "invalid nested repetition operator";
    case RE2::ErrorBadPerlOp: return "invalid or unsupported Perl syntax";
    case RE2::ErrorBadUTF8: return "invalid UTF-8";
    case RE2::ErrorBadNamedCapture: return "invalid named capture";
    default: return "regexp/syntax: internal error";
  }
}

namespace {

// RE2 accepts \C (any byte), Go's regexp does not: true if the pattern has one
// outside a \Q...\E literal.
bool has_any_byte_escape(std::string_view p) {
  for (size_t i = 0; i + 1 < p.size(); ++i) {
    if (p[i] != '\\') continue;
    if (p[i + 1] == 'C') return true;
    if (p[i + 1] == 'Q') {
      size_t end = p.find("\\E", i + 2);
      if (end == std::string_view::npos) return false;
      i = end + 1;
      continue;
    }
    ++i;  // an escaped character
  }
  return false;
}

}  // namespace

AnchoredRegex::AnchoredRegex(std::string_view pattern) {
  std::string anchored = "^(?:" + std::string(pattern) + ")$";
  if (has_any_byte_escape(pattern)) {
    error_ = "error parsing regexp: invalid escape sequence: `\\C`";
    return;
  }
  RE2::Options opts;
  opts.set_log_errors(false);
  re_ = std::make_unique<RE2>(anchored, opts);
  if (!re_->ok()) {
    error_ = "error parsing regexp: " + std::string(go_regexp_error(re_->error_code())) + ": `" +
             re_->error_arg() + "`";
  }
}

AnchoredRegex::~AnchoredRegex() = default;

bool AnchoredRegex::matches(std::string_view s) const {
  return ok() && RE2::FullMatch(re2::StringPiece(s.data(), s.size()), *re_);
}

}  // namespace vigia::promql

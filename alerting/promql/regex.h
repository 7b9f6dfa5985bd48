// Label-matcher regular expressions with Go regexp (RE2) semantics, fully
// anchored as Prometheus anchors them: "^(?:pattern)$".
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace re2 {
class RE2;
}

namespace vigia::promql {

// Go's regexp/syntax message for an RE2::ErrorCode (e.g. "missing closing )").
std::string_view go_regexp_error(int re2_error_code);

class AnchoredRegex {
 public:
  // Compiles; on failure error() is Go's message, e.g.
  // "error parsing regexp: missing closing ): `^(?:()$`".
  explicit AnchoredRegex(std::string_view pattern);
  ~AnchoredRegex();
  AnchoredRegex(const AnchoredRegex&) = delete;
  AnchoredRegex& operator=(const AnchoredRegex&) = delete;

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  // Whole-string match; false when the pattern did not compile. Thread-safe.
  bool matches(std::string_view s) const;

 private:
  std::unique_ptr<re2::RE2> re_;
  std::string error_;
};

}  // namespace vigia::promql

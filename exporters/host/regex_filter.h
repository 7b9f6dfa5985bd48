#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/status.h"

namespace re2 {
class RE2;
}

namespace vigia::host {

// A name filter from a node_exporter-style regexp flag, with Go's regexp
// syntax and semantics (RE2). matches() searches anywhere in the name, as Go's
// MatchString does, so patterns anchor themselves with ^...$. An empty
// pattern matches nothing (no exclusion).
//
// Decisions are cached per name (names repeat every scrape); the cache is
// dropped when it grows past a bound, so churning names (containers) cannot
// grow it without limit. Not thread-safe: one per collector.
class RegexFilter {
 public:
  // `flag` names the option in errors ("collector.netdev.device-exclude").
  RegexFilter(std::string_view flag, const std::string& pattern);
  ~RegexFilter();
  RegexFilter(RegexFilter&&) noexcept;
  RegexFilter& operator=(RegexFilter&&) noexcept;

  // Error if the pattern did not compile; matches() is then always false.
  const Status& status() const { return status_; }
  bool matches(std::string_view name);

 private:
  static constexpr size_t kMaxCached = 4096;
  std::unique_ptr<re2::RE2> re_;
  Status status_;
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  std::unordered_map<std::string, bool, Hash, std::equal_to<>> cache_;
};

}  // namespace vigia::host

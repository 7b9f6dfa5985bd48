#include "exporters/host/regex_filter.h"

namespace vigia::host {

RegexFilter::RegexFilter(std::string_view flag, const std::string& pattern) {
  if (pattern.empty()) return;
  try {
    re_.emplace(pattern, std::regex::ECMAScript | std::regex::optimize);
  } catch (const std::regex_error& e) {
    status_ = Status::error(std::string(flag) + ": invalid regexp \"" + pattern + "\": " + e.what());
  }
}

bool RegexFilter::matches(std::string_view name) {
  if (!re_) return false;
  auto it = cache_.find(name);
  if (it != cache_.end()) return it->second;
  bool m = std::regex_search(name.begin(), name.end(), *re_);
  if (cache_.size() >= kMaxCached) cache_.clear();
  cache_.emplace(std::string(name), m);
  return m;
}

}  // namespace vigia::host

#include "exporters/host/regex_filter.h"

#include <re2/re2.h>

namespace vigia::host {

RegexFilter::RegexFilter(std::string_view flag, const std::string& pattern) {
  if (pattern.empty()) return;
  RE2::Options opts;
  opts.set_log_errors(false);
  auto re = std::make_unique<RE2>(pattern, opts);
  if (!re->ok()) {
    status_ = Status::error(std::string(flag) + ": invalid regexp \"" + pattern + "\": " + re->error());
    return;
  }
  re_ = std::move(re);
}

RegexFilter::~RegexFilter() = default;
RegexFilter::RegexFilter(RegexFilter&&) noexcept = default;
RegexFilter& RegexFilter::operator=(RegexFilter&&) noexcept = default;

bool RegexFilter::matches(std::string_view name) {
  if (!re_) return false;
  auto it = cache_.find(name);
  if (it != cache_.end()) return it->second;
  bool m = RE2::PartialMatch(re2::StringPiece(name.data(), name.size()), *re_);
  if (cache_.size() >= kMaxCached) cache_.clear();
  cache_.emplace(std::string(name), m);
  return m;
}

}  // namespace vigia::host

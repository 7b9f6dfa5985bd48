#include "alerting/notify/labels.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <new>
#include <vector>

namespace vigia::notify {
namespace detail {

// refs, n, then n + 1 offsets into the characters that follow them.
struct StringBlock::Rep {
  std::atomic<uint32_t> refs;
  uint32_t n;
  uint32_t* offsets() { return reinterpret_cast<uint32_t*>(this + 1); }
  const uint32_t* offsets() const { return reinterpret_cast<const uint32_t*>(this + 1); }
  const char* chars() const { return reinterpret_cast<const char*>(offsets() + n + 1); }
};

StringBlock::StringBlock(const std::string_view* strings, size_t n) {
  if (n == 0) return;
  size_t total = 0;
  for (size_t i = 0; i < n; ++i) total += strings[i].size();
  size_t bytes = sizeof(Rep) + (n + 1) * sizeof(uint32_t) + total;
  void* mem = ::operator new(bytes);
  rep_ = new (mem) Rep{{1}, static_cast<uint32_t>(n)};
  uint32_t* off = rep_->offsets();
  char* out = const_cast<char*>(rep_->chars());
  uint32_t pos = 0;
  for (size_t i = 0; i < n; ++i) {
    off[i] = pos;
    if (!strings[i].empty()) std::memcpy(out + pos, strings[i].data(), strings[i].size());
    pos += static_cast<uint32_t>(strings[i].size());
  }
  off[n] = pos;
}

StringBlock& StringBlock::operator=(const StringBlock& o) noexcept {
  if (rep_ != o.rep_) {
    o.ref();
    unref();
    rep_ = o.rep_;
  }
  return *this;
}

StringBlock& StringBlock::operator=(StringBlock&& o) noexcept {
  if (this != &o) {
    unref();
    rep_ = o.rep_;
    o.rep_ = nullptr;
  }
  return *this;
}

void StringBlock::ref() const {
  if (rep_) rep_->refs.fetch_add(1, std::memory_order_relaxed);
}

void StringBlock::unref() {
  if (rep_ && rep_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    rep_->~Rep();
    ::operator delete(rep_);
  }
  rep_ = nullptr;
}

size_t StringBlock::count() const { return rep_ ? rep_->n : 0; }

std::string_view StringBlock::at(size_t i) const {
  const uint32_t* off = rep_->offsets();
  return {rep_->chars() + off[i], off[i + 1] - off[i]};
}

}  // namespace detail

Labels::Labels(const LabelSet& ls) {
  std::vector<std::string_view> v;
  v.reserve(2 * ls.size());
  for (const auto& [n, val] : ls) {
    v.push_back(n);
    v.push_back(val);
  }
  block_ = detail::StringBlock(v.data(), v.size());
}

Labels::Labels(std::initializer_list<std::pair<std::string_view, std::string_view>> pairs) {
  std::vector<std::pair<std::string_view, std::string_view>> sorted(pairs);
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::string_view> v;
  v.reserve(2 * sorted.size());
  for (const auto& [n, val] : sorted) {
    v.push_back(n);
    v.push_back(val);
  }
  block_ = detail::StringBlock(v.data(), v.size());
}

std::string_view Labels::get(std::string_view name) const {
  for (size_t i = 0, n = size(); i < n; ++i)
    if (this->name(i) == name) return value(i);
  return {};
}

bool Labels::has(std::string_view name) const {
  for (size_t i = 0, n = size(); i < n; ++i)
    if (this->name(i) == name) return true;
  return false;
}

LabelSet Labels::set() const {
  LabelSet out;
  out.reserve(size());
  for (size_t i = 0, n = size(); i < n; ++i) out.emplace_back(name(i), value(i));
  return out;
}

bool operator==(const Labels& a, const Labels& b) {
  size_t n = a.size();
  if (n != b.size()) return false;
  for (size_t i = 0; i < n; ++i)
    if (a.name(i) != b.name(i) || a.value(i) != b.value(i)) return false;
  return true;
}

SharedText::SharedText(std::string_view s) {
  if (!s.empty()) block_ = detail::StringBlock(&s, 1);
}

uint64_t fingerprint(const Labels& ls) {
  constexpr uint64_t kOffset = 14695981039346656037ULL;
  constexpr uint64_t kPrime = 1099511628211ULL;
  uint64_t h = kOffset;
  auto add = [&h](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= kPrime;
    }
    h ^= 0xff;
    h *= kPrime;
  };
  for (size_t i = 0, n = ls.size(); i < n; ++i) {  // sorted by name
    add(ls.name(i));
    add(ls.value(i));
  }
  return h;
}

bool labelset_before(const Labels& a, const Labels& b) {
  // LabelSet.Before: by size, then over the union of the names in order, the
  // set missing a name first, else the smaller value. Both are sorted by name.
  if (a.size() != b.size()) return a.size() < b.size();
  size_t i = 0, j = 0, n = a.size();
  while (i < n || j < n) {
    std::string_view an = i < n ? a.name(i) : std::string_view(), bn = j < n ? b.name(j) : std::string_view();
    if (i < n && j < n && an == bn) {
      if (a.value(i) != b.value(j)) return a.value(i) < b.value(j);
      ++i;
      ++j;
    } else if (j >= n || (i < n && an < bn)) {
      return false;  // the name comes first in a; b lacks it
    } else {
      return true;  // b has a name a lacks
    }
  }
  return false;
}

}  // namespace vigia::notify

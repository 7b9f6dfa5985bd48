// How the notifier holds an alert's strings: immutable, flat and shared.
//
// An alert is held in several places at once (the alert store, each of its
// aggregation groups, a flushed notification, an outbox item), and a small
// host holds thousands of them. A promql::LabelSet spends 64 bytes of string
// headers on every label pair, and each copy of an alert copied them all.
// Here a label set (or annotation set, or a URL) is one allocation: a
// reference count, the string offsets and the characters, shared by every
// copy (a copy is a reference count increment). It is never modified in
// place: an alert with other labels gets a new one.
//
// Labels converts to and from promql::LabelSet, so the functions of the
// engine that take a `const LabelSet&` take one too (through a temporary);
// the hot ones (fingerprint, the alert order, lookups) read it in place.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "alerting/promql/value.h"

namespace vigia::notify {

using LabelSet = promql::LabelSet;  // sorted by name, names unique

namespace detail {
// A reference-counted block of n strings (offsets, then the characters).
class StringBlock {
 public:
  StringBlock() = default;
  StringBlock(const std::string_view* strings, size_t n);
  StringBlock(const StringBlock& o) noexcept : rep_(o.rep_) { ref(); }
  StringBlock(StringBlock&& o) noexcept : rep_(o.rep_) { o.rep_ = nullptr; }
  StringBlock& operator=(const StringBlock& o) noexcept;
  StringBlock& operator=(StringBlock&& o) noexcept;
  ~StringBlock() { unref(); }

  size_t count() const;
  std::string_view at(size_t i) const;

 private:
  struct Rep;
  void ref() const;
  void unref();
  Rep* rep_ = nullptr;
};
}  // namespace detail

// An immutable label set (names sorted and unique, as the LabelSet it was made of).
class Labels {
 public:
  using Pair = std::pair<std::string_view, std::string_view>;

  Labels() = default;
  Labels(const LabelSet& ls);  // NOLINT(google-explicit-constructor): a LabelSet is one
  Labels(std::initializer_list<std::pair<std::string_view, std::string_view>> pairs);

  size_t size() const { return block_.count() / 2; }
  bool empty() const { return size() == 0; }
  std::string_view name(size_t i) const { return block_.at(2 * i); }
  std::string_view value(size_t i) const { return block_.at(2 * i + 1); }
  Pair operator[](size_t i) const { return {name(i), value(i)}; }
  // The value of `name`; "" when absent (as an absent label matches "").
  std::string_view get(std::string_view name) const;
  bool has(std::string_view name) const;

  // A copy as a LabelSet (for the engine's functions that take one).
  LabelSet set() const;
  operator LabelSet() const { return set(); }  // NOLINT(google-explicit-constructor)

  class iterator {  // NOLINT(readability-identifier-naming): the standard name, for range-for
   public:
    using value_type = Pair;
    using difference_type = std::ptrdiff_t;
    iterator(const Labels* l, size_t i) : l_(l), i_(i) {}
    Pair operator*() const { return (*l_)[i_]; }
    iterator& operator++() {
      ++i_;
      return *this;
    }
    bool operator==(const iterator& o) const { return i_ == o.i_; }
    bool operator!=(const iterator& o) const { return i_ != o.i_; }

   private:
    const Labels* l_;
    size_t i_;
  };
  iterator begin() const { return {this, 0}; }
  iterator end() const { return {this, size()}; }

  friend bool operator==(const Labels& a, const Labels& b);
  friend bool operator!=(const Labels& a, const Labels& b) { return !(a == b); }

 private:
  detail::StringBlock block_;
};

// One immutable string shared by its copies (an alert's generator URL).
class SharedText {
 public:
  SharedText() = default;
  SharedText(std::string_view s);  // NOLINT(google-explicit-constructor)
  SharedText(const std::string& s) : SharedText(std::string_view(s)) {}  // NOLINT
  SharedText(const char* s) : SharedText(std::string_view(s)) {}         // NOLINT
  std::string_view view() const { return block_.count() ? block_.at(0) : std::string_view(); }
  std::string str() const { return std::string(view()); }
  bool empty() const { return view().empty(); }
  operator std::string_view() const { return view(); }  // NOLINT(google-explicit-constructor)
  friend bool operator==(const SharedText& a, std::string_view b) { return a.view() == b; }

 private:
  detail::StringBlock block_;
};

// model.LabelSet.Fingerprint (see model.h), read in place.
uint64_t fingerprint(const Labels& ls);
// model.LabelSet.Before.
bool labelset_before(const Labels& a, const Labels& b);

}  // namespace vigia::notify

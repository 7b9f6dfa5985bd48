// Alertmanager 0.25's label matchers (pkg/labels): `name="value"`, `!=`, `=~`
// and `!~`, regexes fully anchored (^(?:re)$) with RE2, Go's regexp syntax.
// A label missing from a set matches as the empty string.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "alerting/notify/model.h"
#include "alerting/promql/regex.h"
#include "core/strconv.h"

namespace vigia::notify {

enum class MatchType { kEqual = 0, kNotEqual = 1, kRegexp = 2, kNotRegexp = 3 };

std::string_view match_type_string(MatchType t);

class Matcher {
 public:
  // labels.NewMatcher: false with Go's regexp error in `error` for a bad regex.
  static bool make(MatchType type, std::string name, std::string value, Matcher& out, std::string& error);

  MatchType type() const { return type_; }
  const std::string& name() const { return name_; }
  const std::string& value() const { return value_; }
  bool matches(std::string_view s) const;
  // labels.Matcher.String(): name, operator and the value in double quotes
  // with \, " and newline escaped (`job=~"a\\.b"`).
  std::string string() const;

 private:
  MatchType type_ = MatchType::kEqual;
  std::string name_, value_;
  std::shared_ptr<const promql::AnchoredRegex> re_;  // shared: matchers are copied
};

using Matchers = std::vector<Matcher>;

// labels.Matchers.Matches: every matcher matches the set (missing label = "").
bool matches(const Matchers& ms, const LabelSet& ls);
bool matches(const Matchers& ms, const Labels& ls);
// labels.Matchers.String(): `{a="b",c=~"d"}`.
std::string matchers_string(const Matchers& ms);
// sort.Sort(labels.Matchers): by name, then value, then type.
void sort_matchers(Matchers& ms);

// labels.ParseMatcher: `name op value`, the value quoted or not, with \n,
// \" and \\ escapes. False with Alertmanager's message in `error`
// ("bad matcher format: ...").
bool parse_matcher(std::string_view s, Matcher& out, std::string& error);
// labels.ParseMatchers: `{foo="bar", baz=~"x.*"}` (braces optional), split
// on commas outside double quotes; appends to `out`.
bool parse_matchers(std::string_view s, Matchers& out, std::string& error);

// model.LabelName.IsValid: [a-zA-Z_][a-zA-Z0-9_]*.
using promql::valid_label_name;
// go_quote (core/strconv.h) is Go's strconv.Quote.
using vigia::go_quote;
// model.LabelSet.String(): `{a="1", b="2"}`, the `name=%q` strings sorted.
std::string go_labelset_string(const LabelSet& ls);
// Label value of `name`, "" when missing.
inline std::string_view label_of(const LabelSet& ls, std::string_view name) {
  return promql::label_value(ls, name);
}
inline std::string_view label_of(const Labels& ls, std::string_view name) { return ls.get(name); }

}  // namespace vigia::notify

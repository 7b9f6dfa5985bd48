#include "alerting/notify/matcher.h"

#include <algorithm>
#include <cstdio>

#include "core/strconv.h"

namespace vigia::notify {
namespace {

bool go_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'; }
bool name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':'; }
bool name_char(char c) { return name_start(c) || (c >= '0' && c <= '9'); }

}  // namespace

std::string_view match_type_string(MatchType t) {
  switch (t) {
    case MatchType::kEqual: return "=";
    case MatchType::kNotEqual: return "!=";
    case MatchType::kRegexp: return "=~";
    case MatchType::kNotRegexp: return "!~";
  }
  return "=";
}

bool Matcher::make(MatchType type, std::string name, std::string value, Matcher& out, std::string& error) {
  Matcher m;
  m.type_ = type;
  m.name_ = std::move(name);
  m.value_ = std::move(value);
  if (type == MatchType::kRegexp || type == MatchType::kNotRegexp) {
    auto re = std::make_shared<promql::AnchoredRegex>(m.value_);
    if (!re->ok()) {
      error = re->error();
      return false;
    }
    m.re_ = std::move(re);
  }
  out = std::move(m);
  return true;
}

bool Matcher::matches(std::string_view s) const {
  switch (type_) {
    case MatchType::kEqual: return s == value_;
    case MatchType::kNotEqual: return s != value_;
    case MatchType::kRegexp: return re_ && re_->matches(s);
    case MatchType::kNotRegexp: return !(re_ && re_->matches(s));
  }
  return false;
}

std::string Matcher::string() const {
  std::string out = name_;
  out += match_type_string(type_);
  out += '"';
  for (char c : value_) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (c == '"')
      out += "\\\"";
    else
      out += c;
  }
  out += '"';
  return out;
}

bool matches(const Matchers& ms, const LabelSet& ls) {
  return std::all_of(ms.begin(), ms.end(),
                     [&](const Matcher& m) { return m.matches(label_of(ls, m.name())); });
}

bool matches(const Matchers& ms, const Labels& ls) {
  return std::all_of(ms.begin(), ms.end(), [&](const Matcher& m) { return m.matches(ls.get(m.name())); });
}

std::string matchers_string(const Matchers& ms) {
  std::string out = "{";
  for (size_t i = 0; i < ms.size(); ++i) {
    if (i > 0) out += ',';
    out += ms[i].string();
  }
  out += '}';
  return out;
}

void sort_matchers(Matchers& ms) {
  // sort.Sort is not stable; equal matchers are identical, so order is moot.
  std::sort(ms.begin(), ms.end(), [](const Matcher& a, const Matcher& b) {
    if (a.name() != b.name()) return a.name() < b.name();
    if (a.value() != b.value()) return a.value() < b.value();
    return static_cast<int>(a.type()) < static_cast<int>(b.type());
  });
}

bool parse_matcher(std::string_view s, Matcher& out, std::string& error) {
  // ^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(=~|=|!=|!~)\s*((?s).*?)\s*$
  auto bad = [&] {
    error = "bad matcher format: " + std::string(s);
    return false;
  };
  size_t i = 0;
  while (i < s.size() && go_space(s[i])) ++i;
  if (i >= s.size() || !name_start(s[i])) return bad();
  size_t name_begin = i;
  while (i < s.size() && name_char(s[i])) ++i;
  std::string name(s.substr(name_begin, i - name_begin));
  while (i < s.size() && go_space(s[i])) ++i;
  MatchType type;
  std::string_view rest = s.substr(i);
  if (rest.starts_with("=~"))
    type = MatchType::kRegexp, i += 2;
  else if (rest.starts_with("="))
    type = MatchType::kEqual, i += 1;
  else if (rest.starts_with("!="))
    type = MatchType::kNotEqual, i += 2;
  else if (rest.starts_with("!~"))
    type = MatchType::kNotRegexp, i += 2;
  else
    return bad();
  while (i < s.size() && go_space(s[i])) ++i;
  size_t end = s.size();
  while (end > i && go_space(s[end - 1])) --end;
  std::string_view raw_match = s.substr(i, end - i);  // ms[3]
  std::string_view raw = raw_match;
  bool expect_trailing_quote = false;
  if (raw.starts_with('"')) {
    raw.remove_prefix(1);
    expect_trailing_quote = true;
  }
  if (!valid_utf8(raw)) {
    error = "matcher value not valid UTF-8: " + std::string(raw_match);
    return false;
  }
  std::string value;
  bool escaped = false;
  auto unescaped_quote = [&] {
    error = "matcher value contains unescaped double quote: " + std::string(raw_match);
    return false;
  };
  for (size_t k = 0; k < raw.size(); ++k) {
    char c = raw[k];
    if (escaped) {
      escaped = false;
      if (c == 'n')
        value += '\n';
      else if (c == '"' || c == '\\')
        value += c;
      else {
        value += '\\';
        value += c;
      }
      continue;
    }
    if (c == '\\') {
      if (k < raw.size() - 1) {
        escaped = true;
        continue;
      }
      value += '\\';
    } else if (c == '"') {
      if (!expect_trailing_quote || k < raw.size() - 1) return unescaped_quote();
      expect_trailing_quote = false;
    } else {
      value += c;
    }
  }
  if (expect_trailing_quote) return unescaped_quote();
  return Matcher::make(type, std::move(name), std::move(value), out, error);
}

bool parse_matchers(std::string_view s, Matchers& out, std::string& error) {
  if (s.starts_with('{')) s.remove_prefix(1);
  if (s.ends_with('}')) s.remove_suffix(1);
  bool inside_quotes = false, escaped = false;
  std::string token;
  std::vector<std::string> tokens;
  for (size_t i = 0; i < s.size();) {
    size_t n = 0;
    uint32_t r = decode_rune(s, i, n);
    i += n;
    if (r == ',') {
      if (!inside_quotes) {
        tokens.push_back(std::move(token));
        token.clear();
        continue;
      }
    } else if (r == '"') {
      if (!escaped)
        inside_quotes = !inside_quotes;
      else
        escaped = false;
    } else if (r == '\\') {
      escaped = !escaped;
    } else {
      escaped = false;
    }
    append_utf8(token, r);
  }
  std::string_view last = token;
  while (!last.empty() && go_space(last.front())) last.remove_prefix(1);
  while (!last.empty() && go_space(last.back())) last.remove_suffix(1);
  // strings.TrimSpace also trims \v, U+0085 and U+00A0; rare enough here.
  if (!last.empty()) tokens.emplace_back(last);
  Matchers parsed;
  for (const auto& t : tokens) {
    Matcher m;
    if (!parse_matcher(t, m, error)) return false;
    parsed.push_back(std::move(m));
  }
  for (auto& m : parsed) out.push_back(std::move(m));
  return true;
}

std::string go_labelset_string(const LabelSet& ls) {
  std::vector<std::string> parts;
  parts.reserve(ls.size());
  for (const auto& [n, v] : ls) parts.push_back(n + "=" + go_quote(v));
  std::sort(parts.begin(), parts.end());
  std::string out = "{";
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += ", ";
    out += parts[i];
  }
  out += '}';
  return out;
}

}  // namespace vigia::notify

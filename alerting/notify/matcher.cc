#include "alerting/notify/matcher.h"

#include <algorithm>
#include <cstdio>

namespace vigia::notify {
namespace {

bool go_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'; }
bool name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':'; }
bool name_char(char c) { return name_start(c) || (c >= '0' && c <= '9'); }

// Decodes one UTF-8 rune at s[i]; returns its length (1 for an invalid byte,
// with rune = U+FFFD, as Go's range over a string).
size_t decode_rune(std::string_view s, size_t i, uint32_t& rune) {
  auto c = static_cast<unsigned char>(s[i]);
  rune = 0xFFFD;
  if (c < 0x80) {
    rune = c;
    return 1;
  }
  size_t n = 0;
  uint32_t r = 0, min = 0;
  if (c >= 0xC2 && c <= 0xDF)
    n = 2, r = c & 0x1F, min = 0x80;
  else if (c >= 0xE0 && c <= 0xEF)
    n = 3, r = c & 0x0F, min = 0x800;
  else if (c >= 0xF0 && c <= 0xF4)
    n = 4, r = c & 0x07, min = 0x10000;
  else
    return 1;
  if (i + n > s.size()) return 1;
  for (size_t k = 1; k < n; ++k) {
    auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 1;
    r = (r << 6) | (cc & 0x3F);
  }
  if (r < min || r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) return 1;
  rune = r;
  return n;
}

void append_rune(std::string& out, uint32_t r) {
  if (r < 0x80) {
    out += static_cast<char>(r);
  } else if (r < 0x800) {
    out += static_cast<char>(0xC0 | (r >> 6));
    out += static_cast<char>(0x80 | (r & 0x3F));
  } else if (r < 0x10000) {
    out += static_cast<char>(0xE0 | (r >> 12));
    out += static_cast<char>(0x80 | ((r >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (r & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (r >> 18));
    out += static_cast<char>(0x80 | ((r >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((r >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (r & 0x3F));
  }
}

bool valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    uint32_t r = 0;
    size_t n = decode_rune(s, i, r);
    if (r == 0xFFFD && n == 1 && static_cast<unsigned char>(s[i]) >= 0x80) return false;
    i += n;
  }
  return true;
}

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

std::string_view label_of(const LabelSet& ls, std::string_view name) {
  for (const auto& [n, v] : ls)
    if (n == name) return v;
  return {};
}

bool matches(const Matchers& ms, const LabelSet& ls) {
  return std::all_of(ms.begin(), ms.end(),
                     [&](const Matcher& m) { return m.matches(label_of(ls, m.name())); });
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
    uint32_t r = 0;
    size_t n = decode_rune(s, i, r);
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
    append_rune(token, r);
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

bool valid_label_name(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (c >= '0' && c <= '9' && i > 0);
    if (!ok) return false;
  }
  return true;
}

std::string go_quote(std::string_view s) {
  std::string out = "\"";
  char buf[16];
  for (size_t i = 0; i < s.size();) {
    uint32_t r = 0;
    size_t n = decode_rune(s, i, r);
    if (r == 0xFFFD && n == 1 && static_cast<unsigned char>(s[i]) >= 0x80) {
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(s[i]));
      out += buf;
      i += 1;
      continue;
    }
    i += n;
    if (r == '"' || r == '\\') {
      out += '\\';
      out += static_cast<char>(r);
      continue;
    }
    bool printable = r >= 0x20 && r != 0x7f && !(r >= 0x80 && r < 0xa0) && r != 0xad;
    if (printable) {
      append_rune(out, r);
      continue;
    }
    switch (r) {
      case '\a': out += "\\a"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\v': out += "\\v"; break;
      default:
        if (r < 0x80)
          std::snprintf(buf, sizeof buf, "\\x%02x", r);
        else
          std::snprintf(buf, sizeof buf, "\\u%04x", r);
        out += buf;
    }
  }
  out += '"';
  return out;
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

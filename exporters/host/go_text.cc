#include "exporters/host/go_text.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>

#include "core/fs.h"
#include "core/text.h"

namespace vigia::host {

namespace {
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }
}  // namespace

void go_fields(std::string_view s, std::vector<std::string_view>& out) {
  out.clear();
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_space(s[i])) ++i;
    if (i == s.size()) break;
    size_t j = i;
    while (j < s.size() && !is_space(s[j])) ++j;
    out.push_back(s.substr(i, j - i));
    i = j;
  }
}

std::string_view go_trim_space(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool go_parse_int(std::string_view s, int64_t& out) {
  if (s.size() > 1 && s[0] == '+' && s[1] != '-') s.remove_prefix(1);
  return parse_i64(s, out);
}

bool go_parse_float(std::string_view s, double& out) { return parse_double(s, out); }

}  // namespace vigia::host

namespace vigia::host {

namespace {

char lower(char c) { return static_cast<char>(c | 0x20); }
bool is_hex(char c) { return (c >= '0' && c <= '9') || (lower(c) >= 'a' && lower(c) <= 'f'); }

// strconv's underscoreOK: `_` only between digits or after a base prefix.
bool underscore_ok(std::string_view s) {
  char saw = '^';
  size_t i = 0;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  bool hex = false;
  if (s.size() >= 2 && s[0] == '0' && (lower(s[1]) == 'b' || lower(s[1]) == 'o' || lower(s[1]) == 'x')) {
    i = 2;
    saw = '0';
    hex = lower(s[1]) == 'x';
  }
  for (; i < s.size(); ++i) {
    if ((s[i] >= '0' && s[i] <= '9') || (hex && is_hex(s[i]))) {
      saw = '0';
      continue;
    }
    if (s[i] == '_') {
      if (saw != '0') return false;
      saw = '_';
      continue;
    }
    if (saw == '_') return false;
    saw = '!';
  }
  return saw != '_';
}

std::string without_underscores(std::string_view s) {
  std::string t;
  for (char c : s)
    if (c != '_') t += c;
  return t;
}

}  // namespace

bool go_parse_float_full(std::string_view s, double& out) {
  std::string stripped;
  if (s.find('_') != std::string_view::npos) {
    if (!underscore_ok(s)) return false;
    stripped = without_underscores(s);
    s = stripped;
  }
  std::string_view m = s;
  if (!m.empty() && (m[0] == '+' || m[0] == '-')) m.remove_prefix(1);
  if (!(m.size() >= 2 && m[0] == '0' && lower(m[1]) == 'x')) {
    if (s.find('(') != std::string_view::npos) return false;  // from_chars' "nan(...)"
    return go_parse_float(s, out);
  }
  // Hexadecimal: 0x mantissa (hex digits, one '.') p exponent (required).
  size_t i = 2, digits = 0;
  bool dot = false;
  for (; i < m.size() && (is_hex(m[i]) || (m[i] == '.' && !dot)); ++i) {
    if (m[i] == '.')
      dot = true;
    else
      ++digits;
  }
  if (digits == 0 || i == m.size() || lower(m[i]) != 'p') return false;
  ++i;
  if (i < m.size() && (m[i] == '+' || m[i] == '-')) ++i;
  size_t exp_start = i;
  while (i < m.size() && m[i] >= '0' && m[i] <= '9') ++i;
  if (i == exp_start || i != m.size()) return false;
  std::string text(s);
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || std::isinf(v)) return false;
  out = v;
  return true;
}

bool go_parse_int_base0(std::string_view s, int64_t& out) {
  if (s.empty()) return false;
  std::string_view s0 = s;
  bool neg = false;
  if (s[0] == '+' || s[0] == '-') {
    neg = s[0] == '-';
    s.remove_prefix(1);
    s0 = s;
    if (s.empty()) return false;
  }
  unsigned base = 10;
  if (s[0] == '0') {
    if (s.size() >= 3 && lower(s[1]) == 'b') {
      base = 2;
      s.remove_prefix(2);
    } else if (s.size() >= 3 && lower(s[1]) == 'o') {
      base = 8;
      s.remove_prefix(2);
    } else if (s.size() >= 3 && lower(s[1]) == 'x') {
      base = 16;
      s.remove_prefix(2);
    } else {
      base = 8;
      s.remove_prefix(1);
    }
  }
  uint64_t n = 0;
  bool underscores = false, overflow = false;
  for (char c : s) {
    unsigned d;
    if (c == '_') {
      underscores = true;
      continue;
    } else if (c >= '0' && c <= '9') {
      d = static_cast<unsigned>(c - '0');
    } else if (lower(c) >= 'a' && lower(c) <= 'z') {
      d = static_cast<unsigned>(lower(c) - 'a' + 10);
    } else {
      return false;
    }
    if (d >= base) return false;
    if (n > (UINT64_MAX - d) / base) overflow = true;
    n = n * base + d;
  }
  if (underscores && !underscore_ok(s0)) return false;
  if (overflow) return false;
  if (!neg && n >= (uint64_t{1} << 63)) return false;
  if (neg && n > (uint64_t{1} << 63)) return false;
  out = neg ? static_cast<int64_t>(0 - n) : static_cast<int64_t>(n);
  return true;
}

}  // namespace vigia::host

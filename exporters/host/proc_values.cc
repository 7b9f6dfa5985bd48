#include "exporters/host/proc_values.h"

#include <cmath>
#include <cstdlib>

#include "core/text.h"
#include "exporters/host/go_text.h"

namespace vigia::host {

bool parse_trimmed_u64(std::string_view text, uint64_t& out) { return parse_u64(trim(text), out); }

bool parse_hex_u64(std::string_view s, uint64_t& out, int bits) {
  if (s.empty()) return false;
  uint64_t v = 0;
  for (char c : s) {
    int d;
    if (c >= '0' && c <= '9')
      d = c - '0';
    else if (c >= 'a' && c <= 'f')
      d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      d = c - 'A' + 10;
    else
      return false;
    if (v >> 60) return false;
    v = v << 4 | static_cast<uint64_t>(d);
  }
  if (bits < 64 && v >> bits) return false;
  out = v;
  return true;
}

namespace {

int digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'z') return c - 'a' + 10;
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return 99;
}

// Go's underscoreOK: '_' only between digits, or after a base prefix.
bool underscores_ok(std::string_view s) {
  char saw = '^';  // '^' start, '0' digit or prefix, '_' underscore, '!' other
  size_t i = 0;
  bool hex = false;
  if (s.size() >= 2 && s[0] == '0') {
    char c = static_cast<char>(s[1] | 0x20);
    if (c == 'x' || c == 'o' || c == 'b') {
      i = 2;
      saw = '0';
      hex = c == 'x';
    }
  }
  for (; i < s.size(); ++i) {
    char c = s[i];
    if ((c >= '0' && c <= '9') || (hex && digit_value(c) < 16)) {
      saw = '0';
      continue;
    }
    if (c == '_') {
      if (saw != '0') return false;
      saw = '_';
      continue;
    }
    if (saw == '_') return false;
    saw = '!';
  }
  return saw != '_';
}

}  // namespace

bool parse_go_int64(std::string_view s, int64_t& out) {
  if (s.empty()) return false;
  bool neg = false;
  std::string_view body = s;
  if (body[0] == '+' || body[0] == '-') {
    neg = body[0] == '-';
    body.remove_prefix(1);
  }
  if (body.empty()) return false;
  int base = 10;
  std::string_view digits = body;
  if (body[0] == '0') {
    char c = body.size() >= 2 ? static_cast<char>(body[1] | 0x20) : 0;
    if (c == 'x') {
      base = 16;
      digits.remove_prefix(2);
    } else if (c == 'o') {
      base = 8;
      digits.remove_prefix(2);
    } else if (c == 'b') {
      base = 2;
      digits.remove_prefix(2);
    } else {
      base = 8;
      digits.remove_prefix(1);
    }
  }
  bool underscores = false;
  uint64_t v = 0;
  bool any = base == 8 && digits.size() + 1 == body.size();  // a lone "0"
  for (char c : digits) {
    if (c == '_') {
      underscores = true;
      continue;
    }
    int d = digit_value(c);
    if (d >= base) return false;
    if (v > (UINT64_MAX - static_cast<uint64_t>(d)) / static_cast<uint64_t>(base)) return false;
    v = v * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
    any = true;
  }
  if (!any) return false;
  if (underscores && !underscores_ok(body)) return false;
  constexpr uint64_t kMaxPos = static_cast<uint64_t>(INT64_MAX);
  if (neg) {
    if (v > kMaxPos + 1) return false;
    out = v == kMaxPos + 1 ? INT64_MIN : -static_cast<int64_t>(v);
  } else {
    if (v > kMaxPos) return false;
    out = static_cast<int64_t>(v);
  }
  return true;
}

bool parse_go_float64(std::string_view s, double& out) {
  std::string stripped;
  if (s.find('_') != std::string_view::npos) {
    std::string_view body = s;
    if (!body.empty() && (body[0] == '+' || body[0] == '-')) body.remove_prefix(1);
    if (!underscores_ok(body)) return false;
    for (char c : s)
      if (c != '_') stripped += c;
    s = stripped;
  }
  std::string_view m = s;
  if (!m.empty() && (m[0] == '+' || m[0] == '-')) m.remove_prefix(1);
  if (!(m.size() >= 2 && m[0] == '0' && (m[1] | 0x20) == 'x')) {
    if (s.find('(') != std::string_view::npos) return false;  // from_chars' "nan(...)"
    return go_parse_float(s, out);
  }
  // Hexadecimal: 0x, a mantissa of hex digits with at most one '.', then a
  // required p exponent.
  size_t i = 2, digits = 0;
  bool dot = false;
  for (; i < m.size() && (digit_value(m[i]) < 16 || (m[i] == '.' && !dot)); ++i) {
    if (m[i] == '.')
      dot = true;
    else
      ++digits;
  }
  if (digits == 0 || i == m.size() || (m[i] | 0x20) != 'p') return false;
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

Status read_u64_file(ProcFile& file, std::string& buf, uint64_t& out) {
  Status st = file.read(buf);
  if (!st.is_ok()) return st;
  if (!parse_trimmed_u64(buf, out))
    return Status::error(file.path() + ": not an unsigned integer: \"" + std::string(trim(buf)) + "\"");
  return Status::ok();
}

}  // namespace vigia::host

// Go's utf8 and strconv. Floats follow strconv.FormatFloat's algorithm on
// correctly rounded digits (std::to_chars for the shortest form, printf's
// exact rounding otherwise), so that %v, %g, %e and %f print what Go prints.
#include "core/strconv.h"

#include <algorithm>
#include <charconv>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace vigia {
namespace {

// Decimal digits d[0..] with the decimal point after dp digits (Go's decimalSlice).
struct Digits {
  std::string d;
  int dp = 0;
};

// The digits of a d.ddde±xx spelling, trailing zeros removed.
Digits scientific_digits(std::string_view s) {
  size_t e = s.find('e');
  Digits out;
  for (char c : s.substr(0, e))
    if (c != '.') out.d += c;
  out.dp = std::atoi(std::string(s.substr(e + 1)).c_str()) + 1;
  while (out.d.size() > 1 && out.d.back() == '0') out.d.pop_back();
  return out;
}

// The shortest digits that read back as v (v finite, > 0).
Digits shortest_digits(double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  return scientific_digits(std::string_view(buf, r.ptr - buf));
}

// v rounded to n significant digits (n >= 1), trailing zeros removed.
Digits rounded_digits(double v, int n) {
  std::string buf(static_cast<size_t>(n) + 16, '\0');
  int len = std::snprintf(buf.data(), buf.size(), "%.*e", n - 1, v);
  Digits out = scientific_digits(std::string_view(buf.data(), static_cast<size_t>(len)));
  if (out.d == "0") out.dp = 0;
  return out;
}

// strconv's fmtE: d.ddde±dd with prec digits after the point.
std::string fmt_e(bool neg, const Digits& digs, int prec, char fmt) {
  std::string out;
  if (neg) out += '-';
  char ch = digs.d.empty() ? '0' : digs.d[0];
  out += ch;
  if (prec > 0) {
    out += '.';
    int i = 1;
    int m = std::min(static_cast<int>(digs.d.size()), prec + 1);
    if (i < m) {
      out.append(digs.d, 1, m - 1);
      i = m;
    }
    for (; i <= prec; ++i) out += '0';
  }
  out += fmt;
  int exp = digs.dp - 1;
  if (digs.d.empty() || digs.d == "0") exp = 0;
  out += exp < 0 ? '-' : '+';
  exp = std::abs(exp);
  if (exp < 10) out += '0';
  out += std::to_string(exp);
  return out;
}

// strconv's fmtF: ddd.ddd with prec digits after the point.
std::string fmt_f(bool neg, const Digits& digs, int prec) {
  std::string out;
  if (neg) out += '-';
  int nd = static_cast<int>(digs.d.size());
  if (digs.dp > 0) {
    int m = std::min(nd, digs.dp);
    out.append(digs.d, 0, m);
    for (; m < digs.dp; ++m) out += '0';
  } else {
    out += '0';
  }
  if (prec > 0) {
    out += '.';
    for (int i = 1; i <= prec; ++i) {
      int j = digs.dp + i - 1;
      out += (j >= 0 && j < nd) ? digs.d[j] : '0';
    }
  }
  return out;
}

// strconv.FormatFloat(v, 'b', -1, 64): mantissa "p" binary exponent.
std::string format_float_b(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  bool neg = bits >> 63;
  int exp = static_cast<int>((bits >> 52) & 0x7ff);
  uint64_t mant = bits & ((1ULL << 52) - 1);
  if (exp == 0)
    exp = 1;
  else
    mant |= 1ULL << 52;
  exp -= 1075;
  std::string out = neg ? "-" : "";
  out += std::to_string(mant) + "p" + (exp >= 0 ? "+" : "-") + std::to_string(std::abs(exp));
  return out;
}

// strconv.FormatFloat(v, 'x', prec, 64): -0x1.8p+01.
std::string format_float_x(double v, int prec, bool upper) {
  char buf[64];
  if (prec < 0)
    std::snprintf(buf, sizeof buf, "%a", v);
  else
    std::snprintf(buf, sizeof buf, "%.*a", std::min(prec, 40), v);
  std::string s = buf;
  size_t p = s.find('p');
  std::string mant = s.substr(0, p), exp = s.substr(p + 2);
  char sign = s[p + 1];
  if (v == 0 && prec < 0) mant = std::signbit(v) ? "-0x0" : "0x0";
  if (exp.size() < 2) exp = "0" + exp;
  std::string out = mant + "p" + sign + exp;
  if (upper)
    for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

bool decode_utf8(std::string_view s, size_t i, size_t& len, uint32_t& r) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) {
    len = 1;
    r = c;
    return true;
  }
  int n = c >= 0xf0 && c < 0xf5 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
  if (c >= 0xf5 || n == 0 || i + n > s.size()) return false;
  r = c & (n == 2 ? 0x1f : n == 3 ? 0x0f : 0x07);
  for (int k = 1; k < n; ++k) {
    unsigned char cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xc0) != 0x80) return false;
    r = (r << 6) | (cc & 0x3f);
  }
  if ((n == 3 && r < 0x800) || (n == 4 && (r < 0x10000 || r > 0x10ffff)) || (r >= 0xd800 && r < 0xe000))
    return false;
  len = n;
  return true;
}

uint32_t decode_rune(std::string_view s, size_t i, size_t& len) {
  uint32_t r;
  if (decode_utf8(s, i, len, r)) return r;
  len = 1;
  return 0xfffd;
}

void append_utf8(std::string& out, uint32_t r) {
  if (r > 0x10ffff || (r >= 0xd800 && r < 0xe000)) r = 0xfffd;
  if (r < 0x80) {
    out += static_cast<char>(r);
  } else if (r < 0x800) {
    out += static_cast<char>(0xc0 | (r >> 6));
    out += static_cast<char>(0x80 | (r & 0x3f));
  } else if (r < 0x10000) {
    out += static_cast<char>(0xe0 | (r >> 12));
    out += static_cast<char>(0x80 | ((r >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (r & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (r >> 18));
    out += static_cast<char>(0x80 | ((r >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((r >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (r & 0x3f));
  }
}

void append_json_string(std::string& out, std::string_view s) {
  std::string fixed;
  if (!valid_utf8(s)) {
    fixed = to_valid_utf8(s);
    s = fixed;
  }
  static const char* hex = "0123456789abcdef";
  out += '"';
  size_t run = 0;  // start of the bytes not yet appended
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        out += "\\u00";
        out += hex[c >> 4];
        out += hex[c & 15];
    }
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

bool valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    size_t len = 1;
    uint32_t r = 0;
    if (static_cast<unsigned char>(s[i]) >= 0x80 && !decode_utf8(s, i, len, r)) return false;
    i += len;
  }
  return true;
}

std::string to_valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool in_bad_run = false;
  for (size_t i = 0; i < s.size();) {
    size_t len = 1;
    uint32_t r = 0;
    if (static_cast<unsigned char>(s[i]) < 0x80 || decode_utf8(s, i, len, r)) {
      out.append(s.substr(i, len));
      in_bad_run = false;
    } else {
      len = 1;
      if (!in_bad_run) out += "\xEF\xBF\xBD";  // U+FFFD
      in_bad_run = true;
    }
    i += len;
  }
  return out;
}

bool go_is_print(uint32_t r) {
  return r >= 0x20 && r != 0x7f && !(r >= 0x80 && r <= 0xa0) && r != 0xad && !(r >= 0x378 && r <= 0x379) &&
         !(r >= 0x380 && r <= 0x383) && r != 0x38b && r != 0x38d && r != 0x3a2 && r != 0x1680 &&
         !(r >= 0x2000 && r <= 0x200f) && !(r >= 0x2028 && r <= 0x202f) && !(r >= 0x205f && r <= 0x206f) &&
         r != 0x3000 && !(r >= 0xd800 && r <= 0xf8ff) && r != 0xfeff && !(r >= 0xfff0 && r <= 0xfffb) &&
         r != 0xfffe && r != 0xffff && r < 0xe0000;
}

std::string go_quote(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    size_t len;
    uint32_t r;
    if (!decode_utf8(s, i, len, r)) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(s[i]));
      out += buf;
      ++i;
      continue;
    }
    switch (r) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\a': out += "\\a"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\v': out += "\\v"; break;
      default:
        if (r < 0x20 || r == 0x7f) {
          char buf[16];
          std::snprintf(buf, sizeof buf, "\\x%02x", r);
          out += buf;
        } else if (!go_is_print(r)) {
          char buf[16];
          if (r < 0x10000)
            std::snprintf(buf, sizeof buf, "\\u%04x", r);
          else
            std::snprintf(buf, sizeof buf, "\\U%08x", r);
          out += buf;
        } else {
          out.append(s.substr(i, len));
        }
    }
    i += len;
  }
  return out + "\"";
}

std::string go_quote_rune(uint32_t r) {
  std::string s;
  if (r == '\'') return "'\\''";
  if (r == '\\') return "'\\\\'";
  char buf[16];
  if (r < 0x20 || r == 0x7f) {
    switch (r) {
      case '\a': return "'\\a'";
      case '\b': return "'\\b'";
      case '\f': return "'\\f'";
      case '\n': return "'\\n'";
      case '\r': return "'\\r'";
      case '\t': return "'\\t'";
      case '\v': return "'\\v'";
      default: std::snprintf(buf, sizeof buf, "'\\x%02x'", r); return buf;
    }
  }
  if (r > 0x10ffff || (r >= 0xd800 && r < 0xe000)) r = 0xfffd;
  std::string enc;
  append_utf8(enc, r);
  return "'" + enc + "'";
}

bool go_unquote(std::string_view q, std::string& out, UnquoteMode mode) {
  out.clear();
  if (q.size() < 2) return false;
  char quote = q[0];
  if ((quote != '"' && quote != '\'' && quote != '`') || q.back() != quote) return false;
  q = q.substr(1, q.size() - 2);
  if (quote == '`') {
    for (char c : q)
      if (c != '\r' || mode == UnquoteMode::kPromQL) out += c;
    return true;
  }
  size_t runes = 0;
  for (size_t i = 0; i < q.size();) {
    char c = q[i];
    if (c == quote) return false;
    if (c != '\\') {
      out += c;
      if ((static_cast<unsigned char>(c) & 0xc0) != 0x80) ++runes;
      ++i;
      continue;
    }
    ++runes;
    if (++i >= q.size()) return false;
    char e = q[i++];
    auto hex = [&](int n, uint32_t& v) {
      v = 0;
      for (int k = 0; k < n; ++k) {
        if (i >= q.size() || !std::isxdigit(static_cast<unsigned char>(q[i]))) return false;
        char h = q[i++];
        v = v * 16 + (std::isdigit(static_cast<unsigned char>(h)) ? h - '0' : (std::tolower(h) - 'a' + 10));
      }
      return true;
    };
    uint32_t v;
    switch (e) {
      case 'a': out += '\a'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'v': out += '\v'; break;
      case '\\': out += '\\'; break;
      case '\'':
      case '"':
        if (e != quote) return false;
        out += e;
        break;
      case 'x':
        if (!hex(2, v)) return false;
        out += static_cast<char>(v);
        break;
      case 'u':
        if (!hex(4, v) || (v >= 0xd800 && v < 0xe000)) return false;
        append_utf8(out, v);
        break;
      case 'U':
        if (!hex(8, v) || v > 0x10ffff || (v >= 0xd800 && v < 0xe000)) return false;
        append_utf8(out, v);
        break;
      default:
        if (e >= '0' && e <= '7') {
          v = e - '0';
          for (int k = 0; k < 2; ++k) {
            if (i >= q.size() || q[i] < '0' || q[i] > '7') return false;
            v = v * 8 + (q[i++] - '0');
          }
          if (v > 255) return false;
          out += static_cast<char>(v);
          break;
        }
        return false;
    }
  }
  if (quote == '\'' && mode == UnquoteMode::kGo) return runes == 1;
  return true;
}

std::string format_float(double v, char fmt, int prec) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (fmt == 'b') return format_float_b(v);
  if (fmt == 'x' || fmt == 'X') return format_float_x(v, prec, fmt == 'X');
  bool neg = std::signbit(v);
  double a = std::fabs(v);
  char lower = static_cast<char>(std::tolower(fmt));
  bool shortest = prec < 0;
  Digits digs;
  if (a == 0) {
    digs.d = "0";
    digs.dp = 1;
    digs.d.clear();
    digs.dp = 0;
  }
  if (lower == 'f' && !shortest) {
    // printf rounds exactly, as strconv does.
    std::string buf(static_cast<size_t>(prec) + 400, '\0');
    int len = std::snprintf(buf.data(), buf.size(), "%.*f", prec, a);
    buf.resize(static_cast<size_t>(len));
    return (neg ? "-" : "") + buf;
  }
  if (a != 0) {
    if (shortest) {
      digs = shortest_digits(a);
    } else {
      int n = lower == 'e' ? prec + 1 : (prec == 0 ? 1 : prec);
      digs = rounded_digits(a, n);
    }
  }
  if (lower == 'e') return fmt_e(neg, digs, shortest ? static_cast<int>(digs.d.size()) - 1 : prec, fmt);
  if (lower == 'f') return fmt_f(neg, digs, std::max(static_cast<int>(digs.d.size()) - digs.dp, 0));
  // 'g'
  int eprec = prec;
  int nd = static_cast<int>(digs.d.size());
  if (shortest) {
    eprec = 6;
  } else {
    if (eprec == 0) eprec = 1;
    if (eprec > nd && nd >= digs.dp) eprec = nd;
  }
  int exp = digs.dp - 1;
  if (exp < -4 || exp >= eprec) {
    int p = shortest ? nd : (prec == 0 ? 1 : prec);
    if (p > nd) p = nd;
    return fmt_e(neg, digs, std::max(p - 1, 0), static_cast<char>(fmt + 'e' - 'g'));
  }
  int p = shortest ? nd : (prec == 0 ? 1 : prec);
  if (p > digs.dp) p = nd;
  return fmt_f(neg, digs, std::max(p - digs.dp, 0));
}

}  // namespace vigia

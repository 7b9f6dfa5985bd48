// Go's fmt and strconv formatting of template values. Floats follow
// strconv.FormatFloat's algorithm on correctly rounded digits (std::to_chars
// for the shortest form, printf's exact rounding otherwise), so %v, %g, %e
// and %f print exactly what Go prints.
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "alerting/template/template_internal.h"

namespace vigia::alerting::tmpl {
namespace {

// Decimal digits d[0..] with the decimal point after dp digits (Go's decimalSlice).
struct Digits {
  std::string d;
  int dp = 0;
};

// The shortest digits that read back as v (v finite, > 0).
Digits shortest_digits(double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string_view s(buf, r.ptr - buf);  // d.ddde±xx
  size_t e = s.find('e');
  Digits out;
  for (char c : s.substr(0, e))
    if (c != '.') out.d += c;
  out.dp = std::atoi(std::string(s.substr(e + 1)).c_str()) + 1;
  while (out.d.size() > 1 && out.d.back() == '0') out.d.pop_back();
  return out;
}

// v rounded to n significant digits (n >= 1), trailing zeros removed.
Digits rounded_digits(double v, int n) {
  std::string buf(static_cast<size_t>(n) + 16, '\0');
  int len = std::snprintf(buf.data(), buf.size(), "%.*e", n - 1, v);
  std::string_view s(buf.data(), static_cast<size_t>(len));
  size_t e = s.find('e');
  Digits out;
  for (char c : s.substr(0, e))
    if (c != '.') out.d += c;
  out.dp = std::atoi(std::string(s.substr(e + 1)).c_str()) + 1;
  while (out.d.size() > 1 && out.d.back() == '0') out.d.pop_back();
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

bool valid_utf8_at(std::string_view s, size_t i, size_t& len, uint32_t& r) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) { len = 1; r = c; return true; }
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

// Go's fmtSbx for strings: hex pairs, '#' adds 0x, ' ' separates the bytes
// (each with its 0x under '#'), the precision limits the bytes.
std::string hex_string(std::string_view s, bool upper, bool sharp, bool space, int prec) {
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  if (prec >= 0 && static_cast<size_t>(prec) < s.size()) s = s.substr(0, static_cast<size_t>(prec));
  std::string out;
  std::string prefix = upper ? "0X" : "0x";
  if (sharp && !s.empty()) out += prefix;
  for (size_t i = 0; i < s.size(); ++i) {
    if (space && i > 0) {
      out += ' ';
      if (sharp) out += prefix;
    }
    unsigned char c = static_cast<unsigned char>(s[i]);
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

struct Spec {
  bool minus = false, plus = false, sharp = false, space = false, zero = false;
  bool has_width = false, has_prec = false;
  int width = 0, prec = 0;
};

// Go's fmt.pad: to the width, left with spaces (or zeros with the 0 flag),
// right with spaces with the - flag.
std::string pad(const Spec& sp, std::string s, bool allow_zero = true) {
  if (!sp.has_width) return s;
  size_t runes = 0;
  for (unsigned char c : s) runes += (c & 0xc0) != 0x80;
  if (runes >= static_cast<size_t>(sp.width)) return s;
  size_t n = static_cast<size_t>(sp.width) - runes;
  if (sp.minus) return s + std::string(n, ' ');
  return std::string(n, sp.zero && allow_zero ? '0' : ' ') + s;
}

// Numbers put zero padding after the sign.
std::string pad_signed(const Spec& sp, std::string s, bool allow_zero = true) {
  if (!sp.has_width || sp.minus || !sp.zero || !allow_zero) return pad(sp, std::move(s), false);
  if (s.size() >= static_cast<size_t>(sp.width)) return s;
  size_t n = static_cast<size_t>(sp.width) - s.size();
  size_t sign = (!s.empty() && (s[0] == '-' || s[0] == '+' || s[0] == ' ')) ? 1 : 0;
  return s.substr(0, sign) + std::string(n, '0') + s.substr(sign);
}

// strconv.FormatFloat(v, 'b', -1, 64): mantissa "p" binary exponent.
std::string format_float_b(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  bool neg = bits >> 63;
  int exp = static_cast<int>((bits >> 52) & 0x7ff);
  uint64_t mant = bits & ((1ULL << 52) - 1);
  if (exp == 0) exp = 1;
  else mant |= 1ULL << 52;
  exp -= 1075;
  std::string out = neg ? "-" : "";
  out += std::to_string(mant) + "p" + (exp >= 0 ? "+" : "-") + std::to_string(std::abs(exp));
  return out;
}

// strconv.FormatFloat(v, 'x', prec, 64): -0x1.8p+01.
std::string format_float_x(double v, int prec, bool upper) {
  char buf[64];
  if (prec < 0) std::snprintf(buf, sizeof buf, "%a", v);
  else std::snprintf(buf, sizeof buf, "%.*a", std::min(prec, 40), v);
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

std::string fmt_float(const Spec& sp, double v, char verb, int prec) {
  if (sp.has_prec) prec = sp.prec;
  std::string num = verb == 'b'                  ? format_float_b(v)
                    : verb == 'x' || verb == 'X' ? format_float_x(v, prec, verb == 'X')
                                                 : format_float(v, verb, prec);
  if (sp.sharp && verb != 'b' && std::isfinite(v)) {
    // Go's fmtFloat with '#': keep a decimal point, and for %g/%x pad with
    // zeros to the precision (6 by default) counted in significant digits.
    int digits = 0;
    if (verb == 'g' || verb == 'G' || verb == 'x') digits = prec == -1 ? 6 : prec;
    std::string tail;
    bool has_point = false, saw_nonzero = false;
    size_t start = (num[0] == '-' || num[0] == '+') ? 1 : 0;
    for (size_t i = start; i < num.size(); ++i) {
      char c = num[i];
      if (c == '.') {
        has_point = true;
      } else if (c == 'p' || c == 'P' || ((c == 'e' || c == 'E') && verb != 'x' && verb != 'X')) {
        tail = num.substr(i);
        num.resize(i);
        break;
      } else {
        if (c != '0') saw_nonzero = true;
        if (saw_nonzero) --digits;
      }
    }
    if (!has_point) {
      if (num.size() - start == 1 && num[start] == '0') --digits;
      num += '.';
    }
    if (digits > 0) num.append(static_cast<size_t>(digits), '0');
    num += tail;
  }
  if (std::isnan(v)) {
    std::string s = sp.plus ? "+NaN" : sp.space ? " NaN" : "NaN";
    Spec nz = sp;
    nz.zero = false;
    return pad(nz, s);
  }
  if (std::isinf(v)) {
    std::string s = v > 0 ? (sp.space && !sp.plus ? " Inf" : "+Inf") : "-Inf";
    Spec nz = sp;
    nz.zero = false;
    return pad(nz, s);
  }
  if (num[0] != '-') {
    if (sp.plus) num = "+" + num;
    else if (sp.space) num = " " + num;
  }
  return pad_signed(sp, num);
}

std::string fmt_int(const Spec& sp, int64_t v, char verb) {
  uint64_t u = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  std::string digits;
  int base = verb == 'x' || verb == 'X' ? 16 : verb == 'o' || verb == 'O' ? 8 : verb == 'b' ? 2 : 10;
  const char* set = verb == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
  do {
    digits.insert(digits.begin(), set[u % base]);
    u /= base;
  } while (u);
  if (sp.has_prec) {
    if (sp.prec == 0 && v == 0) digits.clear();
    while (digits.size() < static_cast<size_t>(sp.prec)) digits.insert(digits.begin(), '0');
  }
  if (sp.sharp) {
    if (base == 16) digits = (verb == 'X' ? "0X" : "0x") + digits;
    if (base == 8 && (digits.empty() || digits[0] != '0')) digits = "0" + digits;
    if (base == 2) digits = "0b" + digits;
  }
  if (verb == 'O') digits = "0o" + digits;
  std::string sign = v < 0 ? "-" : sp.plus ? "+" : sp.space ? " " : "";
  return pad_signed(sp, sign + digits, !sp.has_prec);
}

std::string quote_rune(uint32_t r) {
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
  if (r < 0x80) enc += static_cast<char>(r);
  else if (r < 0x800) enc += static_cast<char>(0xc0 | (r >> 6)), enc += static_cast<char>(0x80 | (r & 0x3f));
  else if (r < 0x10000)
    enc += static_cast<char>(0xe0 | (r >> 12)), enc += static_cast<char>(0x80 | ((r >> 6) & 0x3f)),
        enc += static_cast<char>(0x80 | (r & 0x3f));
  else
    enc += static_cast<char>(0xf0 | (r >> 18)), enc += static_cast<char>(0x80 | ((r >> 12) & 0x3f)),
        enc += static_cast<char>(0x80 | ((r >> 6) & 0x3f)), enc += static_cast<char>(0x80 | (r & 0x3f));
  return "'" + enc + "'";
}

std::string format_one(const Spec& sp, char verb, const Value& v);

// Go's badVerb: the value is printed with %v and the verb's flags.
std::string bad_verb(const Spec& sp, char verb, const Value& v) {
  std::string out = "%!";
  out += verb;
  out += '(';
  if (v.kind == Kind::kInvalid) return out + "<nil>)";
  return out + type_name(v) + "=" + format_one(sp, 'v', v) + ")";
}

std::string format_map_with(const Value& v, const std::function<std::string(const Value&)>& elem) {
  std::string out = "map[";
  bool first = true;
  if (v.kind == Kind::kStrMap && v.str_map) {
    for (const auto& [k, val] : *v.str_map) {
      if (!first) out += ' ';
      first = false;
      out += elem(Value::string(k)) + ":" + elem(Value::string(val));
    }
  } else if (v.kind == Kind::kAnyMap && v.any_map) {
    for (const auto& [k, val] : *v.any_map) {
      if (!first) out += ' ';
      first = false;
      out += elem(Value::string(k)) + ":" + elem(val);
    }
  }
  return out + "]";
}

std::string format_one(const Spec& sp, char verb, const Value& v);

// Go formats a value inside a composite with the same verb.
std::string format_composite(const Spec& sp, char verb, const Value& v) {
  auto elem = [&](const Value& e) { return format_one(sp, verb, e); };
  switch (v.kind) {
    case Kind::kStrMap:
    case Kind::kAnyMap: return format_map_with(v, elem);
    case Kind::kSample:
      if (!v.sample) return pad(sp, "<nil>");
      return "&{" + format_map_with(Value::labels(v.sample->labels), elem) + " " + elem(Value::real(v.sample->value)) +
             "}";
    case Kind::kSamples: {
      std::string out = "[";
      if (v.samples)
        for (size_t i = 0; i < v.samples->size(); ++i) {
          if (i) out += ' ';
          // Go prints the pointers' addresses; print stable placeholders.
          char buf[32];
          std::snprintf(buf, sizeof buf, "0xc%09zx", (i + 1) * 0x40);
          out += buf;
        }
      return out + "]";
    }
    case Kind::kData:
      return "{" + format_map_with(Value::labels(v.data->labels), elem) + " " +
             format_map_with(Value::labels(v.data->external_labels), elem) + " " +
             elem(Value::string(v.data->external_url)) + " " + elem(Value::real(v.data->value)) + "}";
    default: return bad_verb(sp, verb, v);
  }
}

std::string format_one(const Spec& sp, char verb, const Value& v) {
  switch (v.kind) {
    case Kind::kInvalid:
      if (verb == 'v') return pad(sp, "<nil>");
      return bad_verb(sp, verb, v);
    case Kind::kBool:
      if (verb == 'v' || verb == 't') return pad(sp, v.b ? "true" : "false");
      return bad_verb(sp, verb, v);
    case Kind::kInt:
      switch (verb) {
        case 'v': case 'd': return fmt_int(sp, v.i, 'd');
        case 'x': case 'X': case 'o': case 'O': case 'b': return fmt_int(sp, v.i, verb);
        case 'c': {
          std::string q = quote_rune(static_cast<uint32_t>(v.i));
          if (q.size() > 2 && q[1] != '\\') return pad(sp, q.substr(1, q.size() - 2));
          return pad(sp, std::string(1, static_cast<char>(v.i)));
        }
        case 'q': return pad(sp, quote_rune(static_cast<uint32_t>(v.i)));
        case 'U': {
          char buf[32];
          std::snprintf(buf, sizeof buf, "U+%04llX", static_cast<unsigned long long>(v.i));
          std::string u = buf;
          if (sp.sharp) {
            std::string q = quote_rune(static_cast<uint32_t>(v.i));
            if (q.size() > 2 && q[1] != '\\') u += " " + q;
          }
          return pad(sp, u, false);
        }
        case 'e': case 'E': case 'f': case 'F': case 'g': case 'G':
        default: return bad_verb(sp, verb, v);
      }
    case Kind::kFloat:
      switch (verb) {
        case 'v': return fmt_float(sp, v.f, 'g', -1);
        case 'g': case 'G': return fmt_float(sp, v.f, verb, -1);
        case 'e': case 'E': case 'f': return fmt_float(sp, v.f, verb, 6);
        case 'F': return fmt_float(sp, v.f, 'f', 6);
        case 'b': case 'x': case 'X': return fmt_float(sp, v.f, verb, -1);
        default: return bad_verb(sp, verb, v);
      }
    case Kind::kString:
    case Kind::kHtml: {
      std::string s = v.s;
      switch (verb) {
        case 'v': case 's':
          if (sp.has_prec) {
            size_t n = 0, runes = 0;
            while (n < s.size() && runes < static_cast<size_t>(sp.prec)) {
              ++n;
              while (n < s.size() && (static_cast<unsigned char>(s[n]) & 0xc0) == 0x80) ++n;
              ++runes;
            }
            s.resize(n);
          }
          return pad(sp, s);
        case 'q':
          if (sp.sharp && s.find('`') == std::string::npos) return pad(sp, "`" + s + "`");
          return pad(sp, go_quote(s));
        case 'x': case 'X':
          return pad(sp, hex_string(v.s, verb == 'X', sp.sharp, sp.space, sp.has_prec ? sp.prec : -1));
        default: return bad_verb(sp, verb, v);
      }
    }
    case Kind::kTime:
      if (v.nil_ptr) return pad(sp, "<nil>");
      if (verb == 'v' || verb == 's') return pad(sp, time_string(v.i));
      return bad_verb(sp, verb, v);
    default:
      return format_composite(sp, verb, v);  // Go applies the verb to each element
  }
}

// time.Time.String() in UTC: "2006-01-02 15:04:05.999999999 +0000 UTC".
std::string time_string_impl(int64_t ns) {
  int64_t secs = ns / 1000000000;
  int64_t frac = ns % 1000000000;
  if (frac < 0) {
    frac += 1000000000;
    --secs;
  }
  int64_t days = secs / 86400;
  int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  // Civil from days (Howard Hinnant's algorithm).
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lld %02lld:%02lld:%02lld", static_cast<long long>(y),
                static_cast<long long>(m), static_cast<long long>(d), static_cast<long long>(rem / 3600),
                static_cast<long long>(rem / 60 % 60), static_cast<long long>(rem % 60));
  std::string out = buf;
  if (frac) {
    char fb[16];
    std::snprintf(fb, sizeof fb, ".%09lld", static_cast<long long>(frac));
    std::string f = fb;
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  return out + " +0000 UTC";
}

}  // namespace

std::string time_string(int64_t ns) { return time_string_impl(ns); }

std::string format_float(double v, char fmt, int prec) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
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
    if (!valid_utf8_at(s, i, len, r)) {
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
          if (r < 0x10000) std::snprintf(buf, sizeof buf, "\\u%04x", r);
          else std::snprintf(buf, sizeof buf, "\\U%08x", r);
          out += buf;
        } else {
          out.append(s.substr(i, len));
        }
    }
    i += len;
  }
  return out + "\"";
}

std::string type_name(const Value& v) {
  switch (v.kind) {
    case Kind::kInvalid: return "<nil>";
    case Kind::kBool: return "bool";
    case Kind::kInt: return "int";
    case Kind::kFloat: return "float64";
    case Kind::kString: return "string";
    case Kind::kHtml: return "template.HTML";
    case Kind::kStrMap: return "map[string]string";
    case Kind::kAnyMap: return "map[string]interface {}";
    case Kind::kSample: return "*template.sample";
    case Kind::kSamples: return "template.queryResult";
    case Kind::kTime: return "*time.Time";
    case Kind::kData:
      return "struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; Value "
             "float64 }";
  }
  return "?";
}

bool truth(const Value& v) {
  switch (v.kind) {
    case Kind::kInvalid: return false;
    case Kind::kBool: return v.b;
    case Kind::kInt: return v.i != 0;
    case Kind::kFloat: return v.f != 0;
    case Kind::kString:
    case Kind::kHtml: return !v.s.empty();
    case Kind::kStrMap: return v.str_map && !v.str_map->empty();
    case Kind::kAnyMap: return v.any_map && !v.any_map->empty();
    case Kind::kSample: return v.sample != nullptr;
    case Kind::kSamples: return v.samples && !v.samples->empty();
    case Kind::kTime: return !v.nil_ptr;
    case Kind::kData: return true;
  }
  return false;
}

std::string format_v(const Value& v) { return format_one(Spec{}, 'v', v); }

std::string go_sprint(const std::vector<Value>& args) {
  std::string out;
  for (size_t i = 0; i < args.size(); ++i) {
    bool is_string = args[i].kind == Kind::kString || args[i].kind == Kind::kHtml;
    bool prev_string = i > 0 && (args[i - 1].kind == Kind::kString || args[i - 1].kind == Kind::kHtml);
    if (i > 0 && !is_string && !prev_string) out += ' ';
    out += format_v(args[i]);
  }
  return out;
}

std::string go_sprintln(const std::vector<Value>& args) {
  std::string out;
  for (size_t i = 0; i < args.size(); ++i) {
    if (i) out += ' ';
    out += format_v(args[i]);
  }
  return out + "\n";
}

// Go's parsenum: a decimal number; one too large ends the format (Go's guard
// against crazy long numbers), and `ok` is false then.
static void parse_num(std::string_view f, size_t& i, int& num, bool& ok) {
  num = 0;
  ok = false;
  size_t end = f.size();
  while (i < end && f[i] >= '0' && f[i] <= '9') {
    if (num > 1000000) {
      num = 0;
      ok = false;
      i = end;
      return;
    }
    num = num * 10 + (f[i] - '0');
    ok = true;
    ++i;
  }
}

std::string go_sprintf(std::string_view format, const std::vector<Value>& args) {
  std::string out;
  size_t argi = 0;
  bool reordered = false;
  const size_t end = format.size();
  // Go's argNumber: an explicit [n] index.
  auto arg_number = [&](size_t& i, bool& good_arg) {
    if (i >= end || format[i] != '[') return false;
    reordered = true;
    std::string_view rest = format.substr(i);
    bool ok = false;
    size_t wid = 1;
    int index = 0;
    if (rest.size() >= 3) {
      for (size_t k = 1; k < rest.size(); ++k) {
        if (rest[k] != ']') continue;
        size_t j = 1;
        int n;
        bool num_ok;
        parse_num(rest.substr(0, k), j, n, num_ok);
        if (!num_ok || j != k) {
          wid = k + 1;
        } else {
          index = n - 1;
          wid = k + 1;
          ok = true;
        }
        break;
      }
    }
    i += wid;
    if (ok && index >= 0 && static_cast<size_t>(index) < args.size()) {
      argi = static_cast<size_t>(index);
      return true;
    }
    good_arg = false;
    return ok;
  };
  auto int_from_arg = [&](int& num) {
    bool is_int = false;
    num = 0;
    if (argi < args.size()) {
      if (args[argi].kind == Kind::kInt && args[argi].i <= 1000000 && args[argi].i >= -1000000) {
        num = static_cast<int>(args[argi].i);
        is_int = true;
      }
      ++argi;
    }
    return is_int;
  };
  for (size_t i = 0; i < end;) {
    size_t lasti = i;
    while (i < end && format[i] != '%') ++i;
    out.append(format.substr(lasti, i - lasti));
    if (i >= end) break;
    ++i;  // skip %
    Spec sp;
    for (; i < end; ++i) {
      char c = format[i];
      if (c == '#') sp.sharp = true;
      else if (c == '0') sp.zero = !sp.minus;
      else if (c == '+') sp.plus = true;
      else if (c == '-') { sp.minus = true; sp.zero = false; }
      else if (c == ' ') sp.space = true;
      else break;
    }
    bool good_arg = true;
    bool after_index = arg_number(i, good_arg);
    if (i < end && format[i] == '*') {
      ++i;
      sp.has_width = int_from_arg(sp.width);
      if (!sp.has_width) out += "%!(BADWIDTH)";
      if (sp.width < 0) {
        sp.width = -sp.width;
        sp.minus = true;
        sp.zero = false;
      }
      after_index = false;
    } else {
      parse_num(format, i, sp.width, sp.has_width);
      if (after_index && sp.has_width) good_arg = false;
    }
    if (i + 1 < end && format[i] == '.') {
      ++i;
      if (after_index) good_arg = false;
      after_index = arg_number(i, good_arg);
      if (i < end && format[i] == '*') {
        ++i;
        sp.has_prec = int_from_arg(sp.prec);
        if (sp.prec < 0) {
          sp.prec = 0;
          sp.has_prec = false;
        }
        if (!sp.has_prec) out += "%!(BADPREC)";
        after_index = false;
      } else {
        parse_num(format, i, sp.prec, sp.has_prec);
        if (!sp.has_prec) {
          sp.prec = 0;
          sp.has_prec = true;
        }
      }
    }
    if (!after_index) after_index = arg_number(i, good_arg);
    if (i >= end) {
      out += "%!(NOVERB)";
      break;
    }
    size_t vlen = 1;
    uint32_t r = static_cast<unsigned char>(format[i]);
    if (r >= 0x80 && !valid_utf8_at(format, i, vlen, r)) {
      vlen = 1;
      r = 0xfffd;
    }
    std::string verb_text = r == 0xfffd && vlen == 1 ? std::string("\xef\xbf\xbd") : std::string(format.substr(i, vlen));
    i += vlen;
    if (r == '%') {
      out += '%';
      continue;
    }
    if (!good_arg) {
      out += "%!" + verb_text + "(BADINDEX)";
      continue;
    }
    if (argi >= args.size()) {
      out += "%!" + verb_text + "(MISSING)";
      continue;
    }
    const Value& a = args[argi++];
    if (r >= 0x80) {
      out += "%!" + verb_text + "(" + (a.kind == Kind::kInvalid ? "<nil>" : type_name(a) + "=" + format_one(sp, 'v', a)) + ")";
      continue;
    }
    char verb = static_cast<char>(r);
    if (verb == 'w') verb = 'v';  // Sprintf formats %w as %v with a marker; alert templates do not use it
    if (verb == 'v') {
      sp.plus = false;  // %+v is Go's plusV (field names), not a sign
      if (sp.sharp) {
        // %#v: Go syntax; enough for strings, numbers print as with %v.
        sp.sharp = false;
        if (a.kind == Kind::kString) {
          out += pad(sp, go_quote(a.s));
          continue;
        }
      }
    }
    if (verb == 'T') {
      out += pad(sp, a.kind == Kind::kInvalid ? "<nil>" : type_name(a));
      continue;
    }
    out += format_one(sp, verb, a);
  }
  if (!reordered && argi < args.size()) {
    out += "%!(EXTRA ";
    for (size_t k = argi; k < args.size(); ++k) {
      if (k > argi) out += ", ";
      if (args[k].kind == Kind::kInvalid) out += "<nil>";
      else out += type_name(args[k]) + "=" + format_v(args[k]);
    }
    out += ")";
  }
  return out;
}

}  // namespace vigia::alerting::tmpl

// Go's fmt and strconv formatting of template values. Floats follow
// strconv.FormatFloat's algorithm on correctly rounded digits (std::to_chars
// for the shortest form, printf's exact rounding otherwise), so %v, %g, %e
// and %f print exactly what Go prints.
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "alerting/rules/template_internal.h"

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

std::string hex_string(std::string_view s, bool upper) {
  static const char* lo = "0123456789abcdef";
  static const char* hi = "0123456789ABCDEF";
  const char* digits = upper ? hi : lo;
  std::string out;
  for (unsigned char c : s) {
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

std::string pad(const Spec& sp, std::string s, bool allow_zero = true) {
  if (!sp.has_width) return s;
  size_t runes = 0;
  for (unsigned char c : s) runes += (c & 0xc0) != 0x80;
  if (runes >= static_cast<size_t>(sp.width)) return s;
  size_t n = static_cast<size_t>(sp.width) - runes;
  if (sp.minus) return s + std::string(n, ' ');
  if (sp.zero && allow_zero) {
    // Zero padding goes after the sign.
    size_t sign = (!s.empty() && (s[0] == '-' || s[0] == '+' || s[0] == ' ')) ? 1 : 0;
    return s.substr(0, sign) + std::string(n, '0') + s.substr(sign);
  }
  return std::string(n, ' ') + s;
}

std::string fmt_float(const Spec& sp, double v, char verb, int prec) {
  if (sp.has_prec) prec = sp.prec;
  std::string num = format_float(v, verb, prec);
  if (sp.sharp && verb != 'b') {
    // %#g keeps trailing zeros and always shows the point; approximate with
    // printf's alternate form, which has the same meaning.
    char fmtbuf[16];
    std::snprintf(fmtbuf, sizeof fmtbuf, "%%#.%d%c", prec < 0 ? 6 : prec, verb == 'v' ? 'g' : verb);
    char buf[512];
    if (std::isfinite(v) && std::fabs(v) < 1e300) {
      std::snprintf(buf, sizeof buf, fmtbuf, v);
      num = buf;
    }
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
  return pad(sp, num);
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
  return pad(sp, sign + digits, !sp.has_prec);
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

std::string bad_verb(char verb, const Value& v) {
  std::string out = "%!";
  out += verb;
  out += '(';
  if (v.kind == Kind::kInvalid) return out + "<nil>)";
  return out + type_name(v) + "=" + format_v(v) + ")";
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
  Spec inner = sp;
  inner.has_width = false;
  auto elem = [&](const Value& e) { return format_one(inner, verb, e); };
  switch (v.kind) {
    case Kind::kStrMap:
    case Kind::kAnyMap: return pad(sp, format_map_with(v, elem), false);
    case Kind::kSample:
      if (!v.sample) return pad(sp, "<nil>", false);
      return pad(sp, "&{" + format_map_with(Value::labels(v.sample->labels), elem) + " " +
                         elem(Value::real(v.sample->value)) + "}", false);
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
      return pad(sp, out + "]", false);
    }
    case Kind::kData:
      return pad(sp, "{" + format_map_with(Value::labels(v.data->labels), elem) + " " +
                         format_map_with(Value::labels(v.data->external_labels), elem) + " " +
                         elem(Value::string(v.data->external_url)) + " " + elem(Value::real(v.data->value)) + "}",
                 false);
    default: return bad_verb(verb, v);
  }
}

std::string format_one(const Spec& sp, char verb, const Value& v) {
  switch (v.kind) {
    case Kind::kInvalid:
      if (verb == 'v') return pad(sp, "<nil>", false);
      return bad_verb(verb, v);
    case Kind::kBool:
      if (verb == 'v' || verb == 't') return pad(sp, v.b ? "true" : "false", false);
      return bad_verb(verb, v);
    case Kind::kInt:
      switch (verb) {
        case 'v': case 'd': return fmt_int(sp, v.i, 'd');
        case 'x': case 'X': case 'o': case 'O': case 'b': return fmt_int(sp, v.i, verb);
        case 'c': {
          std::string q = quote_rune(static_cast<uint32_t>(v.i));
          if (q.size() > 2 && q[1] != '\\') return pad(sp, q.substr(1, q.size() - 2), false);
          return pad(sp, std::string(1, static_cast<char>(v.i)), false);
        }
        case 'q': return pad(sp, quote_rune(static_cast<uint32_t>(v.i)), false);
        case 'U': {
          char buf[32];
          std::snprintf(buf, sizeof buf, "U+%04llX", static_cast<unsigned long long>(v.i));
          return pad(sp, buf, false);
        }
        case 'e': case 'E': case 'f': case 'F': case 'g': case 'G':
        default: return bad_verb(verb, v);
      }
    case Kind::kFloat:
      switch (verb) {
        case 'v': return fmt_float(sp, v.f, 'g', -1);
        case 'g': case 'G': return fmt_float(sp, v.f, verb, -1);
        case 'e': case 'E': case 'f': return fmt_float(sp, v.f, verb, 6);
        case 'F': return fmt_float(sp, v.f, 'f', 6);
        default: return bad_verb(verb, v);
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
          return pad(sp, s, false);
        case 'q':
          if (sp.sharp && s.find('`') == std::string::npos) return pad(sp, "`" + s + "`", false);
          return pad(sp, go_quote(s), false);
        case 'x': case 'X': return pad(sp, hex_string(s, verb == 'X'), false);
        default: return bad_verb(verb, v);
      }
    }
    case Kind::kTime:
      if (v.nil_ptr) return pad(sp, "<nil>", false);
      if (verb == 'v' || verb == 's') return pad(sp, time_string(v.i), false);
      return bad_verb(verb, v);
    default:
      if (verb == 'v' || verb == 's' || verb == 'd' || verb == 'q' || verb == 'x' || verb == 'X' ||
          verb == 'f' || verb == 'g' || verb == 'e')
        return format_composite(sp, verb, v);
      return bad_verb(verb, v);
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
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", r);
          out += buf;
        } else if (r >= 0x80 && r < 0xa0) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", r);
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

std::string go_sprintf(std::string_view format, const std::vector<Value>& args) {
  std::string out;
  size_t argi = 0;
  bool reordered = false;
  const size_t end = format.size();
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
    auto parse_num = [&](int& n, bool& ok) {
      ok = false;
      n = 0;
      bool too_large = false;
      while (i < end && format[i] >= '0' && format[i] <= '9') {
        if (n > 1000000) too_large = true;
        else n = n * 10 + (format[i] - '0');
        ok = true;
        ++i;
      }
      if (too_large || n > 1000000) { ok = false; return false; }
      return true;
    };
    auto parse_arg_index = [&]() {
      // [n]: explicit argument index.
      if (i < end && format[i] == '[') {
        size_t close = format.find(']', i);
        if (close == std::string_view::npos) return false;
        int n = 0;
        bool ok = close > i + 1;
        for (size_t k = i + 1; k < close; ++k) {
          if (format[k] < '0' || format[k] > '9' || n > 100000) { ok = false; break; }
          n = n * 10 + (format[k] - '0');
        }
        i = close + 1;
        if (!ok || n < 1) {
          reordered = true;
          return false;
        }
        argi = static_cast<size_t>(n - 1);
        reordered = true;
      }
      return true;
    };
    bool good_arg = parse_arg_index();
    // Width.
    if (i < end && format[i] == '*') {
      ++i;
      if (argi < args.size() && args[argi].kind == Kind::kInt) {
        int64_t w = args[argi].i;
        if (w < 0) { sp.minus = true; sp.zero = false; w = -w; }
        if (w > 1000000) out += "%!(BADWIDTH)";
        else { sp.width = static_cast<int>(w); sp.has_width = true; }
      } else {
        out += "%!(BADWIDTH)";
      }
      ++argi;
    } else {
      bool ok;
      size_t before = i;
      if (!parse_num(sp.width, ok) && i > before) out += "%!(BADWIDTH)";
      sp.has_width = ok;
    }
    // Precision.
    if (i + 1 <= end && i < end && format[i] == '.') {
      ++i;
      if (!parse_arg_index()) good_arg = false;
      if (i < end && format[i] == '*') {
        ++i;
        if (argi < args.size() && args[argi].kind == Kind::kInt && args[argi].i >= 0 && args[argi].i <= 1000000) {
          sp.prec = static_cast<int>(args[argi].i);
          sp.has_prec = true;
        } else {
          out += "%!(BADPREC)";
        }
        ++argi;
      } else {
        bool ok;
        size_t before = i;
        if (!parse_num(sp.prec, ok) && i > before) out += "%!(BADPREC)";
        sp.has_prec = true;
        if (!ok) sp.prec = 0;
      }
    }
    if (!parse_arg_index()) good_arg = false;
    if (i >= end) {
      out += "%!(NOVERB)";
      break;
    }
    // The verb (a rune).
    size_t vlen = 1;
    uint32_t r;
    if (!valid_utf8_at(format, i, vlen, r)) { vlen = 1; r = 0xfffd; }
    std::string verb_text(format.substr(i, vlen));
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
      out += "%!" + verb_text + "(" + (a.kind == Kind::kInvalid ? "<nil>" : type_name(a) + "=" + format_v(a)) + ")";
      continue;
    }
    char verb = static_cast<char>(r);
    if (verb == 'w') verb = 'v';  // Sprintf treats %w like %v... with a marker; alert templates don't use it.
    if (verb == 'v') sp.plus = false;  // %+v is Go's plusV: field names, not signs
    if (verb == 'v' && sp.sharp) {
      // %#v: Go syntax. Enough for the basic types.
      if (a.kind == Kind::kString) { out += pad(sp, go_quote(a.s), false); continue; }
      sp.sharp = false;  // Go's sharpV, not sharp: numbers print as with %v
    }
    if (verb == 'T') {
      out += pad(sp, a.kind == Kind::kInvalid ? "<nil>" : type_name(a), false);
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

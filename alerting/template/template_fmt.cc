// Go's fmt formatting of template values: %v of every kind, Sprint,
// Sprintln and Sprintf's verbs, flags, widths and error markers. The
// numbers and quoting underneath are strconv's (core/strconv.h).
#include <cmath>
#include <cstdio>
#include <cstring>

#include "core/strconv.h"
#include "core/text.h"

#include "alerting/template/template_internal.h"

namespace vigia::alerting::tmpl {
namespace {

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

std::string fmt_float(const Spec& sp, double v, char verb, int prec) {
  if (sp.has_prec) prec = sp.prec;
  std::string num = format_float(v, verb, prec);
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
    if (sp.plus)
      num = "+" + num;
    else if (sp.space)
      num = " " + num;
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
    // One insert: a precision of up to 10^6 digits, zero by zero, was quadratic
    // (the fuzzer's %.888888d took over 10 s).
    if (digits.size() < static_cast<size_t>(sp.prec))
      digits.insert(0, static_cast<size_t>(sp.prec) - digits.size(), '0');
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
      return "&{" + format_map_with(Value::labels(v.sample->labels), elem) + " " +
             elem(Value::real(v.sample->value)) + "}";
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
    case Kind::kStrSlice:
    case Kind::kPair:
    case Kind::kPairs:
    case Kind::kMsgAlert:
    case Kind::kMsgAlerts:
    case Kind::kMsgData: return format_message_value(v, elem);
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
        case 'v':
        case 'd': return fmt_int(sp, v.i, 'd');
        case 'x':
        case 'X':
        case 'o':
        case 'O':
        case 'b': return fmt_int(sp, v.i, verb);
        case 'c': {
          std::string q = go_quote_rune(static_cast<uint32_t>(v.i));
          if (q.size() > 2 && q[1] != '\\') return pad(sp, q.substr(1, q.size() - 2));
          return pad(sp, std::string(1, static_cast<char>(v.i)));
        }
        case 'q': return pad(sp, go_quote_rune(static_cast<uint32_t>(v.i)));
        case 'U': {
          char buf[32];
          std::snprintf(buf, sizeof buf, "U+%04llX", static_cast<unsigned long long>(v.i));
          std::string u = buf;
          if (sp.sharp) {
            std::string q = go_quote_rune(static_cast<uint32_t>(v.i));
            if (q.size() > 2 && q[1] != '\\') u += " " + q;
          }
          return pad(sp, u, false);
        }
        case 'e':
        case 'E':
        case 'f':
        case 'F':
        case 'g':
        case 'G':
        default: return bad_verb(sp, verb, v);
      }
    case Kind::kFloat:
      switch (verb) {
        case 'v': return fmt_float(sp, v.f, 'g', -1);
        case 'g':
        case 'G': return fmt_float(sp, v.f, verb, -1);
        case 'e':
        case 'E':
        case 'f': return fmt_float(sp, v.f, verb, 6);
        case 'F': return fmt_float(sp, v.f, 'f', 6);
        case 'b':
        case 'x':
        case 'X': return fmt_float(sp, v.f, verb, -1);
        default: return bad_verb(sp, verb, v);
      }
    case Kind::kString:
    case Kind::kHtml: {
      std::string s = v.s;
      switch (verb) {
        case 'v':
        case 's':
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
        case 'x':
        case 'X':
          return pad(sp, hex_string(v.s, verb == 'X', sp.sharp, sp.space, sp.has_prec ? sp.prec : -1));
        default: return bad_verb(sp, verb, v);
      }
    }
    case Kind::kTime:
      if (v.nil_ptr) return pad(sp, "<nil>");
      if (verb == 'v' || verb == 's') return pad(sp, time_string(v.i));
      return bad_verb(sp, verb, v);
    default: return format_composite(sp, verb, v);  // Go applies the verb to each element
  }
}

}  // namespace

std::string time_string(int64_t ns) {
  if (ns == kZeroTimeNs) return "0001-01-01 00:00:00 +0000 UTC";
  int64_t secs = ns / 1000000000;
  int64_t frac = ns % 1000000000;
  if (frac < 0) {
    frac += 1000000000;
    --secs;
  }
  UtcTime t = utc_time(secs);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04lld-%02d-%02d %02d:%02d:%02d", static_cast<long long>(t.year), t.month,
                t.day, t.hour, t.minute, t.second);
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

std::string type_name(const Value& v) {
  switch (v.kind) {
    case Kind::kInvalid: return "<nil>";
    case Kind::kBool: return "bool";
    case Kind::kInt: return "int";
    case Kind::kFloat: return "float64";
    case Kind::kString: return "string";
    case Kind::kHtml: return "template.HTML";
    case Kind::kStrMap: return v.kv ? "template.KV" : "map[string]string";
    case Kind::kAnyMap: return "map[string]interface {}";
    case Kind::kSample: return "*template.sample";
    case Kind::kSamples: return "template.queryResult";
    case Kind::kTime: return "*time.Time";
    case Kind::kData:
      return "struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; Value "
             "float64 }";
    case Kind::kStrSlice: return "[]string";
    case Kind::kMsgData: return "*template.Data";
    case Kind::kMsgAlerts: return v.alerts_named ? "template.Alerts" : "[]template.Alert";
    case Kind::kMsgAlert: return "template.Alert";
    case Kind::kPairs: return "template.Pairs";
    case Kind::kPair: return "template.Pair";
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
    case Kind::kStrSlice: return v.strs && !v.strs->empty();
    case Kind::kMsgAlerts: return v.alerts && !v.alerts->empty();
    case Kind::kPairs: return v.str_map && !v.str_map->empty();
    case Kind::kMsgData:
    case Kind::kMsgAlert:
    case Kind::kPair: return true;
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
      if (c == '#')
        sp.sharp = true;
      else if (c == '0')
        sp.zero = !sp.minus;
      else if (c == '+')
        sp.plus = true;
      else if (c == '-') {
        sp.minus = true;
        sp.zero = false;
      } else if (c == ' ')
        sp.space = true;
      else
        break;
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
    if (r >= 0x80 && !decode_utf8(format, i, vlen, r)) {
      vlen = 1;
      r = 0xfffd;
    }
    std::string verb_text =
        r == 0xfffd && vlen == 1 ? std::string("\xef\xbf\xbd") : std::string(format.substr(i, vlen));
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
      out += "%!" + verb_text + "(" +
             (a.kind == Kind::kInvalid ? "<nil>" : type_name(a) + "=" + format_one(sp, 'v', a)) + ")";
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
      if (args[k].kind == Kind::kInvalid)
        out += "<nil>";
      else
        out += type_name(args[k]) + "=" + format_v(args[k]);
    }
    out += ")";
  }
  return out;
}

}  // namespace vigia::alerting::tmpl

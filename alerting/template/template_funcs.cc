// Prometheus's template functions (template/template.go, v2.42) over the
// Value model. Go library functions they call (strconv.ParseFloat,
// net.SplitHostPort, strings.Title, regexp's ReplaceAllString, ...) are
// reproduced as far as alert templates can tell the difference.
#include <arpa/inet.h>
#include <re2/re2.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "alerting/promql/regex.h"
#include "alerting/template/template_internal.h"
#include "core/strconv.h"
#include "core/text.h"

namespace vigia::alerting::tmpl {
namespace {

[[noreturn]] void fail(std::string msg) { throw CallError{std::move(msg)}; }

// strconv.ParseFloat(s, 64), with Go's error text.
double parse_float(const std::string& s) {
  auto syntax = [&]() { fail("strconv.ParseFloat: parsing " + go_quote(s) + ": invalid syntax"); };
  if (s.empty() || std::isspace(static_cast<unsigned char>(s[0])) || s.find('_') != std::string::npos)
    syntax();
  std::string lower;
  for (char c : s) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view body = lower;
  if (body[0] == '+' || body[0] == '-') body.remove_prefix(1);
  if (body == "nan" && lower.size() == 3) return NAN;
  if (body == "inf" || body == "infinity") return s[0] == '-' ? -INFINITY : INFINITY;
  if (body.find_first_of("ni") != std::string_view::npos && body.substr(0, 2) != "0x") syntax();
  bool hex = body.substr(0, 2) == "0x";
  if (hex && body.find('p') == std::string_view::npos) syntax();
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) syntax();
  if (errno == ERANGE && std::isinf(v))
    fail("strconv.ParseFloat: parsing " + go_quote(s) + ": value out of range");
  return v;
}

// Prometheus's convertToFloat.
double to_float(const Value& v) {
  switch (v.kind) {
    case Kind::kFloat: return v.f;
    case Kind::kString: return parse_float(v.s);
    case Kind::kInt: return static_cast<double>(v.i);
    default: fail("can't convert " + type_name(v) + " to float");
  }
}

std::string g4(double v) { return format_float(v, 'g', 4); }

Value humanize(const std::vector<Value>& a, const TemplateData&) {
  double v = to_float(a[0]);
  if (v == 0 || std::isnan(v) || std::isinf(v)) return Value::string(g4(v));
  if (std::fabs(v) >= 1) {
    const char* prefix = "";
    for (const char* p : {"k", "M", "G", "T", "P", "E", "Z", "Y"}) {
      if (std::fabs(v) < 1000) break;
      prefix = p;
      v /= 1000;
    }
    return Value::string(g4(v) + prefix);
  }
  const char* prefix = "";
  for (const char* p : {"m", "u", "n", "p", "f", "a", "z", "y"}) {
    if (std::fabs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return Value::string(g4(v) + prefix);
}

Value humanize1024(const std::vector<Value>& a, const TemplateData&) {
  double v = to_float(a[0]);
  if (std::fabs(v) <= 1 || std::isnan(v) || std::isinf(v)) return Value::string(g4(v));
  const char* prefix = "";
  for (const char* p : {"ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"}) {
    if (std::fabs(v) < 1024) break;
    prefix = p;
    v /= 1024;
  }
  return Value::string(g4(v) + prefix);
}

Value humanize_duration(const std::vector<Value>& a, const TemplateData&) {
  double v = to_float(a[0]);
  if (std::isnan(v) || std::isinf(v)) return Value::string(g4(v));
  if (v == 0) return Value::string(g4(v) + "s");
  if (std::fabs(v) >= 1) {
    std::string sign;
    if (v < 0) {
      sign = "-";
      v = -v;
    }
    // Go's int64(v) of a float beyond int64 is implementation-defined; amd64 gives MinInt64.
    int64_t d = v >= 9.2233720368547758e18 ? INT64_MIN : static_cast<int64_t>(v);
    int64_t seconds = d % 60, minutes = (d / 60) % 60, hours = (d / 60 / 60) % 24, days = d / 60 / 60 / 24;
    auto s = [](int64_t n) { return std::to_string(n); };
    if (days != 0)
      return Value::string(sign + s(days) + "d " + s(hours) + "h " + s(minutes) + "m " + s(seconds) + "s");
    if (hours != 0) return Value::string(sign + s(hours) + "h " + s(minutes) + "m " + s(seconds) + "s");
    if (minutes != 0) return Value::string(sign + s(minutes) + "m " + s(seconds) + "s");
    return Value::string(sign + g4(v) + "s");
  }
  const char* prefix = "";
  for (const char* p : {"m", "u", "n", "p", "f", "a", "z", "y"}) {
    if (std::fabs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return Value::string(g4(v) + prefix + "s");
}

Value humanize_percentage(const std::vector<Value>& a, const TemplateData&) {
  return Value::string(g4(to_float(a[0]) * 100) + "%");
}

// floatToTime: nil (NaN/Inf) or nanoseconds of a millisecond-precision time.
bool float_to_time(double v, int64_t& ns) {
  if (std::isnan(v) || std::isinf(v)) return false;
  double t = v * 1e9;
  if (t > 9.2233720368547758e18 || t < -9.2233720368547758e18)
    fail(format_float(v, 'g', -1) +
         " cannot be represented as a nanoseconds timestamp since it overflows int64");
  int64_t n = t >= 9.2233720368547758e18 ? INT64_MIN : static_cast<int64_t>(t);
  int64_t ms = n / 1000000;  // model.TimeFromUnixNano
  ns = ms * 1000000;
  return true;
}

Value humanize_timestamp(const std::vector<Value>& a, const TemplateData&) {
  double v = to_float(a[0]);
  int64_t ns;
  if (!float_to_time(v, ns)) return Value::string(g4(v));
  return Value::string(time_string(ns));
}

Value to_time(const std::vector<Value>& a, const TemplateData&) {
  double v = to_float(a[0]);
  Value t;
  t.kind = Kind::kTime;
  int64_t ns;
  if (!float_to_time(v, ns)) fail("value is NaN or Inf");
  t.i = ns;
  return t;
}

// unicode.ToUpper / ToLower for Latin (ASCII, Latin-1, Extended-A), Greek
// and Cyrillic; other runes are left as they are.
uint32_t rune_upper(uint32_t r) {
  if (r >= 'a' && r <= 'z') return r - 32;
  if (r < 0x80) return r;
  if (r == 0xb5) return 0x39c;
  if (r >= 0xe0 && r <= 0xfe && r != 0xf7) return r - 0x20;
  if (r == 0xff) return 0x178;
  if (r == 0x131) return 'I';
  if (r == 0x17f) return 'S';
  if (r >= 0x100 && r <= 0x137) return (r & 1) ? r - 1 : r;
  if (r >= 0x139 && r <= 0x148) return (r & 1) ? r : r - 1;
  if (r >= 0x14a && r <= 0x177) return (r & 1) ? r - 1 : r;
  if (r == 0x17a || r == 0x17c || r == 0x17e) return r - 1;
  if (r == 0x3c2) return 0x3a3;
  if ((r >= 0x3b1 && r <= 0x3c1) || (r >= 0x3c3 && r <= 0x3cb)) return r - 0x20;
  if (r == 0x3ac) return 0x386;
  if (r >= 0x3ad && r <= 0x3af) return r - 0x25;
  if (r == 0x3cc) return 0x38c;
  if (r == 0x3cd || r == 0x3ce) return r - 0x3f;
  if (r >= 0x430 && r <= 0x44f) return r - 0x20;
  if (r >= 0x450 && r <= 0x45f) return r - 0x50;
  if ((r >= 0x460 && r <= 0x481) || (r >= 0x48a && r <= 0x4bf) || (r >= 0x4d0 && r <= 0x52f))
    return (r & 1) ? r - 1 : r;
  if (r == 0x4cf) return 0x4c0;
  if (r >= 0x4c1 && r <= 0x4ce) return (r & 1) ? r : r - 1;
  return r;
}

uint32_t rune_lower(uint32_t r) {
  if (r >= 'A' && r <= 'Z') return r + 32;
  if (r < 0x80) return r;
  if (r >= 0xc0 && r <= 0xde && r != 0xd7) return r + 0x20;
  if (r == 0x178) return 0xff;
  if (r == 0x130) return 'i';
  if (r >= 0x100 && r <= 0x137) return (r & 1) ? r : r + 1;
  if (r >= 0x139 && r <= 0x148) return (r & 1) ? r + 1 : r;
  if (r >= 0x14a && r <= 0x177) return (r & 1) ? r : r + 1;
  if (r == 0x179 || r == 0x17b || r == 0x17d) return r + 1;
  if ((r >= 0x391 && r <= 0x3a1) || (r >= 0x3a3 && r <= 0x3ab)) return r + 0x20;
  if (r == 0x386) return 0x3ac;
  if (r >= 0x388 && r <= 0x38a) return r + 0x25;
  if (r == 0x38c) return 0x3cc;
  if (r == 0x38e || r == 0x38f) return r + 0x3f;
  if (r >= 0x410 && r <= 0x42f) return r + 0x20;
  if (r >= 0x400 && r <= 0x40f) return r + 0x50;
  if ((r >= 0x460 && r <= 0x481) || (r >= 0x48a && r <= 0x4bf) || (r >= 0x4d0 && r <= 0x52f))
    return (r & 1) ? r : r + 1;
  if (r == 0x4c0) return 0x4cf;
  if (r >= 0x4c1 && r <= 0x4ce) return (r & 1) ? r + 1 : r;
  return r;
}

}  // namespace

// Maps the 1- and 2-byte runes of s (the only ones the tables change);
// anything else, invalid UTF-8 included, is copied.
std::string map_case(std::string_view s, bool upper) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    uint32_t r;
    if (c < 0x80) {
      append_utf8(out, upper ? rune_upper(c) : rune_lower(c));
    } else if (size_t len; decode_utf8(s, i, len, r) && len == 2) {
      append_utf8(out, upper ? rune_upper(r) : rune_lower(r));
      ++i;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

namespace {

Value to_upper(const std::vector<Value>& a, const TemplateData&) {
  return Value::string(map_case(a[0].s, true));
}
Value to_lower(const std::vector<Value>& a, const TemplateData&) {
  return Value::string(map_case(a[0].s, false));
}

// strings.Title: the first letter of each word upper-cased; ASCII letters,
// digits and '_' (and any non-ASCII rune) continue a word.
Value title(const std::vector<Value>& a, const TemplateData&) {
  std::string out;
  bool prev_sep = true;
  const std::string& s = a[0].s;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out += static_cast<char>(prev_sep ? std::toupper(c) : c);
      prev_sep = !(std::isalnum(c) || c == '_');
    } else {
      size_t len;
      decode_rune(s, i, len);
      std::string rune = s.substr(i, len);
      out += prev_sep ? map_case(rune, true) : rune;
      // Unicode spaces (U+0085, U+00A0, U+2000…) separate words too.
      prev_sep = rune == "\xc2\x85" || rune == "\xc2\xa0" || rune == "\xe3\x80\x80" ||
                 (rune.size() == 3 && rune[0] == '\xe2' && rune[1] == '\x80' &&
                  (static_cast<unsigned char>(rune[2]) <= 0x8a || rune[2] == '\xa8' || rune[2] == '\xa9' ||
                   rune[2] == '\xaf'));
      i += len - 1;
    }
  }
  return Value::string(out);
}

std::unique_ptr<RE2> compile(const std::string& pattern, std::string& err) {
  RE2::Options opts;
  opts.set_log_errors(false);
  opts.set_max_mem(8 << 20);
  auto re = std::make_unique<RE2>(pattern, opts);
  if (!re->ok()) {
    err = "error parsing regexp: " + std::string(promql::go_regexp_error(re->error_code())) + ": `" +
          re->error_arg() + "`";
    return nullptr;
  }
  return re;
}

Value match(const std::vector<Value>& a, const TemplateData&) {
  std::string err;
  auto re = compile(a[0].s, err);
  if (!re) fail(err);
  return Value::boolean(RE2::PartialMatch(a[1].s, *re));
}

// regexp's quote() in MustCompile's panic message.
std::string regexp_quote(const std::string& s) {
  bool backquote = s.find('`') == std::string::npos;
  for (unsigned char c : s)
    if ((c < ' ' && c != '\t') || c == 0x7f) backquote = false;
  return backquote ? "`" + s + "`" : go_quote(s);
}

// regexp.Regexp.Expand for ReplaceAllString: $1, ${1}, $name, ${name}, $$.
void expand(std::string& out, std::string_view tmpl, const RE2& re,
            const std::vector<re2::StringPiece>& groups) {
  const auto& names = re.NamedCapturingGroups();
  while (!tmpl.empty()) {
    size_t i = tmpl.find('$');
    if (i == std::string_view::npos) break;
    out.append(tmpl.substr(0, i));
    tmpl.remove_prefix(i);
    if (tmpl.size() > 1 && tmpl[1] == '$') {
      out += '$';
      tmpl.remove_prefix(2);
      continue;
    }
    // extract(): a name of letters, digits and '_', optionally in braces.
    std::string_view rest = tmpl.substr(1);
    bool brace = !rest.empty() && rest[0] == '{';
    if (brace) rest.remove_prefix(1);
    size_t n = 0;
    while (n < rest.size() && (std::isalnum(static_cast<unsigned char>(rest[n])) || rest[n] == '_')) ++n;
    if (n == 0 || (brace && (n >= rest.size() || rest[n] != '}'))) {
      out += '$';  // malformed: the '$' is literal
      tmpl.remove_prefix(1);
      continue;
    }
    std::string name(rest.substr(0, n));
    tmpl = rest.substr(n + (brace ? 1 : 0));
    int num = -1;
    if (std::all_of(name.begin(), name.end(),
                    [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
      if (name.size() < 10)
        num = std::atoi(name.c_str());
      else
        num = INT_MAX;
    } else {
      auto it = names.find(name);
      if (it != names.end()) num = it->second;
    }
    if (num >= 0 && static_cast<size_t>(num) < groups.size() && groups[num].data() != nullptr)
      out.append(groups[num].data(), groups[num].size());
  }
  out.append(tmpl);
}

Value re_replace_all(const std::vector<Value>& a, const TemplateData&) {
  std::string err;
  auto re = compile(a[0].s, err);
  if (!re) fail("regexp: Compile(" + regexp_quote(a[0].s) + "): " + err);
  const std::string& src = a[2].s;
  const std::string& repl = a[1].s;
  int ngroups = re->NumberOfCapturingGroups() + 1;
  std::vector<re2::StringPiece> groups(static_cast<size_t>(ngroups));
  std::string out;
  size_t last_end = 0, search = 0;
  re2::StringPiece text(src);
  while (search <= src.size()) {
    if (!re->Match(text, search, src.size(), RE2::UNANCHORED, groups.data(), ngroups)) break;
    size_t m0 = static_cast<size_t>(groups[0].data() - src.data());
    size_t m1 = m0 + groups[0].size();
    out.append(src, last_end, m0 - last_end);
    if (m1 > last_end || m0 == 0) expand(out, repl, *re, groups);
    last_end = m1;
    size_t width = 0;
    if (search < src.size()) decode_rune(src, search, width);
    if (search + width > m1)
      search += width;
    else if (search + 1 > m1)
      ++search;
    else
      search = m1;
  }
  out.append(src, std::min(last_end, src.size()), std::string::npos);
  return Value::string(out);
}

Value safe_html(const std::vector<Value>& a, const TemplateData&) { return Value::html(a[0].s); }

// net.SplitHostPort.
bool split_host_port(const std::string& hp, std::string& host, std::string& port) {
  size_t i = hp.rfind(':');
  if (i == std::string::npos) return false;
  size_t j = 0, k = 0;
  if (!hp.empty() && hp[0] == '[') {
    size_t end = hp.find(']');
    if (end == std::string::npos) return false;
    if (end + 1 == hp.size() || end + 1 != i) return false;
    host = hp.substr(1, end - 1);
    j = 1;
    k = end + 1;
  } else {
    host = hp.substr(0, i);
    if (host.find(':') != std::string::npos) return false;
  }
  if (hp.find('[', j) != std::string::npos) return false;
  if (hp.find(']', k) != std::string::npos) return false;
  port = hp.substr(i + 1);
  return true;
}

Value strip_port(const std::vector<Value>& a, const TemplateData&) {
  std::string host, port;
  if (!split_host_port(a[0].s, host, port)) return Value::string(a[0].s);
  return Value::string(host);
}

bool is_ip(const std::string& s) {
  unsigned char buf[16];
  if (s.find('%') != std::string::npos) return false;
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

Value strip_domain(const std::vector<Value>& a, const TemplateData&) {
  const std::string& hp = a[0].s;
  std::string host, port;
  if (!split_host_port(hp, host, port)) {
    host = hp;
    port.clear();
  }
  if (is_ip(host)) return Value::string(hp);
  host = host.substr(0, host.find('.'));
  if (!port.empty()) {
    if (host.find(':') != std::string::npos) return Value::string("[" + host + "]:" + port);
    return Value::string(host + ":" + port);
  }
  return Value::string(host);
}

// model.ParseDuration, in seconds: a time.Duration, so at most 2^63-1 ns.
Value parse_duration(const std::vector<Value>& a, const TemplateData&) {
  const std::string& s = a[0].s;
  int64_t ms = 0;
  switch (parse_duration_ms(s, ms)) {
    case DurationParse::kOk: break;
    case DurationParse::kEmpty: fail("empty duration string");
    case DurationParse::kInvalid: fail("not a valid duration string: " + go_quote(s));
    case DurationParse::kOutOfRange: fail("duration out of range");
  }
  if (ms > INT64_MAX / 1000000) fail("duration out of range");
  return Value::real(static_cast<double>(ms * 1000000) / 1e9);
}

Value external_url(const std::vector<Value>&, const TemplateData& d) { return Value::string(d.external_url); }

// url.URL.Path of the external URL.
Value path_prefix(const std::vector<Value>&, const TemplateData& d) {
  std::string_view u = d.external_url;
  size_t scheme = u.find("://");
  if (scheme != std::string_view::npos) {
    u.remove_prefix(scheme + 3);
    size_t slash = u.find_first_of("/?#");
    u.remove_prefix(slash == std::string_view::npos ? u.size() : slash);
  }
  u = u.substr(0, u.find_first_of("?#"));
  std::string out;
  for (size_t i = 0; i < u.size(); ++i) {  // percent-decoding
    if (u[i] == '%' && i + 2 < u.size() && std::isxdigit(static_cast<unsigned char>(u[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(u[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(u.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += u[i];
    }
  }
  return Value::string(out);
}

Value graph_link(const std::vector<Value>& a, const TemplateData&) {
  return Value::string("/graph?g0.expr=" + query_escape(a[0].s) + "&g0.tab=0");
}
Value table_link(const std::vector<Value>& a, const TemplateData&) {
  return Value::string("/graph?g0.expr=" + query_escape(a[0].s) + "&g0.tab=1");
}

Value sort_by_label(const std::vector<Value>& a, const TemplateData&) {
  Value out = a[1];
  if (!out.samples) return out;
  auto list = std::make_shared<SampleList>(*out.samples);
  const std::string& label = a[0].s;
  std::stable_sort(list->begin(), list->end(), [&](const auto& x, const auto& y) {
    return promql::label_value(x->labels, label) < promql::label_value(y->labels, label);
  });
  out.samples = list;
  return out;
}

Value first(const std::vector<Value>& a, const TemplateData&) {
  if (!a[0].samples || a[0].samples->empty()) fail("first() called on vector with no elements");
  Value s;
  s.kind = Kind::kSample;
  s.sample = (*a[0].samples)[0];
  return s;
}

constexpr const char* kNilDeref = "runtime error: invalid memory address or nil pointer dereference";

Value label(const std::vector<Value>& a, const TemplateData&) {
  if (!a[1].sample) fail(kNilDeref);
  return Value::string(std::string(promql::label_value(a[1].sample->labels, a[0].s)));
}
Value value(const std::vector<Value>& a, const TemplateData&) {
  if (!a[0].sample) fail(kNilDeref);
  return Value::real(a[0].sample->value);
}
Value strvalue(const std::vector<Value>& a, const TemplateData&) {
  if (!a[0].sample) fail(kNilDeref);
  return Value::string(std::string(promql::label_value(a[0].sample->labels, "__value__")));
}

Value args(const std::vector<Value>& a, const TemplateData&) {
  auto m = std::make_shared<AnyMap>();
  for (size_t i = 0; i < a.size(); ++i) m->emplace_back("arg" + std::to_string(i), a[i]);
  std::sort(m->begin(), m->end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  Value v;
  v.kind = Kind::kAnyMap;
  v.any_map = m;
  return v;
}

Value query(const std::vector<Value>& a, const TemplateData& d) {
  if (!d.query) fail("no query function is configured");
  std::vector<TemplateQueryResult> res;
  std::string err;
  if (!d.query(a[0].s, res, err)) fail(err);
  auto list = std::make_shared<SampleList>();
  for (auto& r : res) {
    auto s = std::make_shared<SampleData>();
    s->labels = std::move(r.labels);
    s->value = r.value;
    list->push_back(std::move(s));
  }
  Value v;
  v.kind = Kind::kSamples;
  v.samples = list;
  return v;
}

const std::pair<std::string_view, Function> kFunctions[] = {
    {"humanize", {{Param::kAny}, false, humanize}},
    {"humanize1024", {{Param::kAny}, false, humanize1024}},
    {"humanizeDuration", {{Param::kAny}, false, humanize_duration}},
    {"humanizePercentage", {{Param::kAny}, false, humanize_percentage}},
    {"humanizeTimestamp", {{Param::kAny}, false, humanize_timestamp}},
    {"toTime", {{Param::kAny}, false, to_time}},
    {"title", {{Param::kString}, false, title}},
    {"toUpper", {{Param::kString}, false, to_upper}},
    {"toLower", {{Param::kString}, false, to_lower}},
    {"match", {{Param::kString, Param::kString}, false, match}},
    {"reReplaceAll", {{Param::kString, Param::kString, Param::kString}, false, re_replace_all}},
    {"safeHtml", {{Param::kString}, false, safe_html}},
    {"stripPort", {{Param::kString}, false, strip_port}},
    {"stripDomain", {{Param::kString}, false, strip_domain}},
    {"parseDuration", {{Param::kString}, false, parse_duration}},
    {"externalURL", {{}, false, external_url}},
    {"pathPrefix", {{}, false, path_prefix}},
    {"graphLink", {{Param::kString}, false, graph_link}},
    {"tableLink", {{Param::kString}, false, table_link}},
    {"sortByLabel", {{Param::kString, Param::kSamples}, false, sort_by_label}},
    {"first", {{Param::kSamples}, false, first}},
    {"label", {{Param::kString, Param::kSample}, false, label}},
    {"value", {{Param::kSample}, false, value}},
    {"strvalue", {{Param::kSample}, false, strvalue}},
    {"args", {{Param::kAny}, true, args}},
    {"query", {{Param::kString}, false, query}},
};

}  // namespace

const Function* prometheus_function(std::string_view name) {
  for (const auto& [n, f] : kFunctions)
    if (n == name) return &f;
  return nullptr;
}

}  // namespace vigia::alerting::tmpl

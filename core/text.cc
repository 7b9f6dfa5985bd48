#include "core/text.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <iterator>
#include <limits>

namespace vigia {

std::string_view trim(std::string_view s, std::string_view chars) {
  size_t b = s.find_first_not_of(chars);
  if (b == std::string_view::npos) return s.substr(s.size());
  return s.substr(b, s.find_last_not_of(chars) - b + 1);
}

bool iequals_ascii(std::string_view a, std::string_view b) {
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

std::string query_escape(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

UtcTime utc_time(int64_t unix_seconds) {
  int64_t days = unix_seconds / 86400;
  int64_t rem = unix_seconds % 86400;
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
  return UtcTime{y,
                 static_cast<int>(m),
                 static_cast<int>(d),
                 static_cast<int>(rem / 3600),
                 static_cast<int>(rem / 60 % 60),
                 static_cast<int>(rem % 60)};
}

std::string format_rfc3339_ms(int64_t ms, bool fixed_millis) {
  int64_t secs = ms / 1000, frac = ms % 1000;
  if (frac < 0) {
    frac += 1000;
    --secs;
  }
  UtcTime t = utc_time(secs);
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%04lld-%02d-%02dT%02d:%02d:%02d", static_cast<long long>(t.year),
                        t.month, t.day, t.hour, t.minute, t.second);
  std::string out(buf, static_cast<size_t>(n));
  if (fixed_millis || frac != 0) {
    std::snprintf(buf, sizeof buf, ".%03d", static_cast<int>(frac));
    std::string f = buf;
    if (!fixed_millis)
      while (f.back() == '0') f.pop_back();
    out += f;
  }
  return out + "Z";
}

DurationParse parse_duration_ms(std::string_view s, int64_t& ms) {
  if (s == "0") {
    ms = 0;
    return DurationParse::kOk;
  }
  if (s.empty()) return DurationParse::kEmpty;
  struct Unit {
    std::string_view name;
    int64_t ms;
  };
  static constexpr Unit kUnits[] = {{"y", 365LL * 86400000},
                                    {"w", 7LL * 86400000},
                                    {"d", 86400000},
                                    {"h", 3600000},
                                    {"m", 60000},
                                    {"s", 1000},
                                    {"ms", 1}};
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  size_t i = 0, next_unit = 0;
  int64_t total = 0;
  bool overflow = false;
  while (i < s.size()) {
    size_t d = i;
    int64_t n = 0;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
      if (n > (kMax - (s[i] - '0')) / 10)
        overflow = true;
      else
        n = n * 10 + (s[i] - '0');
    }
    if (i == d) return DurationParse::kInvalid;
    size_t u = i;
    while (i < s.size() && !(s[i] >= '0' && s[i] <= '9')) ++i;
    std::string_view unit = s.substr(u, i - u);
    size_t k = next_unit;
    while (k < std::size(kUnits) && kUnits[k].name != unit) ++k;
    if (k == std::size(kUnits)) return DurationParse::kInvalid;
    next_unit = k + 1;
    if (overflow || n > kMax / kUnits[k].ms || total > kMax - n * kUnits[k].ms)
      overflow = true;
    else
      total += n * kUnits[k].ms;
  }
  if (overflow) return DurationParse::kOutOfRange;
  ms = total;
  return DurationParse::kOk;
}

std::string go_regexp_expand(std::string_view tmpl, const std::vector<std::string>& groups,
                             const std::map<std::string, int>& names) {
  auto is_name_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  std::string out;
  size_t i = 0;
  while (i < tmpl.size()) {
    size_t dollar = tmpl.find('$', i);
    if (dollar == std::string_view::npos) break;
    out.append(tmpl.substr(i, dollar - i));
    i = dollar + 1;
    if (i < tmpl.size() && tmpl[i] == '$') {  // $$
      out += '$';
      ++i;
      continue;
    }
    bool brace = i < tmpl.size() && tmpl[i] == '{';
    size_t b = i + (brace ? 1 : 0), e = b;
    while (e < tmpl.size() && is_name_char(tmpl[e])) ++e;
    if (e == b || (brace && (e >= tmpl.size() || tmpl[e] != '}'))) {
      out += '$';  // malformed: the '$' is text, and what follows it too
      continue;
    }
    std::string_view name = tmpl.substr(b, e - b);
    i = brace ? e + 1 : e;
    int64_t num = 0;
    for (char c : name) {
      if (c < '0' || c > '9' || num >= 100000000) {
        num = -1;
        break;
      }
      num = num * 10 + (c - '0');
    }
    if (name[0] == '0' && name.size() > 1) num = -1;
    if (num < 0) {
      auto it = names.find(std::string(name));
      num = it == names.end() ? -1 : it->second;
    }
    if (num >= 0 && static_cast<size_t>(num) < groups.size()) out += groups[static_cast<size_t>(num)];
  }
  out.append(tmpl.substr(std::min(i, tmpl.size())));
  return out;
}

bool parse_rfc3339_ms(std::string_view s, int64_t& ms) {
  std::string str(s);
  std::tm tm{};
  const char* p = strptime(str.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!p) return false;
  double frac = 0;
  if (*p == '.') {
    const char* q = p + 1;
    while (*q >= '0' && *q <= '9') ++q;
    if (q == p + 1) return false;
    frac = std::strtod(std::string(p, q).c_str(), nullptr);
    p = q;
  }
  int64_t offset_s = 0;
  if (*p == 'Z' || *p == 'z') {
    ++p;
  } else if (*p == '+' || *p == '-') {
    int hh = 0, mm = 0;
    if (std::sscanf(p + 1, "%2d:%2d", &hh, &mm) != 2 || std::strlen(p) != 6) return false;
    offset_s = (hh * 3600 + mm * 60) * (*p == '+' ? 1 : -1);
    p += 6;
  } else {
    return false;
  }
  if (*p) return false;
  ms = (int64_t(timegm(&tm)) - offset_s) * 1000 + std::llround(frac * 1000);
  return true;
}

}  // namespace vigia

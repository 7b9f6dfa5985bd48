#include "alerting/notify/time_interval.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/yaml_reader.h"

namespace vigia::notify {
namespace {

constexpr int64_t kDay = 86400;

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  int64_t era = floor_div(y, 400);
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void civil_from_days(int64_t z, int64_t& y, int& m, int& d) {
  z += 719468;
  int64_t era = floor_div(z, 146097);
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  y += m <= 2;
}

bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

constexpr int kDaysInMonth[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

int days_in_month_civil(int64_t y, int m) { return m == 2 && is_leap(y) ? 29 : kDaysInMonth[m - 1]; }

// --- POSIX TZ strings (the TZif footer) ---

struct Cursor {
  std::string_view s;
  size_t i = 0;
  bool done() const { return i >= s.size(); }
  char peek() const { return done() ? '\0' : s[i]; }
};

bool parse_tz_name(Cursor& c) {
  if (c.peek() == '<') {
    size_t close = c.s.find('>', c.i);
    if (close == std::string_view::npos) return false;
    c.i = close + 1;
    return true;
  }
  size_t start = c.i;
  while (!c.done() && std::isalpha(static_cast<unsigned char>(c.peek()))) ++c.i;
  return c.i > start;
}

bool parse_num(Cursor& c, int& out) {
  size_t start = c.i;
  int v = 0;
  while (!c.done() && std::isdigit(static_cast<unsigned char>(c.peek())) && c.i - start < 4) {
    v = v * 10 + (c.peek() - '0');
    ++c.i;
  }
  out = v;
  return c.i > start;
}

// [+-]hh[:mm[:ss]] in seconds.
bool parse_hms(Cursor& c, int& out) {
  int sign = 1;
  if (c.peek() == '+' || c.peek() == '-') {
    if (c.peek() == '-') sign = -1;
    ++c.i;
  }
  int h = 0, m = 0, s = 0;
  if (!parse_num(c, h)) return false;
  if (c.peek() == ':') {
    ++c.i;
    if (!parse_num(c, m)) return false;
    if (c.peek() == ':') {
      ++c.i;
      if (!parse_num(c, s)) return false;
    }
  }
  out = sign * (h * 3600 + m * 60 + s);
  return true;
}

}  // namespace

bool Zone::parse_tzif(std::string_view data, const std::string& name, std::shared_ptr<const Zone>& out) {
  auto be32 = [&](size_t at) -> int64_t {
    auto b = [&](size_t k) { return static_cast<uint32_t>(static_cast<unsigned char>(data[at + k])); };
    return static_cast<int32_t>((b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3));
  };
  auto be64 = [&](size_t at) -> int64_t {
    uint64_t v = 0;
    for (size_t k = 0; k < 8; ++k) v = (v << 8) | static_cast<unsigned char>(data[at + k]);
    return static_cast<int64_t>(v);
  };
  if (data.size() < 44 || data.substr(0, 4) != "TZif") return false;
  char version = data[4];
  auto counts = [&](size_t at, int64_t c[6]) {
    for (int k = 0; k < 6; ++k) c[k] = be32(at + 20 + 4 * k);
  };
  int64_t c[6];  // isutcnt isstdcnt leapcnt timecnt typecnt charcnt
  counts(0, c);
  for (auto v : c)
    if (v < 0 || v > 100000) return false;
  size_t at = 44;
  size_t tsize = 4;
  if (version >= '2') {
    at += c[3] * 4 + c[3] + c[4] * 6 + c[5] + c[2] * 8 + c[1] + c[0];
    if (data.size() < at + 44 || data.substr(at, 4) != "TZif") return false;
    counts(at, c);
    for (auto v : c)
      if (v < 0 || v > 100000) return false;
    at += 44;
    tsize = 8;
  }
  size_t need = c[3] * tsize + c[3] + c[4] * 6 + c[5] + c[2] * (tsize + 4) + c[1] + c[0];
  if (data.size() < at + need || c[4] == 0) return false;
  auto z = std::make_shared<Zone>();
  z->name_ = name;
  for (int64_t k = 0; k < c[3]; ++k)
    z->transitions_.push_back(tsize == 8 ? be64(at + k * 8) : be32(at + k * 4));
  at += c[3] * tsize;
  for (int64_t k = 0; k < c[3]; ++k) {
    auto idx = static_cast<uint8_t>(data[at + k]);
    if (idx >= c[4]) return false;
    z->type_of_.push_back(idx);
  }
  at += c[3];
  std::vector<bool> isdst;
  for (int64_t k = 0; k < c[4]; ++k) {
    z->type_offsets_.push_back(static_cast<int>(be32(at + k * 6)));
    isdst.push_back(data[at + k * 6 + 4] != 0);
  }
  at += need - c[3] * tsize - c[3];
  // Before the first transition: the first standard-time type (Go's lookupFirstZone).
  z->first_offset_ = z->type_offsets_[0];
  if (!z->type_of_.empty() && isdst[z->type_of_[0]]) {
    for (size_t k = 0; k < isdst.size(); ++k)
      if (!isdst[k]) {
        z->first_offset_ = z->type_offsets_[k];
        break;
      }
  }
  if (tsize == 8 && at < data.size() && data[at] == '\n') {
    size_t end = data.find('\n', at + 1);
    if (end != std::string_view::npos && end > at + 1) {
      Cursor cur{data.substr(at + 1, end - at - 1)};
      int off = 0;
      if (parse_tz_name(cur) && parse_hms(cur, off)) {
        z->has_footer_ = true;
        z->std_offset_ = -off;
        if (!cur.done()) {
          if (parse_tz_name(cur)) {
            z->has_dst_ = true;
            z->dst_offset_ = z->std_offset_ + 3600;
            if (!cur.done() && cur.peek() != ',') {
              if (parse_hms(cur, off)) z->dst_offset_ = -off;
            }
            auto rule = [&](Rule& r) {
              if (cur.peek() != ',') return false;
              ++cur.i;
              if (cur.peek() == 'M') {
                ++cur.i;
                r.kind = 'M';
                if (!parse_num(cur, r.month) || cur.peek() != '.') return false;
                ++cur.i;
                if (!parse_num(cur, r.week) || cur.peek() != '.') return false;
                ++cur.i;
                if (!parse_num(cur, r.day)) return false;
                if (r.month < 1 || r.month > 12 || r.week < 1 || r.week > 5 || r.day > 6) return false;
              } else if (cur.peek() == 'J') {
                ++cur.i;
                r.kind = 'J';
                if (!parse_num(cur, r.day)) return false;
              } else {
                r.kind = 'N';
                if (!parse_num(cur, r.day)) return false;
              }
              if (cur.peek() == '/') {
                ++cur.i;
                if (!parse_hms(cur, r.time_s)) return false;
              }
              return true;
            };
            if (cur.done()) {  // POSIX's default rules (US)
              z->start_ = Rule{'M', 3, 2, 0, 7200};
              z->end_ = Rule{'M', 11, 1, 0, 7200};
            } else if (!rule(z->start_) || !rule(z->end_)) {
              z->has_dst_ = false;
            }
          }
        }
      }
    }
  }
  out = std::move(z);
  return true;
}

bool Zone::load(const std::string& name, std::shared_ptr<const Zone>& out, std::string& error) {
  if (name.empty() || name == "UTC") {
    out = nullptr;
    return true;
  }
  std::string file_name = name;
  std::vector<std::string> paths;
  if (name == "Local") {
    const char* tz = std::getenv("TZ");
    if (tz == nullptr) {
      paths.push_back("/etc/localtime");
    } else {
      file_name = tz;
      if (!file_name.empty() && file_name[0] == ':') file_name.erase(0, 1);
      if (file_name.empty() || file_name == "UTC") {
        out = nullptr;
        return true;
      }
      if (file_name[0] == '/') paths.push_back(file_name);
    }
  } else if (name.find("..") != std::string::npos || name[0] == '/' || name[0] == '\\') {
    error = "time: invalid location name";
    return false;
  }
  if (paths.empty())
    for (const char* dir : {"/usr/share/zoneinfo/", "/usr/share/lib/zoneinfo/", "/usr/lib/locale/TZ/"})
      paths.push_back(dir + file_name);
  for (const auto& p : paths) {
    std::ifstream f(p, std::ios::binary);
    if (!f) continue;
    std::ostringstream ss;
    ss << f.rdbuf();
    if (!f.good() && !f.eof()) continue;
    std::string data = ss.str();
    if (data.size() > (1 << 20) || !parse_tzif(data, name, out)) {
      error = "unknown time zone " + name;
      return false;
    }
    return true;
  }
  error = "unknown time zone " + name;
  return false;
}

int Zone::rule_offset(int64_t t) const {
  if (!has_dst_) return std_offset_;
  int64_t y = 0;
  int m = 0, d = 0;
  civil_from_days(floor_div(t + std_offset_, kDay), y, m, d);
  auto when = [&](const Rule& r, int offset) {
    int64_t day = 0;
    if (r.kind == 'J') {
      day = days_from_civil(y, 1, 1) + r.day - 1 + (is_leap(y) && r.day >= 60 ? 1 : 0);
    } else if (r.kind == 'N') {
      day = days_from_civil(y, 1, 1) + r.day;
    } else {
      int64_t first = days_from_civil(y, r.month, 1);
      int wd_first = static_cast<int>(((first + 4) % 7 + 7) % 7);
      int dom = 1 + (r.day - wd_first + 7) % 7 + (r.week - 1) * 7;
      while (dom > days_in_month_civil(y, r.month)) dom -= 7;
      day = first + dom - 1;
    }
    return day * kDay + r.time_s - offset;
  };
  int64_t start = when(start_, std_offset_);
  int64_t end = when(end_, dst_offset_);
  bool dst = start < end ? (t >= start && t < end) : !(t >= end && t < start);
  return dst ? dst_offset_ : std_offset_;
}

int Zone::offset_at(int64_t t) const {
  if (transitions_.empty()) return has_footer_ ? rule_offset(t) : first_offset_;
  if (t < transitions_.front()) return first_offset_;
  if (t >= transitions_.back() && has_footer_) return rule_offset(t);
  auto it = std::upper_bound(transitions_.begin(), transitions_.end(), t);
  size_t idx = static_cast<size_t>(it - transitions_.begin()) - 1;
  return type_offsets_[type_of_[idx]];
}

namespace {

int offset(const std::shared_ptr<const Zone>& z, int64_t t) { return z ? z->offset_at(t) : 0; }

// time.Date(y, m, 1, 0, 0, 0, 0, loc) as a Unix time: the local time minus
// the offset in effect then (Go's two-step lookup).
int64_t local_midnight_unix(const std::shared_ptr<const Zone>& z, int64_t y, int m) {
  int64_t local = days_from_civil(y, m, 1) * kDay;
  int off = offset(z, local);
  int64_t utc = local - off;
  int off2 = offset(z, utc);
  if (off2 != off) utc = local - off2;
  return utc;
}

}  // namespace

bool contains(const TimeInterval& ti, int64_t unix_ms) {
  int64_t t = floor_div(unix_ms, 1000);
  int64_t local = t + offset(ti.location, t);
  int64_t days = floor_div(local, kDay);
  int64_t sod = local - days * kDay;
  int minute_of_day = static_cast<int>(sod / 60);
  int64_t year = 0;
  int month = 0, day = 0;
  civil_from_days(days, year, month, day);
  int weekday = static_cast<int>(((days + 4) % 7 + 7) % 7);
  if (ti.has_times) {
    bool in = std::any_of(ti.times.begin(), ti.times.end(), [&](const TimeInterval::TimeRange& r) {
      return minute_of_day >= r.start_minute && minute_of_day < r.end_minute;
    });
    if (!in) return false;
  }
  if (ti.has_days_of_month) {
    int next_m = month == 12 ? 1 : month + 1;
    int64_t next_y = month == 12 ? year + 1 : year;
    int64_t span =
        local_midnight_unix(ti.location, next_y, next_m) - local_midnight_unix(ti.location, year, month);
    int64_t dim = span / kDay;  // truncated, as int(diff.Hours() / 24)
    bool in = false;
    for (const auto& r : ti.days_of_month) {
      int64_t begin = r.begin < 0 ? dim + r.begin + 1 : r.begin;
      int64_t end = r.end < 0 ? dim + r.end + 1 : r.end;
      if (begin > dim) continue;
      begin = std::clamp(begin, -dim, dim);
      end = std::clamp(end, -dim, dim);
      if (day >= begin && day <= end) {
        in = true;
        break;
      }
    }
    if (!in) return false;
  }
  auto in_ranges = [](const std::vector<InclusiveRange>& rs, int64_t v) {
    return std::any_of(rs.begin(), rs.end(),
                       [v](const InclusiveRange& r) { return v >= r.begin && v <= r.end; });
  };
  if (ti.has_months && !in_ranges(ti.months, month)) return false;
  if (ti.has_weekdays && !in_ranges(ti.weekdays, weekday)) return false;
  if (ti.has_years && !in_ranges(ti.years, year)) return false;
  return true;
}

bool in_time_interval(const TimeIntervals& all, const std::string& name, int64_t unix_ms) {
  auto it = all.find(name);
  if (it == all.end()) return false;
  return std::any_of(it->second.begin(), it->second.end(),
                     [&](const TimeInterval& ti) { return contains(ti, unix_ms); });
}

// --- reading ---

namespace {

const char* const kWeekdays[] = {"sunday",   "monday", "tuesday", "wednesday",
                                 "thursday", "friday", "saturday"};
const char* const kMonths[] = {"january", "february", "march",     "april",   "may",      "june",
                               "july",    "august",   "september", "october", "november", "december"};

// strconv.Atoi.
bool atoi_go(std::string_view s, int64_t& out) {
  size_t i = 0;
  bool neg = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    i = 1;
  }
  if (i >= s.size()) return false;
  int64_t v = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    if (v > (INT64_MAX - 9) / 10) return false;
    v = v * 10 + (s[i] - '0');
  }
  out = neg ? -v : v;
  return true;
}

enum class RangeKind { kWeekday, kDayOfMonth, kMonth, kYear };

InclusiveRange read_range(const YamlReader& r, const YAML::Node& n, const std::string& what, RangeKind kind) {
  // yaml.v2 does not call the range's unmarshaler for a null item: it stays {0, 0}.
  if (n.IsNull()) return {};
  if (!n.IsScalar()) r.fail(n, what + ": expected a string");
  std::string in = n.Scalar();
  std::string s = in;
  for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  auto member = [&](std::string_view m) -> int64_t {
    int64_t v = 0;
    if (kind == RangeKind::kWeekday) {
      for (int k = 0; k < 7; ++k)
        if (m == kWeekdays[k]) return k;
      r.fail(n, what + ": " + std::string(m) + " is not a valid weekday");
    }
    if (kind == RangeKind::kMonth) {
      for (int k = 0; k < 12; ++k)
        if (m == kMonths[k]) return k + 1;
      if (!atoi_go(m, v)) r.fail(n, what + ": " + std::string(m) + " is not a valid month");
      return v;
    }
    if (!atoi_go(m, v))
      r.fail(n, what + ": strconv.Atoi: parsing \"" + std::string(m) + "\": invalid syntax");
    return v;
  };
  InclusiveRange out;
  size_t colon = s.find(':');
  if (colon != std::string::npos) {
    if (s.find(':', colon + 1) != std::string::npos)
      r.fail(n, what + ": couldn't parse range " + s + ", invalid format");
    out.begin = member(std::string_view(s).substr(0, colon));
    out.end = member(std::string_view(s).substr(colon + 1));
  } else {
    out.begin = out.end = member(s);
  }
  switch (kind) {
    case RangeKind::kWeekday:
      if (out.begin > out.end) r.fail(n, what + ": start day cannot be before end day");
      break;
    case RangeKind::kDayOfMonth: {
      auto bad = [](int64_t d) { return d == 0 || d < -31 || d > 31; };
      if (bad(out.begin))
        r.fail(n, what + ": " + std::to_string(out.begin) + " is not a valid day of the month: out of range");
      if (bad(out.end))
        r.fail(n, what + ": " + std::to_string(out.end) + " is not a valid day of the month: out of range");
      if (out.begin < 0 && out.end > 0)
        r.fail(n, what + ": end day must be negative if start day is negative");
      int64_t cb = out.begin < 0 ? 28 + out.begin : out.begin;
      int64_t ce = out.end < 0 ? 28 + out.end : out.end;
      if (cb > ce)
        r.fail(n, what + ": end day " + std::to_string(out.end) + " is always before start day " +
                      std::to_string(out.begin));
      break;
    }
    case RangeKind::kMonth:
      if (out.begin > out.end) r.fail(n, what + ": end month is before start month");
      break;
    case RangeKind::kYear:
      if (out.begin > out.end)
        r.fail(n, what + ": end year " + std::to_string(out.end) + " is before start year " +
                      std::to_string(out.begin));
      break;
  }
  return out;
}

// "HH:MM" (00:00-23:59) or "24:00", in minutes.
int read_clock(const YamlReader& r, const YAML::Node& n, const std::string& what) {
  std::string s = r.get_string(n, what);
  bool ok = false;
  if (s == "24:00")
    ok = true;
  else if (s.size() == 5 && s[2] == ':' && std::isdigit(static_cast<unsigned char>(s[0])) &&
           std::isdigit(static_cast<unsigned char>(s[1])) && s[3] >= '0' && s[3] <= '5' &&
           std::isdigit(static_cast<unsigned char>(s[4])))
    ok = (s[0] <= '1') || (s[0] == '2' && s[1] <= '3');
  if (!ok) r.fail(n, what + ": couldn't parse timestamp " + s + ", invalid format");
  return ((s[0] - '0') * 10 + (s[1] - '0')) * 60 + (s[3] - '0') * 10 + (s[4] - '0');
}

template <typename F>
void read_list(const YamlReader& r, const YAML::Node& n, const std::string& what, bool& has, F&& each) {
  if (!n || n.IsNull()) return;
  if (!n.IsSequence()) r.fail(n, what + ": expected a list");
  has = true;
  size_t i = 0;
  for (const auto& item : n) each(item, what + "[" + std::to_string(i++) + "]");
}

}  // namespace

TimeInterval read_time_interval(const YamlReader& r, const YAML::Node& n, const std::string& what) {
  TimeInterval ti;
  r.check_keys(n, what, {"times", "weekdays", "days_of_month", "months", "years", "location"});
  if (!n.IsMap()) return ti;
  read_list(r, n["times"], what + ".times", ti.has_times, [&](const YAML::Node& item, const std::string& w) {
    if (item.IsNull()) {  // yaml.v2 leaves a null item {0, 0}: an empty range
      ti.times.push_back({});
      return;
    }
    r.check_keys(item, w, {"start_time", "end_time"});
    YAML::Node st = item.IsMap() ? item["start_time"] : YAML::Node();
    YAML::Node et = item.IsMap() ? item["end_time"] : YAML::Node();
    if (!st || !et || st.IsNull() || et.IsNull() || (st.IsScalar() && st.Scalar().empty()) ||
        (et.IsScalar() && et.Scalar().empty()))
      r.fail(item, w + ": both start and end times must be provided");
    TimeInterval::TimeRange tr;
    tr.start_minute = read_clock(r, st, w + ".start_time");
    tr.end_minute = read_clock(r, et, w + ".end_time");
    if (tr.start_minute >= tr.end_minute)
      r.fail(item, w + ": start time cannot be equal or greater than end time");
    ti.times.push_back(tr);
  });
  read_list(r, n["weekdays"], what + ".weekdays", ti.has_weekdays,
            [&](const YAML::Node& item, const std::string& w) {
              ti.weekdays.push_back(read_range(r, item, w, RangeKind::kWeekday));
            });
  read_list(r, n["days_of_month"], what + ".days_of_month", ti.has_days_of_month,
            [&](const YAML::Node& item, const std::string& w) {
              ti.days_of_month.push_back(read_range(r, item, w, RangeKind::kDayOfMonth));
            });
  read_list(r, n["months"], what + ".months", ti.has_months,
            [&](const YAML::Node& item, const std::string& w) {
              ti.months.push_back(read_range(r, item, w, RangeKind::kMonth));
            });
  read_list(r, n["years"], what + ".years", ti.has_years, [&](const YAML::Node& item, const std::string& w) {
    ti.years.push_back(read_range(r, item, w, RangeKind::kYear));
  });
  if (n["location"] && !n["location"].IsNull()) {
    ti.location_name = r.get_string(n["location"], what + ".location");
    std::string error;
    if (!Zone::load(ti.location_name, ti.location, error))
      r.fail(n["location"], what + ".location: " + error);
  }
  return ti;
}

}  // namespace vigia::notify

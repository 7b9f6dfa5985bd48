// Alertmanager 0.25's timeinterval package: whether an instant falls in a
// named time interval (times of day, weekdays, days of the month counted
// from either end, months, years), in a location from the tz database.
// Locations are read from /usr/share/zoneinfo TZif files (v1-v3, with the
// POSIX TZ footer for instants after the last transition), not through
// localtime_r/TZ, so evaluation is thread-safe and independent of the
// process's zone. No location is UTC, as Alertmanager documents.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace vigia {
class YamlReader;
}

namespace vigia::notify {

// A time zone: UTC, or the content of one TZif file.
class Zone {
 public:
  // time.LoadLocation: "" and "UTC" are UTC; "Local" is $TZ or
  // /etc/localtime; otherwise a name in the tz database ("Europe/Berlin").
  // False with Go's message ("unknown time zone Foo/Bar").
  static bool load(const std::string& name, std::shared_ptr<const Zone>& out, std::string& error);
  // Parses TZif data; false if malformed.
  static bool parse_tzif(std::string_view data, const std::string& name, std::shared_ptr<const Zone>& out);

  const std::string& name() const { return name_; }
  // Offset east of UTC in seconds at a Unix time.
  int offset_at(int64_t unix_s) const;

 private:
  struct Rule {       // a POSIX TZ footer's start or end rule
    char kind = 'M';  // 'M' (month.week.day), 'J' (1-365 no leap), 'N' (0-365)
    int month = 0, week = 0, day = 0;
    int time_s = 7200;
  };
  int rule_offset(int64_t unix_s) const;

  std::string name_;
  std::vector<int64_t> transitions_;
  std::vector<uint8_t> type_of_;  // type index per transition
  std::vector<int> type_offsets_;
  int first_offset_ = 0;
  bool has_footer_ = false;
  int std_offset_ = 0, dst_offset_ = 0;  // east of UTC
  bool has_dst_ = false;
  Rule start_, end_;
};

struct InclusiveRange {
  int64_t begin = 0, end = 0;
};

struct TimeInterval {
  struct TimeRange {
    int start_minute = 0, end_minute = 0;  // [start, end)
  };
  // A list given (even empty) constrains; an absent list does not.
  bool has_times = false, has_weekdays = false, has_days_of_month = false, has_months = false,
       has_years = false;
  std::vector<TimeRange> times;
  std::vector<InclusiveRange> weekdays;  // 0 = sunday
  std::vector<InclusiveRange> days_of_month;
  std::vector<InclusiveRange> months;
  std::vector<InclusiveRange> years;
  std::shared_ptr<const Zone> location;  // null: UTC
  std::string location_name;
};

// timeinterval.TimeInterval.ContainsTime at a Unix time in milliseconds.
// A negative day of the month counts from the month's end; the month's length
// is Alertmanager 0.25's (whole days between the first of the month and the
// first of the next, so a month that loses an hour to DST is a day shorter).
bool contains(const TimeInterval& ti, int64_t unix_ms);

// A named interval (time_intervals[] or mute_time_intervals[]) is active when
// any of its items contains the instant.
using TimeIntervals = std::map<std::string, std::vector<TimeInterval>>;
bool in_time_interval(const TimeIntervals& all, const std::string& name, int64_t unix_ms);

// Reads one item of a time interval's `time_intervals` list with
// Alertmanager's validation; errors are thrown by the reader (file:line:col).
TimeInterval read_time_interval(const YamlReader& r, const YAML::Node& n, const std::string& what);

}  // namespace vigia::notify

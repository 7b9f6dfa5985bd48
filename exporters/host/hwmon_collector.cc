#include "exporters/host/hwmon_collector.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <vector>

#include "core/strconv.h"
#include "exporters/host/go_text.h"
#include "exporters/host/proc_values.h"
#include "exporters/host/sysfs_read.h"

namespace vigia::host {

namespace {

// hwmonSensorTypes: the file name types the collector reads.
bool is_sensor_type(std::string_view t) {
  for (std::string_view k : {"vrm", "beep_enable", "update_interval", "in", "cpu", "fan", "pwm", "temp",
                             "curr", "power", "energy", "humidity", "intrusion"})
    if (t == k) return true;
  return false;
}

// sysReadFile: one read(2) of at most 128 bytes; then '\n' trimmed at both ends.
bool read_value(const std::string& path, std::string& out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[128];
  ssize_t n;
  do n = ::read(fd, buf, sizeof buf);
  while (n < 0 && errno == EINTR);
  ::close(fd);
  if (n < 0) return false;
  std::string_view v(buf, static_cast<size_t>(n));
  while (!v.empty() && v.front() == '\n') v.remove_prefix(1);
  while (!v.empty() && v.back() == '\n') v.remove_suffix(1);
  out.assign(v);
  return true;
}

// filepath.EvalSymlinks, absolute: realpath(3).
bool eval_symlinks(const std::string& path, std::string& out) {
  char* r = ::realpath(path.c_str(), nullptr);
  if (!r) return false;
  out = r;
  std::free(r);
  return true;
}

// filepath.Split's last element.
std::string_view base_name(std::string_view p) {
  size_t slash = p.rfind('/');
  return slash == std::string_view::npos ? p : p.substr(slash + 1);
}

// hwmonName: the chip label. Preference: <bus type>_<device> from the
// device link, then the name file, then the directory's own name.
bool chip_name(const std::string& dir, std::string& out) {
  std::string dev;
  if (eval_symlinks(dir + "/device", dev)) {
    std::string_view d = dev;
    std::string_view dev_name = base_name(d);
    std::string_view prefix = d.substr(0, d.size() - dev_name.size());
    while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
    std::string clean_name = hwmon_clean_name(dev_name), clean_type = hwmon_clean_name(base_name(prefix));
    if (!clean_type.empty() && !clean_name.empty()) {
      out = clean_type + "_" + clean_name;
      return true;
    }
    if (!clean_name.empty()) {
      out = clean_name;
      return true;
    }
  }
  std::string raw;
  if (read_file(dir + "/name", raw).is_ok() && !raw.empty()) {
    out = hwmon_clean_name(raw);
    if (!out.empty()) return true;
  }
  std::string real;
  if (!eval_symlinks(dir, real)) return false;
  out = hwmon_clean_name(base_name(real));
  return !out.empty();
}

struct Unit {
  std::string suffix, help;
  double scale;
  MetricType type = MetricType::kGauge;
};

// The name suffix, HELP and scale node_exporter gives a sensor's property.
Unit unit_of(const std::string& type, const std::string& element) {
  if (element == "fault" || element == "alarm")
    return {"", "Hardware sensor " + element + " status (" + type + ")", 1};
  if (element == "beep") return {"_enabled", "Hardware monitor sensor has beeping enabled", 1};
  if (type == "in" || type == "cpu")
    return {"_volts", "Hardware monitor for voltage (" + element + ")", 0.001};
  if (type == "temp" && element != "type")
    return {"_celsius", "Hardware monitor for temperature (" + (element.empty() ? "input" : element) + ")",
            0.001};
  if (type == "curr") return {"_amps", "Hardware monitor for current (" + element + ")", 0.001};
  if (type == "energy")
    return {"_joule_total", "Hardware monitor for joules used so far (" + element + ")", 1e-6,
            MetricType::kCounter};
  if (type == "power" && element == "accuracy")
    return {"", "Hardware monitor power meter accuracy, as a ratio", 1e-6};
  if (type == "power" && (element == "average_interval" || element == "average_interval_min" ||
                          element == "average_interval_max"))
    return {"_seconds", "Hardware monitor power usage update interval (" + element + ")", 0.001};
  if (type == "power") return {"_watt", "Hardware monitor for power usage in watts (" + element + ")", 1e-6};
  if (type == "humidity")
    return {"",
            "Hardware monitor for humidity, as a ratio (multiply with 100.0 to get the humidity as a "
            "percentage) (" +
                element + ")",
            1e-6};
  if (type == "fan" && (element == "input" || element == "min" || element == "max" || element == "target"))
    return {"_rpm", "Hardware monitor for fan revolutions per minute (" + element + ")", 1};
  return {"", "Hardware monitor " + type + " element " + element, 1};
}

// Go's x*0.001 and x/1000000.0 (a division, not a multiplication by 1e-6).
double scaled(double v, double scale) { return scale == 1e-6 ? v / 1000000.0 : v * scale; }

}  // namespace

std::string hwmon_clean_name(std::string_view name) {
  std::string out;
  for (size_t i = 0; i < name.size();) {
    size_t len;
    uint32_t r = decode_rune(name, i, len);
    i += len;
    if (r >= 'A' && r <= 'Z') r += 'a' - 'A';
    if (r == 0x130) r = 'i';   // unicode.ToLower's two non-ASCII runes
    if (r == 0x212A) r = 'k';  // with an ASCII lower case
    bool keep = (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == ':' || r == '_';
    out += keep ? static_cast<char>(r) : '_';
  }
  size_t b = out.find_first_not_of('_');
  if (b == std::string::npos) return {};
  return out.substr(b, out.find_last_not_of('_') - b + 1);
}

bool hwmon_explode_filename(std::string_view s, std::string& type, int64_t& num, std::string& property) {
  size_t first_digit = 0;
  while (first_digit < s.size() && !(s[first_digit] >= '0' && s[first_digit] <= '9')) ++first_digit;
  // [^0-9]+ greedy, then backtracking: the longest type whose rest matches
  // [0-9]*(_(.+))?$ ('.' is any character but '\n').
  for (size_t end = first_digit; end >= 1; --end) {
    size_t d = end;
    while (d < s.size() && s[d] >= '0' && s[d] <= '9') ++d;
    std::string_view rest = s.substr(d);
    bool ok = rest.empty() ||
              (rest.size() >= 2 && rest[0] == '_' && rest.substr(1).find('\n') == std::string_view::npos);
    if (!ok) continue;
    type.assign(s.substr(0, end));
    property.assign(rest.empty() ? std::string_view() : rest.substr(1));
    num = 0;
    if (d > end) {
      uint64_t v;
      if (!parse_u64(s.substr(end, d - end), v) || v > static_cast<uint64_t>(INT64_MAX)) return false;
      num = static_cast<int64_t>(v);
    }
    return true;
  }
  return false;
}

bool hwmon_is_sensor_file(std::string_view name, std::string& sensor, std::string& property) {
  std::string type;
  int64_t num;
  if (!hwmon_explode_filename(name, type, num, property) || !is_sensor_type(type)) return false;
  sensor = type + std::to_string(num);
  return true;
}

int hwmon_read_sensors(const std::string& dir, HwmonSensors& data) {
  std::vector<std::string> names;
  if (int err = list_dir(dir, names)) return err;
  std::string sensor, property, value;
  for (const std::string& n : names) {
    if (!hwmon_is_sensor_file(n, sensor, property)) continue;
    if (!read_value(dir + "/" + n, value)) continue;
    data[sensor][property] = value;
  }
  return 0;
}

void hwmon_chip_series(const std::string& chip, const HwmonSensors& data, SortedSeries& out) {
  std::string type, ignored_property;
  int64_t ignored_num;
  for (const auto& [sensor, props] : data) {
    hwmon_explode_filename(sensor, type, ignored_num, ignored_property);
    SortedSeries::LabelPairs labels = {{"chip", chip}, {"sensor", sensor}};
    if (auto it = props.find("label"); it != props.end())
      out.add("node_hwmon_sensor_label", "Label for given chip and sensor", MetricType::kGauge,
              {{"chip", chip}, {"sensor", sensor}, {"label", to_valid_utf8(it->second)}}, 1);
    auto plain = props.find("");
    double v;
    if (type == "beep_enable") {
      out.add("node_hwmon_beep_enabled", "Hardware beep enabled", MetricType::kGauge, labels,
              plain != props.end() && plain->second == "1" ? 1 : 0);
      continue;
    }
    if (type == "vrm" || type == "update_interval") {
      if (plain == props.end() || !parse_go_float64(plain->second, v)) continue;
      if (type == "vrm")
        out.add("node_hwmon_voltage_regulator_version", "Hardware voltage regulator", MetricType::kGauge,
                labels, v);
      else
        out.add("node_hwmon_update_interval_seconds", "Hardware monitor update interval", MetricType::kGauge,
                labels, v * 0.001);
      continue;
    }
    const std::string prefix = "node_hwmon_" + type;
    for (const auto& [element, value] : props) {
      if (element == "label") continue;
      std::string name = prefix;
      if (element == "input") {
        if (plain != props.end()) name += "_input";
      } else if (!element.empty()) {
        name += "_" + hwmon_clean_name(element);
      }
      if (!parse_go_float64(value, v)) continue;
      Unit u = unit_of(type, element);
      out.add(name + u.suffix, std::move(u.help), u.type, labels, scaled(v, u.scale));
    }
  }
}

Status HwmonCollector::update_chip(const std::string& dir) {
  std::string chip;
  if (!chip_name(dir, chip)) return Status::error("could not derive a monitoring name for " + dir);
  HwmonSensors data;
  if (int err = hwmon_read_sensors(dir, data)) return Status::from_errno(dir, err);
  struct stat st;
  if (::stat((dir + "/device").c_str(), &st) == 0) {
    if (int err = hwmon_read_sensors(dir + "/device", data)) return Status::from_errno(dir + "/device", err);
  }
  std::string raw;
  if (read_file(dir + "/name", raw).is_ok()) {
    std::string human = hwmon_clean_name(raw);
    if (!human.empty())
      series_.add("node_hwmon_chip_names", "Annotation metric for human-readable chip names",
                  MetricType::kGauge, {{"chip", chip}, {"chip_name", human}}, 1);
  }
  hwmon_chip_series(chip, data, series_);
  return Status::ok();
}

Status HwmonCollector::collect(const CollectContext&, MetricSink& sink) {
  std::vector<std::string> names;
  int err = list_dir(dir_, names);
  if (err == ENOENT) return Status::no_data("no " + dir_);
  if (err) return Status::from_errno(dir_, err);
  Status last = Status::ok();
  for (const std::string& n : names) {
    std::string path = dir_ + "/" + n;
    struct stat st;
    if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) continue;
    Status s = update_chip(path);
    if (!s.is_ok()) last = s;
  }
  series_.flush(sink);
  return last;
}

}  // namespace vigia::host

// libFuzzer target for the parsers of the hwmon, thermal_zone and
// powersupplyclass host collectors (exporters/host): hwmon's file name
// splitting and name cleaning, Go's ParseFloat / ParseInt(s, 0, 64) forms,
// and the series of a chip and of a power supply made from the input's lines
// ("<file>=<value>"). Properties: a cleaned name holds only [a-z0-9:_] with no
// '_' at either end; an exploded file name's type holds no digit and its
// property no newline; a decimal integer reads the same through ParseInt(s,
// 0, 64) and ParseInt(s, 10, 64) unless it has a leading 0; every series has
// a valid metric name and UTF-8 label values and none is written twice.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/fs.h"
#include "core/strconv.h"
#include "exporters/host/go_text.h"
#include "exporters/host/proc_values.h"
#include "exporters/host/hwmon_collector.h"
#include "exporters/host/powersupply_collector.h"
#include "exporters/host/sorted_series.h"
#include "tests/fuzz/checking_sink.h"

namespace {

void fail(const char* what) {
  std::fprintf(stderr, "%s\n", what);
  std::abort();
}

class ValidatingSink final : public vigia::MetricSink {
 public:
  vigia::fuzz::CheckingSink inner;
  void family(std::string_view name, std::string_view help, vigia::MetricType t) override {
    inner.family(name, help, t);
  }
  void sample(std::string_view name, vigia::Labels labels, double v, int64_t ts) override {
    if (name.empty() || (name[0] >= '0' && name[0] <= '9')) fail("bad metric name");
    for (char c : name)
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
            c == ':'))
        fail("bad metric name character");
    for (const vigia::Label& l : labels)
      if (!vigia::valid_utf8(l.value)) fail("label value not UTF-8");
    inner.sample(name, labels, v, ts);
  }
  using MetricSink::sample;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigia::host;
  std::string_view in(reinterpret_cast<const char*>(data), size);

  std::string clean = hwmon_clean_name(in);
  for (char c : clean)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == ':' || c == '_'))
      fail("clean name character");
  if (!clean.empty() && (clean.front() == '_' || clean.back() == '_')) fail("clean name not trimmed");

  double d;
  (void)parse_go_float64(in, d);
  int64_t a, b;
  bool base0 = parse_go_int64(in, a);
  bool base10 = go_parse_int(in, b);
  std::string_view digits = in;
  if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) digits.remove_prefix(1);
  bool plain = !digits.empty() && digits[0] != '0' && digits.find('_') == std::string_view::npos;
  if (plain && base10 && (!base0 || a != b)) fail("ParseInt base 0 and base 10 disagree");

  HwmonSensors sensors;
  PowerSupply ps;
  ps.name = "ps";
  std::string type, prop;
  int64_t num;
  vigia::for_each_line(in, [&](std::string_view line) {
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) return;
    std::string_view file = line.substr(0, eq);
    std::string value(line.substr(eq + 1));
    if (hwmon_explode_filename(file, type, num, prop)) {
      if (type.empty() || type.find_first_of("0123456789") != std::string::npos) fail("type with a digit");
      if (prop.find('\n') != std::string::npos || num < 0) fail("bad property or number");
    }
    std::string sensor;
    if (hwmon_is_sensor_file(file, sensor, prop)) sensors[sensor][prop] = value;
    if (!parse_power_supply_file(file, value, ps).is_ok()) ps.numbers.clear();
  });
  SortedSeries series;
  hwmon_chip_series("chip", sensors, series);
  power_supply_series(ps, series);
  ValidatingSink sink;
  series.flush(sink);
  return 0;
}

// The hwmon, thermal_zone and powersupplyclass host collectors on
// tests/fixtures/host (node_exporter's own sys.ttar trees plus edge cases):
// their text must equal node_exporter 1.5's on the same tree
// (expected/<collector>.prom, made by regenerate.sh).
#include <catch.hpp>
#include <filesystem>

#include "exporters/host/go_text.h"
#include "exporters/host/proc_values.h"
#include "exporters/host/hwmon_collector.h"
#include "exporters/host/powersupply_collector.h"
#include "exporters/host/thermal_zone_collector.h"
#include "tests/unit/host_a_test_util.h"

using namespace vigia;
using namespace vigia::host;
using vigia::test::fixture_paths;
using vigia::test::run;
using vigia::test::slurp;
using vigia::test::TempTree;

namespace {
const std::string kExpected = std::string(VIGIA_FIXTURES) + "/host/expected/";
}  // namespace

TEST_CASE("hwmon, thermal_zone, powersupplyclass equal node_exporter 1.5 on the fixture") {
  HwmonCollector hwmon(fixture_paths());
  CHECK(run(hwmon) == slurp(kExpected + "hwmon.prom"));
  ThermalZoneCollector thermal(fixture_paths());
  CHECK(run(thermal) == slurp(kExpected + "thermal_zone.prom"));
  HostOptions o;
  o.paths = fixture_paths();
  PowerSupplyCollector ps(o);
  CHECK(run(ps) == slurp(kExpected + "powersupplyclass.prom"));
}

TEST_CASE("without the hardware: no series, no error") {
  TempTree t;
  t.write("sys/class/net/lo/mtu", "65536\n");
  Status st;
  HwmonCollector hwmon(t.paths());
  CHECK(run(hwmon, &st).empty());
  CHECK(st.is_no_data());
  ThermalZoneCollector thermal(t.paths());
  CHECK(run(thermal, &st).empty());
  CHECK(st.is_ok());
  HostOptions o;
  o.paths = t.paths();
  PowerSupplyCollector ps(o);
  CHECK(run(ps, &st).empty());
  CHECK(st.is_no_data());
}

TEST_CASE("powersupplyclass: ignored supplies, and a bad number fails as procfs") {
  HostOptions o;
  o.paths = fixture_paths();
  o.powersupply_ignored_supplies = "^(AC|USB-C)$";
  PowerSupplyCollector ps(o);
  std::string out = run(ps);
  CHECK(out.find("power_supply=\"BAT0\"") != std::string::npos);
  CHECK(out.find("power_supply=\"AC\"") == std::string::npos);
  CHECK(out.find("USB-C") == std::string::npos);
  TempTree t;
  t.write("sys/class/power_supply/BAT1/capacity", "12x\n");
  t.write("sys/class/power_supply/BAT1/type", "Battery\n");
  o.paths = t.paths();
  o.powersupply_ignored_supplies = "^$";
  PowerSupplyCollector bad(o);
  Status st;
  CHECK(run(bad, &st).empty());
  CHECK(st.is_error());
  t.write("sys/class/power_supply/BAT1/capacity", "0x2A\n");
  CHECK(run(bad).find("node_power_supply_capacity{power_supply=\"BAT1\"} 42\n") != std::string::npos);
}

TEST_CASE("thermal_zone: ENODATA-free errors fail; a bad cooling device keeps the zones") {
  TempTree t;
  t.write("sys/class/thermal/thermal_zone0/type", "x86_pkg_temp\n");
  t.write("sys/class/thermal/thermal_zone0/policy", "step_wise\n");
  t.write("sys/class/thermal/thermal_zone0/temp", "41000\n");
  t.write("sys/class/thermal/cooling_device0/type", "Fan\n");
  t.write("sys/class/thermal/cooling_device0/cur_state", "1\n");
  t.write("sys/class/thermal/cooling_device0/max_state", "x\n");
  ThermalZoneCollector c(t.paths());
  Status st;
  std::string out = run(c, &st);
  CHECK(st.is_error());
  CHECK(out.find("node_thermal_zone_temp{type=\"x86_pkg_temp\",zone=\"0\"} 41\n") != std::string::npos);
  CHECK(out.find("node_cooling_device") == std::string::npos);
  t.write("sys/class/thermal/thermal_zone0/passive", "-1\n");
  CHECK(run(c, &st).empty());
  CHECK(st.is_error());
}

TEST_CASE("hwmon file names and chip names follow node_exporter's regexps") {
  std::string type, prop;
  int64_t num;
  REQUIRE(hwmon_explode_filename("temp1_input", type, num, prop));
  CHECK((type == "temp" && num == 1 && prop == "input"));
  REQUIRE(hwmon_explode_filename("beep_enable", type, num, prop));
  CHECK((type == "beep_enable" && num == 0 && prop.empty()));
  REQUIRE(hwmon_explode_filename("pwm1_auto_point2_pwm", type, num, prop));
  CHECK((type == "pwm" && num == 1 && prop == "auto_point2_pwm"));
  // Greedy type, then backtracking: "temp_a1b" is type temp, property a1b.
  REQUIRE(hwmon_explode_filename("temp_a1b", type, num, prop));
  CHECK((type == "temp" && num == 0 && prop == "a1b"));
  CHECK_FALSE(hwmon_explode_filename("temp1x", type, num, prop));
  CHECK_FALSE(hwmon_explode_filename("temp1_", type, num, prop));
  CHECK_FALSE(hwmon_explode_filename("1temp", type, num, prop));
  CHECK_FALSE(hwmon_explode_filename("temp1_a\nb", type, num, prop));
  CHECK_FALSE(hwmon_explode_filename("temp99999999999999999999_input", type, num, prop));
  CHECK(hwmon_clean_name("My Chip-1\n") == "my_chip_1");
  CHECK(hwmon_clean_name("__\xff\xc4\xb0X") == "ix");
  CHECK(hwmon_clean_name("___").empty());
}

TEST_CASE("Go's ParseFloat and ParseInt(s, 0, 64) forms") {
  double d;
  int64_t i;
  for (auto [s, v] : {std::pair{"1_000", 1000.0},
                      {"0x1p4", 16.0},
                      {"0x_1p4", 16.0},
                      {"1_0.5", 10.5},
                      {"0X1P-2", 0.25},
                      {".5", 0.5},
                      {"5.", 5.0},
                      {"0x1.8p1", 3.0}}) {
    INFO(s);
    REQUIRE(parse_go_float64(s, d));
    CHECK(d == v);
  }
  for (const char* s : {"1__0", "_1", "0x10", " 5", "5 ", "1e400", "nan(1)", "0x", "0xp1", ""}) {
    INFO(s);
    CHECK_FALSE(parse_go_float64(s, d));
  }
  for (auto [s, v] : {std::pair<const char*, int64_t>{"0x10", 16},
                      {"010", 8},
                      {"0o17", 15},
                      {"0b101", 5},
                      {"-9223372036854775808", INT64_MIN},
                      {"0_1_0", 8},
                      {"+7", 7},
                      {"0", 0}}) {
    INFO(s);
    REQUIRE(parse_go_int64(s, i));
    CHECK(i == v);
  }
  for (const char* s : {"9223372036854775808", "08", "0x", "1__0", "_1", "1_", "+-1", "-", "", "0x1g"}) {
    INFO(s);
    CHECK_FALSE(parse_go_int64(s, i));
  }
}

// The transfer area: quota sizes, billing periods, the state file's format,
// and the collector on a fixture procfs/sysfs tree written by the test, with
// a stepped clock: restarts, a reboot (new boot id, counters back at zero), a
// counter reset and a 32-bit wrap, a month boundary, a clock stepped back, a
// state file that cannot be written (its directory replaced by a file) and
// one that cannot be read; and the `transfer:` section's errors.
#include <catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "core/config.h"
#include "core/exposition.h"
#include "core/fs.h"
#include "exporters/transfer/transfer.h"
#include "config_test_util.h"

using namespace vigia;
using namespace vigia::transfer;
namespace fs = std::filesystem;

TEST_CASE("quota sizes") {
  uint64_t b = 0;
  struct Case {
    const char* in;
    uint64_t want;
  } good[] = {{"3TB", 3000000000000ull},
              {"500GB", 500000000000ull},
              {"500 GB", 500000000000ull},
              {"1.5TiB", 1649267441664ull},
              {"1KiB", 1024},
              {"1kB", 1000},
              {"1KB", 1000},
              {"2MiB", 2097152},
              {"1048576", 1048576},
              {"7B", 7},
              {"0.5PB", 500000000000000ull},
              {"15EiB", 17293822569102704640ull},
              {" 4 TB ", 4000000000000ull}};
  for (const auto& c : good) {
    INFO(c.in);
    CHECK(parse_size(c.in, b));
    CHECK(b == c.want);
  }
  for (const char* bad : {"", "TB", "3Tb", "3tb", "3 TBs", "-1GB", "0", "0.1B", "1.2.3GB", ".5TB", "5.TB",
                          "1e3GB", "16EiB", "3 T B", "3GiB5"}) {
    INFO(bad);
    CHECK_FALSE(parse_size(bad, b));
  }
}

TEST_CASE("billing periods, UTC") {
  const int64_t dec1 = 1796083200, nov15 = 1794700800, dec15 = 1797292800, jan15 = 1799971200,
                jan1 = 1798761600;
  CHECK(period_start(dec1, 1) == dec1);
  CHECK(period_start(dec1 - 1, 1) == 1793491200);  // 2026-11-01
  CHECK(period_start(dec1 + 86400 * 3 + 5, 1) == dec1);
  CHECK(period_start(dec1 + 86400, 15) == nov15);
  CHECK(period_start(dec15, 15) == dec15);
  CHECK(period_start(jan1 + 86400 * 2, 15) == dec15);  // across the year
  CHECK(next_period_start(dec15, 15) == jan15);
  CHECK(next_period_start(dec1, 1) == jan1);
  CHECK(next_period_start(1772236800, 28) == 1774656000);  // 2026-02-28 -> 03-28
}

TEST_CASE("state file: format and parse") {
  TransferState s;
  s.period_start = 1796083200;
  s.receive = 18446744073709551615ull;
  s.transmit = 42;
  s.boot_id = "2f0c6a4e-1b7d-4c4e-9f2a-0b1c2d3e4f50";
  s.last["eth0"] = {1, 2};
  s.last["wg-vpn0"] = {300, 400};
  TransferState back;
  REQUIRE(parse_state(format_state(s), back).is_ok());
  CHECK(back == s);
  CHECK(parse_state("vigia-transfer-state 1\r\nperiod_start 1\r\n# note\n\nreceive 2\ntransmit 3\n", back)
            .is_ok());
  CHECK(back.period_start == 1);
  CHECK(back.last.empty());

  auto err = [](const std::string& text) {
    TransferState t;
    Status st = parse_state(text, t);
    return st.is_ok() ? std::string("ok") : st.message();
  };
  const std::string head = "vigia-transfer-state 1\n";
  CHECK(err("") == "line 1: expected \"vigia-transfer-state 1\"");
  CHECK(err("vigia-transfer-state 2\n") == "line 1: expected \"vigia-transfer-state 1\"");
  CHECK(err(head + "period_start 1\nreceive 1\n") == "missing 'transmit'");
  CHECK(err(head + "period_start 1\nreceive 1\ntransmit x\n") ==
        "line 4: 'transmit': not an unsigned integer: \"x\"");
  CHECK(err(head + "period_start -5\n") == "line 2: 'period_start': not a non-negative integer: \"-5\"");
  CHECK(err(head + "receive 18446744073709551616\n") ==
        "line 2: 'receive': not an unsigned integer: \"18446744073709551616\"");
  CHECK(err(head + "receive 1 2\n") == "line 2: 'receive' takes 1 field(s), got 2");
  CHECK(err(head + "device eth0 1\n") == "line 2: 'device' takes 3 field(s), got 2");
  CHECK(err(head + "device eth0 1 2\ndevice eth0 3 4\n") == "line 3: repeated 'device eth0'");
  CHECK(err(head + "receive 1\nreceive 1\n") == "line 3: repeated 'receive'");
  CHECK(err(head + "colour blue\n") == "line 2: unknown record 'colour'");
}

namespace {

struct Fixture {
  fs::path root;
  Fixture() {
    char tmpl[] = "/tmp/vigia-transfer-test-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    root = tmpl;
    fs::create_directories(root / "proc/sys/kernel/random");
    fs::create_directories(root / "sys/class/net/eth0/device");
    fs::create_directories(root / "sys/class/net/eth1/device");
    fs::create_directories(root / "sys/class/net/lo");
    fs::create_directories(root / "sys/class/net/docker0");
    fs::create_directories(root / "state");
    boot("boot-a");
  }
  ~Fixture() { fs::remove_all(root); }
  HostPaths paths() const {
    HostPaths p;
    p.proc = (root / "proc").string();
    p.sys = (root / "sys").string();
    return p;
  }
  void boot(const std::string& id) { std::ofstream(root / "proc/sys/kernel/random/boot_id") << id << "\n"; }
  // device -> {receive bytes, transmit bytes}
  void counters(const std::map<std::string, std::pair<uint64_t, uint64_t>>& devs) {
    std::ofstream f(root / "proc/net/dev.new");
    f << "Inter-|   Receive                                                |  Transmit\n"
         " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo "
         "colls "
         "carrier compressed\n";
    for (const auto& [name, c] : devs)
      f << "  " << name << ": " << c.first << " 10 0 0 0 0 0 0 " << c.second << " 20 0 0 0 0 0 0\n";
    f.close();
    fs::rename(root / "proc/net/dev.new", root / "proc/net/dev");
  }
  // Its directory state/sub/ does not exist: the first write makes it.
  std::string state_file() const { return (root / "state/sub/transfer.state").string(); }
};

std::string collect(TransferCollector& c, Status* st = nullptr) {
  TextEncoder enc;
  Status s = c.collect(CollectContext{}, enc);
  if (st)
    *st = s;
  else
    REQUIRE(s.is_ok());
  std::string out;
  enc.finish(out);
  return out;
}

// The value of the sample whose line starts with `series` + " ".
double value(const std::string& text, const std::string& series) {
  size_t p = text.find("\n" + series + " ");
  if (p == std::string::npos) FAIL("no " << series << " in\n" << text);
  return std::strtod(text.c_str() + p + series.size() + 2, nullptr);
}

double rx(const std::string& t) { return value(t, "vigia_network_transfer_bytes{direction=\"receive\"}"); }
double tx(const std::string& t) { return value(t, "vigia_network_transfer_bytes{direction=\"transmit\"}"); }

}  // namespace

TEST_CASE("transfer collector: restarts, a reboot, resets, a wrap, a month boundary") {
  Fixture fx;
  fs::create_directories(fx.root / "proc/net");
  const double dec1 = 1796083200, jan1 = 1798761600;
  double now = dec1 + 10 * 86400;
  TransferConfig cfg;
  cfg.configured = true;
  cfg.quota_bytes = 3000000000000ull;
  cfg.devices = {"eth0", "eth1"};
  cfg.state_file = fx.state_file();
  auto make = [&] { return std::make_unique<TransferCollector>(cfg, fx.paths(), [&] { return now; }); };

  // First start: the counters are the baseline, nothing counted yet.
  fx.counters({{"lo", {999999, 999999}}, {"eth0", {1000, 2000}}, {"eth1", {50, 60}}});
  auto c = make();
  std::string out = collect(*c);
  CHECK(rx(out) == 0);
  CHECK(tx(out) == 0);
  CHECK(value(out, "vigia_network_transfer_quota_bytes") == 3e12);
  CHECK(value(out, "vigia_network_transfer_period_start_timestamp_seconds") == dec1);
  CHECK(value(out, "vigia_network_transfer_period_end_timestamp_seconds") == jan1);
  CHECK(fs::exists(fx.state_file()));  // the first state is written at once

  now += 15;
  fx.counters({{"lo", {5000000, 5000000}}, {"eth0", {1500, 2600}}, {"eth1", {150, 160}}});
  out = collect(*c);
  CHECK(rx(out) == 600);  // 500 + 100; lo is not listed
  CHECK(tx(out) == 700);
  CHECK(value(out, "vigia_network_transfer_quota_used_bytes") == 1300);

  // Restart (same boot): the count goes on from the state file.
  c.reset();
  fx.counters({{"eth0", {2500, 3600}}, {"eth1", {150, 160}}});
  now += 30;
  c = make();
  out = collect(*c);
  CHECK(rx(out) == 1600);
  CHECK(tx(out) == 1700);

  // Reboot: a new boot id, counters from zero: the new counters are added whole.
  c.reset();
  fx.boot("boot-b");
  fx.counters({{"eth0", {300, 400}}, {"eth1", {10, 20}}});
  now += 120;
  c = make();
  out = collect(*c);
  CHECK(rx(out) == 1910);
  CHECK(tx(out) == 2120);

  // A counter reset without a reboot (the device re-created): the new value whole.
  now += 15;
  fx.counters({{"eth0", {100, 500}}, {"eth1", {10, 20}}});
  out = collect(*c);
  CHECK(rx(out) == 2010);  // +100 (reset)
  CHECK(tx(out) == 2220);  // +100

  // A 32-bit wrap: from near 2^32 to a small value.
  now += 15;
  fx.counters({{"eth0", {4294967000, 600}}, {"eth1", {10, 20}}});
  out = collect(*c);
  CHECK(rx(out) == 2010 + 4294967000 - 100);
  now += 15;
  fx.counters({{"eth0", {500, 600}}, {"eth1", {10, 20}}});
  out = collect(*c);
  CHECK(rx(out) == 2010 + 4294967000 - 100 + 296 + 500);

  // A device missing for a while keeps its last counters.
  now += 15;
  fx.counters({{"eth0", {600, 600}}});
  out = collect(*c);
  now += 15;
  fx.counters({{"eth0", {600, 600}}, {"eth1", {40, 20}}});
  out = collect(*c);
  const double before_month = 2010 + 4294967000 - 100 + 296 + 500 + 100 + 30;
  CHECK(rx(out) == before_month);

  // The month ends (clock stepped to 10 s past the new period's start).
  now = jan1 + 10;
  fx.counters({{"eth0", {700, 650}}, {"eth1", {40, 20}}});
  out = collect(*c);
  CHECK(value(out, "vigia_network_transfer_period_start_timestamp_seconds") == jan1);
  CHECK(value(out, "vigia_network_transfer_period_end_timestamp_seconds") == 1801440000);  // 2027-02-01
  CHECK(rx(out) == 100);
  CHECK(tx(out) == 50);
  TransferState on_disk;
  std::string text;
  REQUIRE(read_file(fx.state_file(), text).is_ok());
  REQUIRE(parse_state(text, on_disk).is_ok());
  CHECK(on_disk.period_start == jan1);  // written at once on a new month
  CHECK(on_disk.receive == 100);

  // The clock stepped back into December: the January count goes on.
  now = jan1 - 3600;
  fx.counters({{"eth0", {710, 650}}, {"eth1", {40, 20}}});
  out = collect(*c);
  CHECK(value(out, "vigia_network_transfer_period_start_timestamp_seconds") == jan1);
  CHECK(rx(out) == 110);
}

TEST_CASE("transfer collector: a state file that cannot be written, then can") {
  Fixture fx;
  fs::create_directories(fx.root / "proc/net");
  double now = 1796083200 + 3600;
  TransferConfig cfg;
  cfg.configured = true;
  cfg.quota_bytes = 1000;
  cfg.counts = Counts::kTransmit;
  cfg.state_file = fx.state_file();  // devices: the physical ones (eth0, eth1)
  fx.counters({{"lo", {1, 1}}, {"docker0", {1, 1}}, {"eth0", {1000, 2000}}, {"eth1", {0, 0}}});
  TransferCollector c(cfg, fx.paths(), [&] { return now; });
  std::string out = collect(c);
  CHECK(value(out, "vigia_network_transfer_state_write_errors_total") == 0);

  // The state directory becomes a file: every write fails (ENOTDIR).
  fs::remove_all(fx.root / "state");
  std::ofstream(fx.root / "state") << "not a directory\n";
  // Writes are at most once a minute: the fourth collection (60 s) tries and
  // fails, the fifth retries at once and fails again.
  for (int i = 1; i <= 5; ++i) {
    now += 15;
    fx.counters({{"lo", {9, 9}},
                 {"docker0", {9, 9}},
                 {"eth0", {1000u + 10u * i, 2000u + 20u * i}},
                 {"eth1", {0, 0}}});
    out = collect(c);  // the collection itself succeeds
    CHECK(tx(out) == 20 * i);
    CHECK(value(out, "vigia_network_transfer_quota_used_bytes") == 20 * i);  // counts: transmit
  }
  CHECK(value(out, "vigia_network_transfer_state_write_errors_total") == 2);

  // Space again: the next collection writes the whole count.
  fs::remove(fx.root / "state");
  fs::create_directories(fx.root / "state");
  now += 15;
  out = collect(c);
  CHECK(value(out, "vigia_network_transfer_state_write_errors_total") == 2);
  std::string text;
  REQUIRE(read_file(fx.state_file(), text).is_ok());
  TransferState s;
  REQUIRE(parse_state(text, s).is_ok());
  CHECK(s.transmit == 100);
  CHECK(s.receive == 50);
  CHECK(s.last.count("eth0") == 1);
  CHECK(s.last.count("lo") == 0);
  CHECK(s.last.count("docker0") == 0);
}

TEST_CASE("transfer collector: an unreadable state file is set aside") {
  Fixture fx;
  fs::create_directories(fx.root / "proc/net");
  fs::create_directories(fx.root / "state/sub");
  std::ofstream(fx.state_file()) << "vigia-transfer-state 1\nperiod_start banana\n";
  TransferConfig cfg;
  cfg.configured = true;
  cfg.quota_bytes = 1000;
  cfg.devices = {"eth0"};
  cfg.state_file = fx.state_file();
  fx.counters({{"eth0", {1000, 2000}}});
  double now = 1796083200 + 3600;
  TransferCollector c(cfg, fx.paths(), [&] { return now; });
  std::string out = collect(c);
  CHECK(rx(out) == 0);
  CHECK(fs::exists(fx.state_file() + ".bad"));
  CHECK(fs::exists(fx.state_file()));

  // No net/dev: an error, and the count from memory.
  fs::remove(fx.root / "proc/net/dev");
  Status st;
  out = collect(c, &st);
  CHECK(st.is_error());
  CHECK(rx(out) == 0);
  // A listed device absent: an error naming it.
  fx.counters({{"eth9", {1, 1}}});
  out = collect(c, &st);
  CHECK(st.message() == "none of the transfer devices is in " + (fx.root / "proc/net/dev").string());
}

namespace {

TransferConfig parse(const std::string& yaml) {
  return test::read_config_text(yaml, "/etc/vigia/vigia.yml", {"transfer"}, [](auto& r, const Config& cfg) {
    return read_transfer(r, cfg.section("transfer"), "transfer");
  });
}

std::string error_of(const std::string& yaml) { return test::config_error_of(parse, yaml); }

}  // namespace

TEST_CASE("transfer section") {
  CHECK_FALSE(parse("transfer:\n").configured);  // present but empty: off
  TransferConfig c = parse("transfer: {quota: 3TB}\n");
  CHECK(c.configured);
  CHECK(c.quota_bytes == 3000000000000ull);
  CHECK(c.reset_day == 1);
  CHECK(c.counts == Counts::kBoth);
  CHECK(c.devices.empty());
  CHECK(c.state_file == kDefaultStateFile);
  c = parse(
      "transfer:\n  quota: 1.5TiB\n  reset_day: 28\n  counts: transmit\n  devices: [eth0, ens3]\n"
      "  state_file: state/transfer\n");
  CHECK(c.quota_bytes == 1649267441664ull);
  CHECK(c.reset_day == 28);
  CHECK(c.counts == Counts::kTransmit);
  CHECK(c.devices == std::vector<std::string>{"eth0", "ens3"});
  CHECK(c.state_file == "/etc/vigia/state/transfer");
  CHECK(parse("transfer: {quota: 1TB, state_file: /var/lib/vigia/t}\n").state_file == "/var/lib/vigia/t");

  CHECK(error_of("transfer: {reset_day: 1}\n") == "/etc/vigia/vigia.yml:1:11: transfer: missing key 'quota'");
  CHECK(error_of("transfer: {quota: 3Tb}\n") ==
        "/etc/vigia/vigia.yml:1:19: transfer.quota: expected a positive size such as 3TB, 500GB or 1.5TiB, "
        "got \"3Tb\"");
  CHECK(
      error_of("transfer:\n  quota: 3TB\n  reset_day: 29\n") ==
      "/etc/vigia/vigia.yml:3:14: transfer.reset_day: expected a day of the month from 1 to 28, got \"29\"");
  CHECK(error_of("transfer:\n  quota: 3TB\n  reset_day: 0\n") ==
        "/etc/vigia/vigia.yml:3:14: transfer.reset_day: expected a day of the month from 1 to 28, got \"0\"");
  CHECK(error_of("transfer:\n  quota: 3TB\n  reset_day: 1.5\n").find("vigia.yml:3:14: transfer.reset_day") !=
        std::string::npos);
  CHECK(error_of("transfer: {quota: 3TB, counts: egress}\n") ==
        "/etc/vigia/vigia.yml:1:32: transfer.counts: expected both, receive or transmit, got \"egress\"");
  CHECK(error_of("transfer: {quota: 3TB, devices: [eth0, eth0]}\n") ==
        "/etc/vigia/vigia.yml:1:40: transfer.devices: \"eth0\" listed twice");
  CHECK(error_of("transfer: {quota: 3TB, devices: ['a b']}\n") ==
        "/etc/vigia/vigia.yml:1:34: transfer.devices: not a network device name: \"a b\"");
  CHECK(error_of("transfer: {quota: 3TB, quta: 1}\n") ==
        "/etc/vigia/vigia.yml:1:24: unknown key 'quta' in transfer");
  CHECK(error_of("transfer: {quota: 3TB, state_file: ''}\n") ==
        "/etc/vigia/vigia.yml:1:36: transfer.state_file: must not be empty");
  CHECK(error_of("transfer: [1]\n").find("vigia.yml:1:11") != std::string::npos);
}

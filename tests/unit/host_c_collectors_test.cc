// The conntrack, entropy, softnet, arp, udp_queues, schedstat, netclass and
// timex collectors and netdev's include/address-info options. On the fixture
// tree tests/fixtures/host each (but timex, which needs adjtimex(2) and is
// compared live in tests/integration/test_node_fidelity.py) must give the text
// node_exporter 1.5 gives on the same tree (expected/<collector>.prom, made by
// expected/regenerate.sh).
#include <sys/timex.h>

#include <catch.hpp>
#include <sstream>

#include "exporters/host/address_info.h"
#include "exporters/host/arp_collector.h"
#include "exporters/host/conntrack_collector.h"
#include "exporters/host/entropy_collector.h"
#include "exporters/host/netclass_collector.h"
#include "exporters/host/netdev_collector.h"
#include "exporters/host/proc_values.h"
#include "exporters/host/schedstat_collector.h"
#include "exporters/host/softnet_collector.h"
#include "exporters/host/timex_collector.h"
#include "exporters/host/udp_queues_collector.h"
#include "tests/unit/host_a_test_util.h"

using namespace vigia;
using namespace vigia::host;
using vigia::test::scrape;
using vigia::test::slurp;
using vigia::test::TempTree;

namespace {

const std::string kExpected = VIGIA_FIXTURES "/host/expected/";

HostOptions fixture_options() {
  HostOptions o;
  o.paths = vigia::test::fixture_paths();
  return o;
}

void check_expected(Collector& c, const std::string& file) {
  auto s = scrape(c);
  INFO(file);
  REQUIRE(s.status.is_ok());
  CHECK(s.text == slurp(kExpected + file));
}

}  // namespace

TEST_CASE("the collectors equal node_exporter 1.5 on the fixture") {
  HostOptions o = fixture_options();
  ArpCollector arp(o);
  ConntrackCollector conntrack(o.paths);
  EntropyCollector entropy(o.paths);
  NetclassCollector netclass(o);
  SchedstatCollector schedstat(o.paths);
  SoftnetCollector softnet(o.paths);
  UdpQueuesCollector udp(o.paths);
  check_expected(arp, "arp.prom");
  check_expected(conntrack, "conntrack.prom");
  check_expected(entropy, "entropy.prom");
  check_expected(netclass, "netclass.prom");
  check_expected(schedstat, "schedstat.prom");
  check_expected(softnet, "softnet.prom");
  check_expected(udp, "udp_queues.prom");
  // A second scrape (files re-read at offset 0, buffers reused) gives the same.
  check_expected(netclass, "netclass.prom");
  check_expected(softnet, "softnet.prom");
}

TEST_CASE("missing files: no data where node_exporter has none, errors where it fails") {
  TempTree t;
  HostOptions o;
  o.paths = t.paths();
  ConntrackCollector conntrack(o.paths);
  SchedstatCollector schedstat(o.paths);
  UdpQueuesCollector udp(o.paths);
  NetclassCollector netclass(o);
  EntropyCollector entropy(o.paths);
  SoftnetCollector softnet(o.paths);
  ArpCollector arp(o);
  for (Collector* c : {static_cast<Collector*>(&conntrack), static_cast<Collector*>(&schedstat),
                       static_cast<Collector*>(&udp), static_cast<Collector*>(&netclass)}) {
    auto s = scrape(*c);
    INFO(c->name());
    CHECK(s.status.is_no_data());
    CHECK(s.text.empty());
  }
  for (Collector* c : {static_cast<Collector*>(&entropy), static_cast<Collector*>(&softnet),
                       static_cast<Collector*>(&arp)}) {
    INFO(c->name());
    CHECK(scrape(*c).status.is_error());
  }
  // conntrack: the counts without the stat file is still "not loaded".
  t.write("proc/sys/net/netfilter/nf_conntrack_count", "5\n");
  t.write("proc/sys/net/netfilter/nf_conntrack_max", "10\n");
  auto s = scrape(conntrack);
  CHECK(s.status.is_no_data());
  CHECK(s.has("node_nf_conntrack_entries_limit 10"));
  // udp_queues: IPv6 off leaves IPv4.
  t.write("proc/net/udp", "  sl  local_address rem_address\n");
  s = scrape(udp);
  REQUIRE(s.status.is_ok());
  CHECK(s.has("node_udp_queues{ip=\"v4\",queue=\"rx\"} 0"));
  CHECK_FALSE(s.mentions("v6"));
  // entropy: the pool size alone is not enough, as in node_exporter.
  t.write("proc/sys/kernel/random/poolsize", "256\n");
  CHECK(scrape(entropy).status.is_error());
}

TEST_CASE("malformed files fail the collector with a message") {
  TempTree t;
  HostOptions o;
  o.paths = t.paths();
  ConntrackStats cs;
  CHECK(parse_conntrack_stat("header\n1 2 3\n", cs).is_error());
  CHECK(parse_conntrack_stat("header\n" + std::string(16, 'x'), cs).is_error());
  CHECK(parse_conntrack_stat("header\n", cs).is_ok());
  std::string line17 = "0 0 1 0 2 3 0 0 4 5 6 7 0 0 0 0 8";
  REQUIRE(parse_conntrack_stat("h\n" + line17 + "\n" + line17 + "\n", cs).is_ok());
  CHECK(cs.found == 2);
  CHECK(cs.search_restart == 16);
  CHECK(parse_conntrack_stat("h\n" + line17 + " 9\n", cs).is_error());
  CHECK(parse_conntrack_stat("h\n0x1 0 1 0 2 3 0 0 4 5 6 7 0 0 0 0 8\n", cs).is_error());

  std::vector<SoftnetStat> sn;
  CHECK(parse_softnet("1 2 3 4 5 6 7 8\n", sn).is_error());
  CHECK(parse_softnet("1 2 100000000 4 5 6 7 8 9\n", sn).is_error());  // > uint32
  REQUIRE(parse_softnet("ff 2 3 4 5 6 7 8 9\n", sn).is_ok());
  CHECK(sn.at(0).processed == 255);
  CHECK(parse_softnet("ff 2 3 4 5 6 7 8 9\n\n", sn).is_error());  // a blank line has 0 columns

  std::vector<std::pair<std::string, uint64_t>> arp;
  CHECK(parse_arp_entries("IP address HW type Flags HW address Mask Device\n1.2.3.4 0x1 0x2 aa\n", arp)
            .is_error());
  REQUIRE(parse_arp_entries("1.2.3.4 0x1 0x2 aa * b\n1.2.3.5 0x1 0x2 aa * a\n1.2.3.6 0x1 0x2 aa * b\n", arp)
              .is_ok());
  CHECK(arp == std::vector<std::pair<std::string, uint64_t>>{{"a", 1}, {"b", 2}});

  UdpQueues q;
  const std::string head = "sl local rem\n";
  const std::string ok =
      "  1: 0100007F:0035 00000000:0000 07 00000010:00000020 00:00000000 00000000 0 0 17 2\n";
  REQUIRE(parse_udp_queues(head + ok + ok, q).is_ok());
  CHECK(q.tx == 32);
  CHECK(q.rx == 64);
  CHECK(parse_udp_queues(head + "  1: 0100007F:0035 00000000:0000 07 00000010 00000020 00:0 0 0 17 2\n", q)
            .is_error());
  CHECK(parse_udp_queues(head + "  1: 0100007:0035 00000000:0000 07 00000010:00000020 00:0 0 0 17 2\n", q)
            .is_error());
  CHECK(parse_udp_queues(head + "  1 0100007F:0035 00000000:0000 07 00000010:00000020 00:0 0 0 17 2\n", q)
            .is_error());
  CHECK(parse_udp_queues(head + "  1: 0100007F:0035 00000000:0000 07 00000010:00000020 00:0 0 x 17 2\n", q)
            .is_error());
  CHECK(parse_udp_queues(head + "\n", q).is_error());

  t.write("proc/net/softnet_stat", "1 2 3\n");
  SoftnetCollector softnet(o.paths);
  auto s = scrape(softnet);
  CHECK(s.status.is_error());
  CHECK(s.status.message().find("softnet_stat") != std::string::npos);
}

TEST_CASE("schedstat reads cpu lines by regexp search, skipping overflowing ones") {
  std::vector<SchedstatCpu> cpus;
  parse_schedstat(
      "version 15\ncpu3 1 2 3 4 5 6 7 8 9\nxcpu12 1 2 3 4 5 6 70 80 90 100\ncpu4 1 2\n"
      "cpu5 1 2 3 4 5 6 99999999999999999999 8 9\n",
      cpus);
  REQUIRE(cpus.size() == 2);
  CHECK(cpus[0].cpu == "12");
  CHECK(cpus[0].running_ns == 70);
  CHECK(cpus[0].timeslices == 90);
  CHECK(cpus[1].cpu == "3");
  CHECK(cpus[1].waiting_ns == 8);
}

TEST_CASE("netclass options: ignored devices, invalid speed") {
  HostOptions o = fixture_options();
  o.netclass_ignored_devices = "^(lo|veth.*)$";
  o.netclass_ignore_invalid_speed = true;
  NetclassCollector c(o);
  auto s = scrape(c);
  REQUIRE(s.status.is_ok());
  CHECK_FALSE(s.mentions("device=\"lo\""));
  CHECK_FALSE(s.mentions("veth1a2b"));
  CHECK(s.has("node_network_speed_bytes{device=\"eth0\"} 1.25e+09"));
  CHECK_FALSE(s.mentions("node_network_speed_bytes{device=\"ens4\"}"));
  // The fixture's "carrier garbage" reads as 0, as procfs's value parser leaves it.
  CHECK(s.has("node_network_carrier{device=\"docker0\"} 0"));
  CHECK(s.has("node_network_flags{device=\"eth0\"} 4099"));
  o.netclass_ignored_devices = "(";
  NetclassCollector bad(o);
  CHECK(scrape(bad).status.is_error());
}

TEST_CASE("arp device include and exclude") {
  HostOptions o = fixture_options();
  o.arp_device_include = "^(eth|br-)";
  ArpCollector inc(o);
  auto s = scrape(inc);
  REQUIRE(s.status.is_ok());
  CHECK(s.has("node_arp_entries{device=\"eth0\"} 2"));
  CHECK(s.has("node_arp_entries{device=\"br-3f2a\"} 1"));
  CHECK_FALSE(s.mentions("docker0"));
  o.arp_device_include.clear();
  o.arp_device_exclude = "^docker";
  ArpCollector exc(o);
  s = scrape(exc);
  CHECK(s.has("node_arp_entries{device=\"eth0\"} 2"));
  CHECK_FALSE(s.mentions("docker0"));
}

TEST_CASE("netdev device-include, mutual exclusion and address-info") {
  HostOptions o = fixture_options();
  o.netdev_netlink = false;
  NetdevCollector all(o);
  auto everything = scrape(all);
  REQUIRE(everything.status.is_ok());
  o.netdev_device_include = "^lo$";
  NetdevCollector inc(o);
  auto s = scrape(inc);
  REQUIRE(s.status.is_ok());
  CHECK(s.mentions("device=\"lo\""));
  CHECK(s.text.find("device=\"", s.text.find("device=\"lo\"") + 1) != std::string::npos);
  for (size_t p = s.text.find("device=\""); p != std::string::npos; p = s.text.find("device=\"", p + 1))
    CHECK(s.text.compare(p, 12, "device=\"lo\"}") == 0);
  o.netdev_device_exclude = "^eth";
  NetdevCollector both(o);
  CHECK(scrape(both).status.is_error());

  // address-info lists this machine's addresses (loopback always has 127.0.0.1/8).
  o.netdev_device_exclude.clear();
  o.netdev_address_info = true;
  NetdevCollector info(o);
  s = scrape(info);
  REQUIRE(s.status.is_ok());
  CHECK(s.mentions("# TYPE node_network_address_info gauge"));
  CHECK(s.has(
      "node_network_address_info{address=\"127.0.0.1\",device=\"lo\",netmask=\"8\",scope=\"link-local\"} 1"));
}

TEST_CASE("address formatting and scope follow Go's net.IP") {
  auto v6 = [](std::initializer_list<int> b) {
    std::vector<unsigned char> v;
    for (int x : b) v.push_back(static_cast<unsigned char>(x));
    return v;
  };
  auto ip6 = v6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1});
  CHECK(go_ip_string(ip6.data(), 16) == "2001:db8::1:0:0:1");
  auto one_zero = v6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1});
  CHECK(go_ip_string(one_zero.data(), 16) == "2001:db8:0:1:1:1:1:1");
  auto loop6 = v6({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
  CHECK(go_ip_string(loop6.data(), 16) == "::1");
  CHECK(address_scope(loop6.data(), 16) == "link-local");
  auto compat = v6({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4});
  CHECK(go_ip_string(compat.data(), 16) == "::102:304");
  auto mapped = v6({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1});
  CHECK(go_ip_string(mapped.data(), 16) == "10.0.0.1");
  CHECK(address_scope(mapped.data(), 16) == "global");
  auto ll = v6({0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0xfc, 0, 0xff, 0xfe, 0, 0, 1});
  CHECK(go_ip_string(ll.data(), 16) == "fe80::fc:ff:fe00:1");
  CHECK(address_scope(ll.data(), 16) == "link-local");
  auto if_local = v6({0xff, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
  CHECK(address_scope(if_local.data(), 16) == "interface-local");
  auto mc = v6({0xff, 0x05, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
  CHECK(address_scope(mc.data(), 16) == "");
  unsigned char v4[4] = {192, 0, 2, 1};
  CHECK(address_scope(v4, 4) == "global");
  unsigned char bcast[4] = {255, 255, 255, 255};
  CHECK(address_scope(bcast, 4) == "");
  unsigned char apipa[4] = {169, 254, 1, 1};
  CHECK(address_scope(apipa, 4) == "link-local");
}

TEST_CASE("parse_go_int64 is strconv.ParseInt with base 0") {
  int64_t v = -1;
  CHECK((parse_go_int64("0x1003", v) && v == 4099));
  CHECK((parse_go_int64("-1", v) && v == -1));
  CHECK((parse_go_int64("010", v) && v == 8));
  CHECK((parse_go_int64("0", v) && v == 0));
  CHECK((parse_go_int64("0b101", v) && v == 5));
  CHECK((parse_go_int64("0o17", v) && v == 15));
  CHECK((parse_go_int64("1_000", v) && v == 1000));
  CHECK((parse_go_int64("-9223372036854775808", v) && v == INT64_MIN));
  CHECK_FALSE(parse_go_int64("9223372036854775808", v));
  CHECK_FALSE(parse_go_int64("1__0", v));
  CHECK_FALSE(parse_go_int64("_1", v));
  CHECK_FALSE(parse_go_int64("0x", v));
  CHECK_FALSE(parse_go_int64("08", v));
  CHECK_FALSE(parse_go_int64("", v));
  CHECK_FALSE(parse_go_int64("up", v));
  uint64_t u;
  CHECK((parse_hex_u64("ffffffff", u, 32) && u == 0xffffffffu));
  CHECK_FALSE(parse_hex_u64("100000000", u, 32));
  CHECK_FALSE(parse_hex_u64("0x1", u));
  CHECK_FALSE(parse_hex_u64("10000000000000000", u));
}

TEST_CASE("timex converts adjtimex's units as node_exporter does") {
  struct timex tx = {};
  tx.status = STA_NANO | STA_PLL;
  tx.offset = -1500000;  // ns with STA_NANO
  tx.freq = 65536 * 12;  // 12 ppm
  tx.maxerror = 250000;  // us
  tx.esterror = 1000;
  tx.tick = 10000;
  tx.jitter = 2000;
  tx.tai = 37;
  tx.jitcnt = 3;
  std::string out = encode_text([&](MetricSink& s) { TimexCollector::write(tx, TIME_OK, s); });
  CHECK(out.find("\nnode_timex_offset_seconds -0.0015\n") != std::string::npos);
  CHECK(out.find("\nnode_timex_frequency_adjustment_ratio 1.000012\n") != std::string::npos);
  CHECK(out.find("\nnode_timex_maxerror_seconds 0.25\n") != std::string::npos);
  CHECK(out.find("\nnode_timex_tick_seconds 0.01\n") != std::string::npos);
  CHECK(out.find("\nnode_timex_pps_jitter_seconds 2e-06\n") != std::string::npos);
  CHECK(out.find("\nnode_timex_tai_offset_seconds 37\n") != std::string::npos);
  CHECK(out.find("# TYPE node_timex_pps_jitter_total counter\nnode_timex_pps_jitter_total 3\n") !=
        std::string::npos);
  CHECK(out.find("\nnode_timex_sync_status 1\n") != std::string::npos);
  tx.status = 0;  // microseconds
  out = encode_text([&](MetricSink& s) { TimexCollector::write(tx, TIME_ERROR, s); });
  CHECK(out.find("\nnode_timex_offset_seconds -1.5\n") != std::string::npos);
  CHECK(out.find("\nnode_timex_sync_status 0\n") != std::string::npos);
  // The live call answers (or is denied in a sandbox: no data, not an error).
  TimexCollector live;
  auto s = scrape(live);
  CHECK((s.status.is_ok() || s.status.is_no_data()));
  if (s.status.is_ok()) CHECK(s.mentions("node_timex_status "));
}

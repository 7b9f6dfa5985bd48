// Pure parsers of the filesystem, diskstats, netdev, sockstat and netstat
// collectors, from literals.
#include <catch.hpp>

#include "exporters/host/diskstats_collector.h"
#include "exporters/host/filesystem_collector.h"
#include "exporters/host/netdev_collector.h"
#include "exporters/host/netstat_collector.h"
#include "exporters/host/regex_filter.h"
#include "exporters/host/sockstat_collector.h"

using namespace vigia;
using namespace vigia::host;

TEST_CASE("mount fields unescape the kernel's octal escapes only") {
  CHECK(unescape_mount_field("/mnt/a\\040b") == "/mnt/a b");
  CHECK(unescape_mount_field("\\011x\\012y\\134z") == "\tx\ny\\z");
  CHECK(unescape_mount_field("/a\\041b") == "/a\\041b");
  CHECK(unescape_mount_field("/end\\04") == "/end\\04");
  CHECK(unescape_mount_field("/end\\") == "/end\\");
  CHECK(unescape_mount_field("\\134040") == "\\040");
}

TEST_CASE("parse_mounts reads four fields and rejects short lines") {
  std::vector<MountEntry> m;
  REQUIRE(parse_mounts("/dev/sda1 /srv/my\\040disk ext4 ro,relatime 0 0\n\n"
                       "dev\\040x /b xfs rw\n",
                       m)
              .is_ok());
  REQUIRE(m.size() == 2);
  CHECK(m[0].device == "/dev/sda1");
  CHECK(m[0].mount_point == "/srv/my disk");
  CHECK(m[0].fs_type == "ext4");
  CHECK(m[0].options == "ro,relatime");
  CHECK(m[1].device == "dev x");

  Status st = parse_mounts("/dev/sda1 / ext4 rw 0 0\n/dev/sdb1 /cut ext4\n", m);
  CHECK(st.is_error());
  CHECK(st.message().find("/dev/sdb1 /cut ext4") != std::string::npos);
}

TEST_CASE("strip_rootfs_prefix follows node_exporter's rootfsStripPrefix") {
  CHECK(strip_rootfs_prefix("/", "/srv") == "/srv");
  CHECK(strip_rootfs_prefix("/host", "/host/srv") == "/srv");
  CHECK(strip_rootfs_prefix("/host", "/host") == "/");
  CHECK(strip_rootfs_prefix("/host", "/other") == "/other");
}

TEST_CASE("has_ro_option matches the whole option") {
  CHECK(has_ro_option("ro"));
  CHECK(has_ro_option("rw,noatime,ro"));
  CHECK_FALSE(has_ro_option("rw,errors=remount-ro"));
  CHECK_FALSE(has_ro_option("rox,rw"));
  CHECK_FALSE(has_ro_option(""));
}

TEST_CASE("parse_diskstats keeps 14..20 field lines and counts fields") {
  std::vector<DiskStats> d;
  REQUIRE(parse_diskstats("   8 0 sda 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 99 98\n"
                          " 253 0 dm-0 1 2 3 4 5 6 7 8 9 10 11\n"
                          "   8 32 sdc 1 2 3\n"
                          "   8 16 sdb 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
                          d)
              .is_ok());
  REQUIRE(d.size() == 3);
  CHECK(d[0].name == "sda");
  CHECK(d[0].count == 20);
  CHECK(d[0].values[16] == 17);
  CHECK(d[1].name == "dm-0");
  CHECK(d[1].major == 253);
  CHECK(d[1].count == 14);
  CHECK(d[2].count == 18);
  CHECK(d[2].values[0] == 18446744073709551615ull);

  CHECK(parse_diskstats("8 0 sda 1 2 x 4 5 6 7 8 9 10 11\n", d).is_error());
  CHECK(parse_diskstats("8 0 sda 1 2 3 4 5 6 7 8 9 10 18446744073709551616\n", d).is_error());
}

TEST_CASE("parse_udev_properties reads E: lines") {
  UdevInfo u;
  u.model = "stale";
  parse_udev_properties(
      "S:disk/by-id/x\nE:ID_MODEL=My Disk=2\nE:ID_SERIAL_SHORT=S1\n"
      "E:ID_ATA=1\nE:ID_ATA_ROTATION_RATE_RPM=7200\nE:DM_NAME=vg-lv\nE:BROKEN\n",
      u);
  CHECK(u.model == "My Disk=2");
  CHECK(u.serial_short == "S1");
  CHECK(u.ata == "1");
  CHECK(u.ata_present[2]);
  CHECK(u.ata_values[2] == "7200");
  CHECK_FALSE(u.ata_present[0]);
  CHECK(u.dm_name == "vg-lv");
  CHECK(u.wwn.empty());
}

TEST_CASE("parse_net_dev reads 16 counters per interface") {
  std::vector<NetDevLine> d;
  REQUIRE(parse_net_dev("Inter-| header\n face |bytes\n"
                        "  eth0: 18446744073709551615 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
                        "a:b: 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 42\n",
                        d)
              .is_ok());
  REQUIRE(d.size() == 2);
  CHECK(d[0].name == "eth0");
  CHECK(d[0].values[0] == 18446744073709551615ull);
  CHECK(d[0].values[15] == 16);
  CHECK(d[1].name == "a:b");  // the last colon separates the name
  CHECK(d[1].values[15] == 42);

  CHECK(parse_net_dev("h\nh\n eth0: 1 2 3\n", d).is_error());
  CHECK(parse_net_dev("h\nh\n eth0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n", d).is_error());
  CHECK(parse_net_dev("h\nh\n : 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n", d).is_error());
}

TEST_CASE("parse_sockstat reads protocols and optional fields") {
  Sockstat s;
  REQUIRE(parse_sockstat("sockets: used 229\nTCP: inuse 12 orphan 1 tw 33 alloc 40 mem 172\n"
                         "FRAG: memory 8\n",
                         s)
              .is_ok());
  REQUIRE(s.sockets_used);
  CHECK(*s.sockets_used == 229);
  REQUIRE(s.protocols.size() == 2);
  CHECK(s.protocols[0].protocol == "TCP");
  CHECK(*s.protocols[0].values[SockstatProtocol::kMem] == 172);
  CHECK(*s.protocols[0].values[SockstatProtocol::kTw] == 33);
  CHECK_FALSE(s.protocols[0].values[SockstatProtocol::kMemory]);
  // inuse is always there, 0 when the line lacks it (procfs).
  CHECK(*s.protocols[1].values[SockstatProtocol::kInuse] == 0);
  CHECK(*s.protocols[1].values[SockstatProtocol::kMemory] == 8);

  CHECK(parse_sockstat("TCP: inuse\n", s).is_error());
  CHECK(parse_sockstat("TCP: inuse 1 orphan\n", s).is_error());
  CHECK(parse_sockstat("TCP: inuse x\n", s).is_error());
}

TEST_CASE("parse_net_stats pairs header and value lines") {
  std::vector<NetStat> s;
  REQUIRE(parse_net_stats("Tcp: RtoMin MaxConn CurrEstab\nTcp: 200 -1 42\n"
                          "Udp: InErrors\nUdp: 3\n",
                          s)
              .is_ok());
  REQUIRE(s.size() == 4);
  CHECK(s[1].protocol == "Tcp");
  CHECK(s[1].field == "MaxConn");
  CHECK(s[1].value == "-1");
  CHECK(s[3].protocol == "Udp");
  CHECK(s[3].value == "3");

  // A protocol seen again replaces its earlier statistics.
  REQUIRE(parse_net_stats("Udp: NoPorts\nUdp: 9\n", s).is_ok());
  REQUIRE(s.size() == 4);
  CHECK(s[3].field == "NoPorts");

  std::vector<NetStat> bad;
  CHECK(parse_net_stats("Tcp: A B C\nTcp: 1 2\n", bad).is_error());
  CHECK(parse_net_stats("Tcp: A B C\nTcp: 1 2 3\nUdp: A\n", bad).is_error());
}

TEST_CASE("parse_snmp6 splits the protocol at the first 6") {
  std::vector<NetStat> s = {{"Udp6", "Old", "1"}, {"Tcp", "X", "2"}};
  parse_snmp6("Ip6InOctets   128\nUdpLite6InErrors 4\nUdp6InDatagrams\t77\nnosix 1\nshort\n", s);
  REQUIRE(s.size() == 4);
  CHECK(s[0].protocol == "Tcp");
  CHECK(s[1].protocol == "Ip6");
  CHECK(s[1].field == "InOctets");
  CHECK(s[2].protocol == "UdpLite6");
  CHECK(s[3].protocol == "Udp6");
  CHECK(s[3].field == "InDatagrams");
  CHECK(s[3].value == "77");
}

TEST_CASE("RegexFilter searches unanchored, caches, and reports bad patterns") {
  RegexFilter f("flag", "^(lo|veth.*)$");
  CHECK(f.status().is_ok());
  CHECK(f.matches("lo"));
  CHECK(f.matches("veth12"));
  CHECK_FALSE(f.matches("eth0"));
  CHECK(f.matches("lo"));  // cached
  RegexFilter part("flag", "tmp");
  CHECK(part.matches("/var/tmp/x"));
  RegexFilter none("flag", "");
  CHECK_FALSE(none.matches("anything"));
  RegexFilter bad("collector.x", "([");
  CHECK(bad.status().is_error());
  CHECK(bad.status().message().find("collector.x") != std::string::npos);
}

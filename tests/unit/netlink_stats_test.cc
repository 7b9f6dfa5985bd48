// rtnetlink link statistics: the dump parser on constructed messages, and the
// live reader against /proc/net/dev of the same network namespace.
#include <catch.hpp>

#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <cstring>

#include "core/fs.h"
#include "exporters/host/netlink_stats.h"

using namespace vigia;
using namespace vigia::host;

namespace {

// Appends one RTM_NEWLINK message with the given attributes.
void add_link(std::vector<uint8_t>& buf, const std::string& name, const void* stats, size_t stats_len) {
  std::vector<uint8_t> body(NLMSG_ALIGN(sizeof(ifinfomsg)), 0);
  auto add_attr = [&](uint16_t type, const void* data, size_t len) {
    rtattr ra{};
    ra.rta_len = static_cast<uint16_t>(RTA_LENGTH(len));
    ra.rta_type = type;
    size_t at = body.size();
    body.resize(at + RTA_ALIGN(ra.rta_len), 0);
    std::memcpy(body.data() + at, &ra, sizeof ra);
    std::memcpy(body.data() + at + RTA_LENGTH(0), data, len);
  };
  add_attr(IFLA_IFNAME, name.c_str(), name.size() + 1);
  if (stats) add_attr(IFLA_STATS64, stats, stats_len);
  nlmsghdr h{};
  h.nlmsg_len = static_cast<uint32_t>(NLMSG_HDRLEN + body.size());
  h.nlmsg_type = RTM_NEWLINK;
  size_t at = buf.size();
  buf.resize(at + NLMSG_ALIGN(h.nlmsg_len), 0);
  std::memcpy(buf.data() + at, &h, sizeof h);
  std::memcpy(buf.data() + at + NLMSG_HDRLEN, body.data(), body.size());
}

// NLMSG_DONE with its error code (0: the dump completed).
void add_done(std::vector<uint8_t>& buf, int code = 0) {
  nlmsghdr h{};
  h.nlmsg_len = NLMSG_HDRLEN + sizeof(int);
  h.nlmsg_type = NLMSG_DONE;
  size_t at = buf.size();
  buf.resize(at + NLMSG_ALIGN(h.nlmsg_len), 0);
  std::memcpy(buf.data() + at, &h, sizeof h);
  std::memcpy(buf.data() + at + NLMSG_HDRLEN, &code, sizeof code);
}

}  // namespace

TEST_CASE("parse_link_dump combines the counters as /proc/net/dev does") {
  rtnl_link_stats64 s{};
  s.rx_bytes = 18446744073709551615ull;  // 2^64-1 stays exact as a counter value
  s.rx_packets = 2;
  s.rx_errors = 3;
  s.rx_dropped = 4;
  s.rx_missed_errors = 5;
  s.rx_fifo_errors = 6;
  s.rx_length_errors = 1;
  s.rx_over_errors = 10;
  s.rx_crc_errors = 100;
  s.rx_frame_errors = 1000;
  s.rx_compressed = 7;
  s.multicast = 8;
  s.tx_bytes = 9;
  s.tx_packets = 11;
  s.tx_errors = 12;
  s.tx_dropped = 13;
  s.tx_fifo_errors = 14;
  s.collisions = 15;
  s.tx_carrier_errors = 1;
  s.tx_aborted_errors = 20;
  s.tx_heartbeat_errors = 300;
  s.tx_window_errors = 4000;
  s.tx_compressed = 16;
  s.rx_nohandler = 17;
  std::vector<uint8_t> buf;
  add_link(buf, "eth0", &s, sizeof s);
  add_link(buf, "nostats", nullptr, 0);
  // A kernel before 4.6 sends the attribute without rx_nohandler.
  add_link(buf, "old0", &s, offsetof(rtnl_link_stats64, rx_nohandler));
  add_done(buf);

  std::vector<NetDevLine> out;
  size_t n = 0;
  bool done = false;
  REQUIRE(parse_link_dump(buf.data(), buf.size(), out, n, done).is_ok());
  CHECK(done);
  REQUIRE(n == 2);
  const NetDevLine& d = out[0];
  CHECK(d.name == "eth0");
  uint64_t want[16] = {18446744073709551615ull, 2, 3, 4 + 5, 6, 1111, 7, 8, 9, 11, 12, 13, 14, 15, 4321, 16};
  for (int i = 0; i < 16; ++i) CHECK(d.values[i] == want[i]);
  CHECK(d.has_nohandler);
  CHECK(d.nohandler == 17);
  CHECK(out[1].name == "old0");
  CHECK_FALSE(out[1].has_nohandler);
}

TEST_CASE("parse_link_dump rejects truncated messages and reports netlink errors") {
  std::vector<uint8_t> buf;
  rtnl_link_stats64 s{};
  add_link(buf, "eth0", &s, sizeof s);
  std::vector<NetDevLine> out;
  size_t n = 0;
  bool done = false;
  CHECK(parse_link_dump(buf.data(), buf.size() - 8, out, n, done).is_error());

  std::vector<uint8_t> err(NLMSG_ALIGN(NLMSG_HDRLEN + sizeof(nlmsgerr)), 0);
  nlmsghdr h{};
  h.nlmsg_len = static_cast<uint32_t>(err.size());
  h.nlmsg_type = NLMSG_ERROR;
  int code = -EPERM;
  std::memcpy(err.data(), &h, sizeof h);
  std::memcpy(err.data() + NLMSG_HDRLEN, &code, sizeof code);
  n = 0;
  Status st = parse_link_dump(err.data(), err.size(), out, n, done);
  CHECK(st.is_error());
  CHECK(st.message().find("Operation not permitted") != std::string::npos);

  // A dump the kernel stopped part-way ends with NLMSG_DONE carrying the error.
  std::vector<uint8_t> cut;
  add_link(cut, "eth0", &s, sizeof s);
  add_done(cut, -EMSGSIZE);
  n = 0;
  done = false;
  st = parse_link_dump(cut.data(), cut.size(), out, n, done);
  CHECK(st.is_error());
  CHECK(st.message().find(std::strerror(EMSGSIZE)) != std::string::npos);
  CHECK(done);
}

TEST_CASE("the netlink reader lists the links /proc/net/dev lists") {
  // Links come and go under other tests (Docker's bridges and veth pairs, ctest -j): a
  // difference counts only if it is there in each of 5 tries.
  auto sorted_names = [](const std::vector<NetDevLine>& lines) {
    std::vector<std::string> n;
    for (const auto& l : lines) n.push_back(l.name);
    std::sort(n.begin(), n.end());
    return n;
  };
  LinkStatsReader reader;
  std::vector<std::string> a, b;
  size_t again_size = 0;
  for (int i = 0; i < 5; ++i) {
    std::vector<NetDevLine> links, file, again;
    REQUIRE(reader.read(links).is_ok());
    std::string text;
    REQUIRE(read_file("/proc/net/dev", text).is_ok());
    REQUIRE(parse_net_dev(text, file).is_ok());
    // The socket is reused: a second dump gives the same links.
    REQUIRE(reader.read(again).is_ok());
    a = sorted_names(links);
    b = sorted_names(file);
    again_size = again.size();
    if (a == b && again_size == a.size()) break;
  }
  CHECK_FALSE(a.empty());
  CHECK(a == b);
  CHECK(again_size == a.size());
}

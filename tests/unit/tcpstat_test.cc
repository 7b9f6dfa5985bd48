// The tcpstat collector: the sock_diag reply parser on bytes recorded from a
// kernel (tests/fixtures/host/netlink/record_tcp_diag.py), and the live
// collector on loopback sockets this test opens. node_exporter cannot be run on
// a fixture here (it asks the kernel over netlink), so its side by side check is
// live, in tests/integration/test_node_fidelity.py.
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <catch.hpp>
#include <cstring>
#include <string>
#include <vector>

#include "exporters/host/tcpstat_collector.h"
#include "tests/unit/host_a_test_util.h"

using namespace vigia;
using namespace vigia::host;

namespace {

std::vector<uint8_t> recorded() {
  std::string s = vigia::test::slurp(VIGIA_FIXTURES "/host/netlink/tcp_diag_v4.bin");
  REQUIRE(!s.empty());
  return std::vector<uint8_t>(s.begin(), s.end());
}

int state_index(std::string_view name) {
  for (int i = 0; i < TcpStats::kCount; ++i)
    if (tcp_state_name(i) == name) return i;
  FAIL("no state " << name);
  return -1;
}

}  // namespace

TEST_CASE("parse_tcp_diag_dump counts the recorded sockets by state") {
  std::vector<uint8_t> buf = recorded();
  TcpStats s;
  bool done = false;
  REQUIRE(parse_tcp_diag_dump(buf.data(), buf.size(), s, done).is_ok());
  CHECK(done);
  // The namespace held, per `ss -tan` at recording time: LISTEN (Send-Q 8, the
  // backlog), two ESTAB (one with Recv-Q 5), CLOSE-WAIT (Recv-Q 1), FIN-WAIT-2.
  auto seen = [&](std::string_view n) { return s.seen[state_index(n)]; };
  auto value = [&](std::string_view n) { return s.values[state_index(n)]; };
  CHECK(value("listen") == 1);
  CHECK(value("established") == 2);
  CHECK(value("close_wait") == 1);
  CHECK(value("fin_wait2") == 1);
  CHECK(value("rx_queued_bytes") == 6);
  CHECK(value("tx_queued_bytes") == 8);
  for (std::string_view absent :
       {"syn_sent", "syn_recv", "fin_wait1", "time_wait", "close", "last_ack", "closing", "unknown"})
    CHECK_FALSE(seen(absent));
}

TEST_CASE("parse_tcp_diag_dump rejects truncated replies and reports netlink errors") {
  std::vector<uint8_t> buf = recorded();
  TcpStats s;
  bool done = false;
  CHECK(parse_tcp_diag_dump(buf.data(), buf.size() - 30, s, done).is_error());

  // A message too short for an inet_diag_msg.
  std::vector<uint8_t> shortmsg(NLMSG_HDRLEN + 8, 0);
  nlmsghdr h{};
  h.nlmsg_len = static_cast<uint32_t>(shortmsg.size());
  h.nlmsg_type = 20;  // SOCK_DIAG_BY_FAMILY
  std::memcpy(shortmsg.data(), &h, sizeof h);
  CHECK(parse_tcp_diag_dump(shortmsg.data(), shortmsg.size(), s, done).is_error());

  std::vector<uint8_t> err(NLMSG_ALIGN(NLMSG_HDRLEN + sizeof(nlmsgerr)), 0);
  h.nlmsg_len = static_cast<uint32_t>(err.size());
  h.nlmsg_type = NLMSG_ERROR;
  int code = -EPERM;
  std::memcpy(err.data(), &h, sizeof h);
  std::memcpy(err.data() + NLMSG_HDRLEN, &code, sizeof code);
  Status st = parse_tcp_diag_dump(err.data(), err.size(), s, done);
  CHECK(st.is_error());
  CHECK(st.message().find("Operation not permitted") != std::string::npos);
}

TEST_CASE("the tcpstat collector sees loopback sockets this test opens") {
  int lst = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(lst >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t alen = sizeof a;
  REQUIRE(::bind(lst, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(::listen(lst, 4) == 0);
  REQUIRE(::getsockname(lst, reinterpret_cast<sockaddr*>(&a), &alen) == 0);
  int cli = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(::connect(cli, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  int srv = ::accept(lst, nullptr, nullptr);
  REQUIRE(srv >= 0);

  TcpstatCollector c(vigia::test::fixture_paths());
  vigia::test::Scrape out = vigia::test::scrape(c);
  REQUIRE(out.status.is_ok());
  CHECK(out.has("# HELP node_tcp_connection_states Number of connection states."));
  CHECK(out.has("# TYPE node_tcp_connection_states gauge"));
  auto value = [&](std::string_view state) {
    std::string key = "node_tcp_connection_states{state=\"" + std::string(state) + "\"} ";
    size_t at = out.text.find(key);
    return at == std::string::npos ? -1.0 : std::stod(out.text.substr(at + key.size()));
  };
  CHECK(value("listen") >= 1);
  CHECK(value("established") >= 2);
  CHECK(value("rx_queued_bytes") >= 0);
  CHECK(value("tx_queued_bytes") >= 0);
  // Series in label order, as node_exporter's registry writes them.
  std::vector<std::string> states;
  for (size_t at = 0; (at = out.text.find("{state=\"", at)) != std::string::npos;) {
    at += 8;
    states.push_back(out.text.substr(at, out.text.find('"', at) - at));
  }
  CHECK(states.size() >= 4);
  CHECK(std::is_sorted(states.begin(), states.end()));
  ::close(srv);
  ::close(cli);
  ::close(lst);
}

#include "exporters/host/netlink_stats.h"

#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace vigia::host {

namespace {

// The fields of rtnl_link_stats64 up to rx_nohandler; older kernels send a
// shorter attribute, which is zero-padded.
void fill_legacy(const rtnl_link_stats64& s, NetDevLine& d) {
  d.values[0] = s.rx_bytes;
  d.values[1] = s.rx_packets;
  d.values[2] = s.rx_errors;
  d.values[3] = s.rx_dropped + s.rx_missed_errors;
  d.values[4] = s.rx_fifo_errors;
  d.values[5] = s.rx_length_errors + s.rx_over_errors + s.rx_crc_errors + s.rx_frame_errors;
  d.values[6] = s.rx_compressed;
  d.values[7] = s.multicast;
  d.values[8] = s.tx_bytes;
  d.values[9] = s.tx_packets;
  d.values[10] = s.tx_errors;
  d.values[11] = s.tx_dropped;
  d.values[12] = s.tx_fifo_errors;
  d.values[13] = s.collisions;
  d.values[14] = s.tx_carrier_errors + s.tx_aborted_errors + s.tx_heartbeat_errors + s.tx_window_errors;
  d.values[15] = s.tx_compressed;
}

}  // namespace

Status parse_link_dump(const uint8_t* data, size_t len, std::vector<NetDevLine>& out, size_t& n, bool& done) {
  size_t off = 0;
  while (off + sizeof(nlmsghdr) <= len) {
    nlmsghdr h;
    std::memcpy(&h, data + off, sizeof h);
    if (h.nlmsg_len < sizeof(nlmsghdr) || off + h.nlmsg_len > len)
      return Status::error("netlink: truncated message");
    const uint8_t* body = data + off + NLMSG_HDRLEN;
    size_t body_len = h.nlmsg_len - NLMSG_HDRLEN;
    if (h.nlmsg_type == NLMSG_DONE) {
      done = true;
      return Status::ok();
    }
    if (h.nlmsg_type == NLMSG_ERROR) {
      int err = 0;
      if (body_len >= sizeof(int)) std::memcpy(&err, body, sizeof err);
      return Status::from_errno("netlink: RTM_GETLINK", err < 0 ? -err : EPROTO);
    }
    if (h.nlmsg_type == RTM_NEWLINK && body_len >= NLMSG_ALIGN(sizeof(ifinfomsg))) {
      size_t a = NLMSG_ALIGN(sizeof(ifinfomsg));
      std::string_view name;
      const uint8_t* stats = nullptr;
      size_t stats_len = 0;
      while (a + sizeof(rtattr) <= body_len) {
        rtattr ra;
        std::memcpy(&ra, body + a, sizeof ra);
        if (ra.rta_len < sizeof(rtattr) || a + ra.rta_len > body_len) break;
        const uint8_t* payload = body + a + RTA_LENGTH(0);
        size_t plen = ra.rta_len - RTA_LENGTH(0);
        if (ra.rta_type == IFLA_IFNAME) {
          name = std::string_view(reinterpret_cast<const char*>(payload),
                                  strnlen(reinterpret_cast<const char*>(payload), plen));
        } else if (ra.rta_type == IFLA_STATS64) {
          stats = payload;
          stats_len = plen;
        }
        a += RTA_ALIGN(ra.rta_len);
      }
      if (!name.empty() && stats) {
        rtnl_link_stats64 s{};
        std::memcpy(&s, stats, std::min(stats_len, sizeof s));
        if (out.size() <= n) out.emplace_back();
        NetDevLine& d = out[n++];
        d.name.assign(name);
        fill_legacy(s, d);
        d.has_nohandler = stats_len >= offsetof(rtnl_link_stats64, rx_nohandler) + sizeof(s.rx_nohandler);
        d.nohandler = s.rx_nohandler;
      }
    }
    off += NLMSG_ALIGN(h.nlmsg_len);
  }
  return Status::ok();
}

LinkStatsReader::~LinkStatsReader() {
  if (fd_ >= 0) ::close(fd_);
}

Status LinkStatsReader::open() {
  fd_ = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd_ < 0) return Status::from_errno("netlink: socket", errno);
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
    int err = errno;
    ::close(fd_);
    fd_ = -1;
    return Status::from_errno("netlink: bind", err);
  }
  return Status::ok();
}

Status LinkStatsReader::read(std::vector<NetDevLine>& out) {
  if (fd_ < 0) {
    if (Status st = open(); !st.is_ok()) return st;
  }
  struct {
    nlmsghdr h;
    ifinfomsg i;
  } req{};
  req.h.nlmsg_len = sizeof req;
  req.h.nlmsg_type = RTM_GETLINK;
  req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  req.h.nlmsg_seq = ++seq_;
  req.i.ifi_family = AF_UNSPEC;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  auto fail = [&](Status st) {
    ::close(fd_);
    fd_ = -1;
    return st;
  };
  if (::sendto(fd_, &req, sizeof req, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) < 0)
    return fail(Status::from_errno("netlink: send", errno));
  if (buf_.size() < 32768) buf_.resize(32768);
  size_t n = 0;
  bool done = false;
  while (!done) {
    ssize_t got = ::recv(fd_, buf_.data(), buf_.size(), 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      return fail(Status::from_errno("netlink: recv", errno));
    }
    if (got == 0) return fail(Status::error("netlink: socket closed"));
    Status st = parse_link_dump(buf_.data(), static_cast<size_t>(got), out, n, done);
    if (!st.is_ok()) return fail(st);
  }
  out.resize(n);
  return Status::ok();
}

}  // namespace vigia::host

#include "exporters/host/netlink_dump.h"

#include <linux/netlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace vigia::host {

Status walk_netlink_dump(const uint8_t* data, size_t len, std::string_view what, bool& done,
                         const NetlinkMessageFn& on_message) {
  size_t off = 0;
  while (off + sizeof(nlmsghdr) <= len) {
    nlmsghdr h;
    std::memcpy(&h, data + off, sizeof h);
    if (h.nlmsg_len < sizeof(nlmsghdr) || h.nlmsg_len > len - off)
      return Status::error("netlink: truncated message");
    const uint8_t* body = data + off + NLMSG_HDRLEN;
    size_t body_len = h.nlmsg_len - NLMSG_HDRLEN;
    if (h.nlmsg_type == NLMSG_DONE) {
      // A dump that failed part-way ends with its error here (netlink_dump_done).
      done = true;
      int err = 0;
      if (body_len >= sizeof(int)) std::memcpy(&err, body, sizeof err);
      if (err < 0) return Status::from_errno("netlink: " + std::string(what), err > -4096 ? -err : EPROTO);
      return Status::ok();
    }
    if (h.nlmsg_type == NLMSG_ERROR) {
      int err = 0;
      if (body_len >= sizeof(int)) std::memcpy(&err, body, sizeof err);
      return Status::from_errno("netlink: " + std::string(what), err < 0 && err > -4096 ? -err : EPROTO);
    }
    on_message(h.nlmsg_type, body, body_len);
    off += NLMSG_ALIGN(h.nlmsg_len);
  }
  return Status::ok();
}

NetlinkDumper::~NetlinkDumper() {
  if (fd_ >= 0) ::close(fd_);
}

Status NetlinkDumper::open() {
  fd_ = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol_);
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

Status NetlinkDumper::dump(uint16_t type, const void* payload, size_t payload_len, std::string_view what,
                           const NetlinkMessageFn& on_message) {
  if (fd_ < 0) {
    if (Status st = open(); !st.is_ok()) return st;
  }
  std::vector<uint8_t> req(NLMSG_LENGTH(payload_len), 0);
  nlmsghdr h{};
  h.nlmsg_len = static_cast<uint32_t>(req.size());
  h.nlmsg_type = type;
  h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  h.nlmsg_seq = ++seq_;
  std::memcpy(req.data(), &h, sizeof h);
  if (payload_len) std::memcpy(req.data() + NLMSG_HDRLEN, payload, payload_len);
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  auto fail = [&](Status st) {
    ::close(fd_);
    fd_ = -1;
    return st;
  };
  if (::sendto(fd_, req.data(), req.size(), 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) < 0)
    return fail(Status::from_errno("netlink: send", errno));
  if (buf_.size() < 32768) buf_.resize(32768);
  bool done = false;
  while (!done) {
    ssize_t got = ::recv(fd_, buf_.data(), buf_.size(), 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      return fail(Status::from_errno("netlink: recv", errno));
    }
    if (got == 0) return fail(Status::error("netlink: socket closed"));
    Status st = walk_netlink_dump(buf_.data(), static_cast<size_t>(got), what, done, on_message);
    if (!st.is_ok()) return fail(st);
  }
  return Status::ok();
}

}  // namespace vigia::host

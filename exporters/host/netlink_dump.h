// Netlink dump requests (NLM_F_DUMP) and the walk over their replies, shared by
// the rtnetlink link statistics (netdev) and the sock_diag TCP states
// (tcpstat).
#pragma once

#include <linux/netlink.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace vigia::host {

// Called with the type and body (after the nlmsghdr) of each reply message.
using NetlinkMessageFn = std::function<void(uint16_t type, const uint8_t* body, size_t len)>;

// Calls fn(type, payload, payload_len) for each attribute (nlattr, or
// rtnetlink's rtattr of the same layout) of [data, data+len); the type comes
// without the NLA_F_NESTED / NLA_F_NET_BYTEORDER bits. Returns false, having
// stopped, at a malformed attribute (a length under the header or past the
// end, a trailing fragment) or when fn returns false.
template <typename Fn>
bool for_each_netlink_attr(const uint8_t* data, size_t len, Fn&& fn) {
  size_t off = 0;
  while (off < len) {
    if (len - off < NLA_HDRLEN) return false;
    nlattr a;
    std::memcpy(&a, data + off, sizeof a);
    if (a.nla_len < NLA_HDRLEN || a.nla_len > len - off) return false;
    if (!fn(static_cast<uint16_t>(a.nla_type & NLA_TYPE_MASK), data + off + NLA_HDRLEN,
            static_cast<size_t>(a.nla_len - NLA_HDRLEN)))
      return false;
    off += std::min<size_t>(NLA_ALIGN(a.nla_len), len - off);
  }
  return true;
}

// Walks one buffer of netlink messages from a dump reply, calling on_message
// for each one other than NLMSG_DONE / NLMSG_ERROR. `done` becomes true at
// NLMSG_DONE (the rest of the buffer is ignored). An NLMSG_ERROR, or an
// NLMSG_DONE carrying a negative errno (a dump the kernel stopped part-way),
// is an error with its errno and `what`; a truncated message is an error.
Status walk_netlink_dump(const uint8_t* data, size_t len, std::string_view what, bool& done,
                         const NetlinkMessageFn& on_message);

// A netlink socket of one protocol (NETLINK_ROUTE, NETLINK_SOCK_DIAG, ...)
// kept open across dumps. Not thread-safe.
class NetlinkDumper {
 public:
  explicit NetlinkDumper(int protocol) : protocol_(protocol) {}
  ~NetlinkDumper();
  NetlinkDumper(const NetlinkDumper&) = delete;
  NetlinkDumper& operator=(const NetlinkDumper&) = delete;

  // Sends a request of `type` with NLM_F_REQUEST | NLM_F_DUMP and the given
  // payload, then feeds every reply message to on_message until NLMSG_DONE.
  // On error the socket is reopened next time.
  Status dump(uint16_t type, const void* payload, size_t payload_len, std::string_view what,
              const NetlinkMessageFn& on_message);

 private:
  Status open();
  int protocol_;
  int fd_ = -1;
  uint32_t seq_ = 0;
  std::vector<uint8_t> buf_;
};

}  // namespace vigia::host

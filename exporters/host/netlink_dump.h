// Netlink dump requests (NLM_F_DUMP) and the walk over their replies, shared by
// the rtnetlink link statistics (netdev) and the sock_diag TCP states
// (tcpstat).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace vigia::host {

// Called with the type and body (after the nlmsghdr) of each reply message.
using NetlinkMessageFn = std::function<void(uint16_t type, const uint8_t* body, size_t len)>;

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

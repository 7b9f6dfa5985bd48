// Interface statistics over rtnetlink (RTM_GETLINK dump, IFLA_STATS64), as
// node_exporter 1.5's netdev collector reads them by default.
#pragma once

#include <linux/netlink.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "exporters/host/netdev_collector.h"
#include "exporters/host/netlink_dump.h"

namespace vigia::host {

// Parses one buffer of netlink messages from an RTM_GETLINK dump, appending
// an entry per link that has a name and IFLA_STATS64 to out[n...] (reusing
// entries; n is advanced). The 16 legacy counters are combined as the kernel
// combines them for /proc/net/dev (drop = rx_dropped + rx_missed_errors, frame
// = length + over + crc + frame errors, carrier = carrier + aborted +
// heartbeat + window errors); nohandler is set when the kernel reports it.
// `done` becomes true at NLMSG_DONE. An NLMSG_ERROR or a truncated message is
// an error.
Status parse_link_dump(const uint8_t* data, size_t len, std::vector<NetDevLine>& out, size_t& n, bool& done);

// An rtnetlink socket kept open across scrapes. Not thread-safe.
class LinkStatsReader {
 public:
  // Dumps every link of this network namespace into out (replacing its
  // contents, keeping capacity). On error the socket is reopened next time.
  Status read(std::vector<NetDevLine>& out);

 private:
  NetlinkDumper dumper_{NETLINK_ROUTE};
};

}  // namespace vigia::host

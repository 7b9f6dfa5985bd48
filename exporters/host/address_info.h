#pragma once

#include <string>
#include <vector>

#include "core/status.h"

namespace vigia::host {

// One row of node_network_address_info.
struct AddressInfo {
  std::string address, device, netmask, scope;
  bool operator<(const AddressInfo& o) const;
};

// Go's net.IP String() of 4 or 16 bytes (RFC 5952; IPv4-mapped IPv6 as dotted).
std::string go_ip_string(const unsigned char* ip, int len);
// node_exporter's scope(): "link-local", "interface-local", "global" or "".
std::string address_scope(const unsigned char* ip, int len);

// Every interface address (IPv4 and IPv6) with its device, prefix length and
// scope, as node_exporter 1.5's --collector.netdev.address-info lists them
// (Go's net.Interfaces and Addrs), sorted.
Status list_address_info(std::vector<AddressInfo>& out);

}  // namespace vigia::host

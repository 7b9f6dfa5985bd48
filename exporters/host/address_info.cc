#include "exporters/host/address_info.h"

#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <tuple>

namespace vigia::host {

bool AddressInfo::operator<(const AddressInfo& o) const {
  return std::tie(address, device, netmask, scope) < std::tie(o.address, o.device, o.netmask, o.scope);
}

namespace {

bool v4_mapped(const unsigned char* ip) {
  for (int i = 0; i < 10; ++i)
    if (ip[i] != 0) return false;
  return ip[10] == 0xff && ip[11] == 0xff;
}

int prefix_len(const unsigned char* mask, int len) {
  int bits = 0;
  for (int i = 0; i < len; ++i) bits += __builtin_popcount(mask[i]);
  return bits;
}

}  // namespace

std::string go_ip_string(const unsigned char* ip, int len) {
  char buf[64];
  if (len == 16 && v4_mapped(ip)) return go_ip_string(ip + 12, 4);
  if (len == 4) {
    std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
    return buf;
  }
  // The longest run of two or more zero groups (the first of equal runs) becomes "::".
  int best = -1, best_len = 0;
  for (int i = 0; i < 16; i += 2) {
    int j = i;
    while (j < 16 && ip[j] == 0 && ip[j + 1] == 0) j += 2;
    if (j - i > best_len && j - i >= 4) {
      best = i;
      best_len = j - i;
    }
    if (j > i) i = j - 2;
  }
  std::string out;
  for (int i = 0; i < 16; i += 2) {
    if (i == best) {
      out += "::";
      i += best_len - 2;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    std::snprintf(buf, sizeof buf, "%x", (ip[i] << 8) | ip[i + 1]);
    out += buf;
  }
  return out;
}

std::string address_scope(const unsigned char* ip, int len) {
  if (len == 16 && v4_mapped(ip)) return address_scope(ip + 12, 4);
  if (len == 4) {
    if (ip[0] == 127) return "link-local";                              // loopback
    if (ip[0] == 169 && ip[1] == 254) return "link-local";              // link-local unicast
    if (ip[0] == 224 && ip[1] == 0 && ip[2] == 0) return "link-local";  // link-local multicast
    bool zero = !ip[0] && !ip[1] && !ip[2] && !ip[3];                   // unspecified
    bool bcast = ip[0] == 255 && ip[1] == 255 && ip[2] == 255 && ip[3] == 255;
    bool multicast = (ip[0] & 0xf0) == 0xe0;
    return zero || bcast || multicast ? "" : "global";
  }
  bool zero = true;
  for (int i = 0; i < 15; ++i) zero = zero && ip[i] == 0;
  if (zero && ip[15] == 1) return "link-local";                           // ::1
  if (ip[0] == 0xfe && (ip[1] & 0xc0) == 0x80) return "link-local";       // fe80::/10
  if (ip[0] == 0xff && (ip[1] & 0x0f) == 0x02) return "link-local";       // ff02::/16
  if (ip[0] == 0xff && (ip[1] & 0x0f) == 0x01) return "interface-local";  // ff01::/16
  if (zero && ip[15] == 0) return "";                                     // ::
  return ip[0] == 0xff ? "" : "global";
}

Status list_address_info(std::vector<AddressInfo>& out) {
  out.clear();
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0)
    return Status::error(std::string("could not get network interfaces: ") + std::strerror(errno));
  for (ifaddrs* a = list; a; a = a->ifa_next) {
    if (!a->ifa_addr || !a->ifa_netmask || !a->ifa_name) continue;
    const unsigned char *ip, *mask;
    int len;
    if (a->ifa_addr->sa_family == AF_INET) {
      ip = reinterpret_cast<const unsigned char*>(&reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr);
      mask =
          reinterpret_cast<const unsigned char*>(&reinterpret_cast<sockaddr_in*>(a->ifa_netmask)->sin_addr);
      len = 4;
    } else if (a->ifa_addr->sa_family == AF_INET6) {
      ip = reinterpret_cast<const unsigned char*>(&reinterpret_cast<sockaddr_in6*>(a->ifa_addr)->sin6_addr);
      mask =
          reinterpret_cast<const unsigned char*>(&reinterpret_cast<sockaddr_in6*>(a->ifa_netmask)->sin6_addr);
      len = 16;
    } else {
      continue;
    }
    // IPv4 rows carry the address's label ("eth0:1"); Go names the device.
    std::string device = a->ifa_name;
    device = device.substr(0, device.find(':'));
    out.push_back(
        {go_ip_string(ip, len), device, std::to_string(prefix_len(mask, len)), address_scope(ip, len)});
  }
  ::freeifaddrs(list);
  std::sort(out.begin(), out.end());
  return Status::ok();
}

}  // namespace vigia::host

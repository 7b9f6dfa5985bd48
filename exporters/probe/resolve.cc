#include <arpa/inet.h>
#include <netdb.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "exporters/probe/prober.h"

namespace vigia::probe {
namespace {

// getaddrinfo cannot be interrupted: it runs on a thread of its own, which the
// probe abandons at its deadline (the thread ends when the resolver gives up).
struct Lookup {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  int rc = 0;
  std::vector<Resolved> addrs;
};

void lookup(std::shared_ptr<Lookup> l, std::string host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int rc = getaddrinfo(host.c_str(), nullptr, &hints, &res);
  std::vector<Resolved> addrs;
  for (addrinfo* a = res; rc == 0 && a; a = a->ai_next) {
    if (a->ai_family != AF_INET && a->ai_family != AF_INET6) continue;
    Resolved r;
    std::memcpy(&r.addr, a->ai_addr, a->ai_addrlen);
    r.len = a->ai_addrlen;
    r.v6 = a->ai_family == AF_INET6;
    char buf[INET6_ADDRSTRLEN] = {0};
    const void* src = r.v6 ? static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr)
                           : static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr);
    inet_ntop(a->ai_family, src, buf, sizeof buf);
    r.ip = buf;
    addrs.push_back(std::move(r));
  }
  if (res) freeaddrinfo(res);
  std::lock_guard<std::mutex> lock(l->mu);
  l->rc = rc;
  l->addrs = std::move(addrs);
  l->done = true;
  l->cv.notify_all();
}

// Go's fnv-32a over the 4 or 16 bytes of the address.
double ip_hash(const Resolved& r) {
  const unsigned char* p;
  size_t n;
  if (r.v6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&r.addr);
    p = a->sin6_addr.s6_addr;
    n = 16;
    static const unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(p, kMapped, 12) == 0) p += 12, n = 4;  // To4() of a mapped address
  } else {
    p = reinterpret_cast<const unsigned char*>(&reinterpret_cast<const sockaddr_in*>(&r.addr)->sin_addr);
    n = 4;
  }
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 16777619u;
  }
  return h;
}

}  // namespace

double seconds_left(Clock::time_point deadline) {
  double s = std::chrono::duration<double>(deadline - Clock::now()).count();
  return s > 0 ? s : 0;
}

bool resolve(const std::string& host, const std::string& ip_protocol, bool fallback,
             Clock::time_point deadline, MetricSink& sink, Resolved& out, double& lookup_seconds,
             std::string& reason) {
  auto begun = Clock::now();
  double protocol = 0, hash = 0;
  bool ok = false;
  auto l = std::make_shared<Lookup>();
  {
    // An address needs no resolver: no thread for it.
    in6_addr a6;
    in_addr a4;
    if (inet_pton(AF_INET, host.c_str(), &a4) == 1 || inet_pton(AF_INET6, host.c_str(), &a6) == 1)
      lookup(l, host);
    else
      std::thread(lookup, l, host).detach();
    std::unique_lock<std::mutex> lock(l->mu);
    while (!l->done && Clock::now() < deadline && !cancelled())
      l->cv.wait_until(lock, std::min(deadline, Clock::now() + std::chrono::milliseconds(100)));
    if (!l->done) {
      reason = "lookup " + host + ": i/o timeout";
    } else if (l->rc != 0) {
      reason = "lookup " + host + ": " + gai_strerror(l->rc);
    } else {
      bool want6 = ip_protocol != "ip4";
      const Resolved* pick = nullptr;
      const Resolved* other = nullptr;
      for (const Resolved& r : l->addrs) {
        if (r.v6 == want6 && !pick) pick = &r;
        if (r.v6 != want6) other = &r;
      }
      if (!pick && fallback && other) pick = other;
      if (!pick) {
        reason = fallback ? "unable to find ip; no fallback"
                          : "lookup " + host + ": no " + ip_protocol + " address";
      } else {
        out = *pick;
        protocol = pick->v6 ? 6 : 4;
        hash = ip_hash(*pick);
        ok = true;
      }
    }
  }
  lookup_seconds = std::chrono::duration<double>(Clock::now() - begun).count();
  sink.gauge("probe_ip_protocol", "Specifies whether probe ip protocol is IP4 or IP6", protocol);
  sink.gauge("probe_ip_addr_hash",
             "Specifies the hash of IP address. It's useful to detect if the IP address changes.", hash);
  sink.gauge("probe_dns_lookup_time_seconds", "Returns the time taken for probe dns lookup in seconds",
             lookup_seconds);
  return ok;
}

bool bind_source(int fd, bool v6, const std::string& ip, std::string& err) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (v6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    if (inet_pton(AF_INET6, ip.c_str(), &a->sin6_addr) == 1) len = sizeof *a;
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    if (inet_pton(AF_INET, ip.c_str(), &a->sin_addr) == 1) len = sizeof *a;
  }
  if (len == 0) {
    err = "error parsing source ip address: " + ip;
    return false;
  }
  if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    err = "bind " + ip + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

}  // namespace vigia::probe

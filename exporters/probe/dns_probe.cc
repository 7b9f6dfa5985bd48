// The dns prober: one query over UDP or TCP to the target server, the answer
// checked as blackbox_exporter does (rcode, the sections' records against
// validate_*_rrs). Every wait is in poll(2) under the probe's deadline.
#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <re2/re2.h>

#include <cerrno>
#include <cstring>
#include <random>

#include "exporters/probe/dns_message.h"
#include "exporters/probe/prober.h"

namespace vigia::probe {
namespace {

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

bool wait_fd(int fd, short events, Clock::time_point deadline, std::string& err) {
  while (true) {
    if (cancelled()) return err = "probe cancelled", false;
    double left = seconds_left(deadline);
    if (left <= 0) return err = "i/o timeout", false;
    pollfd p{fd, events, 0};
    int n = poll(&p, 1, static_cast<int>(std::min(left * 1000 + 1, 100.0)));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return err = std::string("poll: ") + std::strerror(errno), false;
  }
}

bool valid_rrs(const std::vector<std::string>& rrs, const RRValidator& v, std::string& reason) {
  if (rrs.empty() && !v.fail_if_not_matches.empty())
    return reason = "fail_if_not_matches_regexp specified but no RRs returned", false;
  if (rrs.empty() && !v.fail_if_none_matches.empty())
    return reason = "fail_if_none_matches_regexp specified but no RRs returned", false;
  bool any = false, all = true;
  for (const std::string& rr : rrs) {
    for (const Regex& re : v.fail_if_matches)
      if (RE2::PartialMatch(rr, RE2(re.text)))
        return reason = "At least one RR matched regexp " + re.text, false;
    for (const Regex& re : v.fail_if_all_match)
      if (!RE2::PartialMatch(rr, RE2(re.text))) all = false;
    for (const Regex& re : v.fail_if_not_matches)
      if (!RE2::PartialMatch(rr, RE2(re.text)))
        return reason = "At least one RR did not match regexp " + re.text, false;
    for (const Regex& re : v.fail_if_none_matches)
      if (RE2::PartialMatch(rr, RE2(re.text))) any = true;
  }
  if (!v.fail_if_all_match.empty() && !all) return reason = "Not all RRs matched regexp", false;
  if (!v.fail_if_none_matches.empty() && !any)
    return reason = "None of the RRs did matched any regexp", false;
  return true;
}

}  // namespace

bool probe_dns(std::string_view target, const DnsModule& m, Clock::time_point deadline, MetricSink& sink,
               std::string& reason) {
  double resolve_s = 0, connect_s = 0, request_s = 0;
  bool answered = false, ok = false;
  DnsResponse resp;
  auto finish = [&]() {
    sink.family("probe_dns_duration_seconds", "Duration of DNS request by phase", MetricType::kGauge);
    sink.sample("probe_dns_duration_seconds", {{"phase", "connect"}}, connect_s);
    sink.sample("probe_dns_duration_seconds", {{"phase", "request"}}, request_s);
    sink.sample("probe_dns_duration_seconds", {{"phase", "resolve"}}, resolve_s);
    sink.gauge("probe_dns_answer_rrs", "Returns number of entries in the answer resource record list",
               static_cast<double>(resp.answer.size()));
    sink.gauge("probe_dns_authority_rrs", "Returns number of entries in the authority resource record list",
               static_cast<double>(resp.authority.size()));
    sink.gauge("probe_dns_additional_rrs", "Returns number of entries in the additional resource record list",
               static_cast<double>(resp.additional.size()));
    sink.gauge("probe_dns_query_succeeded", "Displays whether or not the query was executed successfully",
               answered ? 1 : 0);
    if (answered && m.query_type == 6)
      sink.gauge("probe_dns_serial", "Returns the serial number of the zone",
                 resp.has_soa_serial ? resp.soa_serial : 0);
    return ok;
  };
  // host:port, or a host with port 53.
  std::string host(target), port = "53";
  if (!target.empty() && target.front() == '[') {
    size_t close = target.find(']');
    if (close != std::string_view::npos) {
      host = target.substr(1, close - 1);
      if (close + 2 < target.size() && target[close + 1] == ':') port = target.substr(close + 2);
    }
  } else if (size_t colon = target.rfind(':'); colon != std::string_view::npos && target.find(':') == colon) {
    host = target.substr(0, colon);
    port = target.substr(colon + 1);
  }
  int portn = std::atoi(port.c_str());
  if (portn <= 0 || portn > 65535) {
    reason = "invalid port " + port;
    return finish();
  }
  Resolved addr;
  if (!resolve(host, m.ip_protocol, m.ip_protocol_fallback, deadline, sink, addr, resolve_s, reason))
    return finish();
  if (addr.v6)
    reinterpret_cast<sockaddr_in6*>(&addr.addr)->sin6_port = htons(static_cast<uint16_t>(portn));
  else
    reinterpret_cast<sockaddr_in*>(&addr.addr)->sin_port = htons(static_cast<uint16_t>(portn));

  bool tcp = m.transport == "tcp";
  static thread_local std::mt19937 rng{std::random_device{}()};
  uint16_t id = static_cast<uint16_t>(rng());
  std::string query = dns_query(id, m.query_name, m.query_type, m.query_class, m.recursion_desired);
  auto begun = Clock::now();
  Fd s;
  s.fd = socket(addr.v6 ? AF_INET6 : AF_INET, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC,
                0);
  if (s.fd < 0) {
    reason = std::string("socket: ") + std::strerror(errno);
    return finish();
  }
  if (!m.source_ip_address.empty() && !bind_source(s.fd, addr.v6, m.source_ip_address, reason))
    return finish();
  auto fail = [&](const std::string& what) {
    // blackbox_exporter: the time until the error counts as connect time.
    connect_s = std::chrono::duration<double>(Clock::now() - begun).count();
    reason = "Error while sending a DNS query: " + what;
    return finish();
  };
  if (connect(s.fd, reinterpret_cast<const sockaddr*>(&addr.addr), addr.len) != 0) {
    if (errno != EINPROGRESS) return fail(std::strerror(errno));
    std::string err;
    if (!wait_fd(s.fd, POLLOUT, deadline, err)) return fail(err);
    int so = 0;
    socklen_t sl = sizeof so;
    getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &so, &sl);
    if (so) return fail(std::strerror(so));
  }
  auto sent_at = Clock::now();
  std::string wire =
      tcp ? std::string{static_cast<char>(query.size() >> 8), static_cast<char>(query.size() & 0xff)} + query
          : query;
  for (size_t off = 0; off < wire.size();) {
    ssize_t n = send(s.fd, wire.data() + off, wire.size() - off, MSG_NOSIGNAL);
    if (n >= 0) {
      off += static_cast<size_t>(n);
      continue;
    }
    std::string err;
    if (errno != EAGAIN || !wait_fd(s.fd, POLLOUT, deadline, err))
      return fail(err.empty() ? std::strerror(errno) : err);
  }
  std::string answer;
  char buf[65536];
  while (true) {
    std::string err;
    if (!wait_fd(s.fd, POLLIN, deadline, err)) return fail(err);
    ssize_t n = recv(s.fd, buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      return fail(std::strerror(errno));
    }
    if (!tcp) {
      if (n < 2 || static_cast<uint8_t>(buf[0]) != (id >> 8) || static_cast<uint8_t>(buf[1]) != (id & 0xff))
        continue;
      answer.assign(buf, static_cast<size_t>(n));
      break;
    }
    if (n == 0) return fail("EOF");
    answer.append(buf, static_cast<size_t>(n));
    if (answer.size() >= 2) {
      size_t want =
          static_cast<size_t>(static_cast<uint8_t>(answer[0])) << 8 | static_cast<uint8_t>(answer[1]);
      if (answer.size() >= want + 2) {
        answer = answer.substr(2, want);
        break;
      }
    }
  }
  request_s = std::chrono::duration<double>(Clock::now() - sent_at).count();
  connect_s = std::chrono::duration<double>(sent_at - begun).count();
  std::string err;
  if (!parse_dns_response(answer, resp, err) || resp.id != id) {
    resp = DnsResponse{};
    reason = "Error while sending a DNS query: " + (err.empty() ? std::string("id mismatch") : err);
    return finish();
  }
  answered = true;
  std::vector<int> valid = m.valid_rcodes.empty() ? std::vector<int>{0} : m.valid_rcodes;
  if (std::find(valid.begin(), valid.end(), resp.rcode) == valid.end()) {
    reason = "Rcode " + std::to_string(resp.rcode) + " is not one of the valid rcodes";
    return finish();
  }
  ok = valid_rrs(resp.answer, m.answer, reason) && valid_rrs(resp.authority, m.authority, reason) &&
       valid_rrs(resp.additional, m.additional, reason);
  return finish();
}

}  // namespace vigia::probe

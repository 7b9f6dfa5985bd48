// The probers: one probe of a target with a module, as blackbox_exporter 0.23
// runs it, writing the same families (names, help, labels, values).
//
//   run_probe     probe_success and probe_duration_seconds around the prober's
//                 own series (http_probe.cc, tcp_probe.cc, icmp_probe.cc,
//                 dns_probe.cc)
//   resolve       blackbox_exporter's choice of address (preferred_ip_protocol,
//                 fallback), under the probe's deadline: probe_ip_protocol,
//                 probe_ip_addr_hash, probe_dns_lookup_time_seconds
//   TlsState      what a TLS connection's certificates say (tls_info.cc)
//
// Every prober is bounded by its deadline (sockets, TLS, name resolution) and
// reads no more of a response than it needs; a failure is probe_success 0 with
// the reason returned for the debug log, never an exception.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <string>
#include <string_view>

#include "core/collector.h"
#include "core/metric.h"
#include "exporters/probe/config/config.h"

typedef struct ssl_st SSL;
struct stack_st_X509;  // STACK_OF(X509)

namespace vigia::probe {

// A response body larger than this fails the probe when the module sets no
// body_size_limit (blackbox_exporter reads any size until the timeout).
constexpr int64_t kDefaultBodyCap = 10 << 20;
// The timeout of a module without one, when the caller has no deadline.
constexpr double kDefaultTimeout = 10;

// Probes `target` with module m until `deadline` (further bounded by the
// module's timeout). Writes every series of the probe into sink; `reason`
// gets why it failed (empty on success). Returns probe_success.
bool run_probe(std::string_view target, const Module& m, Clock::time_point deadline, MetricSink& sink,
               std::string& reason);

// The probers, called by run_probe with the probe's deadline.
bool probe_http(std::string_view target, const HttpModule& m, Clock::time_point deadline, MetricSink& sink,
                std::string& reason);
bool probe_tcp(std::string_view target, const TcpModule& m, Clock::time_point deadline, MetricSink& sink,
               std::string& reason);
bool probe_dns(std::string_view target, const DnsModule& m, Clock::time_point deadline, MetricSink& sink,
               std::string& reason);
bool probe_icmp(std::string_view target, const IcmpModule& m, Clock::time_point deadline, MetricSink& sink,
                std::string& reason);

struct Resolved {
  sockaddr_storage addr{};
  socklen_t len = 0;
  std::string ip;  // numeric, without brackets
  bool v6 = false;
};

// Resolves host as blackbox_exporter's chooseProtocol does: an address of
// `ip_protocol` ("ip4"/"ip6") if there is one, else (with fallback) any.
// Writes probe_ip_protocol, probe_ip_addr_hash and
// probe_dns_lookup_time_seconds; `lookup_seconds` gets the lookup's time.
bool resolve(const std::string& host, const std::string& ip_protocol, bool fallback,
             Clock::time_point deadline, MetricSink& sink, Resolved& out, double& lookup_seconds,
             std::string& reason);

// Binds fd to the numeric source address `ip` (source_ip_address) of the
// family of the target; false with `err` set when it does not parse or bind.
bool bind_source(int fd, bool v6, const std::string& ip, std::string& err);

// What blackbox_exporter reports of a TLS connection.
struct TlsState {
  int version = 0;                                      // TLS1_2_VERSION…
  double earliest_expiry = 0;                           // over the certificates the server sent
  double last_chain_expiry = 0;                         // over the verified chains (Go's zero time without)
  std::string fingerprint, subject, issuer, dns_names;  // the leaf's
};
// Reads the connection's state; `verified` is false when the peer was not
// verified (insecure_skip_verify): Go then has no verified chains.
void read_tls_state(SSL* ssl, bool verified, TlsState& out);
// The part of read_tls_state that reads certificates (the peer's list, leaf
// first, and the verified chain or null); `version` is left as it is.
void read_cert_state(stack_st_X509* peer, stack_st_X509* verified_chain, TlsState& out);
// probe_ssl_earliest_cert_expiry, probe_ssl_last_chain_expiry_timestamp_seconds,
// probe_ssl_last_chain_info, probe_tls_version_info.
void write_tls_metrics(const TlsState& s, MetricSink& sink);

// Go's time.Time{}.Unix(): what blackbox_exporter reports for "no time".
constexpr double kGoZeroTime = -62135596800.0;

// Cancellation of the probes run by the calling thread (the scheduler's, at
// shutdown): probers check it while they wait, and give up at once.
void set_thread_cancel(const std::atomic<bool>* flag);
bool cancelled();

// Seconds left until deadline (0 when past).
double seconds_left(Clock::time_point deadline);

}  // namespace vigia::probe

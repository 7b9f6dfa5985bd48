// The probe area's configuration: blackbox_exporter 0.23's modules (the
// `modules:` of a blackbox.yml, inline under `probe_modules:` or read from a
// file with `probe_modules: {file: blackbox.yml}`) and the configured probes
// (`probes:`), which vigia runs on their own schedule.
//
//   probe_modules:
//     http_2xx: {prober: http, timeout: 10s, http: {valid_status_codes: [200]}}
//   probes:
//     - {name: site, target: https://example.org/api/health, module: http_2xx,
//        interval: 30s, retries: 3}
//
// Read in the binary (so `vigia check config` needs no module), used by the
// module's probers. Keys that blackbox_exporter knows and vigia does not
// implement (grpc, proxy_url, oauth2…) are refused by name, never ignored.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "core/http_client.h"
#include "core/yaml_reader.h"

namespace vigia::probe {

// prometheus/common's tls_config (read by core/tls_options.h): file paths
// relative to the file they were read from; server_name, the SNI and the name
// checked, defaults to the target's host.
struct TlsConfig : TlsClientOptions {
  int min_version = 0;  // 0 (TLS 1.2, Go's client default) or 0x0301..0x0304
};

// One regular expression as written (Go RE2 syntax, checked when read).
struct Regex {
  std::string text;
};

struct HeaderMatch {
  std::string header;
  Regex regexp;
  bool allow_missing = false;
};

// The address options of every prober (read_ip_options); the http prober
// has no source_ip_address (blackbox_exporter's neither): it stays empty.
struct IpOptions {
  std::string ip_protocol = "ip6";  // preferred_ip_protocol
  bool ip_protocol_fallback = true;
  std::string source_ip_address;
};

struct HttpModule : IpOptions {
  std::vector<int> valid_status_codes;           // empty: 2xx
  std::vector<std::string> valid_http_versions;  // "HTTP/1.1", "HTTP/2.0"
  bool follow_redirects = true;                  // no_follow_redirects / follow_redirects
  bool fail_if_ssl = false, fail_if_not_ssl = false;
  std::string method = "GET";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::vector<Regex> fail_if_body_matches, fail_if_body_not_matches;
  std::vector<HeaderMatch> fail_if_header_matches, fail_if_header_not_matches;
  TlsConfig tls;
  std::string basic_user, basic_password, basic_password_file;
  std::string bearer_token, bearer_token_file;
  int64_t body_size_limit = 0;  // bytes; 0: vigia's default cap (kDefaultBodyCap)
};

struct QueryResponse {
  Regex expect;  // empty: none
  std::string send;
  bool starttls = false;
};

struct TcpModule : IpOptions {
  std::vector<QueryResponse> query_response;
  bool tls = false;
  TlsConfig tls_config;
};

struct IcmpModule : IpOptions {
  int payload_size = 0;  // 0: the bytes of blackbox_exporter's text
  bool dont_fragment = false;
  int ttl = 64;
};

struct RRValidator {
  std::vector<Regex> fail_if_matches, fail_if_all_match, fail_if_not_matches, fail_if_none_matches;
};

struct DnsModule : IpOptions {
  std::string transport = "udp";  // udp or tcp
  std::string query_name;
  uint16_t query_type = 255;  // ANY, blackbox_exporter's default
  uint16_t query_class = 1;   // IN
  bool recursion_desired = true;
  std::vector<int> valid_rcodes;  // empty: NOERROR
  RRValidator answer, authority, additional;
};

struct Module {
  std::string prober;  // "http", "tcp", "icmp", "dns"
  double timeout = 0;  // seconds; 0: the caller's (scrape timeout, or 10 s)
  HttpModule http;
  TcpModule tcp;
  IcmpModule icmp;
  DnsModule dns;
};

using ModuleMap = std::map<std::string, Module, std::less<>>;

struct ProbeConfig {
  std::string name;
  std::string target;  // a URL (http) or host:port (tcp)
  std::string module;
  double interval = 30;  // seconds
  int retries = 3;       // consecutive failures that make the probe down
};

// What the area hands to its module.
struct AreaConfig {
  ModuleMap modules;
  std::vector<ProbeConfig> probes;
  bool empty() const { return modules.empty() && probes.empty(); }
};

// A blackbox.yml `modules:` mapping (a null node: none). Throws ConfigError
// naming file:line:column.
ModuleMap read_modules(const YamlReader& r, const YAML::Node& modules);

// The `probe_modules:` section: the modules inline, or {file: PATH} (relative
// to the configuration file's directory), a blackbox.yml whose `modules:` are
// read (its other keys are refused).
ModuleMap read_probe_modules(const YamlReader& r, const YAML::Node& section);

// The `probes:` list; every module named must be in `modules`.
std::vector<ProbeConfig> read_probes(const YamlReader& r, const YAML::Node& section,
                                     const ModuleMap& modules);

// Reads a blackbox.yml text (for the fuzz target and tests): ok, or the
// ConfigError's message.
bool parse_blackbox_yaml(const std::string& text, const std::string& name, ModuleMap& out,
                         std::string& error);

}  // namespace vigia::probe

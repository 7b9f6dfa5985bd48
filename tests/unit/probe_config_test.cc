// The probe area's configuration: blackbox.yml modules inline and from a
// file, the configured probes, and the errors (file:line:column, refused keys
// named, regular expressions checked when read).
#include <catch.hpp>

#include <cstdio>
#include <fstream>
#include <unistd.h>

#include "core/config.h"
#include "exporters/probe/config/config.h"
#include "config_test_util.h"

using namespace vigia;
using namespace vigia::probe;

namespace {

AreaConfig parse(const std::string& yaml, const std::string& file = "vigia.yml") {
  return test::read_config_text(yaml, file, {"probes", "probe_modules"}, [](auto& r, const Config& cfg) {
    AreaConfig out;
    out.modules = read_probe_modules(r, cfg.section("probe_modules"));
    out.probes = read_probes(r, cfg.section("probes"), out.modules);
    return out;
  });
}

std::string error_of(const std::string& yaml) {
  return test::config_error_of([](const std::string& y) { return parse(y); }, yaml);
}

}  // namespace

TEST_CASE("probe modules inline: blackbox.yml's vocabulary and its defaults") {
  AreaConfig c = parse(R"(probe_modules:
  http_2xx: {prober: http}
  strict:
    prober: http
    timeout: 3s
    http:
      valid_status_codes: [200, 204]
      no_follow_redirects: true
      method: POST
      headers: {Host: example.org}
      fail_if_body_not_matches_regexp: ["ok"]
      tls_config: {ca_file: ca.pem, insecure_skip_verify: false, min_version: TLS13}
      preferred_ip_protocol: ip4
      body_size_limit: 2MB
  soa:
    prober: dns
    dns: {query_name: example.org, query_type: SOA, transport_protocol: tcp, valid_rcodes: [NOERROR, NXDOMAIN]}
  banner:
    prober: tcp
    tcp: {tls: true, query_response: [{expect: "^SSH-"}, {send: "QUIT"}]}
probes:
  - {name: site, target: "https://example.org/", module: http_2xx}
  - {name: api, target: "https://example.org/api", module: strict, interval: 10s, retries: 5}
)");
  REQUIRE(c.modules.size() == 4);
  const DnsModule& soa = c.modules.at("soa").dns;
  CHECK(soa.query_type == 6);
  CHECK(soa.query_class == 1);
  CHECK(soa.transport == "tcp");
  CHECK(soa.valid_rcodes == std::vector<int>{0, 3});
  CHECK(soa.recursion_desired);
  const Module& d = c.modules.at("http_2xx");
  CHECK(d.timeout == 0);
  CHECK(d.http.valid_status_codes.empty());
  CHECK(d.http.follow_redirects);
  CHECK(d.http.ip_protocol == "ip6");  // blackbox_exporter's default, with fallback
  CHECK(d.http.ip_protocol_fallback);
  const Module& s = c.modules.at("strict");
  CHECK(s.timeout == 3);
  CHECK(s.http.valid_status_codes == std::vector<int>{200, 204});
  CHECK_FALSE(s.http.follow_redirects);
  CHECK(s.http.method == "POST");
  CHECK(s.http.tls.ca_file == "ca.pem");  // relative to the config file's directory (none here)
  CHECK(s.http.tls.min_version == 0x0304);
  CHECK(s.http.ip_protocol == "ip4");
  CHECK(s.http.body_size_limit == 2 << 20);
  CHECK(c.modules.at("banner").tcp.query_response.size() == 2);
  REQUIRE(c.probes.size() == 2);
  CHECK(c.probes[0].interval == 30);
  CHECK(c.probes[0].retries == 3);
  CHECK(c.probes[1].interval == 10);
  CHECK(c.probes[1].retries == 5);
}

TEST_CASE("probe_modules {file: blackbox.yml}: relative to the configuration file") {
  char dir[] = "/tmp/vigia-probe-config-XXXXXX";
  REQUIRE(mkdtemp(dir));
  std::string d = dir;
  {
    std::ofstream f(d + "/blackbox.yml");
    f << "modules:\n  http_2xx:\n    prober: http\n    http:\n      tls_config: {ca_file: root.pem}\n";
  }
  AreaConfig c = parse("probe_modules: {file: blackbox.yml}\n", d + "/vigia.yml");
  REQUIRE(c.modules.count("http_2xx") == 1);
  CHECK(c.modules.at("http_2xx").http.tls.ca_file == d + "/root.pem");
  {
    std::ofstream f(d + "/bad.yml");
    f << "modules:\n  x:\n    prober: http\n    http: {valid_status_codes: [abc]}\n";
  }
  try {
    parse("probe_modules: {file: bad.yml}\n", d + "/vigia.yml");
    FAIL("no error");
  } catch (const ConfigError& e) {
    CHECK(std::string(e.what()) == d + "/bad.yml:4:33: module x.http.valid_status_codes: expected a number");
  }
  std::remove((d + "/blackbox.yml").c_str());
  std::remove((d + "/bad.yml").c_str());
  rmdir(dir);
}

TEST_CASE("probe configuration errors name file:line:column") {
  CHECK(
      error_of("probe_modules:\n  m: {prober: http, http: {fail_if_body_matches_regexp: ['(']}}\n") ==
      "vigia.yml:2:58: module m.http.fail_if_body_matches_regexp: invalid regular expression: missing ): (");
  CHECK(error_of("probe_modules:\n  m: {prober: smtp}\n") ==
        "vigia.yml:2:15: module m.prober: unknown prober 'smtp' (http, tcp, icmp, dns)");
  CHECK(error_of("probe_modules:\n  m: {prober: http, http: {proxy_url: 'http://p'}}\n") ==
        "vigia.yml:2:28: module m.http.proxy_url: not supported by vigia's http prober");
  CHECK(error_of("probe_modules:\n  m: {prober: http, http: {methd: GET}}\n") ==
        "vigia.yml:2:28: unknown key 'methd' in module m.http");
  CHECK(error_of("probe_modules:\n  m: {prober: http}\nprobes:\n  - {name: a, target: x, module: n}\n") ==
        "vigia.yml:4:34: probes[0].module: no module named 'n' in probe_modules");
  CHECK(error_of("probe_modules:\n  m: {prober: http}\nprobes:\n  - {name: a, target: x, module: m, "
                 "interval: 0s}\n") == "vigia.yml:4:47: probes[0].interval: at least 1s");
  CHECK(error_of("probe_modules:\n  m: {prober: http, http: {body_size_limit: 3XB}}\n") ==
        "vigia.yml:2:45: module m.http.body_size_limit: unknown unit 'XB' (B, KB, MB, GB, TB)");
  CHECK(error_of("probe_modules:\n  m: {prober: dns}\n") ==
        "vigia.yml:2:6: module m.dns: query_name must be set for DNS module");
  CHECK(error_of("probe_modules:\n  m: {prober: dns, dns: {query_name: a, query_type: AA}}\n") ==
        "vigia.yml:2:53: module m.dns.query_type: unknown query type 'AA'");
  CHECK(error_of("probe_modules:\n  m: {prober: dns, dns: {query_name: a, dns_over_tls: true}}\n") ==
        "vigia.yml:2:55: module m.dns.dns_over_tls: not supported by vigia's dns prober");
  CHECK(error_of("probe_modules:\n  m: {prober: dns, dns: {query_name: a, valid_rcodes: [NOERR]}}\n") ==
        "vigia.yml:2:55: module m.dns.valid_rcodes: unknown rcode 'NOERR'");
  CHECK(error_of("probe_modules:\n  m: {prober: http, http: {tls_config: {cert_file: a.pem}}}\n") ==
        "vigia.yml:2:40: module m.http.tls_config: cert_file and key_file must be given together");
  CHECK(error_of("probe_modules:\n  m: {prober: http, http: {tls_config: {min_version: TLS9}}}\n") ==
        "vigia.yml:2:54: module m.http.tls_config.min_version: expected TLS10, TLS11, TLS12 or TLS13");
  CHECK(error_of("probe_modules:\n  m: {prober: http, http: {tls_config: {max_version: TLS13}}}\n") ==
        "vigia.yml:2:41: unknown key 'max_version' in module m.http.tls_config");
}

TEST_CASE("parse_blackbox_yaml: refuses what blackbox.yml does not hold") {
  ModuleMap m;
  std::string err;
  CHECK_FALSE(parse_blackbox_yaml("modules: [1]\n", "blackbox.yml", m, err));
  CHECK(err == "blackbox.yml:1:10: modules: expected a mapping");
  CHECK_FALSE(parse_blackbox_yaml("modules:\n  a: {prober: http}\nextra: 1\n", "blackbox.yml", m, err));
  CHECK(err == "blackbox.yml:3:1: unknown key 'extra' in the top level");
  CHECK_FALSE(parse_blackbox_yaml("modules: {a: {prober: http}\n", "blackbox.yml", m, err));
  CHECK(err.rfind("blackbox.yml:", 0) == 0);
  CHECK(parse_blackbox_yaml("", "blackbox.yml", m, err));
}

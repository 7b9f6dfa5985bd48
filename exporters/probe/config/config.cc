#include "exporters/probe/config/config.h"

#include "exporters/probe/config/dns_names.h"
#include "core/tls_options.h"

#include <re2/re2.h>

#include <cctype>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

namespace vigia::probe {
namespace {

// Keys of blackbox_exporter 0.23 that vigia does not implement: refused with
// a message that says so, rather than as unknown (a typo) or silently.
const std::vector<std::string_view> kUnsupportedHttp = {
    "proxy_url",   "oauth2",   "authorization",          "skip_resolve_phase_with_proxy",
    "compression", "no_proxy", "proxy_from_environment", "proxy_connect_header"};

std::string dir_of(const std::string& file) {
  size_t slash = file.rfind('/');
  return slash == std::string::npos ? "" : file.substr(0, slash + 1);
}

std::string resolve_path(const YamlReader& r, const std::string& p) {
  if (p.empty() || p[0] == '/') return p;
  return dir_of(r.file()) + p;
}

Regex read_regex(const YamlReader& r, const YAML::Node& n, const std::string& what) {
  Regex re{r.get_string(n, what)};
  RE2::Options o;
  o.set_log_errors(false);
  RE2 compiled(re.text, o);
  if (!compiled.ok()) r.fail(n, what + ": invalid regular expression: " + compiled.error());
  return re;
}

std::vector<Regex> read_regex_list(const YamlReader& r, const YAML::Node& n, const std::string& what) {
  std::vector<Regex> out;
  if (n.IsNull()) return out;
  if (!n.IsSequence()) r.fail(n, what + ": expected a list");
  for (const auto& item : n) out.push_back(read_regex(r, item, what));
  return out;
}

std::string read_ip_protocol(const YamlReader& r, const YAML::Node& n, const std::string& what) {
  std::string p = r.get_string(n, what);
  // blackbox_exporter: anything but ip4 prefers ip6.
  if (p != "ip4" && p != "ip6" && !p.empty()) r.fail(n, what + ": expected ip4 or ip6");
  return p == "ip4" ? "ip4" : "ip6";
}

// units.Base2Bytes: "1GB" is 2^30 bytes; a bare number is bytes.
int64_t read_bytes(const YamlReader& r, const YAML::Node& n, const std::string& what) {
  std::string s = r.get_string(n, what);
  size_t i = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
  if (i == 0 || i > 15) r.fail(n, what + ": expected a size such as 512KB, 10MB or 1GB");
  int64_t v = std::stoll(s.substr(0, i));
  std::string unit = s.substr(i);
  int shift = -1;
  if (unit.empty() || unit == "B")
    shift = 0;
  else if (unit == "KB" || unit == "KiB")
    shift = 10;
  else if (unit == "MB" || unit == "MiB")
    shift = 20;
  else if (unit == "GB" || unit == "GiB")
    shift = 30;
  else if (unit == "TB" || unit == "TiB")
    shift = 40;
  if (shift < 0) r.fail(n, what + ": unknown unit '" + unit + "' (B, KB, MB, GB, TB)");
  if (v > (std::numeric_limits<int64_t>::max() >> shift)) r.fail(n, what + ": too large");
  return v << shift;
}

TlsConfig read_tls(const YamlReader& r, const YAML::Node& n, const std::string& what) {
  TlsConfig t;
  TlsReadOptions o;
  o.min_version = &t.min_version;
  static_cast<TlsClientOptions&>(t) = read_tls_client_options(r, n, what, o);
  return t;
}

std::vector<HeaderMatch> read_header_matches(const YamlReader& r, const YAML::Node& n,
                                             const std::string& what) {
  std::vector<HeaderMatch> out;
  if (n.IsNull()) return out;
  if (!n.IsSequence()) r.fail(n, what + ": expected a list");
  size_t i = 0;
  for (const auto& item : n) {
    std::string w = what + "[" + std::to_string(i++) + "]";
    r.check_keys(item, w, {"header", "regexp", "allow_missing"});
    HeaderMatch m;
    if (!item["header"] || !item["regexp"]) r.fail(item, w + ": needs header and regexp");
    m.header = r.get_string(item["header"], w + ".header");
    m.regexp = read_regex(r, item["regexp"], w + ".regexp");
    if (item["allow_missing"]) m.allow_missing = r.get_bool(item["allow_missing"], w + ".allow_missing");
    out.push_back(std::move(m));
  }
  return out;
}

// preferred_ip_protocol, ip_protocol_fallback, source_ip_address (check_keys
// has refused the last where the prober lacks it).
void read_ip_options(const YamlReader& r, const YAML::Node& n, const std::string& what, IpOptions& o) {
  if (n["preferred_ip_protocol"])
    o.ip_protocol = read_ip_protocol(r, n["preferred_ip_protocol"], what + ".preferred_ip_protocol");
  if (n["ip_protocol_fallback"])
    o.ip_protocol_fallback = r.get_bool(n["ip_protocol_fallback"], what + ".ip_protocol_fallback");
  if (n["source_ip_address"])
    o.source_ip_address = r.get_string(n["source_ip_address"], what + ".source_ip_address");
}

HttpModule read_http(const YamlReader& r, const YAML::Node& n, const std::string& what) {
  HttpModule h;
  std::vector<std::string_view> keys = {"valid_status_codes",
                                        "valid_http_versions",
                                        "preferred_ip_protocol",
                                        "ip_protocol_fallback",
                                        "no_follow_redirects",
                                        "follow_redirects",
                                        "fail_if_ssl",
                                        "fail_if_not_ssl",
                                        "method",
                                        "headers",
                                        "body",
                                        "fail_if_body_matches_regexp",
                                        "fail_if_body_not_matches_regexp",
                                        "fail_if_header_matches",
                                        "fail_if_header_not_matches",
                                        "tls_config",
                                        "basic_auth",
                                        "bearer_token",
                                        "bearer_token_file",
                                        "body_size_limit",
                                        "enable_http2"};
  if (n.IsMap())
    for (const auto& kv : n)
      for (std::string_view u : kUnsupportedHttp)
        if (kv.first.IsScalar() && kv.first.Scalar() == u)
          r.fail(kv.first, what + "." + std::string(u) + ": not supported by vigia's http prober");
  r.check_keys(n, what, keys);
  if (n.IsNull()) return h;
  if (n["valid_status_codes"]) {
    const YAML::Node& c = n["valid_status_codes"];
    if (!c.IsSequence()) r.fail(c, what + ".valid_status_codes: expected a list of status codes");
    for (const auto& code : c) {
      double d = r.get_double(code, what + ".valid_status_codes");
      if (d != std::floor(d) || d < 100 || d > 999)
        r.fail(code, what + ".valid_status_codes: expected a status code");
      h.valid_status_codes.push_back(static_cast<int>(d));
    }
  }
  if (n["valid_http_versions"])
    h.valid_http_versions = r.get_string_list(n["valid_http_versions"], what + ".valid_http_versions");
  read_ip_options(r, n, what, h);
  if (n["follow_redirects"])
    h.follow_redirects = r.get_bool(n["follow_redirects"], what + ".follow_redirects");
  // As blackbox_exporter: the older key wins when both are given.
  if (n["no_follow_redirects"])
    h.follow_redirects = !r.get_bool(n["no_follow_redirects"], what + ".no_follow_redirects");
  if (n["fail_if_ssl"]) h.fail_if_ssl = r.get_bool(n["fail_if_ssl"], what + ".fail_if_ssl");
  if (n["fail_if_not_ssl"]) h.fail_if_not_ssl = r.get_bool(n["fail_if_not_ssl"], what + ".fail_if_not_ssl");
  if (n["method"]) {
    h.method = r.get_string(n["method"], what + ".method");
    for (char ch : h.method)
      if (!std::isupper(static_cast<unsigned char>(ch)))
        r.fail(n["method"], what + ".method: expected an HTTP method such as GET");
    if (h.method.empty()) h.method = "GET";
  }
  if (n["headers"]) {
    const YAML::Node& hs = n["headers"];
    r.expect_map(hs, what + ".headers");
    for (const auto& kv : hs) {
      std::string k = r.get_string(kv.first, what + ".headers");
      std::string v = r.get_string(kv.second, what + ".headers." + k);
      for (char ch : k + v)
        if (ch == '\r' || ch == '\n')
          r.fail(kv.second, what + ".headers." + k + ": line breaks are not allowed");
      h.headers.emplace_back(k, v);
    }
  }
  if (n["body"]) h.body = r.get_string(n["body"], what + ".body");
  if (n["fail_if_body_matches_regexp"])
    h.fail_if_body_matches =
        read_regex_list(r, n["fail_if_body_matches_regexp"], what + ".fail_if_body_matches_regexp");
  if (n["fail_if_body_not_matches_regexp"])
    h.fail_if_body_not_matches =
        read_regex_list(r, n["fail_if_body_not_matches_regexp"], what + ".fail_if_body_not_matches_regexp");
  if (n["fail_if_header_matches"])
    h.fail_if_header_matches =
        read_header_matches(r, n["fail_if_header_matches"], what + ".fail_if_header_matches");
  if (n["fail_if_header_not_matches"])
    h.fail_if_header_not_matches =
        read_header_matches(r, n["fail_if_header_not_matches"], what + ".fail_if_header_not_matches");
  if (n["tls_config"]) h.tls = read_tls(r, n["tls_config"], what + ".tls_config");
  if (n["basic_auth"]) {
    const YAML::Node& b = n["basic_auth"];
    r.check_keys(b, what + ".basic_auth", {"username", "password", "password_file"});
    if (b["username"]) h.basic_user = r.get_string(b["username"], what + ".basic_auth.username");
    if (b["password"]) h.basic_password = r.get_string(b["password"], what + ".basic_auth.password");
    if (b["password_file"])
      h.basic_password_file =
          resolve_path(r, r.get_string(b["password_file"], what + ".basic_auth.password_file"));
    if (!h.basic_password.empty() && !h.basic_password_file.empty())
      r.fail(b, what + ".basic_auth: at most one of password and password_file");
  }
  if (n["bearer_token"]) h.bearer_token = r.get_string(n["bearer_token"], what + ".bearer_token");
  if (n["bearer_token_file"])
    h.bearer_token_file = resolve_path(r, r.get_string(n["bearer_token_file"], what + ".bearer_token_file"));
  if (!h.bearer_token.empty() && !h.bearer_token_file.empty())
    r.fail(n, what + ": at most one of bearer_token and bearer_token_file");
  bool bearer = !h.bearer_token.empty() || !h.bearer_token_file.empty();
  if (bearer && !h.basic_user.empty()) r.fail(n, what + ": at most one of basic_auth and bearer_token");
  if (n["body_size_limit"])
    h.body_size_limit = read_bytes(r, n["body_size_limit"], what + ".body_size_limit");
  if (n["enable_http2"]) (void)r.get_bool(n["enable_http2"], what + ".enable_http2");
  return h;
}

TcpModule read_tcp(const YamlReader& r, const YAML::Node& n, const std::string& what) {
  TcpModule t;
  r.check_keys(n, what,
               {"preferred_ip_protocol", "ip_protocol_fallback", "source_ip_address", "query_response", "tls",
                "tls_config"});
  if (n.IsNull()) return t;
  read_ip_options(r, n, what, t);
  if (n["tls"]) t.tls = r.get_bool(n["tls"], what + ".tls");
  if (n["tls_config"]) t.tls_config = read_tls(r, n["tls_config"], what + ".tls_config");
  if (const YAML::Node& q = n["query_response"]; q && !q.IsNull()) {
    if (!q.IsSequence()) r.fail(q, what + ".query_response: expected a list");
    size_t i = 0;
    for (const auto& item : q) {
      std::string w = what + ".query_response[" + std::to_string(i++) + "]";
      r.check_keys(item, w, {"expect", "send", "starttls"});
      QueryResponse qr;
      if (item["expect"]) qr.expect = read_regex(r, item["expect"], w + ".expect");
      if (item["send"]) qr.send = r.get_string(item["send"], w + ".send");
      if (item["starttls"]) qr.starttls = r.get_bool(item["starttls"], w + ".starttls");
      t.query_response.push_back(std::move(qr));
    }
  }
  return t;
}

IcmpModule read_icmp(const YamlReader& r, const YAML::Node& n, const std::string& what) {
  IcmpModule t;
  r.check_keys(n, what,
               {"preferred_ip_protocol", "ip_protocol_fallback", "source_ip_address", "payload_size",
                "dont_fragment", "ttl"});
  if (n.IsNull()) return t;
  read_ip_options(r, n, what, t);
  if (n["dont_fragment"]) t.dont_fragment = r.get_bool(n["dont_fragment"], what + ".dont_fragment");
  if (n["payload_size"]) {
    double d = r.get_double(n["payload_size"], what + ".payload_size");
    if (d != std::floor(d) || d < 0 || d > 65000)
      r.fail(n["payload_size"], what + ".payload_size: expected 0 to 65000");
    t.payload_size = static_cast<int>(d);
  }
  if (n["ttl"]) {
    double d = r.get_double(n["ttl"], what + ".ttl");
    // blackbox_exporter: 0 keeps the default (64); more than 255 is an error.
    if (d != std::floor(d) || d < 0 || d > 255) r.fail(n["ttl"], what + ".ttl: \"ttl\" cannot exceed 255");
    if (d > 0) t.ttl = static_cast<int>(d);
  }
  return t;
}

RRValidator read_rr_validator(const YamlReader& r, const YAML::Node& n, const std::string& what) {
  RRValidator v;
  r.check_keys(n, what,
               {"fail_if_matches_regexp", "fail_if_all_match_regexp", "fail_if_not_matches_regexp",
                "fail_if_none_matches_regexp"});
  if (n.IsNull()) return v;
  if (n["fail_if_matches_regexp"])
    v.fail_if_matches = read_regex_list(r, n["fail_if_matches_regexp"], what + ".fail_if_matches_regexp");
  if (n["fail_if_all_match_regexp"])
    v.fail_if_all_match =
        read_regex_list(r, n["fail_if_all_match_regexp"], what + ".fail_if_all_match_regexp");
  if (n["fail_if_not_matches_regexp"])
    v.fail_if_not_matches =
        read_regex_list(r, n["fail_if_not_matches_regexp"], what + ".fail_if_not_matches_regexp");
  if (n["fail_if_none_matches_regexp"])
    v.fail_if_none_matches =
        read_regex_list(r, n["fail_if_none_matches_regexp"], what + ".fail_if_none_matches_regexp");
  return v;
}

DnsModule read_dns(const YamlReader& r, const YAML::Node& n, const std::string& what) {
  DnsModule d;
  if (n.IsMap() && n["dns_over_tls"])
    r.fail(n["dns_over_tls"], what + ".dns_over_tls: not supported by vigia's dns prober");
  r.check_keys(n, what,
               {"preferred_ip_protocol", "ip_protocol_fallback", "source_ip_address", "transport_protocol",
                "query_class", "query_name", "query_type", "recursion_desired", "valid_rcodes",
                "validate_answer_rrs", "validate_authority_rrs", "validate_additional_rrs"});
  if (n.IsNull() || !n["query_name"]) r.fail(n, what + ": query_name must be set for DNS module");
  d.query_name = r.get_string(n["query_name"], what + ".query_name");
  read_ip_options(r, n, what, d);
  if (n["transport_protocol"]) {
    d.transport = r.get_string(n["transport_protocol"], what + ".transport_protocol");
    if (d.transport.empty()) d.transport = "udp";
    if (d.transport != "udp" && d.transport != "tcp")
      r.fail(n["transport_protocol"], what + ".transport_protocol: expected udp or tcp");
  }
  if (n["query_type"]) {
    std::string t = r.get_string(n["query_type"], what + ".query_type");
    if (!t.empty() && !dns_type_code(t, d.query_type))
      r.fail(n["query_type"], what + ".query_type: unknown query type '" + t + "'");
  }
  if (n["query_class"]) {
    std::string c = r.get_string(n["query_class"], what + ".query_class");
    if (!c.empty() && !dns_class_code(c, d.query_class))
      r.fail(n["query_class"], what + ".query_class: unknown query class '" + c + "'");
  }
  if (n["recursion_desired"])
    d.recursion_desired = r.get_bool(n["recursion_desired"], what + ".recursion_desired");
  if (n["valid_rcodes"]) {
    for (const std::string& rc : r.get_string_list(n["valid_rcodes"], what + ".valid_rcodes")) {
      int code = dns_rcode_code(rc);
      if (code < 0) r.fail(n["valid_rcodes"], what + ".valid_rcodes: unknown rcode '" + rc + "'");
      d.valid_rcodes.push_back(code);
    }
  }
  if (n["validate_answer_rrs"])
    d.answer = read_rr_validator(r, n["validate_answer_rrs"], what + ".validate_answer_rrs");
  if (n["validate_authority_rrs"])
    d.authority = read_rr_validator(r, n["validate_authority_rrs"], what + ".validate_authority_rrs");
  if (n["validate_additional_rrs"])
    d.additional = read_rr_validator(r, n["validate_additional_rrs"], what + ".validate_additional_rrs");
  return d;
}

Module read_module(const YamlReader& r, const YAML::Node& n, const std::string& what) {
  for (std::string_view k : {"grpc"})
    if (n.IsMap() && n[std::string(k)])
      r.fail(n[std::string(k)], what + "." + std::string(k) + ": the " + std::string(k) +
                                    " prober is not implemented by vigia yet");
  r.check_keys(n, what, {"prober", "timeout", "http", "tcp", "icmp", "dns"});
  Module m;
  if (!n.IsMap() || !n["prober"]) r.fail(n, what + ": missing key 'prober'");
  m.prober = r.get_string(n["prober"], what + ".prober");
  if (m.prober != "http" && m.prober != "tcp" && m.prober != "icmp" && m.prober != "dns") {
    if (m.prober == "grpc")
      r.fail(n["prober"], what + ".prober: the " + m.prober + " prober is not implemented by vigia yet");
    r.fail(n["prober"], what + ".prober: unknown prober '" + m.prober + "' (http, tcp, icmp, dns)");
  }
  if (n["timeout"]) m.timeout = r.get_duration_seconds(n["timeout"], what + ".timeout");
  m.http = read_http(r, n["http"] ? n["http"] : YAML::Node(), what + ".http");
  m.tcp = read_tcp(r, n["tcp"] ? n["tcp"] : YAML::Node(), what + ".tcp");
  m.icmp = read_icmp(r, n["icmp"] ? n["icmp"] : YAML::Node(), what + ".icmp");
  // blackbox_exporter requires query_name only of dns modules.
  if (m.prober == "dns" && !n["dns"]) r.fail(n, what + ".dns: query_name must be set for DNS module");
  if (m.prober == "dns")
    m.dns = read_dns(r, n["dns"], what + ".dns");
  else
    r.check_keys(n["dns"] ? n["dns"] : YAML::Node(), what + ".dns", {});
  return m;
}

}  // namespace

ModuleMap read_modules(const YamlReader& r, const YAML::Node& modules) {
  ModuleMap out;
  if (!modules || modules.IsNull()) return out;
  r.expect_map(modules, "modules");
  for (const auto& kv : modules) {
    std::string name = r.get_string(kv.first, "modules");
    if (name.empty()) r.fail(kv.first, "modules: a module needs a name");
    if (out.count(name)) r.fail(kv.first, "modules: duplicate module '" + name + "'");
    out.emplace(name, read_module(r, kv.second, "module " + name));
  }
  return out;
}

ModuleMap read_probe_modules(const YamlReader& r, const YAML::Node& section) {
  if (!section || section.IsNull()) return {};
  r.expect_map(section, "probe_modules");
  // {file: PATH} names a blackbox.yml; any other mapping is the modules inline.
  if (section.size() == 1 && section["file"] && section["file"].IsScalar()) {
    std::string path = resolve_path(r, section["file"].Scalar());
    std::ifstream in(path);
    if (!in) r.fail(section["file"], "probe_modules.file: cannot read " + path);
    std::stringstream ss;
    ss << in.rdbuf();
    YamlReader fr(path);
    YAML::Node root;
    try {
      root = YAML::Load(ss.str());
    } catch (const YAML::Exception& e) {
      throw ConfigError(yaml_error_message(path, e));
    }
    if (root.IsNull()) return {};
    fr.check_keys(root, "the top level", {"modules"});
    return read_modules(fr, root["modules"]);
  }
  return read_modules(r, section);
}

std::vector<ProbeConfig> read_probes(const YamlReader& r, const YAML::Node& section,
                                     const ModuleMap& modules) {
  std::vector<ProbeConfig> out;
  r.read_named_list(section, "probes", "probe", {"name", "target", "module", "interval", "retries"},
                    [&](const YAML::Node& item, const std::string& what, const std::string& name) {
                      ProbeConfig p;
                      p.name = name;
                      if (!item["target"]) r.fail(item, what + ": missing key 'target'");
                      p.target = r.get_string(item["target"], what + ".target");
                      if (p.target.empty()) r.fail(item["target"], what + ".target: must not be empty");
                      if (!item["module"]) r.fail(item, what + ": missing key 'module'");
                      p.module = r.get_string(item["module"], what + ".module");
                      if (!modules.count(p.module))
                        r.fail(item["module"],
                               what + ".module: no module named '" + p.module + "' in probe_modules");
                      if (item["interval"]) {
                        p.interval = r.get_duration_seconds(item["interval"], what + ".interval");
                        if (p.interval < 1) r.fail(item["interval"], what + ".interval: at least 1s");
                      }
                      if (item["retries"]) {
                        double d = r.get_double(item["retries"], what + ".retries");
                        if (d != std::floor(d) || d < 1 || d > 100)
                          r.fail(item["retries"], what + ".retries: expected 1 to 100");
                        p.retries = static_cast<int>(d);
                      }
                      out.push_back(std::move(p));
                    });
  return out;
}

bool parse_blackbox_yaml(const std::string& text, const std::string& name, ModuleMap& out,
                         std::string& error) {
  YamlReader r(name);
  try {
    YAML::Node root = YAML::Load(text);
    if (root.IsNull()) return true;
    r.check_keys(root, "the top level", {"modules"});
    out = read_modules(r, root["modules"]);
    return true;
  } catch (const ConfigError& e) {
    error = e.what();
  } catch (const YAML::Exception& e) {
    error = yaml_error_message(name, e);
  }
  return false;
}

}  // namespace vigia::probe

// The http prober: libcurl (linked into the probe module) for the exchange,
// OpenSSL's view of the connection (CURLINFO_TLS_SSL_PTR) for the
// certificates. Redirects are followed here rather than by libcurl, so that
// each hop's phases add up and the count is Go's (len(via)).
#include <curl/curl.h>
#include <re2/re2.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <memory>
#include <vector>

#include "core/strconv.h"
#include "exporters/probe/prober.h"

namespace vigia::probe {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return std::string(s);
}

// One response as its callbacks see it.
struct Exchange {
  CURL* curl = nullptr;
  bool tls_wanted = false, verified = false;
  bool tls_seen = false;
  TlsState tls;
  long status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // of the last response
  int64_t body_bytes = 0;
  int64_t body_limit = 0;
  bool keep_body = false, too_large = false;
  std::string body;
};

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* x = static_cast<Exchange*>(user);
  std::string_view line(data, size * n);
  if (line.starts_with("HTTP/")) {  // a new response (after 1xx, or a hop)
    x->headers.clear();
    if (x->tls_wanted) {
      curl_tlssessioninfo* info = nullptr;
      if (curl_easy_getinfo(x->curl, CURLINFO_TLS_SSL_PTR, &info) == CURLE_OK && info &&
          info->backend == CURLSSLBACKEND_OPENSSL && info->internals) {
        read_tls_state(static_cast<SSL*>(info->internals), x->verified, x->tls);
        x->tls_seen = true;
      }
    }
    return size * n;
  }
  size_t colon = line.find(':');
  if (colon != std::string_view::npos)
    x->headers.emplace_back(trim(line.substr(0, colon)), trim(line.substr(colon + 1)));
  return size * n;
}

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* x = static_cast<Exchange*>(user);
  size_t len = size * n;
  if (x->body_bytes + static_cast<int64_t>(len) > x->body_limit) {
    x->too_large = true;
    return 0;  // ends the transfer: no more is read
  }
  x->body_bytes += static_cast<int64_t>(len);
  if (x->keep_body) x->body.append(data, len);
  return len;
}

int on_progress(void*, curl_off_t, curl_off_t, curl_off_t, curl_off_t) { return cancelled() ? 1 : 0; }

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};

// One handle per thread, reset for each probe: it keeps the CA store parsed
// (CURLOPT_CA_CACHE_TIMEOUT) but no connection and no TLS session.
CURL* thread_handle() {
  static const bool inited = [] { return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; }();
  thread_local std::unique_ptr<CURL, CurlDeleter> h(inited ? curl_easy_init() : nullptr);
  return h.get();
}

std::string first_line_of(const std::string& path, std::string& err) {
  std::ifstream in(path);
  if (!in) {
    err = "cannot read " + path;
    return {};
  }
  std::string line;
  std::getline(in, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n' || line.back() == ' ')) line.pop_back();
  return line;
}

double seconds(CURL* c, CURLINFO what) {
  curl_off_t us = 0;
  curl_easy_getinfo(c, what, &us);
  return static_cast<double>(us) / 1e6;
}

struct Phases {
  double resolve = 0, connect = 0, tls = 0, processing = 0, transfer = 0;
};

bool is_redirect(long s) { return s == 301 || s == 302 || s == 303 || s == 307 || s == 308; }

bool header_checks(const HttpModule& m, const Exchange& x, std::string& reason) {
  auto values = [&](const std::string& name) {
    std::vector<std::string> v;
    for (const auto& [k, val] : x.headers)
      if (iequals(k, name)) v.push_back(val);
    return v;
  };
  for (const HeaderMatch& hm : m.fail_if_header_matches) {
    RE2 re(hm.regexp.text);
    for (const std::string& v : values(hm.header))
      if (RE2::PartialMatch(v, re)) {
        reason = "header " + hm.header + " matched regular expression " + hm.regexp.text;
        return false;
      }
  }
  for (const HeaderMatch& hm : m.fail_if_header_not_matches) {
    std::vector<std::string> vs = values(hm.header);
    if (vs.empty()) {
      if (hm.allow_missing) continue;
      reason = "missing required header " + hm.header;
      return false;
    }
    RE2 re(hm.regexp.text);
    if (std::none_of(vs.begin(), vs.end(), [&](const std::string& v) { return RE2::PartialMatch(v, re); })) {
      reason = "header " + hm.header + " did not match regular expression " + hm.regexp.text;
      return false;
    }
  }
  return true;
}

bool body_checks(const HttpModule& m, const std::string& body, std::string& reason) {
  for (const Regex& r : m.fail_if_body_matches)
    if (RE2::PartialMatch(body, RE2(r.text))) {
      reason = "body matched regular expression " + r.text;
      return false;
    }
  for (const Regex& r : m.fail_if_body_not_matches)
    if (!RE2::PartialMatch(body, RE2(r.text))) {
      reason = "body did not match regular expression " + r.text;
      return false;
    }
  return true;
}

}  // namespace

bool probe_http(std::string_view target_in, const HttpModule& m, Clock::time_point deadline, MetricSink& sink,
                std::string& reason) {
  std::string target(target_in);
  if (!target.starts_with("http://") && !target.starts_with("https://")) target = "http://" + target;

  Phases ph;
  int redirects = 0;
  long status = 0;
  double content_length = 0, version = 0, last_modified = -1;
  int64_t body_length = 0;
  bool success = false, ssl = false, regex_failed = false, have_response = false, resolved = false;
  bool read_failed = false;
  TlsState tls;
  Exchange x;

  auto finish = [&]() {
    auto g = [&](const char* name, const char* help, double v) { sink.gauge(name, help, v); };
    sink.family("probe_http_duration_seconds", "Duration of http request by phase, summed over all redirects",
                MetricType::kGauge);
    std::pair<const char*, double> phases[] = {{"connect", ph.connect},
                                               {"processing", ph.processing},
                                               {"resolve", ph.resolve},
                                               {"tls", ph.tls},
                                               {"transfer", ph.transfer}};
    for (const auto& [name, v] : phases)
      if (resolved || std::string_view(name) == "resolve")
        sink.sample("probe_http_duration_seconds", {{"phase", name}}, v);
    g("probe_http_content_length", "Length of http content response", content_length);
    g("probe_http_uncompressed_body_length", "Length of uncompressed response body",
      static_cast<double>(body_length));
    g("probe_http_redirects", "The number of redirects", redirects);
    g("probe_http_ssl", "Indicates if SSL was used for the final redirect", ssl ? 1 : 0);
    g("probe_http_status_code", "Response HTTP status code", static_cast<double>(status));
    g("probe_http_version", "Returns the version of HTTP of the probe response", version);
    g("probe_failed_due_to_regex", "Indicates if probe failed due to regex", regex_failed ? 1 : 0);
    if (last_modified >= 0)
      g("probe_http_last_modified_timestamp_seconds",
        "Returns the Last-Modified HTTP response header in unixtime", last_modified);
    if (ssl) write_tls_metrics(tls, sink);
    return success;
  };

  CURLU* u = curl_url();
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> uguard(u, curl_url_cleanup);
  char* host_c = nullptr;
  char* port_c = nullptr;
  if (!u || curl_url_set(u, CURLUPART_URL, target.c_str(), 0) != CURLUE_OK ||
      curl_url_get(u, CURLUPART_HOST, &host_c, 0) != CURLUE_OK ||
      curl_url_get(u, CURLUPART_PORT, &port_c, CURLU_DEFAULT_PORT) != CURLUE_OK) {
    reason = "Could not parse target URL";
    if (host_c) curl_free(host_c);
    return finish();
  }
  std::string host = host_c, port = port_c;
  curl_free(host_c);
  curl_free(port_c);
  std::string bare = host.size() > 2 && host.front() == '[' ? host.substr(1, host.size() - 2) : host;

  Resolved addr;
  if (!resolve(bare, m.ip_protocol, m.ip_protocol_fallback, deadline, sink, addr, ph.resolve, reason))
    return finish();
  resolved = true;

  CURL* c = thread_handle();
  if (!c) {
    reason = "curl_easy_init failed";
    return finish();
  }
  x.curl = c;
  x.verified = !m.tls.insecure_skip_verify;

  // The TLS server name: tls_config.server_name, else a Host header, else the
  // URL's host. libcurl takes SNI from the URL: the URL names the server name
  // and CURLOPT_RESOLVE pins it to the address chosen above.
  std::string host_header;
  for (const auto& [k, v] : m.headers)
    if (iequals(k, "Host")) host_header = v;
  std::string server_name = !m.tls.server_name.empty() ? m.tls.server_name : host_header;
  std::string url = target;
  if (!server_name.empty() && server_name != bare) {
    curl_url_set(u, CURLUPART_HOST, server_name.c_str(), 0);
    char* s = nullptr;
    curl_url_get(u, CURLUPART_URL, &s, 0);
    url = s ? s : target;
    if (s) curl_free(s);
    if (host_header.empty())
      host_header = host + (target.find(":" + port) != std::string::npos ? ":" + port : "");
  }
  std::string pin_host = server_name.empty() ? bare : server_name;
  std::string pin = pin_host + ":" + port + ":" + (addr.v6 ? "[" + addr.ip + "]" : addr.ip);

  std::string password = m.basic_password, bearer = m.bearer_token;
  if (!m.basic_password_file.empty()) password = first_line_of(m.basic_password_file, reason);
  if (!m.bearer_token_file.empty()) bearer = first_line_of(m.bearer_token_file, reason);
  if (!reason.empty()) return finish();

  std::string method = m.method;
  std::string body = m.body;
  bool keep_body = !m.fail_if_body_matches.empty() || !m.fail_if_body_not_matches.empty();

  for (int hop = 0;; ++hop) {
    curl_easy_reset(c);
    x.headers.clear();
    x.status = 0;
    x.body_bytes = 0;
    x.body.clear();
    x.too_large = false;
    x.tls_seen = false;
    x.keep_body = keep_body;
    x.body_limit = m.body_size_limit > 0 ? m.body_size_limit : kDefaultBodyCap;
    x.tls_wanted = url.starts_with("https://");
    char errbuf[CURL_ERROR_SIZE] = {0};
    long left_ms = static_cast<long>(seconds_left(deadline) * 1000);
    if (left_ms <= 0) {
      reason = "context deadline exceeded";
      break;
    }
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, left_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, left_ms);
    curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);  // Go's client here: keep-alives off
    curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_SESSIONID_CACHE, 0L);
    curl_easy_setopt(c, CURLOPT_PROXY, "");  // no proxy from the environment
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "vigia/" VIGIA_VERSION);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &x);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &x);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    // No Accept-Encoding of our own: blackbox_exporter's client (prometheus/common's) asks for
    // none, so servers send the body as it is and content_length is theirs.
    curl_slist* resolve_list = nullptr;
    if (hop == 0) {
      resolve_list = curl_slist_append(nullptr, pin.c_str());
      curl_easy_setopt(c, CURLOPT_RESOLVE, resolve_list);
      curl_easy_setopt(c, CURLOPT_IPRESOLVE, addr.v6 ? CURL_IPRESOLVE_V6 : CURL_IPRESOLVE_V4);
    }
    if (x.tls_wanted) {
      if (!m.tls.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, m.tls.ca_file.c_str());
      // The bundle file only, without Debian's default CA directory: libcurl
      // keeps a parsed store between probes only then (CURLOPT_CA_CACHE_TIMEOUT);
      // parsing the system bundle costs about 50 ms of CPU per probe.
      curl_easy_setopt(c, CURLOPT_CAPATH, nullptr);
      if (!m.tls.cert_file.empty()) {
        curl_easy_setopt(c, CURLOPT_SSLCERT, m.tls.cert_file.c_str());
        curl_easy_setopt(c, CURLOPT_SSLKEY, m.tls.key_file.c_str());
      }
      if (m.tls.insecure_skip_verify) {
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
      }
      long v = CURL_SSLVERSION_TLSv1_2;
      if (m.tls.min_version == 0x0301) v = CURL_SSLVERSION_TLSv1_0;
      if (m.tls.min_version == 0x0302) v = CURL_SSLVERSION_TLSv1_1;
      if (m.tls.min_version == 0x0304) v = CURL_SSLVERSION_TLSv1_3;
      curl_easy_setopt(c, CURLOPT_SSLVERSION, v);
    }
    if (!m.basic_user.empty()) {
      curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
      curl_easy_setopt(c, CURLOPT_USERNAME, m.basic_user.c_str());
      curl_easy_setopt(c, CURLOPT_PASSWORD, password.c_str());
    }
    if (method == "GET") {
      curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    } else if (method == "HEAD") {
      curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else {
      curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
    }
    if (!body.empty() && method != "GET" && method != "HEAD") {
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    }
    curl_slist* hdrs = nullptr;
    // libcurl's own additions that Go's client does not make.
    hdrs = curl_slist_append(hdrs, "Expect:");
    bool user_content_type = false;
    for (const auto& [k, v] : m.headers) {
      if (iequals(k, "Host")) continue;
      if (iequals(k, "Content-Type")) user_content_type = true;
      hdrs = curl_slist_append(hdrs, (k + ": " + v).c_str());
    }
    if (!user_content_type) hdrs = curl_slist_append(hdrs, "Content-Type:");
    if (!host_header.empty() && hop == 0) hdrs = curl_slist_append(hdrs, ("Host: " + host_header).c_str());
    if (!bearer.empty()) hdrs = curl_slist_append(hdrs, ("Authorization: Bearer " + bearer).c_str());
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);

    CURLcode rc = curl_easy_perform(c);
    curl_slist_free_all(hdrs);
    curl_slist_free_all(resolve_list);

    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    // Phases as blackbox_exporter sums them over its round trips.
    double dns = seconds(c, CURLINFO_NAMELOOKUP_TIME_T), conn = seconds(c, CURLINFO_CONNECT_TIME_T),
           app = seconds(c, CURLINFO_APPCONNECT_TIME_T), first = seconds(c, CURLINFO_STARTTRANSFER_TIME_T),
           total = seconds(c, CURLINFO_TOTAL_TIME_T);
    if (hop > 0) ph.resolve += dns;
    double got_conn = 0;
    if (conn > 0) {
      ph.connect += conn - dns;
      got_conn = conn;
      if (x.tls_wanted && app > 0) {
        ph.tls += app - conn;
        got_conn = app;
      }
      if (code > 0 && first > 0) ph.processing += first - got_conn;
    }
    if (code <= 0) {
      reason = std::string("Error for HTTP request: ") + (errbuf[0] ? errbuf : curl_easy_strerror(rc));
      break;
    }
    have_response = true;
    status = code;
    ssl = x.tls_seen;
    if (x.tls_seen) tls = x.tls;
    char* next = nullptr;
    bool follow = is_redirect(code) && curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &next) == CURLE_OK && next;
    if (follow && rc == CURLE_OK) {
      redirects = hop + 1;
      if (redirects > 10 || !m.follow_redirects) {
        reason = "don't follow redirects";  // Go returns this response with the error: its body is not read
        x.body_bytes = 0;
        break;
      }
      url = next;
      if ((code == 301 || code == 302 || code == 303) && method != "GET" && method != "HEAD") {
        method = "GET";
        body.clear();
      }
      continue;
    }
    if (first > 0) ph.transfer += total - first;
    if (rc != CURLE_OK) {
      read_failed = true;
      reason = x.too_large
                   ? "http: response body too large (body_size_limit " + std::to_string(x.body_limit) + ")"
                   : std::string("Failed to read HTTP response body: ") +
                         (errbuf[0] ? errbuf : curl_easy_strerror(rc));
    }
    break;
  }

  if (have_response) {
    bool status_ok = m.valid_status_codes.empty()
                         ? status >= 200 && status < 300
                         : std::find(m.valid_status_codes.begin(), m.valid_status_codes.end(), status) !=
                               m.valid_status_codes.end();
    success = status_ok && !read_failed;
    if (!status_ok && !read_failed) reason = "Invalid HTTP response status code " + std::to_string(status);
    if (success && (!m.fail_if_header_matches.empty() || !m.fail_if_header_not_matches.empty())) {
      success = header_checks(m, x, reason);
      regex_failed = !success;
    }
    if (success && keep_body) {
      success = body_checks(m, x.body, reason);
      regex_failed = !success;
    }
    // Go's ContentLength: the header's value, -1 without one.
    content_length = -1;
    for (const auto& [k, v] : x.headers) {
      if (iequals(k, "Content-Length")) {
        char* end = nullptr;
        double d = std::strtod(v.c_str(), &end);
        if (end && *end == '\0' && !v.empty()) content_length = d;
      }
      if (iequals(k, "Last-Modified")) {
        std::tm tm{};
        if (strptime(v.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm))
          last_modified = static_cast<double>(timegm(&tm));
      }
    }
    body_length = x.body_bytes;
    long hv = 0;
    curl_easy_getinfo(c, CURLINFO_HTTP_VERSION, &hv);
    std::string proto = "HTTP/1.1";
    switch (hv) {
      case CURL_HTTP_VERSION_1_0: version = 1.0, proto = "HTTP/1.0"; break;
      case CURL_HTTP_VERSION_1_1: version = 1.1, proto = "HTTP/1.1"; break;
      case CURL_HTTP_VERSION_2_0: version = 2, proto = "HTTP/2.0"; break;
      case CURL_HTTP_VERSION_3: version = 3, proto = "HTTP/3.0"; break;
      default: break;
    }
    if (!m.valid_http_versions.empty() &&
        std::find(m.valid_http_versions.begin(), m.valid_http_versions.end(), proto) ==
            m.valid_http_versions.end()) {
      success = false;
      if (reason.empty()) reason = "Invalid HTTP version number " + proto;
    }
    if (ssl && m.fail_if_ssl) {
      success = false;
      if (reason.empty()) reason = "Final request was over SSL";
    }
    if (!ssl && m.fail_if_not_ssl) {
      success = false;
      if (reason.empty()) reason = "Final request was not over SSL";
    }
  }
  return finish();
}

}  // namespace vigia::probe

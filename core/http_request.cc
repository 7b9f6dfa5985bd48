// The parts of core/http_server.h that do not touch the network: request
// helpers, listen addresses, gzip, the limit flags.
#include <libdeflate.h>

#include <cctype>
#include <cmath>

#include "core/flags.h"
#include "core/fs.h"
#include "core/http_server.h"
#include "core/text.h"
#include "core/yaml_reader.h"

namespace vigia {

namespace {

int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string url_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
      out += static_cast<char>(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

std::string_view HttpRequest::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (iequals_ascii(k, name)) return v;
  return {};
}

std::vector<std::string> HttpRequest::query_values(std::string_view key) const {
  std::vector<std::string> out;
  std::string_view q = query;
  while (!q.empty()) {
    size_t amp = q.find('&');
    std::string_view part = q.substr(0, amp);
    size_t eq = part.find('=');
    std::string k = url_decode(part.substr(0, eq));
    if (k == key) out.push_back(eq == std::string_view::npos ? "" : url_decode(part.substr(eq + 1)));
    if (amp == std::string_view::npos) break;
    q.remove_prefix(amp + 1);
  }
  return out;
}

std::string HttpRequest::query_value(std::string_view key) const {
  auto v = query_values(key);
  return v.empty() ? std::string() : v.front();
}

bool split_listen_address(std::string_view addr, std::string& host, int& port) {
  std::string_view port_part = addr;
  host.clear();
  if (!addr.empty() && addr.front() == '[') {
    size_t close = addr.find(']');
    if (close == std::string_view::npos || close + 1 >= addr.size() || addr[close + 1] != ':') return false;
    host = std::string(addr.substr(1, close - 1));
    port_part = addr.substr(close + 2);
  } else if (size_t colon = addr.rfind(':'); colon != std::string_view::npos) {
    host = std::string(addr.substr(0, colon));
    port_part = addr.substr(colon + 1);
  }
  if (port_part.empty() || port_part.size() > 5) return false;
  int p = 0;
  for (char c : port_part) {
    if (c < '0' || c > '9') return false;
    p = p * 10 + (c - '0');
  }
  if (p > 65535) return false;
  port = p;
  return true;
}

bool accepts_gzip(std::string_view ae) {
  while (!ae.empty()) {
    size_t comma = ae.find(',');
    std::string_view tok = ae.substr(0, comma);
    while (!tok.empty() && tok.front() == ' ') tok.remove_prefix(1);
    std::string_view coding = tok.substr(0, tok.find(';'));
    while (!coding.empty() && coding.back() == ' ') coding.remove_suffix(1);
    if (iequals_ascii(coding, "gzip")) {
      // "gzip;q=0" refuses it.
      size_t q = tok.find("q=");
      if (q == std::string_view::npos) return true;
      std::string_view qv = tok.substr(q + 2);
      return !(qv == "0" || qv == "0.0" || qv == "0.00" || qv == "0.000");
    }
    if (comma == std::string_view::npos) break;
    ae.remove_prefix(comma + 1);
  }
  return false;
}

namespace {

// One compressor per thread and level: allocating one costs more than
// compressing a small scrape. libdeflate compresses a whole buffer 2-3 times
// faster than zlib at the same level.
struct Compressor {
  libdeflate_compressor* c = nullptr;
  int level = -1;
  ~Compressor() {
    if (c) libdeflate_free_compressor(c);
  }
  libdeflate_compressor* get(int lvl) {
    if (c && level == lvl) return c;
    if (c) libdeflate_free_compressor(c);
    c = libdeflate_alloc_compressor(lvl);
    level = c ? lvl : -1;
    return c;
  }
};

}  // namespace

bool gzip_compress(std::string_view in, std::string& out, int level) {
  thread_local Compressor comp;
  libdeflate_compressor* c = comp.get(level);
  if (!c) return false;
  out.resize(libdeflate_gzip_compress_bound(c, in.size()));
  size_t n = libdeflate_gzip_compress(c, in.data(), in.size(), out.data(), out.size());
  out.resize(n);
  return n > 0 || in.empty();
}

void add_http_limit_flags(FlagSet& fs, HttpLimitFlags& f) {
  fs.add_string("web.max-requests",
                "Maximum number of parallel requests (handled or waiting for a handler); "
                "past it, 503. 0 disables the limit.",
                &f.max_requests);
  fs.add_string("web.max-connections",
                "Maximum number of open HTTP connections; past it, new ones are closed at once.",
                &f.max_connections);
  fs.add_string("web.read-timeout",
                "Time a connection has to send a complete request (from its opening or its previous "
                "response), and the longest it may stop reading a response.",
                &f.read_timeout);
  fs.add_string("web.max-header-bytes", "Maximum size of a request's line and headers; past it, 431.",
                &f.max_header_bytes);
  fs.add_string("web.max-body-bytes", "Maximum size of a request body; past it, 413.", &f.max_body_bytes);
}

namespace {

Status parse_count(std::string_view flag, const std::string& s, long min, long max, long& out) {
  double v = 0;
  if (!parse_double(s, v) || v != std::floor(v) || v < static_cast<double>(min) ||
      v > static_cast<double>(max))
    return Status::error("invalid --" + std::string(flag) + " \"" + s + "\": want a whole number from " +
                         std::to_string(min) + " to " + std::to_string(max));
  out = static_cast<long>(v);
  return Status::ok();
}

}  // namespace

Status apply_http_limit_flags(const HttpLimitFlags& f, HttpServer::Options& opts) {
  long v = 0;
  if (Status s = parse_count("web.max-requests", f.max_requests, 0, 1000000, v); !s.is_ok()) return s;
  opts.max_requests = static_cast<int>(v);
  if (Status s = parse_count("web.max-connections", f.max_connections, 1, 1000000, v); !s.is_ok()) return s;
  opts.max_connections = static_cast<int>(v);
  if (Status s = parse_count("web.max-header-bytes", f.max_header_bytes, 1024, 1 << 24, v); !s.is_ok())
    return s;
  opts.max_header_bytes = static_cast<size_t>(v);
  if (Status s = parse_count("web.max-body-bytes", f.max_body_bytes, 0, 1L << 30, v); !s.is_ok()) return s;
  opts.max_body_bytes = static_cast<size_t>(v);
  double secs = 0;
  if (!parse_prometheus_duration(f.read_timeout, secs) || secs <= 0 || secs > 86400)
    return Status::error("invalid --web.read-timeout \"" + f.read_timeout +
                         "\": want a duration such as 10s, from 1ms to 1d");
  opts.read_timeout = std::chrono::milliseconds(static_cast<int64_t>(std::ceil(secs * 1000)));
  return Status::ok();
}

}  // namespace vigia

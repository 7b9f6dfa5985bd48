// The tcp prober: a non-blocking socket and OpenSSL, every wait in poll(2)
// bounded by the probe's deadline (and its cancellation), so a server that
// accepts and never answers costs the probe its timeout and no more.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <re2/re2.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>

#include "core/text.h"
#include "exporters/probe/prober.h"

namespace vigia::probe {
namespace {

constexpr size_t kMaxLine = 64 << 10;  // Go's bufio.Scanner default token limit

class Conn {
 public:
  Conn(int fd, Clock::time_point deadline) : fd_(fd), deadline_(deadline) {}
  ~Conn() {
    if (ssl_) SSL_free(ssl_);
    if (ctx_) SSL_CTX_free(ctx_);
    if (fd_ >= 0) close(fd_);
  }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  // Waits until fd is readable (POLLIN) or writable (POLLOUT).
  bool wait(short events, std::string& err) {
    while (true) {
      if (cancelled()) {
        err = "probe cancelled";
        return false;
      }
      double left = seconds_left(deadline_);
      if (left <= 0) {
        err = "i/o timeout";
        return false;
      }
      pollfd p{fd_, events, 0};
      int ms = static_cast<int>(std::min(left * 1000 + 1, 100.0));
      int n = poll(&p, 1, ms);
      if (n > 0) return true;
      if (n < 0 && errno != EINTR) {
        err = std::string("poll: ") + std::strerror(errno);
        return false;
      }
    }
  }

  bool connect_to(const Resolved& a, std::string& err) {
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&a.addr), a.len) == 0) return true;
    if (errno != EINPROGRESS) {
      err = std::string("dial tcp: ") + std::strerror(errno);
      return false;
    }
    if (!wait(POLLOUT, err)) {
      err = "dial tcp " + a.ip + ": " + err;
      return false;
    }
    int so = 0;
    socklen_t len = sizeof so;
    getsockopt(fd_, SOL_SOCKET, SO_ERROR, &so, &len);
    if (so != 0) {
      err = "dial tcp " + a.ip + ": " + std::strerror(so);
      return false;
    }
    return true;
  }

  bool start_tls(const TlsConfig& t, const std::string& host, TlsState& state, std::string& err) {
    ctx_ = SSL_CTX_new(TLS_client_method());
    if (!ctx_) return ssl_fail("SSL_CTX_new", err);
    SSL_CTX_set_min_proto_version(ctx_, t.min_version ? t.min_version : TLS1_2_VERSION);
    if (!t.insecure_skip_verify) {
      SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
      int ok = t.ca_file.empty() ? SSL_CTX_set_default_verify_paths(ctx_)
                                 : SSL_CTX_load_verify_locations(ctx_, t.ca_file.c_str(), nullptr);
      if (ok != 1) return ssl_fail("loading CA " + t.ca_file, err);
    }
    if (!t.cert_file.empty() &&
        (SSL_CTX_use_certificate_chain_file(ctx_, t.cert_file.c_str()) != 1 ||
         SSL_CTX_use_PrivateKey_file(ctx_, t.key_file.c_str(), SSL_FILETYPE_PEM) != 1))
      return ssl_fail("loading client certificate", err);
    ssl_ = SSL_new(ctx_);
    if (!ssl_) return ssl_fail("SSL_new", err);
    std::string name = t.server_name.empty() ? host : t.server_name;
    if (!name.empty()) SSL_set_tlsext_host_name(ssl_, name.c_str());
    if (!t.insecure_skip_verify && !name.empty()) SSL_set1_host(ssl_, name.c_str());
    SSL_set_fd(ssl_, fd_);
    while (true) {
      int rc = SSL_connect(ssl_);
      if (rc == 1) break;
      int e = SSL_get_error(ssl_, rc);
      if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
        if (!wait(e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, err)) return false;
        continue;
      }
      long v = SSL_get_verify_result(ssl_);
      if (v != X509_V_OK) {
        err = std::string("TLS handshake: certificate verify failed: ") + X509_verify_cert_error_string(v);
        return false;
      }
      return ssl_fail("TLS handshake", err);
    }
    read_tls_state(ssl_, !t.insecure_skip_verify, state);
    return true;
  }

  // Reads some bytes into buf; 0 at end of stream, -1 on error.
  long read_some(char* buf, size_t n, std::string& err) {
    while (true) {
      if (ssl_) {
        size_t got = 0;
        int rc = SSL_read_ex(ssl_, buf, n, &got);
        if (rc == 1) return static_cast<long>(got);
        int e = SSL_get_error(ssl_, rc);
        if (e == SSL_ERROR_ZERO_RETURN) return 0;
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
          if (!wait(e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, err)) return -1;
          continue;
        }
        if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) return 0;  // unclean close: EOF
        ssl_fail("read", err);
        return -1;
      }
      ssize_t rc = ::read(fd_, buf, n);
      if (rc >= 0) return rc;
      if (errno == EAGAIN || errno == EINTR) {
        if (!wait(POLLIN, err)) return -1;
        continue;
      }
      err = std::string("read: ") + std::strerror(errno);
      return -1;
    }
  }

  bool write_all(std::string_view data, std::string& err) {
    while (!data.empty()) {
      if (ssl_) {
        size_t put = 0;
        int rc = SSL_write_ex(ssl_, data.data(), data.size(), &put);
        if (rc == 1) {
          data.remove_prefix(put);
          continue;
        }
        int e = SSL_get_error(ssl_, rc);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
          if (!wait(e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, err)) return false;
          continue;
        }
        return ssl_fail("write", err);
      }
      ssize_t rc = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (rc >= 0) {
        data.remove_prefix(static_cast<size_t>(rc));
        continue;
      }
      if (errno == EAGAIN || errno == EINTR) {
        if (!wait(POLLOUT, err)) return false;
        continue;
      }
      err = std::string("write: ") + std::strerror(errno);
      return false;
    }
    return true;
  }

  // The next line (without "\n" and a trailing "\r"), as Go's ScanLines cuts
  // them: false at the end of the stream (err empty) or on an error.
  bool next_line(std::string& line, std::string& err) {
    while (true) {
      size_t nl = buf_.find('\n');
      if (nl != std::string::npos) {
        line = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        return true;
      }
      if (eof_) {
        if (buf_.empty()) return false;
        line.swap(buf_);
        buf_.clear();
        if (!line.empty() && line.back() == '\r') line.pop_back();
        return true;
      }
      if (buf_.size() >= kMaxLine) {
        err = "bufio.Scanner: token too long";
        return false;
      }
      char chunk[4096];
      long n = read_some(chunk, std::min(sizeof chunk, kMaxLine - buf_.size()), err);
      if (n < 0) return false;
      if (n == 0) eof_ = true;
      buf_.append(chunk, static_cast<size_t>(n));
    }
  }
  // After STARTTLS: Go reads on with a new scanner, dropping what was buffered.
  void drop_buffer() {
    buf_.clear();
    eof_ = false;
  }

 private:
  bool ssl_fail(const std::string& what, std::string& err) {
    char buf[256] = {0};
    unsigned long e = ERR_get_error();
    if (e) ERR_error_string_n(e, buf, sizeof buf);
    ERR_clear_error();
    err = what + ": " + (buf[0] ? buf : "failed");
    return false;
  }

  int fd_;
  Clock::time_point deadline_;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  std::string buf_;
  bool eof_ = false;
};

bool split_host_port(std::string_view t, std::string& host, std::string& port) {
  if (t.starts_with("[")) {
    size_t close = t.find(']');
    if (close == std::string_view::npos || close + 1 >= t.size() || t[close + 1] != ':') return false;
    host = t.substr(1, close - 1);
    port = t.substr(close + 2);
  } else {
    size_t colon = t.rfind(':');
    if (colon == std::string_view::npos || t.find(':') != colon) return false;
    host = t.substr(0, colon);
    port = t.substr(colon + 1);
  }
  if (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), ::isdigit)) return false;
  return std::stoi(port) <= 65535;
}

}  // namespace

bool probe_tcp(std::string_view target, const TcpModule& m, Clock::time_point deadline, MetricSink& sink,
               std::string& reason) {
  bool regex_failed = false, have_tls = false;
  TlsState tls;
  auto finish = [&](bool ok) {
    sink.gauge("probe_failed_due_to_regex", "Indicates if probe failed due to regex", regex_failed ? 1 : 0);
    if (have_tls) write_tls_metrics(tls, sink);
    return ok;
  };
  std::string host, port;
  if (!split_host_port(target, host, port)) {
    reason = "Error splitting target address and port: " + std::string(target);
    return finish(false);
  }
  Resolved addr;
  double lookup = 0;
  if (!resolve(host, m.ip_protocol, m.ip_protocol_fallback, deadline, sink, addr, lookup, reason))
    return finish(false);
  uint16_t p = static_cast<uint16_t>(std::stoi(port));
  if (addr.v6)
    reinterpret_cast<sockaddr_in6*>(&addr.addr)->sin6_port = htons(p);
  else
    reinterpret_cast<sockaddr_in*>(&addr.addr)->sin_port = htons(p);

  int fd = socket(addr.v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    reason = std::string("socket: ") + std::strerror(errno);
    return finish(false);
  }
  Conn conn(fd, deadline);
  if (!m.source_ip_address.empty() && !bind_source(fd, addr.v6, m.source_ip_address, reason))
    return finish(false);
  if (!conn.connect_to(addr, reason)) return finish(false);
  if (m.tls) {
    if (!conn.start_tls(m.tls_config, host, tls, reason)) return finish(false);
    have_tls = true;
  }
  for (const QueryResponse& qr : m.query_response) {
    std::string send = qr.send;
    if (!qr.expect.text.empty()) {
      RE2 re(qr.expect.text);
      int n = re.NumberOfCapturingGroups();
      std::vector<std::string> groups(static_cast<size_t>(n) + 1);
      std::vector<RE2::Arg> args(static_cast<size_t>(n));
      std::vector<RE2::Arg*> argp(static_cast<size_t>(n));
      std::vector<re2::StringPiece> pieces(static_cast<size_t>(n) + 1);
      bool matched = false;
      std::string line, err;
      while (conn.next_line(line, err)) {
        re2::StringPiece in(line);
        if (re.Match(in, 0, line.size(), RE2::UNANCHORED, pieces.data(), n + 1)) {
          matched = true;
          for (int i = 0; i <= n; ++i)
            groups[static_cast<size_t>(i)] = std::string(pieces[static_cast<size_t>(i)]);
          break;
        }
      }
      if (!err.empty()) {
        reason = "Error reading from connection: " + err;
        return finish(false);
      }
      if (!matched) {
        regex_failed = true;
        reason = "Regexp did not match: " + qr.expect.text;
        return finish(false);
      }
      send = go_regexp_expand(send, groups, re.NamedCapturingGroups());
    }
    if (!send.empty() && !conn.write_all(send + "\n", reason)) {
      reason = "Failed to send: " + reason;
      return finish(false);
    }
    if (qr.starttls) {
      if (!conn.start_tls(m.tls_config, host, tls, reason)) {
        reason = "TLS Handshake (client) failed: " + reason;
        return finish(false);
      }
      conn.drop_buffer();
      have_tls = true;
    }
  }
  return finish(true);
}

}  // namespace vigia::probe

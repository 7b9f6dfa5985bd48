#include "exporters/redis/transport.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <dlfcn.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <type_traits>

namespace vigia::redis {
namespace {

// OpenSSL, loaded at run time by the first rediss:// connection: a vigia whose
// Redis targets are all plain TCP maps no libssl/libcrypto (about 1.7 MiB
// resident, bench/compare_redis_exporter.py). The headers give the types and
// constants only; every call goes through this table (no macro that calls).
struct OpenSslApi {
  std::string error;  // not empty: not loaded, why
  decltype(&::TLS_client_method) tls_client_method;
  decltype(&::SSL_CTX_new) ctx_new;
  decltype(&::SSL_CTX_free) ctx_free;
  decltype(&::SSL_CTX_ctrl) ctx_ctrl;
  decltype(&::SSL_CTX_set_verify) ctx_set_verify;
  decltype(&::SSL_CTX_set_default_verify_paths) ctx_set_default_verify_paths;
  decltype(&::SSL_CTX_load_verify_locations) ctx_load_verify_locations;
  decltype(&::SSL_CTX_use_certificate_chain_file) ctx_use_certificate_chain_file;
  decltype(&::SSL_CTX_use_PrivateKey_file) ctx_use_private_key_file;
  decltype(&::SSL_CTX_check_private_key) ctx_check_private_key;
  decltype(&::SSL_new) ssl_new;
  decltype(&::SSL_free) ssl_free;
  decltype(&::SSL_ctrl) ssl_ctrl;
  decltype(&::SSL_get0_param) get0_param;
  decltype(&::SSL_set1_host) set1_host;
  decltype(&::SSL_set_fd) set_fd;
  decltype(&::SSL_connect) connect;
  decltype(&::SSL_get_error) get_error;
  decltype(&::SSL_get_verify_result) get_verify_result;
  decltype(&::SSL_read_ex) read_ex;
  decltype(&::SSL_write_ex) write_ex;
  decltype(&::X509_VERIFY_PARAM_set1_ip_asc) param_set1_ip_asc;
  decltype(&::X509_verify_cert_error_string) verify_cert_error_string;
  decltype(&::ERR_get_error) err_get_error;
  decltype(&::ERR_peek_error) err_peek_error;
  decltype(&::ERR_clear_error) err_clear_error;
  decltype(&::ERR_error_string_n) err_error_string_n;
};

const OpenSslApi& openssl() {
  static const OpenSslApi api = [] {
    OpenSslApi a{};
    void* h = dlopen("libssl.so.3", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
      const char* e = dlerror();
      a.error = std::string("TLS: cannot load libssl.so.3 (package libssl3): ") + (e ? e : "unknown error");
      return a;
    }
    const char* missing = nullptr;
    auto sym = [&](auto& fn, const char* name) {
      // dlsym on libssl's handle also finds libcrypto's functions (its dependency).
      fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(h, name));
      if (!fn && !missing) missing = name;
    };
    sym(a.tls_client_method, "TLS_client_method");
    sym(a.ctx_new, "SSL_CTX_new");
    sym(a.ctx_free, "SSL_CTX_free");
    sym(a.ctx_ctrl, "SSL_CTX_ctrl");
    sym(a.ctx_set_verify, "SSL_CTX_set_verify");
    sym(a.ctx_set_default_verify_paths, "SSL_CTX_set_default_verify_paths");
    sym(a.ctx_load_verify_locations, "SSL_CTX_load_verify_locations");
    sym(a.ctx_use_certificate_chain_file, "SSL_CTX_use_certificate_chain_file");
    sym(a.ctx_use_private_key_file, "SSL_CTX_use_PrivateKey_file");
    sym(a.ctx_check_private_key, "SSL_CTX_check_private_key");
    sym(a.ssl_new, "SSL_new");
    sym(a.ssl_free, "SSL_free");
    sym(a.ssl_ctrl, "SSL_ctrl");
    sym(a.get0_param, "SSL_get0_param");
    sym(a.set1_host, "SSL_set1_host");
    sym(a.set_fd, "SSL_set_fd");
    sym(a.connect, "SSL_connect");
    sym(a.get_error, "SSL_get_error");
    sym(a.get_verify_result, "SSL_get_verify_result");
    sym(a.read_ex, "SSL_read_ex");
    sym(a.write_ex, "SSL_write_ex");
    sym(a.param_set1_ip_asc, "X509_VERIFY_PARAM_set1_ip_asc");
    sym(a.verify_cert_error_string, "X509_verify_cert_error_string");
    sym(a.err_get_error, "ERR_get_error");
    sym(a.err_peek_error, "ERR_peek_error");
    sym(a.err_clear_error, "ERR_clear_error");
    sym(a.err_error_string_n, "ERR_error_string_n");
    if (missing) a.error = std::string("TLS: libssl.so.3 lacks ") + missing;
    return a;
  }();
  return api;
}

// The first error of OpenSSL's queue (which it clears), or the fallback.
std::string ssl_error(const char* fallback) {
  const OpenSslApi& o = openssl();
  unsigned long e = o.err_get_error();
  o.err_clear_error();
  if (e == 0) return fallback;
  char buf[256];
  o.err_error_string_n(e, buf, sizeof buf);
  return buf;
}

bool is_ip_literal(const std::string& s) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

}  // namespace

Transport::~Transport() {
  if (ssl_) openssl().ssl_free(ssl_);
  if (ssl_ctx_) openssl().ctx_free(ssl_ctx_);
  if (fd_ >= 0) ::close(fd_);
}

Status Transport::wait(short events, const CollectContext& ctx) {
  pollfd fds[2] = {{fd_, events, 0}, {wake_fd_, POLLIN, 0}};
  while (true) {
    int64_t left = ctx.remaining().count();
    if (left <= 0) return Status::error("timeout");
    int n = ::poll(fds, wake_fd_ >= 0 ? 2 : 1, static_cast<int>(std::min<int64_t>(left, 1 << 30)));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::error(std::string("poll: ") + std::strerror(errno));
    if (n == 0) return Status::error("timeout");
    if (wake_fd_ >= 0 && (fds[1].revents & POLLIN)) return Status::error("shutting down");
    return Status::ok();  // ready, or an error the next call reports
  }
}

Status Transport::connect_tcp(const TargetConfig& t, const CollectContext& ctx) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* res = nullptr;
  std::string port = std::to_string(t.port);
  if (int rc = ::getaddrinfo(t.host.c_str(), port.c_str(), &hints, &res); rc != 0)
    return Status::error("resolving " + t.host + ": " + gai_strerror(rc));
  std::string last = "no address";
  for (addrinfo* a = res; a; a = a->ai_next) {
    int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      last = std::strerror(errno);
      continue;
    }
    fd_ = fd;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) {
      last = std::strerror(errno);
    } else if (Status st = wait(POLLOUT, ctx); !st.is_ok()) {
      ::freeaddrinfo(res);
      return Status::error(st.message() == "timeout" ? "connect: timed out" : st.message());
    } else {
      int err = 0;
      socklen_t len = sizeof err;
      if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
      if (err == 0) {
        ::freeaddrinfo(res);
        int one = 1;
        ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        return Status::ok();
      }
      last = std::strerror(err);
    }
    ::close(fd);
    fd_ = -1;
  }
  ::freeaddrinfo(res);
  return Status::error("connect: " + last);
}

Status Transport::handshake(const TargetConfig& t, const CollectContext& ctx) {
  const TlsClientOptions& o = t.tls_config;
  const OpenSslApi& api = openssl();
  if (!api.error.empty()) return Status::error(api.error);
  api.err_clear_error();
  ssl_ctx_ = api.ctx_new(api.tls_client_method());
  if (!ssl_ctx_) return Status::error("TLS: " + ssl_error("SSL_CTX_new failed"));
  api.ctx_ctrl(ssl_ctx_, SSL_CTRL_SET_MIN_PROTO_VERSION, TLS1_2_VERSION, nullptr);
  if (!o.insecure_skip_verify) {
    api.ctx_set_verify(ssl_ctx_, SSL_VERIFY_PEER, nullptr);
    int ok = o.ca_file.empty() ? api.ctx_set_default_verify_paths(ssl_ctx_)
                               : api.ctx_load_verify_locations(ssl_ctx_, o.ca_file.c_str(), nullptr);
    if (ok != 1) return Status::error("TLS: loading the CA file " + o.ca_file + ": " + ssl_error("failed"));
  }
  if (!o.cert_file.empty()) {
    if (api.ctx_use_certificate_chain_file(ssl_ctx_, o.cert_file.c_str()) != 1)
      return Status::error("TLS: loading cert_file " + o.cert_file + ": " + ssl_error("failed"));
    if (api.ctx_use_private_key_file(ssl_ctx_, o.key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
        api.ctx_check_private_key(ssl_ctx_) != 1)
      return Status::error("TLS: loading key_file " + o.key_file + ": " + ssl_error("failed"));
  }
  ssl_ = api.ssl_new(ssl_ctx_);
  if (!ssl_) return Status::error("TLS: " + ssl_error("SSL_new failed"));
  const std::string& name = o.server_name.empty() ? t.host : o.server_name;
  bool ip = is_ip_literal(name);
  if (!ip)  // SNI (SSL_set_tlsext_host_name)
    api.ssl_ctrl(ssl_, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                 const_cast<char*>(name.c_str()));
  if (!o.insecure_skip_verify) {
    X509_VERIFY_PARAM* param = api.get0_param(ssl_);
    if (ip ? api.param_set1_ip_asc(param, name.c_str()) != 1 : api.set1_host(ssl_, name.c_str()) != 1)
      return Status::error("TLS: bad server name '" + name + "'");
  }
  api.set_fd(ssl_, fd_);
  while (true) {
    api.err_clear_error();
    int rc = api.connect(ssl_);
    if (rc == 1) return Status::ok();
    int e = api.get_error(ssl_, rc);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
      if (Status st = wait(e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, ctx); !st.is_ok())
        return Status::error(st.message() == "timeout" ? "TLS handshake: no answer before the deadline"
                                                       : st.message());
      continue;
    }
    if (long v = api.get_verify_result(ssl_); v != X509_V_OK)
      return Status::error(std::string("TLS handshake: certificate verify failed: ") +
                           api.verify_cert_error_string(v));
    if (e == SSL_ERROR_SYSCALL && api.err_peek_error() == 0)
      return Status::error("TLS handshake: connection closed by the server (does it speak TLS?)");
    return Status::error("TLS handshake: " + ssl_error("failed"));
  }
}

Status Transport::open(const TargetConfig& t, const CollectContext& ctx) {
  if (Status st = connect_tcp(t, ctx); !st.is_ok()) return st;
  if (t.tls) return handshake(t, ctx);
  return Status::ok();
}

Status Transport::write_all(std::string_view data, const CollectContext& ctx) {
  while (!data.empty()) {
    size_t put = 0;
    if (ssl_) {
      const OpenSslApi& api = openssl();
      api.err_clear_error();
      int rc = api.write_ex(ssl_, data.data(), data.size(), &put);
      if (rc != 1) {
        int e = api.get_error(ssl_, rc);
        if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
          return Status::error("TLS write: " + ssl_error("connection closed"));
        if (Status st = wait(e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, ctx); !st.is_ok()) return st;
        continue;
      }
    } else {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
          return Status::error(std::string("write: ") + std::strerror(errno));
        if (Status st = wait(POLLOUT, ctx); !st.is_ok()) return st;
        continue;
      }
      put = static_cast<size_t>(n);
    }
    data.remove_prefix(put);
  }
  return Status::ok();
}

Status Transport::read_some(std::string& buf, size_t max, const CollectContext& ctx) {
  size_t at = buf.size();
  buf.resize(at + max);
  while (true) {
    size_t got = 0;
    if (ssl_) {
      const OpenSslApi& api = openssl();
      api.err_clear_error();
      int rc = api.read_ex(ssl_, buf.data() + at, max, &got);
      if (rc != 1) {
        int e = api.get_error(ssl_, rc);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
          if (Status st = wait(e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, ctx); !st.is_ok()) {
            buf.resize(at);
            return st;
          }
          continue;
        }
        buf.resize(at);
        if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && api.err_peek_error() == 0))
          return Status::error("connection closed by the server");
        return Status::error("TLS read: " + ssl_error("failed"));
      }
    } else {
      ssize_t n = ::recv(fd_, buf.data() + at, max, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        if (Status st = wait(POLLIN, ctx); !st.is_ok()) {
          buf.resize(at);
          return st;
        }
        continue;
      }
      if (n <= 0) {
        buf.resize(at);
        return Status::error(n == 0 ? "connection closed by the server"
                                    : std::string("read: ") + std::strerror(errno));
      }
      got = static_cast<size_t>(n);
    }
    buf.resize(at + got);
    return Status::ok();
  }
}

}  // namespace vigia::redis

#include "core/http_client.h"

#include "core/http_plain.h"

#include <curl/curl.h>
#include <dlfcn.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <set>
#include <stdexcept>
#include <type_traits>

namespace vigia {

namespace {

struct Authority {
  size_t begin = 0, end = 0;           // [begin, end) of "userinfo@host:port" in the URL
  size_t at = std::string_view::npos;  // the '@' ending the userinfo, if any
};

Authority authority(std::string_view url) {
  Authority a;
  size_t scheme = url.find("://");
  a.begin = scheme == std::string_view::npos ? 0 : scheme + 3;
  a.end = url.find_first_of("/?#", a.begin);
  if (a.end == std::string_view::npos) a.end = url.size();
  size_t at = url.substr(a.begin, a.end - a.begin).rfind('@');
  if (at != std::string_view::npos) a.at = a.begin + at;
  return a;
}

// The password in the URL's userinfo, or "".
std::string_view url_password(std::string_view url) {
  Authority a = authority(url);
  if (a.at == std::string_view::npos) return {};
  std::string_view userinfo = url.substr(a.begin, a.at - a.begin);
  size_t colon = userinfo.find(':');
  return colon == std::string_view::npos ? std::string_view{} : userinfo.substr(colon + 1);
}

struct BodySink {
  std::string* body;
  size_t limit;
  bool too_large = false;
};

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* sink = static_cast<BodySink*>(user);
  if (sink->body->size() + size * n > sink->limit) {
    sink->too_large = true;
    return 0;  // aborts the transfer
  }
  sink->body->append(data, size * n);
  return size * n;
}

// libcurl is loaded when the first client is made, not linked: with its TLS,
// Kerberos and LDAP libraries it doubled the resident memory of a vigia that
// never makes an HTTP request (5.6 -> 11.4 MiB), as the SQL client library did
// (see the area modules in docs/architecture.md).
struct CurlApi {
  std::string error;  // why libcurl could not be loaded
  CURLcode (*global_init)(long);
  CURL* (*easy_init)();
  void (*easy_cleanup)(CURL*);
  void (*easy_reset)(CURL*);
  CURLcode (*easy_setopt)(CURL*, CURLoption, ...);
  CURLcode (*easy_perform)(CURL*);
  CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...);
  const char* (*easy_strerror)(CURLcode);
  curl_slist* (*slist_append)(curl_slist*, const char*);
  void (*slist_free_all)(curl_slist*);
};

const CurlApi& curl_api();

// tls_config.server_name: libcurl sends as SNI and verifies the URL's host
// name, and has no option to name another; so the URL is made to name
// server_name, and CURLOPT_CONNECT_TO sends the connection to the URL's real
// host and port. `url` is rewritten; `host` gets the original "host[:port]"
// (for a Host header). Returns the list to free after the transfer (null
// without server_name).
curl_slist* apply_server_name(const CurlApi& api, CURL* c, const std::string& server_name,
                              std::string_view default_port, std::string& url, std::string& host) {
  if (server_name.empty()) return nullptr;
  Authority a = authority(url);
  size_t begin = a.at == std::string_view::npos ? a.begin : a.at + 1;
  host = url.substr(begin, a.end - begin);
  size_t close = host.rfind(']'), colon = host.rfind(':');
  bool has_port = colon != std::string::npos && (close == std::string::npos || colon > close);
  std::string name = host.substr(0, has_port ? colon : host.size());
  std::string port = has_port ? host.substr(colon + 1) : std::string(default_port);
  std::string sni = server_name.find(':') != std::string::npos ? "[" + server_name + "]" : server_name;
  url = url.substr(0, begin) + sni + ":" + port + url.substr(a.end);
  curl_slist* list = api.slist_append(nullptr, (sni + ":" + port + ":" + name + ":" + port).c_str());
  api.easy_setopt(c, CURLOPT_CONNECT_TO, list);
  return list;
}

// The TLS options of an HTTP or SMTP request on a curl handle.
void set_tls_options(const CurlApi& api, CURL* c, const TlsClientOptions& tls) {
  if (!tls.ca_file.empty()) api.easy_setopt(c, CURLOPT_CAINFO, tls.ca_file.c_str());
  if (!tls.cert_file.empty()) api.easy_setopt(c, CURLOPT_SSLCERT, tls.cert_file.c_str());
  if (!tls.key_file.empty()) api.easy_setopt(c, CURLOPT_SSLKEY, tls.key_file.c_str());
  if (tls.insecure_skip_verify) {
    api.easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    api.easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  }
}

const CurlApi& curl_api() {
  static CurlApi api = [] {
    CurlApi a{};
    void* h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
      const char* e = dlerror();
      a.error = std::string("cannot load libcurl (package libcurl4): ") + (e ? e : "unknown error");
      return a;
    }
    bool ok = true;
    auto sym = [&](auto& fn, const char* name) {
      fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(h, name));
      if (!fn) ok = false;
    };
    sym(a.global_init, "curl_global_init");
    sym(a.easy_init, "curl_easy_init");
    sym(a.easy_cleanup, "curl_easy_cleanup");
    sym(a.easy_reset, "curl_easy_reset");
    sym(a.easy_setopt, "curl_easy_setopt");
    sym(a.easy_perform, "curl_easy_perform");
    sym(a.easy_getinfo, "curl_easy_getinfo");
    sym(a.easy_strerror, "curl_easy_strerror");
    sym(a.slist_append, "curl_slist_append");
    sym(a.slist_free_all, "curl_slist_free_all");
    if (!ok) {
      a.error = "libcurl.so.4 lacks a curl_easy_* function";
    } else {
      a.global_init(CURL_GLOBAL_DEFAULT);
    }
    return a;
  }();
  return api;
}

}  // namespace

// interrupt() cannot call into libcurl from another thread; it sets the flag
// the progress callback returns, and shuts down the sockets libcurl opened
// through open_socket, so a transfer blocked in poll() wakes at once.
struct HttpClient::Abort {
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::set<curl_socket_t> sockets;  // open, under mu (closed only in close_socket)

  static int progress(void* p, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    return static_cast<Abort*>(p)->stop.load() ? 1 : 0;
  }
  static curl_socket_t open_socket(void* p, curlsocktype, curl_sockaddr* a) {
    auto* self = static_cast<Abort*>(p);
    std::lock_guard<std::mutex> lock(self->mu);
    if (self->stop) return CURL_SOCKET_BAD;
    curl_socket_t fd = ::socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
    if (fd != CURL_SOCKET_BAD) self->sockets.insert(fd);
    return fd;
  }
  static int close_socket(void* p, curl_socket_t fd) {
    auto* self = static_cast<Abort*>(p);
    std::lock_guard<std::mutex> lock(self->mu);
    self->sockets.erase(fd);
    return ::close(fd);
  }
};

std::string redact_url(std::string_view url) {
  Authority a = authority(url);
  if (a.at == std::string_view::npos) return std::string(url);
  std::string_view userinfo = url.substr(a.begin, a.at - a.begin);
  size_t colon = userinfo.find(':');
  if (colon == std::string_view::npos) return std::string(url);
  return std::string(url.substr(0, a.begin + colon + 1)) + "xxxxx" + std::string(url.substr(a.at));
}

std::string url_host_port(std::string_view url) {
  Authority a = authority(url);
  size_t begin = a.at == std::string_view::npos ? a.begin : a.at + 1;
  std::string hp(url.substr(begin, a.end - begin));
  size_t close = hp.rfind(']');
  size_t colon = hp.rfind(':');
  bool has_port = colon != std::string::npos && (close == std::string::npos || colon > close);
  if (!has_port) hp += url.substr(0, 6) == "https:" ? ":443" : ":80";
  return hp;
}

HttpClient::HttpClient() : abort_(std::make_unique<Abort>()) {}

HttpClient::~HttpClient() {
  // Closes the cached connections through close_socket: abort_ outlives it.
  if (curl_) curl_api().easy_cleanup(static_cast<CURL*>(curl_));
  plain_.reset();
}

void HttpClient::interrupt() {
  abort_->stop = true;
  std::lock_guard<std::mutex> lock(abort_->mu);
  for (curl_socket_t fd : abort_->sockets) ::shutdown(fd, SHUT_RDWR);
}

namespace {

// "Post \"http://user:xxxxx@host/\": msg", the password nowhere in msg.
std::string request_error(const HttpClientRequest& req, std::string msg) {
  std::string method = req.method == "POST" ? "Post" : req.method == "DELETE" ? "Delete" : "Get";
  // The messages name hosts, not credentials; make sure of it.
  std::string_view pw = url_password(req.url);
  for (size_t p; !pw.empty() && (p = msg.find(pw)) != std::string::npos;) msg.replace(p, pw.size(), "xxxxx");
  return method + " \"" + redact_url(req.url) + "\": " + msg;
}

}  // namespace

HttpClientResponse HttpClient::fetch(const HttpClientRequest& req) {
  if (abort_->stop) {
    HttpClientResponse resp;
    resp.error = request_error(req, "interrupted");
    return resp;
  }
  if (!http_plain::serves(req)) return fetch_curl(req, 10);
  if (!plain_) {
    Abort* a = abort_.get();
    plain_ = std::make_unique<http_plain::Transport>(
        http_plain::SocketHooks{[a](int fd) {
                                  std::lock_guard<std::mutex> lock(a->mu);
                                  if (a->stop) return false;
                                  a->sockets.insert(fd);
                                  return true;
                                },
                                [a](int fd) {
                                  std::lock_guard<std::mutex> lock(a->mu);
                                  a->sockets.erase(fd);
                                },
                                [a] { return a->stop.load(); }});
  }
  HttpClientResponse resp;
  HttpClientRequest onward;
  int redirects_left = 10;
  if (plain_->fetch(req, resp, onward, redirects_left)) {
    // Redirected to https://: libcurl goes on from there, with what is left
    // of the redirect budget; its errors still name the URL asked for.
    resp = fetch_curl(onward, redirects_left);
    if (!resp.ok()) resp.error = request_error(req, resp.error.substr(resp.error.find("\": ") + 3));
    return resp;
  }
  if (!resp.ok()) {
    if (abort_->stop) resp.error = "interrupted";
    resp.error = request_error(req, resp.error);
  }
  return resp;
}

HttpClientResponse HttpClient::fetch_curl(const HttpClientRequest& req, long max_redirects) {
  const CurlApi& api = curl_api();
  HttpClientResponse resp;
  if (!curl_ && api.error.empty()) curl_ = api.easy_init();
  if (!curl_) {
    resp.error = api.error.empty() ? "curl_easy_init failed" : api.error;
    return resp;
  }
  CURL* c = static_cast<CURL*>(curl_);
  api.easy_reset(c);  // keeps the connection cache
  api.easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  api.easy_setopt(c, CURLOPT_XFERINFOFUNCTION, &Abort::progress);
  api.easy_setopt(c, CURLOPT_XFERINFODATA, abort_.get());
  api.easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, &Abort::open_socket);
  api.easy_setopt(c, CURLOPT_OPENSOCKETDATA, abort_.get());
  api.easy_setopt(c, CURLOPT_CLOSESOCKETFUNCTION, &Abort::close_socket);
  api.easy_setopt(c, CURLOPT_CLOSESOCKETDATA, abort_.get());
  char errbuf[CURL_ERROR_SIZE] = {0};
  std::string url = req.url, host;
  curl_slist* connect_to = nullptr;
  if (url.compare(0, 8, "https://") == 0 && req.unix_socket.empty())
    connect_to = apply_server_name(api, c, req.tls.server_name, "443", url, host);
  api.easy_setopt(c, CURLOPT_URL, url.c_str());
  if (!req.unix_socket.empty()) api.easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, req.unix_socket.c_str());
  api.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  api.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM for timeouts: we are threaded
  // Redirects are followed, as Prometheus's scrapes and Go's client do (up to
  // 10); credentials are not sent on to another host (curl's default).
  api.easy_setopt(c, CURLOPT_FOLLOWLOCATION, req.follow_redirects ? 1L : 0L);
  set_tls_options(api, c, req.tls);
  api.easy_setopt(c, CURLOPT_MAXREDIRS, max_redirects);
  api.easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  api.easy_setopt(c, CURLOPT_TIMEOUT_MS, long(req.timeout.count()));
  api.easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  api.easy_setopt(c, CURLOPT_USERAGENT, "vigia/" VIGIA_VERSION);
  api.easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  BodySink sink{&resp.body, req.max_body_bytes};
  api.easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  if (req.accept_gzip) api.easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "gzip");
  if (req.method == "POST") {
    api.easy_setopt(c, CURLOPT_POST, 1L);
    api.easy_setopt(c, CURLOPT_POSTFIELDS, req.body.c_str());
    api.easy_setopt(c, CURLOPT_POSTFIELDSIZE, long(req.body.size()));
  } else {
    api.easy_setopt(c, CURLOPT_HTTPGET, 1L);
    if (req.method == "DELETE") api.easy_setopt(c, CURLOPT_CUSTOMREQUEST, "DELETE");
  }
  curl_slist* headers = nullptr;
  bool has_host = false;
  for (const auto& [k, v] : req.headers) {
    headers = api.slist_append(headers, (k + ": " + v).c_str());
    has_host |= strcasecmp(k.c_str(), "Host") == 0;
  }
  // The Host header names the URL's host, as Go's client sends it whatever ServerName.
  if (connect_to && !has_host) headers = api.slist_append(headers, ("Host: " + host).c_str());
  if (headers) api.easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  CURLcode rc = api.easy_perform(c);
  api.slist_free_all(headers);
  api.slist_free_all(connect_to);
  if (rc != CURLE_OK) {
    std::string msg = errbuf[0] ? errbuf : api.easy_strerror(rc);
    if (sink.too_large) msg = "body larger than " + std::to_string(req.max_body_bytes) + " bytes";
    if (abort_->stop) msg = "interrupted";
    resp.error = request_error(req, msg);
    resp.body.clear();
    return resp;
  }
  api.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp.status);
  char* ct = nullptr;
  if (api.easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct) resp.content_type = ct;
  return resp;
}

namespace {

struct MailSource {
  std::string_view data;
  size_t pos = 0;
  static size_t read(char* buf, size_t size, size_t n, void* p) {
    auto* self = static_cast<MailSource*>(p);
    size_t len = std::min(size * n, self->data.size() - self->pos);
    std::memcpy(buf, self->data.data() + self->pos, len);
    self->pos += len;
    return len;
  }
};

}  // namespace

namespace {

// What smtp_send and smtp_auth_mechanisms set alike on the handle: the URL
// (its path is the EHLO name), TLS, the timeout. Returns the list to free.
curl_slist* smtp_setup(const CurlApi& api, CURL* c, const SmtpRequest& req, char* errbuf) {
  std::string url = std::string(req.implicit_tls ? "smtps://" : "smtp://") + req.host + ":" + req.port + "/" +
                    (req.hello.empty() ? "localhost" : req.hello);
  std::string host;
  curl_slist* connect_to = nullptr;
  // Go's ServerName counts only where TLS is used (STARTTLS or port 465).
  if (req.implicit_tls || req.require_tls)
    connect_to = apply_server_name(api, c, req.tls.server_name, req.port, url, host);
  api.easy_setopt(c, CURLOPT_URL, url.c_str());
  api.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  api.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  api.easy_setopt(c, CURLOPT_TIMEOUT_MS, long(req.timeout.count()));
  api.easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  if (!req.implicit_tls)
    api.easy_setopt(c, CURLOPT_USE_SSL, long(req.require_tls ? CURLUSESSL_ALL : CURLUSESSL_NONE));
  set_tls_options(api, c, req.tls);
  return connect_to;
}

std::string smtp_error(const CurlApi& api, CURL* c, const SmtpRequest& req, CURLcode rc, const char* errbuf) {
  long code = 0;
  api.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  std::string msg = errbuf[0] ? errbuf : api.easy_strerror(rc);
  if (rc == CURLE_USE_SSL_FAILED)
    msg = "'require_tls' is true but the server " + req.host + ":" + req.port +
          " does not advertise the STARTTLS extension";
  for (size_t p; !req.password.empty() && (p = msg.find(req.password)) != std::string::npos;)
    msg.replace(p, req.password.size(), "xxxxx");
  if (code) msg += " (SMTP " + std::to_string(code) + ")";
  return msg;
}

// The server's EHLO replies as libcurl's debug callback passes them: the
// AUTH line of the last one.
struct EhloAuth {
  std::string mechs;
  static int on_debug(CURL*, curl_infotype type, char* data, size_t size, void* p) {
    auto* self = static_cast<EhloAuth*>(p);
    std::string_view text(data, size);
    if (type == CURLINFO_HEADER_OUT && text.substr(0, 4) == "EHLO") self->mechs.clear();
    if (type == CURLINFO_HEADER_IN) smtp_ehlo_auth(text, self->mechs);
    return 0;
  }
};

}  // namespace

void smtp_ehlo_auth(std::string_view reply, std::string& mechs) {
  while (!reply.empty()) {
    size_t nl = reply.find('\n');
    std::string_view line = reply.substr(0, nl);
    reply = nl == std::string_view::npos ? std::string_view{} : reply.substr(nl + 1);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (line.size() > 9 && line.substr(0, 3) == "250" && (line[3] == '-' || line[3] == ' ') &&
        strncasecmp(line.data() + 4, "AUTH ", 5) == 0)
      mechs = std::string(line.substr(9));
  }
}

std::string smtp_auth_mechanisms(const SmtpRequest& req, std::string& mechs) {
  mechs.clear();
  const CurlApi& api = curl_api();
  if (!api.error.empty()) return api.error;
  CURL* c = api.easy_init();
  if (!c) return "curl_easy_init failed";
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_slist* connect_to = smtp_setup(api, c, req, errbuf);
  // Only the session's opening: no credentials are set, so none is sent,
  // and the debug callback sees no secret.
  api.easy_setopt(c, CURLOPT_CONNECT_ONLY, 1L);
  EhloAuth ehlo;
  api.easy_setopt(c, CURLOPT_DEBUGFUNCTION, &EhloAuth::on_debug);
  api.easy_setopt(c, CURLOPT_DEBUGDATA, &ehlo);
  api.easy_setopt(c, CURLOPT_VERBOSE, 1L);
  CURLcode rc = api.easy_perform(c);
  std::string err = rc == CURLE_OK ? "" : smtp_error(api, c, req, rc, errbuf);
  api.easy_cleanup(c);
  api.slist_free_all(connect_to);
  if (err.empty()) mechs = ehlo.mechs;
  return err;
}

std::string smtp_send(const SmtpRequest& req) {
  const CurlApi& api = curl_api();
  if (!api.error.empty()) return api.error;
  CURL* c = api.easy_init();
  if (!c) return "curl_easy_init failed";
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_slist* connect_to = smtp_setup(api, c, req, errbuf);
  std::string login_options = "AUTH=" + (req.auth_mechanism.empty() ? "*" : req.auth_mechanism);
  if (!req.username.empty()) {
    api.easy_setopt(c, CURLOPT_USERNAME, req.username.c_str());
    api.easy_setopt(c, CURLOPT_PASSWORD, req.password.c_str());
    api.easy_setopt(c, CURLOPT_LOGIN_OPTIONS, login_options.c_str());
    if (!req.authzid.empty()) api.easy_setopt(c, CURLOPT_SASL_AUTHZID, req.authzid.c_str());
  }
  api.easy_setopt(c, CURLOPT_MAIL_FROM, ("<" + req.from + ">").c_str());
  curl_slist* rcpt = nullptr;
  for (const auto& r : req.to) rcpt = api.slist_append(rcpt, ("<" + r + ">").c_str());
  api.easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
  MailSource src{req.message};
  api.easy_setopt(c, CURLOPT_READFUNCTION, &MailSource::read);
  api.easy_setopt(c, CURLOPT_READDATA, &src);
  api.easy_setopt(c, CURLOPT_UPLOAD, 1L);
  api.easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(req.message.size()));
  CURLcode rc = api.easy_perform(c);
  std::string err = rc == CURLE_OK ? "" : smtp_error(api, c, req, rc, errbuf);
  api.easy_cleanup(c);
  api.slist_free_all(rcpt);
  api.slist_free_all(connect_to);
  return err;
}

std::string basic_auth_header(std::string_view user, std::string_view password) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string in;
  in.reserve(user.size() + 1 + password.size());
  in.append(user).append(1, ':').append(password);
  std::string out = "Basic ";
  for (size_t i = 0; i < in.size(); i += 3) {
    uint32_t n = static_cast<uint32_t>(static_cast<unsigned char>(in[i])) << 16;
    if (i + 1 < in.size()) n |= static_cast<uint32_t>(static_cast<unsigned char>(in[i + 1])) << 8;
    if (i + 2 < in.size()) n |= static_cast<unsigned char>(in[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += i + 2 < in.size() ? kAlphabet[n & 63] : '=';
  }
  return out;
}

}  // namespace vigia

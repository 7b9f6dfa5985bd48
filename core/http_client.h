// A small HTTP client for every HTTP request vigia makes. http:// URLs
// (and unix sockets) without a proxy go over a plain HTTP/1.1 transport
// (core/http_plain.h); https://, proxies and SMTP over libcurl, loaded at
// run time by http_client.cc at its first use, so a vigia that makes no such
// request does not map it or its TLS libraries.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vigia {

namespace http_plain {
class Transport;
}

// TLS client options (Prometheus common's tls_config): a CA file instead of
// the system's, a client certificate and key, the server name (Go's
// tls.Config.ServerName: the name sent as SNI and verified in the server's
// certificate, while the connection still goes to the URL's host), and no
// verification at all.
struct TlsClientOptions {
  std::string ca_file, cert_file, key_file, server_name;
  bool insecure_skip_verify = false;
};

struct HttpClientRequest {
  std::string method = "GET";  // GET, POST or DELETE
  // May carry basic-auth credentials (http://user:pass@host/...): they are
  // used, and never appear in an error (see redact_url).
  std::string url;
  // When set, the request goes over this unix socket (CURLOPT_UNIX_SOCKET_PATH;
  // the URL's host is then only the Host header): the Docker Engine API.
  std::string unix_socket;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;                          // POST body
  std::chrono::milliseconds timeout{10000};  // the whole exchange
  // Ask for gzip (Accept-Encoding) and decode it.
  bool accept_gzip = true;
  // A larger (decoded) body fails the request (Prometheus's body_size_limit):
  // one runaway exporter must not fill a small host's memory.
  size_t max_body_bytes = 64 << 20;
  TlsClientOptions tls;
  bool follow_redirects = true;
};

struct HttpClientResponse {
  long status = 0;   // HTTP status, 0 if none was received
  std::string body;  // decoded
  std::string content_type;
  // Transport failure (connect, timeout, TLS, bad gzip), with the redacted
  // URL: "Get \"http://host:9100/metrics\": Connection refused". Empty when
  // a response was received, whatever its status.
  std::string error;
  bool ok() const { return error.empty(); }
};

// One connection's worth of client: keeps the connection alive between
// requests to the same server; follows up to 10 redirects. Not thread-safe:
// one per thread or target, except interrupt().
class HttpClient {
 public:
  HttpClient();
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  HttpClientResponse fetch(const HttpClientRequest& req);

  // For shutdown, from any thread, while fetch() may be running: a fetch in
  // flight returns now with the error "... interrupted" (its connections are
  // shut down; a connection attempt or name lookup is abandoned at libcurl's
  // next progress call, within about a second), and later fetches fail at
  // once. Irreversible.
  void interrupt();

 private:
  struct Abort;           // shared with libcurl's callbacks and the plain transport
  void* curl_ = nullptr;  // CURL*, made at the first request libcurl serves
  std::unique_ptr<Abort> abort_;
  std::unique_ptr<http_plain::Transport> plain_;  // made at the first plain request
  HttpClientResponse fetch_curl(const HttpClientRequest& req, long max_redirects);
};

// One mail sent over SMTP (libcurl's smtp:// and smtps://), for the
// notifier's email integration.
struct SmtpRequest {
  std::string host;  // smarthost: host and port
  std::string port;
  std::string hello = "localhost";  // the EHLO name
  // Implicit TLS (port 465: smtps) rather than STARTTLS.
  bool implicit_tls = false;
  // Require STARTTLS (fail if the server does not offer it); otherwise the
  // session stays in plain text.
  bool require_tls = true;
  std::string username, password;  // AUTH when username is set (the secret for CRAM-MD5)
  // The AUTH mechanism ("PLAIN", "LOGIN", "CRAM-MD5"); "" lets libcurl choose
  // among those the server offers.
  std::string auth_mechanism;
  std::string authzid;          // PLAIN's authorization identity
  std::string from;             // the envelope sender
  std::vector<std::string> to;  // the envelope recipients
  std::string message;          // the whole mail, headers and body, CRLF line ends
  TlsClientOptions tls;
  std::chrono::milliseconds timeout{10000};
};
// Sends the mail: empty on success, else the error (the server's reply or
// the transport's failure; never the password).
std::string smtp_send(const SmtpRequest& req);
// Opens the session smtp_send would (greeting, EHLO, STARTTLS as asked),
// neither authenticating nor sending, and sets `mechs` to the AUTH mechanisms
// the server advertises in its last EHLO reply, in its order ("PLAIN LOGIN";
// "" without the AUTH extension). Empty on success, else the error.
std::string smtp_auth_mechanisms(const SmtpRequest& req, std::string& mechs);
// The parser of the EHLO reply's lines that smtp_auth_mechanisms uses
// ("250-AUTH PLAIN LOGIN\r\n..."): sets `mechs` to what follows "AUTH " on an
// AUTH line (trailing CR and spaces cut); unchanged without one.
void smtp_ehlo_auth(std::string_view reply, std::string& mechs);

// The URL with the password of its userinfo replaced by "xxxxx", as
// Prometheus prints URLs ("http://user:xxxxx@host/"); unchanged without one.
std::string redact_url(std::string_view url);

// "host:port" of a URL, the port defaulted from the scheme (Prometheus's
// instance label for a target): "http://a/metrics" -> "a:80".
std::string url_host_port(std::string_view url);

// "Basic <base64(user:password)>", the Authorization header's value.
std::string basic_auth_header(std::string_view user, std::string_view password);

}  // namespace vigia

// email_configs: Alertmanager 0.25's notify/email over libcurl's SMTP
// (core/http_client.h smtp_send): STARTTLS required unless require_tls is
// false, implicit TLS on port 465, AUTH when auth_username is set and the
// server offers AUTH (the mechanism chosen as Alertmanager's Email.auth: the
// first of the server's list that the config can do), a
// multipart/alternative mail with a text and an HTML part.
#include <time.h>

#include <atomic>
#include <cstdio>
#include <random>

#include "alerting/notify/http_config_reader.h"
#include "alerting/notify/integrations_internal.h"

namespace vigia::notify {
namespace {

// Quoted-printable (RFC 2045) with CRLF line ends, lines under 76 characters.
std::string quoted_printable(const std::string& s) {
  std::string out;
  size_t col = 0;
  auto put = [&](const std::string& piece) {
    if (col + piece.size() > 75) {
      out += "=\r\n";
      col = 0;
    }
    out += piece;
    col += piece.size();
  };
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '\n') {
      // a space or tab before a line end must be encoded
      if (!out.empty() && (out.back() == ' ' || out.back() == '\t')) {
        char sp = out.back();
        out.pop_back();
        --col;
        char buf[4];
        std::snprintf(buf, sizeof buf, "=%02X", static_cast<unsigned char>(sp));
        put(buf);
      }
      out += "\r\n";
      col = 0;
    } else if (c == '\r') {
      continue;
    } else if ((c >= 33 && c <= 126 && c != '=') || c == ' ' || c == '\t') {
      put(std::string(1, static_cast<char>(c)));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "=%02X", c);
      put(buf);
    }
  }
  return out;
}

// mime.QEncoding.Encode("utf-8", s): unchanged when printable ASCII.
std::string q_encode(const std::string& s) {
  bool plain = true;
  for (unsigned char c : s)
    if (c < 0x20 || c >= 0x7f) plain = false;
  if (plain) return s;
  std::string out = "=?utf-8?q?";
  for (unsigned char c : s) {
    if (c == ' ') {
      out += '_';
    } else if (c >= 33 && c <= 126 && c != '=' && c != '?' && c != '_') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "=%02X", c);
      out += buf;
    }
  }
  return out + "?=";
}

// "Mon, 02 Jan 2006 15:04:05 +0000" of now.
std::string rfc1123z_now() {
  time_t t = ::time(nullptr);
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[64];
  strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

std::string random_hex(size_t n) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string out;
  while (out.size() < n) {
    char buf[20];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(rng()));
    out += buf;
  }
  return out.substr(0, n);
}

// The addresses of an RFC 5322 address list ("A <a@x>, b@y").
std::vector<std::string> addresses(const std::string& list) {
  std::vector<std::string> out;
  size_t start = 0;
  bool quoted = false;
  for (size_t i = 0; i <= list.size(); ++i) {
    if (i < list.size() && list[i] == '"') quoted = !quoted;
    if (i == list.size() || (list[i] == ',' && !quoted)) {
      std::string part = list.substr(start, i - start);
      size_t lt = part.rfind('<'), gt = part.rfind('>');
      std::string addr = lt != std::string::npos && gt != std::string::npos && gt > lt
                             ? part.substr(lt + 1, gt - lt - 1)
                             : part;
      size_t b = addr.find_first_not_of(" \t"), e = addr.find_last_not_of(" \t");
      if (b != std::string::npos) out.push_back(addr.substr(b, e - b + 1));
      start = i + 1;
    }
  }
  return out;
}

class Email : public Integration {
 public:
  std::string_view kind() const override { return "email"; }
  bool send_resolved() const override { return send_resolved_; }
  DeliveryResult deliver(const Notification& n, const DeliveryContext& ctx) override {
    DeliveryResult res;
    alerting::MessageData d = message_data(n);
    std::string err;
    std::string to = tmpl_->text(to_, d, err), from = tmpl_->text(from_, d, err);
    std::vector<std::pair<std::string, std::string>> headers;
    bool has_from = false, has_to = false;
    for (const auto& [k, v] : headers_) {
      std::string val = tmpl_->text(v, d, err);
      has_from |= k == "From";
      has_to |= k == "To";
      headers.emplace_back(k, val);
    }
    std::string text = tmpl_->text(text_, d, err), html = tmpl_->text(html_, d, err, true);
    if (!err.empty()) {
      res.error = "template: " + err;
      return res;
    }
    SmtpRequest req;
    req.host = host_;
    req.port = port_;
    req.hello = hello_;
    req.implicit_tls = port_ == "465";
    req.require_tls = require_tls_;
    req.username = username_;
    std::vector<std::string> froms = addresses(from);
    if (froms.size() != 1) {
      res.error = "must be exactly one 'from' address (got: " + std::to_string(froms.size()) + ")";
      return res;
    }
    req.from = froms[0];
    req.to = addresses(to);
    if (req.to.empty()) {
      res.error = "parse 'to' addresses: no address";
      return res;
    }
    req.tls = tls_;
    req.timeout = ctx.timeout;
    if (!username_.empty()) {
      // Alertmanager authenticates only when the server offers AUTH, with
      // the mechanism its list and the config allow: a session of its own
      // asks for the list first.
      std::string mechs;
      if (std::string e = smtp_auth_mechanisms(req, mechs); !e.empty()) {
        res.retryable = true;
        res.error = "establish connection to server: " + e;
        return res;
      }
      if (!mechs.empty()) {
        if (std::string e = choose_auth(mechs, req); !e.empty()) {
          res.retryable = true;
          res.error = "find auth mechanism: " + scrub(e, {req.password});
          return res;
        }
      } else {
        req.username.clear();
      }
    }
    std::string msg;
    for (const auto& [k, v] : headers) msg += k + ": " + q_encode(v) + "\r\n";
    if (!has_from) msg += "From: " + q_encode(from) + "\r\n";
    if (!has_to) msg += "To: " + q_encode(to) + "\r\n";
    msg += "Date: " + rfc1123z_now() + "\r\n";
    std::string host_part = hello_.empty() ? "localhost" : hello_;
    msg += "Message-Id: <" + random_hex(20) + "@" + host_part + ">\r\n";
    msg += "X-Mailer: vigia\r\nMIME-Version: 1.0\r\n";
    std::string boundary = random_hex(32);
    msg += "Content-Type: multipart/alternative;  boundary=" + boundary + "\r\n\r\n";
    if (!text.empty()) {
      msg += "--" + boundary +
             "\r\nContent-Transfer-Encoding: quoted-printable\r\n"
             "Content-Type: text/plain; charset=UTF-8\r\n\r\n" +
             quoted_printable(text) + "\r\n";
    }
    if (!html.empty()) {
      msg += "--" + boundary +
             "\r\nContent-Transfer-Encoding: quoted-printable\r\n"
             "Content-Type: text/html; charset=UTF-8\r\n\r\n" +
             quoted_printable(html) + "\r\n";
    }
    msg += "--" + boundary + "--\r\n";
    req.message = std::move(msg);
    std::string e = smtp_send(req);
    if (!e.empty()) {
      res.retryable = true;
      res.error =
          (req.auth_mechanism.empty() ? "" : req.auth_mechanism + " auth: ") + scrub(e, {req.password});
      return res;
    }
    res.ok = true;
    res.detail = "250 accepted for " + std::to_string(req.to.size()) + " recipient(s)";
    return res;
  }

  // Email.auth of Alertmanager 0.25: the first mechanism of the server's
  // list the config can do: CRAM-MD5 with auth_secret, PLAIN (with
  // auth_identity) or LOGIN with a password. Sets req's mechanism and
  // password; else the errors of each, or "unknown auth mechanism".
  std::string choose_auth(const std::string& mechs, SmtpRequest& req) const {
    std::string errs;
    auto add = [&](const std::string& e) { errs += (errs.empty() ? "" : "; ") + e; };
    size_t pos = 0;
    while (pos <= mechs.size()) {
      size_t sp = mechs.find(' ', pos);
      std::string mech = mechs.substr(pos, sp == std::string::npos ? std::string::npos : sp - pos);
      pos = sp == std::string::npos ? mechs.size() + 1 : sp + 1;
      if (mech == "CRAM-MD5") {
        if (Status s = secret_.load(req.password); !s.is_ok()) {
          add(s.message());
          continue;
        }
        if (req.password.empty()) {
          add("missing secret for CRAM-MD5 auth mechanism");
          continue;
        }
      } else if (mech == "PLAIN" || mech == "LOGIN") {
        if (Status s = password_.load(req.password); !s.is_ok()) {
          add(s.message());
          continue;
        }
        if (req.password.empty()) {
          add("missing password for " + mech + " auth mechanism");
          continue;
        }
        // Go's smtp.PlainAuth sends credentials only over TLS or to localhost.
        bool tls = req.implicit_tls || req.require_tls;
        if (mech == "PLAIN" && !tls && req.host != "localhost" && req.host != "127.0.0.1" &&
            req.host != "::1")
          return "PLAIN auth: unencrypted connection";
        if (mech == "PLAIN") req.authzid = identity_;
      } else {
        continue;
      }
      req.auth_mechanism = mech;
      return "";
    }
    req.password.clear();
    return errs.empty() ? "unknown auth mechanism: " + mechs : errs;
  }

  bool send_resolved_ = false, require_tls_ = true;
  std::string to_, from_, hello_, host_, port_, username_, identity_, html_, text_;
  Secret password_, secret_;
  std::vector<std::pair<std::string, std::string>> headers_;
  TlsConfig tls_;
  const TemplateSet* tmpl_ = nullptr;
};

}  // namespace

std::unique_ptr<Integration> make_email(const ItemContext& c) {
  c.r.check_keys(c.node, c.what,
                 {"send_resolved", "to", "from", "hello", "smarthost", "auth_username", "auth_password",
                  "auth_password_file", "auth_secret", "auth_identity", "headers", "html", "text",
                  "require_tls", "tls_config"});
  auto e = std::make_unique<Email>();
  e->tmpl_ = &c.tmpl;
  e->send_resolved_ = read_send_resolved(c, false);
  if (!c.node["to"]) c.r.fail(c.node, "missing to address in email config");
  e->to_ = read_string(c, "to", "");
  e->from_ = read_string(c, "from", c.g.smtp_from);
  if (e->from_.empty()) c.r.fail(c.node, "no global SMTP from set");
  e->hello_ = read_string(c, "hello", c.g.smtp_hello);
  std::string smarthost = read_string(c, "smarthost", c.g.smtp_smarthost);
  if (smarthost.empty()) c.r.fail(c.node, "no global SMTP smarthost set");
  size_t colon = smarthost.rfind(':');
  if (colon == std::string::npos || colon + 1 == smarthost.size())
    c.r.fail(c.node["smarthost"] ? c.node["smarthost"] : c.node,
             "address " + smarthost + ": missing port in address");
  e->host_ = smarthost.substr(0, colon);
  if (e->host_.size() > 2 && e->host_.front() == '[' && e->host_.back() == ']')
    e->host_ = e->host_.substr(1, e->host_.size() - 2);
  e->port_ = smarthost.substr(colon + 1);
  e->username_ = read_string(c, "auth_username", c.g.smtp_auth_username);
  // Each inherited from global when unset, as Alertmanager's config.Load.
  e->password_ = read_secret(c.r, c.node, c.what, "auth_password", c.dir);
  if (e->password_.empty()) e->password_ = c.g.smtp_auth_password;
  e->secret_.value = read_string(c, "auth_secret", "");
  if (e->secret_.empty()) e->secret_ = c.g.smtp_auth_secret;
  e->identity_ = read_string(c, "auth_identity", c.g.smtp_auth_identity);
  e->require_tls_ = c.node["require_tls"] ? c.r.get_bool(c.node["require_tls"], c.what + ".require_tls")
                                          : c.g.smtp_require_tls;
  e->html_ = read_string(c, "html", "{{ template \"email.default.html\" . }}");
  e->text_ = read_string(c, "text", "{{ template \"email.default.text\" . }}");
  // Header names are canonicalized as Go's textproto; Subject by default.
  bool subject = false;
  if (const auto& h = c.node["headers"]) {
    c.r.expect_map(h, c.what + ".headers");
    for (const auto& kv : h) {
      std::string k = kv.first.as<std::string>();
      bool up = true;
      for (char& ch : k) {
        ch = static_cast<char>(up ? std::toupper(static_cast<unsigned char>(ch))
                                  : std::tolower(static_cast<unsigned char>(ch)));
        up = ch == '-';
      }
      for (const auto& [ek, ev] : e->headers_)
        if (ek == k) c.r.fail(kv.first, "duplicate header \"" + k + "\" in email config");
      if (k.find_first_of(":\r\n ") != std::string::npos)
        c.r.fail(kv.first, "invalid header name \"" + k + "\"");
      e->headers_.emplace_back(k, c.r.get_string(kv.second, c.what + ".headers." + k));
      subject |= k == "Subject";
    }
  }
  if (!subject) e->headers_.emplace_back("Subject", "{{ template \"email.default.subject\" . }}");
  if (const auto& t = c.node["tls_config"]; t && !t.IsNull())
    e->tls_ = read_tls_config(c.r, t, c.what + ".tls_config", c.dir);
  return e;
}

}  // namespace vigia::notify

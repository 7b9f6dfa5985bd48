#include "core/http_tls.h"

#include <gnutls/gnutls.h>

#include <string>

namespace vigia {
namespace {

gnutls_session_t session_of(MHD_Connection* c) {
  const MHD_ConnectionInfo* ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
  return ci ? static_cast<gnutls_session_t>(ci->tls_session) : nullptr;
}

gnutls_datum_t datum(const std::string& s) {
  return gnutls_datum_t{reinterpret_cast<unsigned char*>(const_cast<char*>(s.data())),
                        static_cast<unsigned>(s.size())};
}

}  // namespace

Status check_tls_options(const HttpTlsOptions& tls) {
  if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
    return Status::error("TLS is configured but this libmicrohttpd was built without TLS support");
  gnutls_certificate_credentials_t cred = nullptr;
  if (gnutls_certificate_allocate_credentials(&cred) != GNUTLS_E_SUCCESS)
    return Status::error("TLS: cannot allocate credentials");
  gnutls_datum_t cert = datum(tls.cert_pem), key = datum(tls.key_pem);
  std::string err;
  int rc = gnutls_certificate_set_x509_key_mem2(cred, &cert, &key, GNUTLS_X509_FMT_PEM, nullptr, 0);
  if (rc < 0) err = std::string("failed to load X509KeyPair: ") + gnutls_strerror(rc);
  if (err.empty() && !tls.client_ca_pem.empty()) {
    gnutls_datum_t ca = datum(tls.client_ca_pem);
    rc = gnutls_certificate_set_x509_trust_mem(cred, &ca, GNUTLS_X509_FMT_PEM);
    if (rc <= 0)
      err = std::string("client_ca_file: no CA certificate loaded") + (rc < 0 ? ": " : "") +
            (rc < 0 ? gnutls_strerror(rc) : "");
  }
  gnutls_certificate_free_credentials(cred);
  if (!err.empty()) return Status::error(err);
  gnutls_priority_t prio = nullptr;
  const char* at = nullptr;
  rc = gnutls_priority_init(&prio, tls.priorities.c_str(), &at);
  if (rc < 0)
    return Status::error("TLS priority string \"" + tls.priorities + "\" refused at \"" +
                         std::string(at ? at : "") + "\": " + gnutls_strerror(rc));
  gnutls_priority_deinit(prio);
  return Status::ok();
}

void tls_connection_started(MHD_Connection* c, HttpTlsOptions::ClientAuth auth) {
  gnutls_session_t s = session_of(c);
  if (!s) return;
  using CA = HttpTlsOptions::ClientAuth;
  gnutls_certificate_request_t req = GNUTLS_CERT_IGNORE;
  if (auth == CA::kRequest || auth == CA::kVerifyIfGiven) req = GNUTLS_CERT_REQUEST;
  if (auth == CA::kRequireAny || auth == CA::kRequireAndVerify) req = GNUTLS_CERT_REQUIRE;
  gnutls_certificate_server_set_request(s, req);
  // Verified during the handshake against the trust list (client_ca_file);
  // a missing certificate fails it only under GNUTLS_CERT_REQUIRE.
  if (auth == CA::kVerifyIfGiven || auth == CA::kRequireAndVerify)
    gnutls_session_set_verify_cert(s, nullptr, 0);
}

bool tls_handshake_completed(MHD_Connection* c) {
  gnutls_session_t s = session_of(c);
  return s && gnutls_handshake_get_last_in(s) == GNUTLS_HANDSHAKE_FINISHED;
}

}  // namespace vigia

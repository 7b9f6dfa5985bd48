#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <ctime>

#include "core/strconv.h"
#include "exporters/probe/prober.h"

namespace vigia::probe {
namespace {

double not_after(const X509* cert) {
  const ASN1_TIME* t = X509_get0_notAfter(cert);
  std::tm tm{};
  if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return kGoZeroTime;
  return static_cast<double>(timegm(&tm));
}

// The earliest notAfter of a list of certificates (Go's zero time if none).
double earliest(STACK_OF(X509) * certs) {
  double e = kGoZeroTime;
  bool any = false;
  for (int i = 0; certs && i < sk_X509_num(certs); ++i) {
    double t = not_after(sk_X509_value(certs, i));
    if (!any || t < e) e = t, any = true;
  }
  return e;
}

// Go's pkix.Name.String(): the RDNs in reverse order, RFC 2253 escaping.
std::string name_string(const X509_NAME* name) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (!bio) return {};
  X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  std::string out(data ? data : "", n > 0 ? static_cast<size_t>(n) : 0);
  BIO_free(bio);
  return out;
}

std::string dns_names(X509* cert) {
  std::string out;
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* g = sk_GENERAL_NAME_value(names, i);
    if (g->type != GEN_DNS) continue;
    const ASN1_IA5STRING* s = g->d.dNSName;
    if (!out.empty()) out += ',';
    out.append(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
               static_cast<size_t>(ASN1_STRING_length(s)));
  }
  if (names) GENERAL_NAMES_free(names);
  return out;
}

std::string fingerprint(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (X509_digest(cert, EVP_sha256(), md, &n) != 1) return {};
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < n; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

const char* version_name(int v) {
  switch (v) {
    case TLS1_VERSION: return "TLS 1.0";
    case TLS1_1_VERSION: return "TLS 1.1";
    case TLS1_2_VERSION: return "TLS 1.2";
    case TLS1_3_VERSION: return "TLS 1.3";
    default: return "unknown";
  }
}

}  // namespace

void read_cert_state(STACK_OF(X509) * peer, STACK_OF(X509) * verified_chain, TlsState& out) {
  out.earliest_expiry = earliest(peer);
  // OpenSSL keeps one verified chain; Go's VerifiedChains may hold several and
  // blackbox_exporter takes the latest-expiring: equal when there is one path.
  out.last_chain_expiry = verified_chain ? earliest(verified_chain) : kGoZeroTime;
  X509* leaf = peer && sk_X509_num(peer) > 0 ? sk_X509_value(peer, 0) : nullptr;
  if (leaf) {
    out.fingerprint = fingerprint(leaf);
    // Label values: a certificate may hold bytes that are not UTF-8 (an
    // IA5String SAN, a broken UTF8String), which Prometheus would refuse.
    out.subject = to_valid_utf8(name_string(X509_get_subject_name(leaf)));
    out.issuer = to_valid_utf8(name_string(X509_get_issuer_name(leaf)));
    out.dns_names = to_valid_utf8(dns_names(leaf));
  }
}

void read_tls_state(SSL* ssl, bool verified, TlsState& out) {
  out = TlsState{};
  out.version = SSL_version(ssl);
  // On the client side the peer's chain includes its leaf (Go's PeerCertificates).
  bool chain_ok = verified && SSL_get_verify_result(ssl) == X509_V_OK;
  read_cert_state(SSL_get_peer_cert_chain(ssl), chain_ok ? SSL_get0_verified_chain(ssl) : nullptr, out);
}

void write_tls_metrics(const TlsState& s, MetricSink& sink) {
  sink.gauge("probe_ssl_earliest_cert_expiry", "Returns last SSL chain expiry in unixtime",
             s.earliest_expiry);
  sink.gauge("probe_ssl_last_chain_expiry_timestamp_seconds", "Returns last SSL chain expiry in timestamp",
             s.last_chain_expiry);
  sink.gauge("probe_ssl_last_chain_info", "Contains SSL leaf certificate information", 1,
             {{"fingerprint_sha256", s.fingerprint},
              {"issuer", s.issuer},
              {"subject", s.subject},
              {"subjectalternative", s.dns_names}});
  sink.gauge("probe_tls_version_info", "Returns the TLS version used or NaN when unknown", 1,
             {{"version", version_name(s.version)}});
}

}  // namespace vigia::probe

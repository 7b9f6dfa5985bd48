// libFuzzer target for what the probers read of a server's certificates
// (exporters/probe/tls_info.cc): the input is a list of DER certificates as a
// TLS server would send them (OpenSSL parses each; vigia reads the expiry,
// subject, issuer, SANs and fingerprint). Besides crashes and sanitizer
// reports, it checks that the probe_ssl_* series written from them are a valid
// text exposition whatever the names hold (quotes, newlines, bytes that are not
// UTF-8), parsed back by vigia's exposition parser with the same label values.
#include <openssl/x509.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/exposition.h"
#include "core/exposition_parser.h"
#include "exporters/probe/prober.h"

namespace {

// Records the label values of probe_ssl_last_chain_info as parsed back.
struct InfoSink final : vigia::MetricSink {
  std::string subject, issuer, sans;
  bool seen = false;
  void family(std::string_view, std::string_view, vigia::MetricType) override {}
  void sample(std::string_view name, vigia::Labels labels, double, int64_t) override {
    if (name != "probe_ssl_last_chain_info") return;
    seen = true;
    for (const auto& l : labels) {
      if (l.name == "subject") subject = l.value;
      if (l.name == "issuer") issuer = l.value;
      if (l.name == "subjectalternative") sans = l.value;
    }
  }
  using vigia::MetricSink::sample;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  STACK_OF(X509)* chain = sk_X509_new_null();
  const unsigned char* p = data;
  const unsigned char* end = data + size;
  for (int i = 0; i < 4 && p < end; ++i) {
    X509* cert = d2i_X509(nullptr, &p, static_cast<long>(end - p));
    if (!cert) break;
    sk_X509_push(chain, cert);
  }
  vigia::probe::TlsState state;
  vigia::probe::read_cert_state(chain, chain, state);
  if (std::isnan(state.earliest_expiry) || state.earliest_expiry > state.last_chain_expiry) {
    std::fprintf(stderr, "earliest expiry %f after the chain's %f\n", state.earliest_expiry,
                 state.last_chain_expiry);
    std::abort();
  }
  std::string text =
      vigia::encode_text([&](vigia::MetricSink& sink) { vigia::probe::write_tls_metrics(state, sink); });
  InfoSink back;
  vigia::Status st = vigia::parse_exposition(text, back);
  if (!st.is_ok() || !back.seen) {
    std::fprintf(stderr, "not a valid exposition (%s):\n%s\n", st.message().c_str(), text.c_str());
    std::abort();
  }
  sk_X509_pop_free(chain, X509_free);
  return 0;
}

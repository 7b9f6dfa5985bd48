// libFuzzer target for --web.config.file's parser (core/web_config.h) and the
// Basic credentials parser (core/web_auth.h). Besides crashes and sanitizer
// reports, it checks that an accepted file gives a priority string GnuTLS
// accepts, and that an error names the file.
#include <gnutls/gnutls.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/web_auth.h"
#include "core/web_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string user, password;
  (void)vigia::parse_basic_auth(in, user, password);
  (void)vigia::is_bcrypt_hash(in);
  vigia::WebConfig c;
  vigia::Status st = vigia::parse_web_config(in, "/f/web.yml", c);
  if (!st.is_ok()) {
    if (!st.message().starts_with("/f/web.yml")) {
      std::fprintf(stderr, "error without the file name: %s\n", st.message().c_str());
      std::abort();
    }
    return 0;
  }
  std::string p = vigia::tls_priorities(c);
  gnutls_priority_t prio = nullptr;
  if (gnutls_priority_init(&prio, p.c_str(), nullptr) < 0) {
    std::fprintf(stderr, "GnuTLS refuses the priority string: %s\n", p.c_str());
    std::abort();
  }
  gnutls_priority_deinit(prio);
  for (const auto& [u, h] : c.users)
    if (!vigia::is_bcrypt_hash(h)) std::abort();
  return 0;
}

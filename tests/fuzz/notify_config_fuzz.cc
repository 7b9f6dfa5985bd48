// libFuzzer target for the notifier's config reader (alerting/notify/config):
// any alertmanager.yml text is accepted or refused with a message naming
// the file, never a crash or an uncaught exception; an accepted config
// builds a routing tree whose root has a receiver and routes a label set.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "alerting/notify/config.h"
#include "alerting/notify/route.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  vigia::notify::NotifyConfig cfg;
  vigia::Status st = vigia::notify::parse_notify_config(text, "am.yml", cfg);
  if (!st.is_ok()) {
    if (st.message().rfind("am.yml", 0) != 0) {
      std::fprintf(stderr, "error without the file name: %s\n", st.message().c_str());
      std::abort();
    }
    return 0;
  }
  auto root = vigia::notify::Route::build(cfg.route);
  if (root->opts().receiver.empty() || root->key() != "{}") {
    std::fprintf(stderr, "accepted a root route without a receiver or with matchers\n");
    std::abort();
  }
  if (root->match({{"alertname", "x"}}).empty()) std::abort();
  return 0;
}

// libFuzzer target for what the notifier's API reads from outside
// (alerting/notify/alert_json.h, silence.h): a POST /api/v2/alerts body and a
// POST /api/v2/silences body (the first byte chooses). Any bytes are taken or
// refused with a message, never a crash; every alert taken validates and has
// its times set; a silence taken has its required fields.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "alerting/notify/alert_json.h"
#include "alerting/notify/silence.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  constexpr int64_t kNow = 1764000000000;
  if (data[0] & 1) {
    vigia::notify::Silence s;
    std::string err;
    if (!vigia::notify::parse_postable_silence(in, s, err)) {
      if (err.empty()) std::abort();
      return 0;
    }
    if (s.matchers.empty()) std::abort();
    (void)vigia::notify::validate_silence(s);
    (void)vigia::notify::gettable_silence_json(s, kNow);
    return 0;
  }
  std::vector<vigia::notify::Alert> valid;
  std::string err;
  int status = vigia::notify::parse_postable_alerts(in, kNow, 300000, valid, err);
  if (status != 200 && err.empty()) std::abort();
  for (const auto& a : valid) {
    if (!vigia::notify::validate_alert(a).empty() || a.starts_at_ms == 0 || a.ends_at_ms == 0) std::abort();
    (void)vigia::notify::gettable_alert_json(a, {}, {"r"});
  }
  return 0;
}

#include "alerting/notify/model.h"

#include <cstdio>

namespace vigia::notify {

uint64_t fingerprint(const LabelSet& ls) {
  constexpr uint64_t kOffset = 14695981039346656037ULL;
  constexpr uint64_t kPrime = 1099511628211ULL;
  uint64_t h = kOffset;
  auto add = [&h](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= kPrime;
    }
    h ^= 0xff;
    h *= kPrime;
  };
  for (const auto& [name, value] : ls) {  // sorted by name
    add(name);
    add(value);
  }
  return h;
}

std::string fingerprint_string(uint64_t fp) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(fp));
  return buf;
}

}  // namespace vigia::notify

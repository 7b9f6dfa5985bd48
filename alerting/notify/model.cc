#include "alerting/notify/model.h"

#include <cstdio>

namespace vigia::notify {

uint64_t fingerprint(const LabelSet& ls) { return fingerprint(Labels(ls)); }

std::string fingerprint_string(uint64_t fp) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(fp));
  return buf;
}

}  // namespace vigia::notify

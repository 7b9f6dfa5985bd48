// libFuzzer target for the Redis INFO parser (exporters/redis/info.h) and a
// Sentinel's INFO section (exporters/redis/sentinel.h), built
// with -DVIGIA_FUZZ=ON and clang. Besides crashes and sanitizer reports, it
// checks that no series is written twice, whatever the reply holds.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "exporters/redis/info.h"
#include "exporters/redis/sentinel.h"

namespace {

class CheckingSink final : public vigia::MetricSink {
 public:
  std::set<std::string> seen;
  void family(std::string_view, std::string_view, vigia::MetricType) override {}
  void sample(std::string_view name, vigia::Labels labels, double, int64_t) override {
    std::string k(name);
    for (const vigia::Label& l : labels) k.append("\x01").append(l.name).append("\x02").append(l.value);
    if (!seen.insert(k).second) {
      std::fprintf(stderr, "series written twice: %s\n", k.c_str());
      std::abort();
    }
  }
  using MetricSink::sample;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  CheckingSink sink;
  vigia::redis::InfoFacts facts;
  vigia::redis::InfoOptions opt;
  opt.db_count = 4;
  vigia::redis::write_info(in, opt, sink, facts);
  vigia::redis::write_sentinel_info(in, sink);
  return 0;
}

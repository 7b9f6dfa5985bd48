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
#include "tests/fuzz/checking_sink.h"

using vigia::fuzz::CheckingSink;

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

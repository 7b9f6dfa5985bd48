// libFuzzer target for what vigia reads from a Redis server's replies beyond
// INFO's text (redis_info_fuzz): bytes fed in pieces to hiredis's reader with
// vigia's cap on array lengths (exporters/redis/reply_reader.h, as
// exporters/redis/connection.cc does with what the transport reads), the
// replies read as a Sentinel's SENTINEL MASTERS and per-master CKQUORUM /
// SENTINELS / SLAVES (exporters/redis/sentinel.h). Besides crashes and
// sanitizer reports, it checks that no series is written twice.
#include <hiredis/hiredis.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "exporters/redis/reply_reader.h"
#include "exporters/redis/sentinel.h"
#include "tests/fuzz/checking_sink.h"

using vigia::fuzz::CheckingSink;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  redisReader* rd = vigia::redis::make_reply_reader();
  std::vector<redisReply*> replies;
  // The rest fed in pieces of 1 to 16 bytes (the first byte chooses), as reads split a reply.
  size_t step = size ? (data[0] & 15) + 1 : 1;
  bool bad = false;
  for (size_t at = 1; at < size && !bad && replies.size() < 64; at += step) {
    if (redisReaderFeed(rd, reinterpret_cast<const char*>(data) + at, std::min(step, size - at)) != REDIS_OK)
      break;
    while (replies.size() < 64) {
      void* r = nullptr;
      if (redisReaderGetReply(rd, &r) != REDIS_OK) {
        bad = true;
        break;
      }
      if (!r) break;
      replies.push_back(static_cast<redisReply*>(r));
    }
  }
  redisReaderFree(rd);
  if (!replies.empty()) {
    std::vector<vigia::redis::SentinelMaster> masters = vigia::redis::sentinel_masters(replies[0], 100);
    std::vector<vigia::redis::SentinelDetail> details;
    for (size_t i = 0; i < masters.size(); ++i) {
      auto at = [&](size_t k) { return k < replies.size() ? replies[k] : nullptr; };
      details.push_back({masters[i], at(1 + 3 * i), at(2 + 3 * i), at(3 + 3 * i)});
    }
    CheckingSink sink;
    vigia::redis::write_sentinel_details(details, sink);
  }
  for (redisReply* r : replies) freeReplyObject(r);
  return 0;
}

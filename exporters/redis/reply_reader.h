// hiredis's reply reader with a cap on array lengths: hiredis 0.14 allocates
// an array's element table as soon as it reads "*<n>", so a hostile or broken
// server announcing "*2000000000" would make vigia allocate 16 GB (hiredis
// >= 1.0 has maxelements; 0.14 has not). Used by the connection and the
// reply fuzz target (tests/fuzz/redis_reply_fuzz.cc).
#pragma once

#include <hiredis/hiredis.h>

namespace vigia::redis {

// Arrays longer than this fail the reader ("Out of memory"): vigia's longest
// replies are SCAN's and SENTINEL's, a few thousand elements.
constexpr int kMaxReplyArrayElements = 1 << 20;

// redisReaderCreate() with the cap; free with redisReaderFree. Null when out of memory.
redisReader* make_reply_reader();

}  // namespace vigia::redis

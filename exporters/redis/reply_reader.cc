#include "exporters/redis/reply_reader.h"

#include <mutex>

namespace vigia::redis {
namespace {

// hiredis's own functions, with createArray checked first.
redisReplyObjectFunctions capped_functions;
void* (*default_create_array)(const redisReadTask*, int) = nullptr;

void* create_array(const redisReadTask* task, int elements) {
  if (elements > kMaxReplyArrayElements) return nullptr;  // the reader reports "Out of memory"
  return default_create_array(task, elements);
}

}  // namespace

redisReader* make_reply_reader() {
  redisReader* r = redisReaderCreate();
  if (!r) return nullptr;
  static std::once_flag once;
  std::call_once(once, [r] {
    capped_functions = *r->fn;
    default_create_array = capped_functions.createArray;
    capped_functions.createArray = create_array;
  });
  r->fn = &capped_functions;
  return r;
}

}  // namespace vigia::redis

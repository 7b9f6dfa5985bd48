// libFuzzer target for the backups area's gzip end check
// (exporters/backup/gzip_check.h) on files that fit in its tail (inflated
// whole): crashes and sanitizer reports only. The search over a large file's
// tail is covered by tests/unit/backup_test.cc (each call tries up to a
// million offsets: too slow for a fuzzer's pace).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "exporters/backup/gzip_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  (void)vigia::backup::gzip_complete(in.substr(0, 10), in, size);
  return 0;
}

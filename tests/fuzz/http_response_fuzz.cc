// The plain HTTP transport's response reader (core/http_plain.h): any bytes
// from a server, delivered in pieces of the sizes the input's first byte
// chooses, must give a response or an error, never a crash or a body over
// its limit; a gzip-encoded body is decoded under the same limit.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "core/http_plain.h"

namespace {

class Pieces : public vigia::http_plain::ByteSource {
 public:
  Pieces(const uint8_t* data, size_t size, size_t piece) : data_(data), size_(size), piece_(piece) {}
  long read(char* buf, size_t n, std::string&) override {
    size_t k = std::min({n, piece_, size_ - pos_});
    std::memcpy(buf, data_ + pos_, k);
    pos_ += k;
    return static_cast<long>(k);
  }

 private:
  const uint8_t* data_;
  size_t size_, pos_ = 0, piece_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  size_t piece = 1 + data[0] % 64;
  constexpr size_t kLimit = 4096;
  Pieces src(data + 1, size - 1, piece);
  std::string buffered;
  // Two responses in a row on one connection, as keep-alive reads them.
  for (int i = 0; i < 2; ++i) {
    vigia::http_plain::Response r;
    size_t received = 0;
    std::string err = vigia::http_plain::read_response(src, buffered, kLimit, false, r, received);
    if (!err.empty()) break;
    if (r.body.size() > kLimit) __builtin_trap();
    if (r.status < 200 || r.status > 999) __builtin_trap();
    std::string decoded;
    if (vigia::http_plain::gunzip(r.body, kLimit, decoded).empty() && decoded.size() > kLimit)
      __builtin_trap();
  }
  return 0;
}

// A compressed run of samples of one series: the store's unit of memory.
//
// After Prometheus's XOR chunks (Gorilla), but byte-aligned: simpler and
// faster to decode, at some cost in size. Each sample after the first costs
//   1 header byte: high nibble = n, the number of significant bytes of
//     value XOR previous value (0..8); bit 3 = "timestamp delta unchanged";
//     bits 0..2 = trailing zero bytes of the XOR;
//   a zigzag varint of the delta-of-delta when it is not zero;
//   n bytes of the XOR.
// A gauge that does not change, scraped at a steady interval, costs one byte
// per sample; a counter a few. Values are stored by their bits, so NaN
// payloads (the staleness marker) survive.
#pragma once

#include <cstdint>
#include <vector>

#include "alerting/promql/value.h"

namespace vigia::store {

class Chunk {
 public:
  // Starts a chunk with its first sample.
  Chunk(int64_t t, double v);

  // Appends a sample with t >= max_t() (the store checks order).
  void append(int64_t t, double v);

  int64_t min_t() const { return min_t_; }
  int64_t max_t() const { return max_t_; }
  uint32_t count() const { return count_; }
  double last_value() const;

  // Appends the samples with mint <= t <= maxt to out, in time order.
  void decode(int64_t mint, int64_t maxt, std::vector<promql::Point>& out) const;

  // Releases spare capacity (once the chunk is full).
  void shrink() { data_.shrink_to_fit(); }
  // Heap bytes of the encoded samples.
  size_t data_bytes() const { return data_.capacity(); }

 private:
  int64_t min_t_, max_t_;
  int64_t last_delta_ = 0;
  uint64_t last_bits_;
  uint32_t count_ = 1;
  std::vector<uint8_t> data_;  // the first value's 8 bytes, then the encoded samples
};

}  // namespace vigia::store

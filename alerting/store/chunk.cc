#include "alerting/store/chunk.h"

#include <bit>

namespace vigia::store {

namespace {

void put_bytes(std::vector<uint8_t>& out, uint64_t x, int n) {
  for (int i = 0; i < n; ++i) out.push_back(uint8_t(x >> (8 * i)));
}

uint64_t get_bytes(const uint8_t*& p, int n) {
  uint64_t x = 0;
  for (int i = 0; i < n; ++i) x |= uint64_t(*p++) << (8 * i);
  return x;
}

}  // namespace

Chunk::Chunk(int64_t t, double v) : min_t_(t), max_t_(t), last_bits_(std::bit_cast<uint64_t>(v)) {
  data_.reserve(16);
  put_bytes(data_, last_bits_, 8);
}

double Chunk::last_value() const { return std::bit_cast<double>(last_bits_); }

void Chunk::append(int64_t t, double v) {
  uint64_t bits = std::bit_cast<uint64_t>(v);
  int64_t delta = t - max_t_;
  int64_t dod = delta - last_delta_;
  uint64_t x = bits ^ last_bits_;
  int tz = 0, n = 0;
  if (x != 0) {
    tz = std::countr_zero(x) / 8;
    n = 8 - tz - std::countl_zero(x) / 8;
  }
  data_.push_back(uint8_t(n << 4 | (dod == 0 ? 8 : 0) | tz));
  if (dod != 0) {
    uint64_t z = (uint64_t(dod) << 1) ^ uint64_t(dod >> 63);
    while (z >= 0x80) {
      data_.push_back(uint8_t(z | 0x80));
      z >>= 7;
    }
    data_.push_back(uint8_t(z));
  }
  put_bytes(data_, x >> (8 * tz), n);
  max_t_ = t;
  last_delta_ = delta;
  last_bits_ = bits;
  ++count_;
}

void Chunk::decode(int64_t mint, int64_t maxt, std::vector<promql::Point>& out) const {
  const uint8_t* p = data_.data();
  uint64_t bits = get_bytes(p, 8);
  int64_t t = min_t_, delta = 0;
  for (uint32_t i = 0;; ++i) {
    if (t > maxt) return;
    if (t >= mint) out.push_back({t, std::bit_cast<double>(bits)});
    if (i + 1 == count_) return;
    uint8_t h = *p++;
    int64_t dod = 0;
    if (!(h & 8)) {
      uint64_t z = 0;
      for (int shift = 0;; shift += 7) {
        uint8_t b = *p++;
        z |= uint64_t(b & 0x7f) << shift;
        if (!(b & 0x80)) break;
      }
      dod = int64_t(z >> 1) ^ -int64_t(z & 1);
    }
    delta += dod;
    t += delta;
    int n = h >> 4, tz = h & 7;
    bits ^= get_bytes(p, n) << (8 * tz);
  }
}

}  // namespace vigia::store

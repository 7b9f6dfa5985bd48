#include "exporters/backup/gzip_check.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cstring>
#include <vector>

namespace vigia::backup {
namespace {

constexpr size_t kMinSpan = 2048;
constexpr size_t kWindow = 32768;

class Inflater {
 public:
  explicit Inflater(int window_bits) : out_(64 << 10) {
    std::memset(&zs_, 0, sizeof zs_);
    ok_ = inflateInit2(&zs_, window_bits) == Z_OK;
  }
  ~Inflater() {
    if (ok_) inflateEnd(&zs_);
  }
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;

  enum class Result { kEndsThere, kFails, kTooFarBack };

  // Raw deflate from bit `bitpos` of data[0, end): kEndsThere when a final
  // block ends exactly at end with zero padding bits.
  Result from_bit(const uint8_t* data, size_t end, size_t bitpos, bool zero_window) {
    if (!ok_ || inflateReset(&zs_) != Z_OK) return Result::kFails;
    if (zero_window) {
      static const std::vector<uint8_t> zeros(kWindow, 0);
      if (inflateSetDictionary(&zs_, zeros.data(), kWindow) != Z_OK) return Result::kFails;
    }
    size_t byte = bitpos / 8;
    int bit = static_cast<int>(bitpos % 8);
    if (bit != 0) {
      if (inflatePrime(&zs_, 8 - bit, data[byte] >> bit) != Z_OK) return Result::kFails;
      ++byte;
    }
    zs_.next_in = const_cast<Bytef*>(data + byte);
    zs_.avail_in = static_cast<uInt>(end - byte);
    for (;;) {
      zs_.next_out = out_.data();
      zs_.avail_out = static_cast<uInt>(out_.size());
      int rc = inflate(&zs_, Z_NO_FLUSH);
      if (rc == Z_STREAM_END) {
        if (zs_.avail_in != 0) return Result::kFails;
        // The unused (high) bits of the last byte: deflate writers pad with zeros.
        int unused = zs_.data_type & 7;
        if (unused != 0 && (zs_.next_in[-1] >> (8 - unused)) != 0) return Result::kFails;
        return Result::kEndsThere;
      }
      if (rc == Z_DATA_ERROR && zs_.msg != nullptr &&
          std::strcmp(zs_.msg, "invalid distance too far back") == 0)
        return Result::kTooFarBack;
      if (rc != Z_OK) return Result::kFails;
      if (zs_.avail_in == 0 && zs_.avail_out != 0) return Result::kFails;  // cut short
    }
  }

  // Every member of a whole gzip file, CRC32 and ISIZE included.
  bool whole_file(std::string_view file) {
    if (!ok_) return false;
    zs_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(file.data()));
    zs_.avail_in = static_cast<uInt>(file.size());
    for (;;) {
      zs_.next_out = out_.data();
      zs_.avail_out = static_cast<uInt>(out_.size());
      int rc = inflate(&zs_, Z_NO_FLUSH);
      if (rc == Z_STREAM_END) {
        if (zs_.avail_in == 0) return true;
        // Another member follows (cat a.gz b.gz).
        if (inflateReset(&zs_) != Z_OK) return false;
        continue;
      }
      if (rc != Z_OK) return false;
      if (zs_.avail_in == 0 && zs_.avail_out != 0) return false;
    }
  }

 private:
  z_stream zs_;
  bool ok_ = false;
  std::vector<uint8_t> out_;
};

}  // namespace

bool gzip_complete(std::string_view head, std::string_view tail, uint64_t size,
                   const std::atomic<bool>* stop) {
  if (size < 20 || head.size() < 3 || static_cast<uint8_t>(head[0]) != 0x1f ||
      static_cast<uint8_t>(head[1]) != 0x8b || static_cast<uint8_t>(head[2]) != 8)
    return false;
  if (tail.size() != std::min<uint64_t>(size, kGzipTailBytes)) return false;
  if (tail.size() == size) {
    // The whole file is at hand: inflate it, trailers checked.
    Inflater gz(16 + MAX_WBITS);
    return gz.whole_file(tail);
  }
  const auto* data = reinterpret_cast<const uint8_t*>(tail.data());
  size_t end = tail.size() - 8;
  if (end < kMinSpan) return false;
  Inflater raw(-MAX_WBITS);
  for (size_t byte = end - kMinSpan + 1; byte-- > 0;) {
    if (stop && stop->load(std::memory_order_relaxed)) return false;
    for (int bit = 7; bit >= 0; --bit) {
      size_t pos = byte * 8 + static_cast<size_t>(bit);
      Inflater::Result r = raw.from_bit(data, end, pos, false);
      if (r == Inflater::Result::kTooFarBack) r = raw.from_bit(data, end, pos, true);
      if (r == Inflater::Result::kEndsThere) return true;
    }
  }
  return false;
}

Status gzip_file_complete(const std::string& path, bool& complete, const std::atomic<bool>* stop) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::from_errno(path, errno);
  struct stat st;
  std::string head(10, '\0'), tail;
  Status result = Status::ok();
  if (::fstat(fd, &st) != 0) {
    result = Status::from_errno(path, errno);
  } else {
    uint64_t size = static_cast<uint64_t>(st.st_size);
    tail.resize(std::min<uint64_t>(size, kGzipTailBytes));
    ssize_t h = ::pread(fd, head.data(), head.size(), 0);
    ssize_t t = ::pread(fd, tail.data(), tail.size(), static_cast<off_t>(size - tail.size()));
    if (h < 0 || t < 0) {
      result = Status::from_errno(path, errno);
    } else {
      head.resize(static_cast<size_t>(h));
      // A file that shrank meanwhile: what was read is all there is.
      tail.resize(static_cast<size_t>(t));
      complete = static_cast<size_t>(t) == std::min<uint64_t>(size, kGzipTailBytes) &&
                 gzip_complete(head, tail, size, stop);
    }
  }
  ::close(fd);
  return result;
}

}  // namespace vigia::backup

// Whether a gzip file is complete, from its ends only: a dump cut short (the
// compressor killed, the disk full) stops in the middle of a deflate block,
// and a file that ends otherwise is reported as such without reading it whole.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace vigia::backup {

// How much of the file's end is read (the final deflate block and usually
// the one before it: zlib and gzip end a block every 16-32 Ki symbols, tens
// of KiB of compressed text).
inline constexpr size_t kGzipTailBytes = 128 << 10;

// The check on a file's first bytes (`head`, at least 10 if the file has
// them) and its last min(size, kGzipTailBytes) bytes (`tail`), `size` being
// the file's size. Complete means:
//   - head starts with the gzip magic and method (1f 8b 08), and size >= 20;
//   - some bit offset b of tail starts a raw deflate decode (back-references
//     resolved against a zero 32 KiB window, since what precedes b is not
//     read) that ends with a final block exactly 8 bytes (the last member's
//     CRC32 and ISIZE) before the end of the file, with zero padding bits;
//   - and b is the start of the deflate data after the first member's
//     header (a file that fits in the tail: the whole last member is
//     checked), or the decode from b covers at least 2 KiB: a decode from a
//     random offset of compressed data fails within a few hundred bytes, a
//     decode from a real block boundary of a cut stream runs into the cut.
// Offsets are tried from the end backwards, so a complete file costs the
// decode of its last block or two; a truncated one tries every offset of the
// tail (measured: 0.2 s of CPU for 64 KiB, so about 0.4 s for 128 KiB; callers
// cache the verdict per file).
// Not checked: the CRC32 and ISIZE values themselves (they need every byte),
// so a file whose middle was corrupted, or a complete gzip of a dump that
// stopped early (pg_dump died, gzip saw the end of its input), counts as
// complete. A final block longer than the tail (stored or pathological
// data) counts as incomplete.
// `stop`, when given and set (from another thread), ends the search early
// with false: the caller discards that answer.
bool gzip_complete(std::string_view head, std::string_view tail, uint64_t size,
                   const std::atomic<bool>* stop = nullptr);

// Reads what gzip_complete needs from the file at path (two reads, at most
// 10 + kGzipTailBytes bytes) and checks it. The error names the path.
Status gzip_file_complete(const std::string& path, bool& complete, const std::atomic<bool>* stop = nullptr);

}  // namespace vigia::backup

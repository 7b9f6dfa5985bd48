// The plain HTTP transport's reading of a server's bytes (core/http_plain.h):
// one response's head, its body by length, chunks or the connection's end,
// and gzip decoding. Apart from the socket, so the fuzz target drives it.
#include <libdeflate.h>

#include <algorithm>
#include <string>

#include "core/http_plain.h"
#include "core/text.h"

namespace vigia::http_plain {

namespace {

constexpr size_t kMaxHeaderBytes = 100 * 1024;  // libcurl's limit for one response's headers

bool iequals(std::string_view a, std::string_view b) { return iequals_ascii(a, b); }

bool istarts(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

std::string_view trim(std::string_view s) { return vigia::trim(s, " \t\r"); }

// Whether the comma-separated header value has `token` (case-insensitive).
bool has_token(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    size_t comma = value.find(',');
    if (iequals(trim(value.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The buffered reader over a ByteSource: lines for the head, counted bytes
// for the body. `buf` holds unread bytes from `pos` on.
class Reader {
 public:
  Reader(ByteSource& src, std::string& buf, size_t& received) : src_(src), buf_(buf), received_(received) {}
  ~Reader() { buf_.erase(0, pos_); }

  // Reads more; false at the end of the stream or on error (error_ set).
  bool fill() {
    if (pos_ > 0 && pos_ == buf_.size()) {
      buf_.clear();
      pos_ = 0;
    } else if (pos_ > 64 * 1024) {
      buf_.erase(0, pos_);
      pos_ = 0;
    }
    char tmp[16384];
    long n = src_.read(tmp, sizeof tmp, error_);
    if (n <= 0) {
      eof_ = n == 0;
      return false;
    }
    buf_.append(tmp, static_cast<size_t>(n));
    received_ += static_cast<size_t>(n);
    return true;
  }
  size_t available() const { return buf_.size() - pos_; }

  // One line without its CR LF (a lone LF ends a line too). `limit` bounds
  // the bytes a line may take; beyond it the line is an error.
  bool line(std::string& out, size_t limit, std::string& error) {
    for (size_t scanned = 0;;) {
      size_t nl = buf_.find('\n', pos_ + scanned);
      if (nl != std::string::npos) {
        size_t end = nl > pos_ && buf_[nl - 1] == '\r' ? nl - 1 : nl;
        if (end - pos_ > limit) return error = "Too large response headers", false;
        out.assign(buf_, pos_, end - pos_);
        pos_ = nl + 1;
        return true;
      }
      scanned = available();
      if (scanned > limit) return error = "Too large response headers", false;
      if (!fill()) return error = stream_error(), false;
    }
  }

  // Appends n bytes to out.
  bool take(size_t n, std::string& out, std::string& error) {
    while (n > 0) {
      if (available() == 0 && !fill()) return error = stream_error(), false;
      size_t k = std::min(n, available());
      out.append(buf_, pos_, k);
      pos_ += k;
      n -= k;
    }
    return true;
  }

  // Appends everything until the end of the stream; more than `limit` bytes in
  // `out` stops with too_large.
  bool take_all(std::string& out, size_t limit, bool& too_large, std::string& error) {
    for (;;) {
      out.append(buf_, pos_, available());
      pos_ = buf_.size();
      if (out.size() > limit) return too_large = true, false;
      if (!fill()) {
        if (eof_) return true;
        return error = error_, false;
      }
    }
  }

  std::string stream_error() const {
    if (!eof_) return error_;
    return received_ == 0 ? "Empty reply from server" : "Transferred a partial file";
  }

 private:
  ByteSource& src_;
  std::string& buf_;
  size_t& received_;
  size_t pos_ = 0;
  bool eof_ = false;
  std::string error_;
};

std::string too_large(size_t limit) { return "body larger than " + std::to_string(limit) + " bytes"; }

// The head of one response (status line and headers) into `out`; false with
// `error` set on a malformed one.
bool read_head(Reader& r, Response& out, long& content_length, bool& chunked, bool& te, std::string& error) {
  std::string line;
  if (!r.line(line, kMaxHeaderBytes, error)) return false;
  if (!istarts(line, "HTTP/")) return error = "Received HTTP/0.9 when not allowed", false;
  // HTTP/1.x SP 3DIGIT [SP reason]
  if (line.size() < 12 || line.compare(0, 7, "HTTP/1.") != 0 || (line[7] != '0' && line[7] != '1') ||
      line[8] != ' ' || (line.size() > 12 && line[12] != ' '))
    return error = "Unsupported HTTP version or malformed status line in response", false;
  long status = 0;
  for (int i = 9; i < 12; ++i) {
    if (line[i] < '0' || line[i] > '9') return error = "Malformed status code in response", false;
    status = status * 10 + (line[i] - '0');
  }
  if (status < 100) return error = "Malformed status code in response", false;
  bool http10 = line[7] == '0';
  out = Response{};
  out.status = status;
  content_length = -1;
  chunked = te = false;
  bool close = http10, keep_alive_header = false;
  size_t head_bytes = line.size();
  for (;;) {
    if (!r.line(line, kMaxHeaderBytes - std::min(head_bytes, kMaxHeaderBytes), error)) return false;
    head_bytes += line.size() + 2;
    if (line.empty()) break;
    if (line[0] == ' ' || line[0] == '\t') continue;  // an obsolete folded continuation: ignored
    size_t colon = line.find(':');
    if (colon == std::string::npos || colon == 0) return error = "Malformed header line in response", false;
    std::string_view name = trim(std::string_view(line).substr(0, colon));
    std::string_view value = trim(std::string_view(line).substr(colon + 1));
    if (iequals(name, "Content-Length")) {
      if (value.empty() || value.size() > 18) return error = "Invalid Content-Length value", false;
      long n = 0;
      for (char c : value) {
        if (c < '0' || c > '9') return error = "Invalid Content-Length value", false;
        n = n * 10 + (c - '0');
      }
      if (content_length >= 0 && content_length != n)
        return error = "Conflicting Content-Length values", false;
      content_length = n;
    } else if (iequals(name, "Transfer-Encoding")) {
      te = true;
      size_t last = value.rfind(',');
      chunked = iequals(trim(last == std::string_view::npos ? value : value.substr(last + 1)), "chunked");
    } else if (iequals(name, "Connection")) {
      if (has_token(value, "close")) close = true;
      if (has_token(value, "keep-alive")) keep_alive_header = true;
    } else if (iequals(name, "Content-Type")) {
      out.content_type = std::string(value);
    } else if (iequals(name, "Content-Encoding")) {
      out.content_encoding = std::string(value);
    } else if (iequals(name, "Location")) {
      out.location = std::string(value);
    }
  }
  out.keep_alive = http10 ? keep_alive_header && !close : !close;
  return true;
}

bool read_chunked(Reader& r, size_t limit, std::string& body, std::string& error) {
  std::string line;
  for (;;) {
    if (!r.line(line, 1024, error)) return false;
    size_t n = 0, digits = 0;
    for (char c : line) {
      int d = hex_digit(c);
      if (d < 0) break;
      if (++digits > 15) return error = "Malformed chunk size in response", false;
      n = n * 16 + static_cast<size_t>(d);
    }
    std::string_view rest = trim(std::string_view(line).substr(digits));
    if (digits == 0 || (!rest.empty() && rest[0] != ';'))
      return error = "Malformed chunk size in response", false;
    if (n == 0) break;
    if (body.size() + n > limit) return error = too_large(limit), false;
    if (!r.take(n, body, error)) return false;
    if (!r.line(line, 2, error)) return false;  // the CR LF ending the chunk (maybe split across reads)
    if (!line.empty()) return error = "Malformed chunk end in response", false;
  }
  // Trailers, up to the empty line.
  for (size_t bytes = 0;; bytes += line.size() + 2) {
    if (!r.line(line, kMaxHeaderBytes - std::min(bytes, kMaxHeaderBytes), error)) return false;
    if (line.empty()) return true;
  }
}

}  // namespace

std::string percent_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    int hi, lo;
    if (s[i] == '%' && i + 2 < s.size() + 0 && (hi = hex_digit(s[i + 1])) >= 0 &&
        (lo = hex_digit(s[i + 2])) >= 0) {
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string read_response(ByteSource& src, std::string& buffered, size_t max_body_bytes, bool no_body,
                          Response& out, size_t& received) {
  received = 0;
  Reader r(src, buffered, received);
  std::string error;
  long content_length;
  bool chunked, te;
  do {
    if (!read_head(r, out, content_length, chunked, te, error)) return error;
    if (out.status == 101) return "Unexpected 101 Switching Protocols";
  } while (out.status >= 100 && out.status < 200);
  if (no_body || out.status == 204 || out.status == 304) return "";
  if (chunked) {
    if (!read_chunked(r, max_body_bytes, out.body, error)) return error;
  } else if (content_length >= 0 && !te) {
    if (static_cast<size_t>(content_length) > max_body_bytes) return too_large(max_body_bytes);
    if (!r.take(static_cast<size_t>(content_length), out.body, error)) return error;
  } else {
    // Delimited by the end of the connection.
    out.keep_alive = false;
    bool big = false;
    if (!r.take_all(out.body, max_body_bytes, big, error)) return big ? too_large(max_body_bytes) : error;
  }
  return "";
}

std::string gunzip(std::string_view in, size_t max_bytes, std::string& out) {
  out.clear();
  libdeflate_decompressor* d = libdeflate_alloc_decompressor();
  if (!d) return "out of memory";
  std::string error;
  size_t pos = 0;
  // The first guess: the last member's ISIZE (exact for one member).
  size_t guess = in.size() >= 18
                     ? (size_t(uint8_t(in[in.size() - 4])) | size_t(uint8_t(in[in.size() - 3])) << 8 |
                        size_t(uint8_t(in[in.size() - 2])) << 16 | size_t(uint8_t(in[in.size() - 1])) << 24)
                     : 0;
  while (pos < in.size() && error.empty()) {
    size_t cap = std::max<size_t>({guess, 4 * (in.size() - pos), 4096});
    for (;;) {
      cap = std::min(cap, max_bytes - out.size() + 1);
      size_t old = out.size(), in_used = 0, out_used = 0;
      out.resize(old + cap);
      libdeflate_result rc = libdeflate_gzip_decompress_ex(d, in.data() + pos, in.size() - pos,
                                                           out.data() + old, cap, &in_used, &out_used);
      if (rc == LIBDEFLATE_SUCCESS) {
        out.resize(old + out_used);
        pos += in_used;
        if (out.size() > max_bytes) error = too_large(max_bytes);
        break;
      }
      out.resize(old);
      if (rc != LIBDEFLATE_INSUFFICIENT_SPACE) {
        error = "Error while processing content unencoding: invalid gzip data";
        break;
      }
      if (old + cap > max_bytes) {
        error = too_large(max_bytes);
        break;
      }
      cap *= 2;
    }
    guess = 0;
  }
  libdeflate_free_decompressor(d);
  if (!error.empty()) out.clear();
  return error;
}

}  // namespace vigia::http_plain

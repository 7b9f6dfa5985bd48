#include "exporters/nginx/stub_status.h"

#include <string>

namespace vigia::nginx {
namespace {

// A cursor over the body that names the line of a mismatch.
class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}

  void blanks() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t')) ++pos_;
  }
  bool word(std::string_view w) {
    if (s_.substr(pos_, w.size()) != w) return fail("'" + std::string(w) + "'");
    pos_ += w.size();
    return true;
  }
  // Blanks, then a line end; end of input too when last.
  bool line_end(bool last) {
    blanks();
    if (pos_ < s_.size() && s_[pos_] == '\r') ++pos_;
    if (pos_ < s_.size() && s_[pos_] == '\n') {
      ++pos_;
      ++line_;
      return true;
    }
    if (last && pos_ == s_.size()) return true;
    return fail("the end of the line");
  }
  bool number(uint64_t& v) {
    blanks();
    size_t start = pos_;
    v = 0;
    // 2^63: the reference reads int64.
    constexpr uint64_t kLimit = uint64_t{1} << 63;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
      uint64_t d = static_cast<uint64_t>(s_[pos_] - '0');
      if (v > (kLimit - 1 - d) / 10) return fail("a number below 2^63");
      v = v * 10 + d;
      ++pos_;
    }
    if (pos_ == start) return fail("a number");
    return true;
  }
  const std::string& error() const { return error_; }

 private:
  bool fail(const std::string& expected) {
    if (error_.empty()) error_ = "stub_status line " + std::to_string(line_) + ": expected " + expected;
    return false;
  }

  std::string_view s_;
  size_t pos_ = 0;
  int line_ = 1;
  std::string error_;
};

}  // namespace

Status parse_stub_status(std::string_view body, StubStatus& out) {
  Scanner sc(body);
  StubStatus s;
  bool ok = sc.word("Active connections:") && sc.number(s.active) && sc.line_end(false) &&
            sc.word("server") && (sc.blanks(), sc.word("accepts")) && (sc.blanks(), sc.word("handled")) &&
            (sc.blanks(), sc.word("requests")) && sc.line_end(false) && sc.number(s.accepted) &&
            sc.number(s.handled) && sc.number(s.requests) && sc.line_end(false) && sc.word("Reading:") &&
            sc.number(s.reading) && (sc.blanks(), sc.word("Writing:")) && sc.number(s.writing) &&
            (sc.blanks(), sc.word("Waiting:")) && sc.number(s.waiting) && sc.line_end(true);
  if (!ok) return Status::error(sc.error());
  out = s;
  return Status::ok();
}

}  // namespace vigia::nginx

// Status values returned across module boundaries (after leveldb's Status).
// An error carries a message that names its context, e.g.
// "/proc/loadavg: expected 3 fields". "No data" is not an error.
#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace vigia {

class Status {
 public:
  enum class Code { kOk, kNoData, kError };

  Status() = default;
  static Status ok() { return Status(); }
  static Status no_data(std::string msg = {}) { return Status(Code::kNoData, std::move(msg)); }
  static Status error(std::string msg) { return Status(Code::kError, std::move(msg)); }
  // "context: strerror(errnum)".
  static Status from_errno(std::string_view context, int errnum);

  bool is_ok() const { return code_ == Code::kOk; }
  bool is_no_data() const { return code_ == Code::kNoData; }
  bool is_error() const { return code_ == Code::kError; }
  Code code() const { return code_; }
  const std::string& message() const { return msg_; }

 private:
  Status(Code c, std::string msg) : code_(c), msg_(std::move(msg)) {}
  Code code_ = Code::kOk;
  std::string msg_;
};

}  // namespace vigia

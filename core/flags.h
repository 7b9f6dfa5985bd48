// Prometheus-style (kingpin) command-line flags: `--name=value`, `--name value`,
// boolean `--name` / `--no-name`. Errors are one line naming the flag.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace vigia {

class FlagSet {
 public:
  // A string flag; `target` keeps its default unless the flag is given.
  void add_string(std::string name, std::string help, std::string* target);
  void add_bool(std::string name, std::string help, bool* target);
  // A repeatable string flag (--collect=a --collect=b).
  void add_list(std::string name, std::string help, std::vector<std::string>* target);
  // Handles flags by prefix: `--collector.<x>` / `--no-collector.<x>` calls
  // f(x, value_or_empty, negated); f returns an error message or "" if ok.
  // Name-specific flags take precedence over prefixes.
  using PrefixHandler =
      std::function<std::string(std::string_view rest, bool negated, std::string_view value, bool has_value)>;
  void add_prefix(std::string prefix, std::string help, PrefixHandler f);

  // Parses args (without the program name). Non-flag arguments are returned in
  // `positional`, in order. "--" ends flags.
  Status parse(const std::vector<std::string>& args, std::vector<std::string>& positional);

  // The --help text.
  std::string usage(std::string_view program, std::string_view summary) const;

 private:
  struct Flag {
    std::string name, help, def;
    enum class Kind { kString, kBool, kList } kind;
    std::string* s = nullptr;
    bool* b = nullptr;
    std::vector<std::string>* l = nullptr;
  };
  struct Prefix {
    std::string prefix, help;
    PrefixHandler f;
  };
  std::vector<Flag> flags_;
  std::vector<Prefix> prefixes_;
};

}  // namespace vigia

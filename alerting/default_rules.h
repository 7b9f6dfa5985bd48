// The built-in rule files: rules/*.yml, compiled into the binary (CMake
// generates their definition), evaluated by `vigia run` when the
// configuration names no rule files.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace vigia::alerting {

struct DefaultRuleFile {
  std::string_view name;  // the file's name in rules/ ("host.yml")
  std::string_view yaml;  // its text, byte for byte
};

// Every rules/*.yml, in name order.
const std::vector<DefaultRuleFile>& default_rule_files();
// The name errors and the rules API show for a built-in file: "<built-in>/host.yml".
std::string default_rules_name(std::string_view file);

}  // namespace vigia::alerting

// The built-in rule file: rules/vigia-default.yml, compiled into the binary
// (CMake generates its definition), evaluated by `vigia run` when the
// configuration names no rule files.
#pragma once

#include <string_view>

namespace vigia::alerting {

// The YAML text of rules/vigia-default.yml.
std::string_view default_rules_yaml();
// The name errors and the rules API show for it.
inline constexpr std::string_view kDefaultRulesName = "<built-in>/vigia-default.yml";

}  // namespace vigia::alerting

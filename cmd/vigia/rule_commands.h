// vigia check rules / vigia test rules: promtool's output and exit status.
#pragma once

#include <string>
#include <vector>

namespace vigia {

// vigia check rules FILE...: as promtool check rules (0 ok, 1 a file failed).
int check_rules(const std::vector<std::string>& files);

// vigia test rules FILE...: as promtool test rules (0 ok, 1 a test failed).
int test_rules(const std::vector<std::string>& files);

}  // namespace vigia

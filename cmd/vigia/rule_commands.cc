#include "cmd/vigia/rule_commands.h"

#include <cstdio>

#include "alerting/rules/rule_file.h"
#include "alerting/rules/rule_test.h"

namespace vigia {

int check_rules(const std::vector<std::string>& files) {
  bool failed = false;
  for (const auto& f : files) {
    std::printf("Checking %s\n", f.c_str());
    std::vector<alerting::GroupDef> groups;
    std::vector<std::string> errs = alerting::load_rule_file(f, groups);
    if (errs.empty()) {
      size_t n = 0;
      for (const auto& g : groups) n += g.rules.size();
      std::printf("  SUCCESS: %zu rules found\n\n", n);
      continue;
    }
    failed = true;
    std::printf("\n");
    std::fflush(stdout);
    std::fprintf(stderr, "  FAILED:\n");
    for (const auto& e : errs) std::fprintf(stderr, "%s\n", e.c_str());
  }
  return failed ? 1 : 0;
}

int test_rules(const std::vector<std::string>& files) {
  bool failed = false;
  for (const auto& f : files) {
    std::string out;
    if (!alerting::run_rule_test_file(f, out)) failed = true;
    std::fputs(out.c_str(), stdout);
    std::fputs("\n", stdout);
  }
  return failed ? 1 : 0;
}

}  // namespace vigia

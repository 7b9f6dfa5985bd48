// libFuzzer target for the rule file loader (built with -DVIGIA_FUZZ=ON and
// clang; run in CI for a bounded time by scripts/fuzz.sh). Whatever loads is
// also evaluated twice over a small store, so rule labels, annotations
// (templates) and the alert state machine see fuzzed rules too.
#include <cstdint>
#include <string>
#include <string_view>

#include "alerting/rules/group.h"
#include "alerting/rules/rule_file.h"
#include "alerting/store/store.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigia;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<alerting::GroupDef> groups;
  std::vector<std::string> errors = alerting::parse_rule_file(text, "fuzz.yml", groups);
  if (!errors.empty() && !groups.empty()) __builtin_trap();  // a file with errors loads nothing
  if (groups.empty()) return 0;
  store::Store st;
  for (int i = 0; i < 3; ++i) {
    st.append({{"__name__", "up"}, {"instance", "a"}, {"job", "j"}}, i * 60000, i == 1 ? 0 : 1);
    st.append({{"__name__", "x"}, {"i", std::to_string(i)}}, i * 60000, i * 1.5);
  }
  alerting::LocalQuerier q(st);
  for (auto& def : groups) {
    alerting::Group g(def, {});
    g.evaluate(60000, q, &st, [](const alerting::RuleDef&, const std::vector<alerting::Alert>&) {});
    g.evaluate(120000, q, &st, {});
  }
  return 0;
}

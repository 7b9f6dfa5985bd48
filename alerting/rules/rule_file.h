// Rule files in Prometheus's format (rulefmt): groups of recording and
// alerting rules. Validation follows Prometheus 2.42's rulefmt.Validate, and
// errors are worded as promtool prints them, with the file, line and column:
//   rules.yml: 5:15: group "g", rule 1, "X": could not parse expression: 1:6: parse error: ...
// Unknown keys are errors too ("rules.yml: 6:9: unknown key 'fo' in rule").
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "alerting/promql/ast.h"
#include "alerting/promql/value.h"

namespace vigia::alerting {

struct RuleDef {
  bool is_alert = false;
  std::string name;                          // `alert` or `record`
  std::string expr_text;                     // as written (what a remote API is sent)
  std::shared_ptr<const promql::Expr> expr;  // parsed
  int64_t for_ms = 0;
  int64_t keep_firing_for_ms = 0;
  promql::LabelSet labels;       // sorted; templates for alerts
  promql::LabelSet annotations;  // sorted; templates
};

struct GroupDef {
  std::string file;  // as given to the loader (shown by the rules API)
  std::string name;
  int64_t interval_ms = 0;  // 0: the global evaluation interval
  int64_t limit = 0;        // 0: none
  std::vector<RuleDef> rules;
};

// Parses the text of a rule file named `file`, appending its groups to `out`
// only when it has no error. Returns every error found, each a line.
std::vector<std::string> parse_rule_file(std::string_view text, const std::string& file,
                                         std::vector<GroupDef>& out);
// Reads and parses a file ("FILE: open: No such file or directory" if unreadable).
std::vector<std::string> load_rule_file(const std::string& path, std::vector<GroupDef>& out);

// Expands rule_files patterns (shell globs; relative ones from `base_dir`) in
// order, each file once. A pattern that matches nothing adds an error unless
// it has a wildcard (Prometheus ignores empty globs).
std::vector<std::string> expand_rule_globs(const std::vector<std::string>& patterns,
                                           const std::string& base_dir, std::vector<std::string>& files);

}  // namespace vigia::alerting

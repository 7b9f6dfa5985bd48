// Alert templates: Prometheus's annotation and label expansion (Go
// text/template with Prometheus's functions).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "alerting/promql/value.h"

namespace vigia::alerting {

struct TemplateQueryResult {
  promql::LabelSet labels;
  double value;
};
// Runs a PromQL instant query for the `query` template function; false and
// `err` on failure.
using TemplateQueryFn =
    std::function<bool(std::string_view expr, std::vector<TemplateQueryResult>& out, std::string& err)>;

struct TemplateData {
  promql::LabelSet labels;           // $labels, .Labels
  promql::LabelSet external_labels;  // $externalLabels, .ExternalLabels
  std::string external_url;          // $externalURL, .ExternalURL
  double value = 0;                  // $value, .Value
  int64_t eval_time_ms = 0;
  TemplateQueryFn query;             // may be empty: `query` then fails
};

// Expands `text` as Prometheus expands an alert's annotation or label. False
// and `err` on a parse or execution error; the caller shows
// "<error expanding template: " + err + ">" as Prometheus does.
bool expand_template(std::string_view name, std::string_view text, const TemplateData& data, std::string& out,
                     std::string& err);
// Parses only (promtool check rules): false and `err` if `text` does not parse.
bool check_template(std::string_view name, std::string_view text, std::string& err);

}  // namespace vigia::alerting

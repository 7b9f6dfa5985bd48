// `vigia test rules FILE...`: promtool's rule unit tests (Prometheus 2.42's
// cmd/promtool/unittest.go), so one test file runs under both:
//   rule_files, evaluation_interval (default 1m), group_eval_order, tests:
//   [{interval, input_series: [{series, values}], alert_rule_test:
//   [{eval_time, alertname, exp_alerts: [{exp_labels, exp_annotations}]}],
//   promql_expr_test: [{expr, eval_time, exp_samples: [{labels, value}]}],
//   external_labels, external_url, name}].
// Series values use the expanding notation ('1+2x3', '5-1x2', '7x3', '_',
// '_x3', 'stale'). Every group is evaluated at each evaluation_interval step
// from 0 to the largest eval_time; an alert test at eval_time t compares the
// firing alerts of the step ts with ts <= t < ts + interval. Sample values
// are compared with a relative tolerance of 1e-9 (Prometheus's summation
// order changes the last digits; promtool compares exactly).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "alerting/promql/value.h"

namespace vigia::alerting {

// Expands a series' values notation into points every `step_ms` from 0;
// missing samples ('_') leave a gap, 'stale' is Prometheus's stale NaN.
// False and `err` on malformed notation.
bool expand_series_values(std::string_view text, int64_t step_ms, std::vector<promql::Point>& out,
                          std::string& err);

// Runs one test file; appends promtool-style output ("Unit Testing:  FILE",
// "  SUCCESS" or "  FAILED:" and the failures) to `out`. True if it passed.
bool run_rule_test_file(const std::string& path, std::string& out);

}  // namespace vigia::alerting

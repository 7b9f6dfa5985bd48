// Alert annotation and label templates, expanded as Prometheus 2.42 expands
// them (template.NewTemplateExpander(...).Expand() called from
// rules/alerting.go): Go's text/template language with Prometheus's template
// functions.
//
// Supported language: text and actions with trim markers ({{- -}}), comments,
// pipelines, variables ($x := / $x = / $), fields (.Labels.instance,
// $labels.instance; a missing map key is the zero value, i.e. ""), if / else
// if / else, range (maps in key order, slices, with $i, $e := and else),
// with, break, continue, define / template / block, literals (strings, raw
// strings, characters, numbers, true, false, nil), and the builtins and, or,
// not, len, index, slice, print, printf, println, eq, ne, lt, le, gt, ge,
// html, js, urlquery. Prometheus's functions: humanize, humanize1024,
// humanizeDuration, humanizePercentage, humanizeTimestamp, toTime, title,
// toUpper, toLower, match, reReplaceAll, safeHtml, stripPort, stripDomain,
// parseDuration, externalURL, pathPrefix, graphLink, tableLink, sortByLabel,
// first, label, value, strvalue, args, query. (`tmpl` exists only in
// Prometheus's HTML templates; in alert templates it is, as there, an
// undefined function.)
//
// Differences from Go, all on inputs no real rule has: methods of Go values
// (e.g. (toTime 0).Unix) are not callable; printing a whole query result
// prints placeholder addresses; complex constants are not supported;
// upper/lower/title case maps Latin, Greek and Cyrillic letters only, and
// which non-ASCII runes are letters (identifiers) or printable (%q, js)
// follows the common scripts rather than all of Unicode. To bound time and
// memory on any input, parentheses and control structures nest at most 100
// deep (a parse error), template calls at most 1000 deep (Go: 100000), an
// expansion runs at most 1,000,000 steps (a step is a node or a command, or
// 256 bytes of a computed string) and writes at most 16 MiB; past these the
// expansion fails with an error naming the limit.
//
// Other function sets: the language (lexer, parser, executor, builtins) does
// not depend on Prometheus's functions; parse_template takes the set of
// function names and the executor a FunctionLookup (template_internal.h),
// and expand_template passes prometheus_function. Alertmanager 0.25's
// message templates use the second table, alertmanager_function (toUpper,
// toLower, title, join, match, safeHtml, reReplaceAll, stringSlice), through
// expand_message_template below, whose dot is Alertmanager's template.Data
// (MessageData): .Receiver, .Status, .Alerts (.Firing, .Resolved), each
// alert's .Status .Labels .Annotations .StartsAt .EndsAt .GeneratorURL
// .Fingerprint, .GroupLabels, .CommonLabels, .CommonAnnotations (template.KV:
// .SortedPairs, .Names, .Values, .Remove), .ExternalURL; times have the
// methods Format, Unix, UTC, IsZero and String. For HTML (Alertmanager's
// html/template) every action's output is HTML-escaped unless it is
// safeHtml's: html/template's escaping in HTML text, not its contextual
// escaping inside attributes, scripts or URLs.
//
// All functions are pure (apart from calling TemplateData::query) and
// thread-safe.
#pragma once

#include <climits>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "alerting/promql/value.h"

namespace vigia::alerting {

struct TemplateQueryResult {
  promql::LabelSet labels;
  double value;
};

// Runs a PromQL instant query (at TemplateData::eval_time_ms) for the `query`
// template function: fills `out` and returns true, or returns false with
// `err` set (the template then fails with "error calling query: ERR").
using TemplateQueryFn =
    std::function<bool(std::string_view expr, std::vector<TemplateQueryResult>& out, std::string& err)>;

struct TemplateData {
  promql::LabelSet labels;           // $labels, .Labels
  promql::LabelSet external_labels;  // $externalLabels, .ExternalLabels
  std::string external_url;          // $externalURL, .ExternalURL, externalURL, pathPrefix
  double value = 0;                  // $value, .Value
  int64_t eval_time_ms = 0;          // the evaluation time, for the caller's `query`
  TemplateQueryFn query;             // may be empty: `query` then fails
};

// The definitions Prometheus puts before an alert's template text.
inline constexpr std::string_view kAlertTemplateDefs =
    "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}"
    "{{$value := .Value}}";

// Expands `text` as Prometheus expands an alert's annotation or label named
// for the alert `name`: the template is called "__alert_" + name and its text
// is kAlertTemplateDefs + text (so error columns count the definitions, as
// Prometheus's do). Returns true with the result in `out`, or false with
// `err` set to Prometheus's error, e.g.
//   error executing template __alert_HighLoad: template: __alert_HighLoad:1:110:
//   executing "__alert_HighLoad" at <humanize "x">: error calling humanize: ...
//   error parsing template __alert_HighLoad: template: __alert_HighLoad:1: function "foo" not defined
// Prometheus then uses alert_template_error_value(err) as the value.
bool expand_template(std::string_view name, std::string_view text, const TemplateData& data, std::string& out,
                     std::string& err);

// "<error expanding template: ERR>": the annotation or label value Prometheus
// gives when expand_template fails with ERR.
std::string alert_template_error_value(std::string_view err);

// Parses only, as `promtool check rules` checks annotations and labels: false
// with `err` set to text/template's message, without Expand's prefix (as
// promtool prints it), e.g. `template: __alert_NAME:1: function "foo" not
// defined`, if the template (with the definitions) does not parse.
bool check_template(std::string_view name, std::string_view text, std::string& err);

// Alertmanager's template.Alert and template.Data. Label sets are sorted by
// name. Times are nanoseconds since the epoch; kGoZeroTimeNs is Go's zero
// time (a firing alert's EndsAt).
inline constexpr int64_t kGoZeroTimeNs = INT64_MIN;
struct MessageAlert {
  std::string status;  // "firing" or "resolved"
  promql::LabelSet labels, annotations;
  int64_t starts_at_ns = 0, ends_at_ns = 0;
  std::string generator_url;
  std::string fingerprint;  // 16 hex digits
};
struct MessageData {
  std::string receiver;  // regexp.QuoteMeta of the receiver's name, as Alertmanager's
  std::string status;    // "firing" if any alert fires, else "resolved"
  std::vector<MessageAlert> alerts;
  promql::LabelSet group_labels, common_labels, common_annotations;
  std::string external_url;
};

// A `templates:` file: its name (for errors) and text, define blocks.
struct MessageTemplateFile {
  std::string name;
  std::string text;
};

// Parses a templates: file: false with text/template's error
// ("template: NAME:LINE: ...") if it does not parse.
bool check_message_template(std::string_view name, std::string_view text, std::string& err);

// The define blocks of a set of templates: files, parsed once.
struct MessageDefinitions;
// Parses the files (later files' definitions override earlier ones'): null
// with `err` set if one does not parse.
std::shared_ptr<const MessageDefinitions> parse_message_definitions(
    const std::vector<MessageTemplateFile>& files, std::string& err);

// Alertmanager's Template.ExecuteTextString (html false) or
// ExecuteHTMLString (html true): `text` is parsed as a template that may
// call the definitions `defs` (may be null; the text's own definitions
// override them) and executed with `data` as its dot. Returns false with
// `err` set on a parse or execution error.
bool expand_message_template(const MessageDefinitions* defs, std::string_view text, const MessageData& data,
                             bool html, std::string& out, std::string& err);

}  // namespace vigia::alerting

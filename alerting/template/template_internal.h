// Internals of the template engine (template.h), shared by its .cc files:
// the values a template computes with (a small model of the Go types that
// Prometheus's templates see), Go's fmt formatting of them (Go's strconv and
// utf8 are core/strconv.h), the parse tree, and the function table. Not an
// interface for other modules.
#pragma once

#include <climits>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "alerting/promql/value.h"
#include "alerting/template/template.h"
#include "core/strconv.h"

namespace vigia::alerting::tmpl {

struct Value;
struct SampleData {  // Prometheus's template `sample`: {Labels map[string]string; Value float64}
  promql::LabelSet labels;
  double value = 0;
};
using AnyMap = std::vector<std::pair<std::string, Value>>;  // sorted by key
using SampleList = std::vector<std::shared_ptr<const SampleData>>;

// The Go types a template value can have; the comment is Go's type name, as
// error messages spell it.
enum class Kind {
  kInvalid,  // no value (Go's invalid reflect.Value, printed "<no value>")
  kBool,     // bool
  kInt,      // int
  kFloat,    // float64
  kString,   // string
  kHtml,     // template.HTML (safeHtml)
  kStrMap,   // map[string]string
  kAnyMap,   // map[string]interface {} (args)
  kSample,   // *template.sample (null pointer allowed)
  kSamples,  // template.queryResult
  kTime,     // *time.Time (null pointer allowed)
  kData,     // the alert's template data struct
  // Alertmanager's message templates (template.Data and its parts):
  kStrSlice,   // []string
  kMsgData,    // *template.Data
  kMsgAlerts,  // template.Alerts (alerts_named) or []template.Alert
  kMsgAlert,   // template.Alert
  kPairs,      // template.Pairs (in str_map, in their order)
  kPair,       // template.Pair (the one entry of str_map)
};

// A time.Time value's nanoseconds for Go's zero time (0001-01-01), which
// does not fit in int64 nanoseconds since the epoch.
inline constexpr int64_t kZeroTimeNs = kGoZeroTimeNs;

struct Value {
  Kind kind = Kind::kInvalid;
  bool b = false;
  int64_t i = 0;  // kInt; kTime: nanoseconds since the epoch
  double f = 0;
  std::string s;
  std::shared_ptr<const promql::LabelSet> str_map;  // kStrMap (null = nil map)
  std::shared_ptr<const AnyMap> any_map;            // kAnyMap
  std::shared_ptr<const SampleData> sample;         // kSample (null = nil)
  std::shared_ptr<const SampleList> samples;        // kSamples (null = nil slice)
  bool nil_ptr = false;                             // kTime: a nil *time.Time
  bool nil_iface = false;              // kInvalid: a nil interface{} (from a map[string]interface {})
  const TemplateData* data = nullptr;  // kData
  bool kv = false;                     // kStrMap: Alertmanager's template.KV (with its methods)
  std::shared_ptr<const std::vector<std::string>> strs;     // kStrSlice
  std::shared_ptr<const MessageData> msg;                   // kMsgData
  std::shared_ptr<const std::vector<MessageAlert>> alerts;  // kMsgAlerts
  bool alerts_named = false;                                // kMsgAlerts: template.Alerts
  std::shared_ptr<const MessageAlert> alert;                // kMsgAlert

  static Value boolean(bool v) {
    Value r;
    r.kind = Kind::kBool;
    r.b = v;
    return r;
  }
  static Value integer(int64_t v) {
    Value r;
    r.kind = Kind::kInt;
    r.i = v;
    return r;
  }
  static Value real(double v) {
    Value r;
    r.kind = Kind::kFloat;
    r.f = v;
    return r;
  }
  static Value string(std::string v) {
    Value r;
    r.kind = Kind::kString;
    r.s = std::move(v);
    return r;
  }
  static Value html(std::string v) {
    Value r;
    r.kind = Kind::kHtml;
    r.s = std::move(v);
    return r;
  }
  static Value labels(promql::LabelSet ls) {
    Value r;
    r.kind = Kind::kStrMap;
    r.str_map = std::make_shared<const promql::LabelSet>(std::move(ls));
    return r;
  }
  static Value kv_map(promql::LabelSet ls) {
    Value r = labels(std::move(ls));
    r.kv = true;
    return r;
  }
  static Value string_slice(std::vector<std::string> v) {
    Value r;
    r.kind = Kind::kStrSlice;
    r.strs = std::make_shared<const std::vector<std::string>>(std::move(v));
    return r;
  }
  static Value time(int64_t ns) {
    Value r;
    r.kind = Kind::kTime;
    r.i = ns;
    return r;
  }
};

// Go's name of the value's type ("float64", "map[string]string"...).
std::string type_name(const Value& v);
// Go's truth (text/template isTrue): zero values and empty collections are false.
bool truth(const Value& v);

// fmt.Sprint of one value (%v), e.g. 0.1, 1e+06, +Inf, map[a:b], <nil>.
std::string format_v(const Value& v);
// fmt.Sprint(args...) and fmt.Sprintln(args...).
std::string go_sprint(const std::vector<Value>& args);
std::string go_sprintln(const std::vector<Value>& args);
// fmt.Sprintf(format, args...), with Go's error markers (%!d(string=x),
// %!v(MISSING), %!(EXTRA ...)). Widths and precisions above 1e6 are Go's
// %!(BADWIDTH)/%!(BADPREC).
std::string go_sprintf(std::string_view format, const std::vector<Value>& args);
// time.Time.String() of a UTC time: "1970-01-01 00:00:01.5 +0000 UTC".
std::string time_string(int64_t ns);
// Tokens of the lexer (text/template/parse/lex.go).
enum class Tok {
  kError,
  kBool,
  kChar,
  kCharConstant,
  kComment,
  kAssign,
  kDeclare,
  kEOF,
  kField,
  kIdentifier,
  kLeftDelim,
  kLeftParen,
  kNumber,
  kPipe,
  kRawString,
  kRightDelim,
  kRightParen,
  kSpace,
  kString,
  kText,
  kVariable,
  // keywords
  kBlock,
  kBreak,
  kContinue,
  kDot,
  kDefine,
  kElse,
  kEnd,
  kIf,
  kNil,
  kRange,
  kTemplate,
  kWith,
};

struct Item {
  Tok type;
  size_t pos;
  std::string val;
  int line;
};

// The tokens of `text`, ending with kEOF or with a kError item whose val is
// Go's message ("unclosed action"...).
std::vector<Item> lex(std::string_view text);
// Go's item.String() for "unexpected" messages: "EOF", "<if>", "\"x\"".
std::string item_string(const Item& i);
// Parse tree (text/template/parse), positions are byte offsets in the text.
enum class NodeType {
  kText,
  kAction,
  kIf,
  kRange,
  kWith,
  kTemplate,
  kBreak,
  kContinue,
  kList,
  kPipe,
  kCommand,
  kField,
  kChain,
  kIdentifier,
  kVariable,
  kDot,
  kNil,
  kBool,
  kNumber,
  kString,
};

struct Node {
  NodeType type;
  size_t pos = 0;
  int line = 1;
  std::string text;                          // text, identifier, string value, template name, number spelling
  std::string spelling;                      // kString: the quoted source text
  std::vector<std::string> idents;           // kField/kVariable/kChain: the names ($x, Labels, instance)
  std::vector<std::unique_ptr<Node>> nodes;  // kList items; kCommand args; kPipe commands
  std::vector<std::unique_ptr<Node>> decl;   // kPipe: declared variables
  bool is_assign = false;                    // kPipe: `=` rather than `:=`
  std::unique_ptr<Node> pipe;                // kAction, kIf/kRange/kWith, kTemplate, kChain's node
  std::unique_ptr<Node> list, else_list;     // kIf/kRange/kWith
  bool bool_value = false;
  // kNumber
  bool is_int = false, is_float = false;
  int64_t int_value = 0;
  double float_value = 0;
};

// parse.NewNumber for a number or character constant token: sets is_int,
// is_float and the values, or returns false with Go's message ("illegal
// number syntax: \"1_\"", "integer overflow: ...").
bool parse_number(std::string_view text, bool is_char, Node& n, std::string& err);

// Go's Node.String() for error contexts.
std::string node_string(const Node& n);

struct Tree {
  std::string name;
  std::unique_ptr<Node> root;  // kList
};

// Parses `text` as text/template does with the function names for which
// `is_function` is true; `trees` receives the main template (first) and
// every {{define}}. On failure returns false and `err` is Go's
// "template: NAME:LINE: message".
bool parse_template(std::string_view name, std::string_view text,
                    const std::function<bool(std::string_view)>& is_function, std::vector<Tree>& trees,
                    std::string& err);

// A function's Go parameter types, for text/template's argument checks.
enum class Param { kString, kFloat, kAny, kSample, kSamples, kStrSlice };

// Thrown by function implementations; the executor reports it as Go does
// ("error calling NAME: MESSAGE").
struct CallError {
  std::string message;
};

struct Function {
  std::vector<Param> params;
  bool variadic = false;  // the last parameter repeats
  Value (*call)(const std::vector<Value>& args, const TemplateData& data);
};

// A table of template functions beyond text/template's builtins: the
// function called `name`, or null. The executor (template_exec.h) takes one;
// alert templates use prometheus_function.
using FunctionLookup = const Function* (*)(std::string_view name);

// Prometheus's template functions (template/template.go), or null.
const Function* prometheus_function(std::string_view name);
// Alertmanager 0.25's template functions (template.DefaultFuncs), or null.
const Function* alertmanager_function(std::string_view name);

// unicode.ToUpper/ToLower over a string (template_funcs.cc).
std::string map_case(std::string_view s, bool upper);

// The field or method `name` of a value of Alertmanager's message data
// (kMsgData, kMsgAlerts, kMsgAlert, kPairs, kPair, a template.KV kStrMap, a
// time): false if the type has none. `args` are a method's arguments
// (`has_args` when any were given); on a wrong call `err` is set and out
// left invalid (template_message.cc).
bool message_field(const std::string& name, const Value& recv, const std::vector<Value>& args, bool has_args,
                   Value& out, std::string& err);
// fmt's %v of a kStrSlice, kPair, kPairs, kMsgAlert, kMsgAlerts or kMsgData
// value, each element formatted by `elem` (template_message.cc).
std::string format_message_value(const Value& v, const std::function<std::string(const Value&)>& elem);
// Go's time.Time.Format(layout) of a UTC time.
std::string go_time_format(int64_t ns, std::string_view layout);
// html/template's escaping of an action's output in HTML text.
std::string html_text_escape(std::string_view s);

}  // namespace vigia::alerting::tmpl

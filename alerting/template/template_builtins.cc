// text/template's builtin functions (funcs.go, Go 1.19): and, or, not, len,
// index, slice, print, printf, println, html, js, urlquery and the
// comparisons, with Go's error texts.
#include <cstdio>

#include "alerting/template/template_exec.h"
#include "core/strconv.h"
#include "core/text.h"

namespace vigia::alerting::tmpl {
namespace {

std::string html_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '\0': out += "\xef\xbf\xbd"; break;
      default: out += c;
    }
  }
  return out;
}

std::string js_escape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    char buf[8];
    switch (c) {
      case '\\': out += "\\\\"; continue;
      case '\'': out += "\\'"; continue;
      case '"': out += "\\\""; continue;
      case '<': out += "\\u003C"; continue;
      case '>': out += "\\u003E"; continue;
      case '&': out += "\\u0026"; continue;
      case '=': out += "\\u003D"; continue;
      default: break;
    }
    if (c < ' ') {
      std::snprintf(buf, sizeof buf, "\\u%04X", c);
      out += buf;
    } else if (c < 0x80) {
      out += static_cast<char>(c);
    } else {
      // A printable rune (or an invalid byte, which Go decodes as the
      // printable U+FFFD) passes as it is; others are escaped.
      size_t len;
      uint32_t r = decode_rune(s, i, len);
      if (go_is_print(r)) {
        out.append(s.substr(i, len));
      } else {
        char ubuf[16];
        std::snprintf(ubuf, sizeof ubuf, "\\u%04X", r);
        out += ubuf;
      }
      i += len - 1;
    }
  }
  return out;
}

// text/template's basicKind classes for comparisons.
enum class Basic { kBool, kInt, kFloat, kString, kOther };
Basic basic_kind(const Value& v) {
  switch (v.kind) {
    case Kind::kBool: return Basic::kBool;
    case Kind::kInt: return Basic::kInt;
    case Kind::kFloat: return Basic::kFloat;
    case Kind::kString:
    case Kind::kHtml: return Basic::kString;
    default: return Basic::kOther;
  }
}

}  // namespace

Builtin builtin(std::string_view name) {
  static const std::pair<std::string_view, Builtin> kTable[] = {
      {"and", Builtin::kAnd},     {"or", Builtin::kOr},         {"not", Builtin::kNot},
      {"len", Builtin::kLen},     {"index", Builtin::kIndex},   {"slice", Builtin::kSlice},
      {"print", Builtin::kPrint}, {"printf", Builtin::kPrintf}, {"println", Builtin::kPrintln},
      {"html", Builtin::kHtml},   {"js", Builtin::kJs},         {"urlquery", Builtin::kUrlquery},
      {"eq", Builtin::kEq},       {"ne", Builtin::kNe},         {"lt", Builtin::kLt},
      {"le", Builtin::kLe},       {"gt", Builtin::kGt},         {"ge", Builtin::kGe}};
  for (const auto& [n, b] : kTable)
    if (n == name) return b;
  return Builtin::kNone;
}

Value Executor::call_builtin(Builtin b, const std::string& name, const Value& dot, const Node& cmd,
                             const std::vector<const Node*>& args, const Value* final, size_t num_in) {
  auto want = [&](size_t n, bool variadic) {
    if (variadic) {
      if (num_in < n)
        errorf("wrong number of args for " + name + ": want at least " + std::to_string(n) + " got " +
               std::to_string(args.size()));
    } else if (num_in != n) {
      errorf("wrong number of args for " + name + ": want " + std::to_string(n) + " got " +
             std::to_string(num_in));
    }
  };
  auto all_args = [&](bool any) {
    std::vector<Value> argv;
    for (const Node* a : args) argv.push_back(builtin_arg(dot, *a, any));
    if (final) {
      if (final->kind == Kind::kInvalid && !any) errorf("invalid value; expected reflect.Value");
      argv.push_back(*final);
    }
    return argv;
  };
  switch (b) {
    case Builtin::kAnd:
    case Builtin::kOr: {
      want(1, true);
      Value v;
      for (const Node* a : args) {
        v = builtin_arg(dot, *a, false);
        if (truth(v) == (b == Builtin::kOr)) return v;
      }
      if (final) {
        if (final->kind == Kind::kInvalid) errorf("invalid value; expected reflect.Value");
        v = *final;
      }
      return v;
    }
    case Builtin::kNot: {
      want(1, false);
      return Value::boolean(!truth(all_args(false)[0]));
    }
    case Builtin::kLen: {
      want(1, false);
      Value v = all_args(false)[0];
      switch (v.kind) {
        case Kind::kString:
        case Kind::kHtml: return Value::integer(static_cast<int64_t>(v.s.size()));
        case Kind::kStrMap: return Value::integer(v.str_map ? static_cast<int64_t>(v.str_map->size()) : 0);
        case Kind::kAnyMap: return Value::integer(v.any_map ? static_cast<int64_t>(v.any_map->size()) : 0);
        case Kind::kSamples: return Value::integer(v.samples ? static_cast<int64_t>(v.samples->size()) : 0);
        case Kind::kStrSlice: return Value::integer(v.strs ? static_cast<int64_t>(v.strs->size()) : 0);
        case Kind::kMsgAlerts: return Value::integer(v.alerts ? static_cast<int64_t>(v.alerts->size()) : 0);
        case Kind::kPairs: return Value::integer(v.str_map ? static_cast<int64_t>(v.str_map->size()) : 0);
        case Kind::kSample:
        case Kind::kTime:
          if ((v.kind == Kind::kSample && !v.sample) || (v.kind == Kind::kTime && v.nil_ptr))
            call_error(cmd, name, "len of nil pointer");
          call_error(cmd, name,
                     "len of type " + std::string(v.kind == Kind::kSample ? "template.sample" : "time.Time"));
        default: call_error(cmd, name, "len of type " + type_name(v));
      }
    }
    case Builtin::kIndex: {
      want(1, true);
      std::vector<Value> argv = all_args(false);
      Value item = argv[0];
      for (size_t i = 1; i < argv.size(); ++i) {
        const Value& idx = argv[i];
        switch (item.kind) {
          case Kind::kStrMap:
          case Kind::kAnyMap: {
            if (idx.kind != Kind::kString)
              call_error(cmd, name, "value has type " + type_name(idx) + "; should be string");
            Value found = item.kind == Kind::kStrMap ? Value::string("") : Value{};
            if (item.kind == Kind::kStrMap && item.str_map) {
              for (const auto& [k, v] : *item.str_map)
                if (k == idx.s) found = Value::string(v);
            } else if (item.kind == Kind::kAnyMap && item.any_map) {
              for (const auto& [k, v] : *item.any_map)
                if (k == idx.s) found = v;
            }
            item = found;
            break;
          }
          case Kind::kString:
          case Kind::kHtml:
          case Kind::kSamples: {
            if (idx.kind != Kind::kInt)
              call_error(cmd, name, "cannot index slice/array with type " + type_name(idx));
            size_t len =
                item.kind == Kind::kSamples ? (item.samples ? item.samples->size() : 0) : item.s.size();
            if (idx.i < 0 || static_cast<size_t>(idx.i) >= len)
              call_error(cmd, name, "index out of range: " + std::to_string(idx.i));
            if (item.kind == Kind::kSamples) {
              Value s;
              s.kind = Kind::kSample;
              s.sample = (*item.samples)[static_cast<size_t>(idx.i)];
              item = s;
            } else {
              item = Value::integer(static_cast<unsigned char>(item.s[static_cast<size_t>(idx.i)]));
              item.kind = Kind::kInt;  // Go: uint8; printed the same
            }
            break;
          }
          case Kind::kPairs: {
            if (idx.kind != Kind::kInt)
              call_error(cmd, name, "cannot index slice/array with type " + type_name(idx));
            size_t len = item.str_map ? item.str_map->size() : 0;
            if (idx.i < 0 || static_cast<size_t>(idx.i) >= len)
              call_error(cmd, name, "index out of range: " + std::to_string(idx.i));
            Value p;
            p.kind = Kind::kPair;
            p.str_map =
                std::make_shared<const promql::LabelSet>(1, (*item.str_map)[static_cast<size_t>(idx.i)]);
            item = p;
            break;
          }
          case Kind::kStrSlice:
          case Kind::kMsgAlerts: {
            if (idx.kind != Kind::kInt)
              call_error(cmd, name, "cannot index slice/array with type " + type_name(idx));
            size_t len = item.kind == Kind::kStrSlice ? (item.strs ? item.strs->size() : 0)
                                                      : (item.alerts ? item.alerts->size() : 0);
            if (idx.i < 0 || static_cast<size_t>(idx.i) >= len)
              call_error(cmd, name, "index out of range: " + std::to_string(idx.i));
            size_t k = static_cast<size_t>(idx.i);
            if (item.kind == Kind::kStrSlice) {
              item = Value::string((*item.strs)[k]);
            } else {
              Value a;
              a.kind = Kind::kMsgAlert;
              a.alert = std::shared_ptr<const MessageAlert>(item.alerts, &(*item.alerts)[k]);
              item = a;
            }
            break;
          }
          case Kind::kInvalid: call_error(cmd, name, "index of untyped nil");
          default: call_error(cmd, name, "can't index item of type " + type_name(item));
        }
      }
      return item;
    }
    case Builtin::kSlice: {
      want(1, true);
      std::vector<Value> argv = all_args(false);
      Value item = argv[0];
      if (item.kind != Kind::kString) call_error(cmd, name, "can't slice item of type " + type_name(item));
      if (argv.size() > 3)
        call_error(cmd, name, "too many slice indexes: " + std::to_string(argv.size() - 1));
      int64_t idx[2] = {0, static_cast<int64_t>(item.s.size())};
      for (size_t i = 1; i < argv.size(); ++i) {
        if (argv[i].kind != Kind::kInt)
          call_error(cmd, name, "cannot index slice/array with type " + type_name(argv[i]));
        if (argv[i].i < 0 || argv[i].i > static_cast<int64_t>(item.s.size()))
          call_error(cmd, name, "index out of range: " + std::to_string(argv[i].i));
        idx[i - 1] = argv[i].i;
      }
      if (idx[0] > idx[1])
        call_error(cmd, name,
                   "invalid slice index: " + std::to_string(idx[0]) + " > " + std::to_string(idx[1]));
      return Value::string(item.s.substr(static_cast<size_t>(idx[0]), static_cast<size_t>(idx[1] - idx[0])));
    }
    case Builtin::kPrint: return Value::string(go_sprint(all_args(true)));
    case Builtin::kPrintln: return Value::string(go_sprintln(all_args(true)));
    case Builtin::kPrintf: {
      want(1, true);
      std::vector<Value> argv;
      argv.push_back(args.empty() ? validate(*final, Param::kString)
                                  : eval_typed_arg(dot, Param::kString, *args[0]));
      for (size_t i = 1; i < args.size(); ++i) argv.push_back(builtin_arg(dot, *args[i], true));
      if (final && !args.empty()) argv.push_back(*final);
      std::string format = argv[0].s;
      argv.erase(argv.begin());
      return Value::string(go_sprintf(format, argv));
    }
    case Builtin::kHtml:
    case Builtin::kJs:
    case Builtin::kUrlquery: {
      std::vector<Value> argv = all_args(true);
      std::string s;
      if (argv.size() == 1 && (argv[0].kind == Kind::kString || argv[0].kind == Kind::kHtml))
        s = argv[0].s;
      else
        s = go_sprint(argv);
      if (b == Builtin::kHtml) return Value::string(html_escape(s));
      if (b == Builtin::kJs) return Value::string(js_escape(s));
      return Value::string(query_escape(s));
    }
    case Builtin::kEq: {
      want(1, true);
      std::vector<Value> argv = all_args(false);
      if (argv.size() < 2) call_error(cmd, name, "missing argument for comparison");
      const Value& a = argv[0];
      Basic ka = basic_kind(a);
      for (size_t i = 1; i < argv.size(); ++i) {
        const Value& c = argv[i];
        Basic kc = basic_kind(c);
        bool equal = false;
        if (ka != kc) call_error(cmd, name, "incompatible types for comparison");
        switch (ka) {
          case Basic::kBool: equal = a.b == c.b; break;
          case Basic::kInt: equal = a.i == c.i; break;
          case Basic::kFloat: equal = a.f == c.f; break;
          case Basic::kString: equal = a.s == c.s; break;
          case Basic::kOther:
            if (a.kind == Kind::kSample && c.kind == Kind::kSample) {
              equal = a.sample == c.sample;
              break;
            }
            if (a.kind == Kind::kTime && c.kind == Kind::kTime) {
              equal = a.nil_ptr && c.nil_ptr;
              break;
            }
            call_error(cmd, name, "non-comparable type " + format_v(a) + ": " + type_name(a));
        }
        if (equal) return Value::boolean(true);
      }
      return Value::boolean(false);
    }
    case Builtin::kNe:
    case Builtin::kLt:
    case Builtin::kLe:
    case Builtin::kGt:
    case Builtin::kGe: {
      want(2, false);
      std::vector<Value> argv = all_args(false);
      const Value &a = argv[0], &c = argv[1];
      Basic ka = basic_kind(a), kc = basic_kind(c);
      if (b == Builtin::kNe) {
        if (ka != kc) call_error(cmd, name, "incompatible types for comparison");
        switch (ka) {
          case Basic::kBool: return Value::boolean(a.b != c.b);
          case Basic::kInt: return Value::boolean(a.i != c.i);
          case Basic::kFloat: return Value::boolean(a.f != c.f);
          case Basic::kString: return Value::boolean(a.s != c.s);
          default: call_error(cmd, name, "non-comparable type " + format_v(a) + ": " + type_name(a));
        }
      }
      if (ka == Basic::kOther || ka == Basic::kBool) call_error(cmd, name, "invalid type for comparison");
      if (ka != kc) call_error(cmd, name, "incompatible types for comparison");
      bool less = false, equal = false;
      switch (ka) {
        case Basic::kInt:
          less = a.i < c.i;
          equal = a.i == c.i;
          break;
        case Basic::kFloat:
          less = a.f < c.f;
          equal = a.f == c.f;
          break;
        case Basic::kString:
          less = a.s < c.s;
          equal = a.s == c.s;
          break;
        default: break;
      }
      switch (b) {
        case Builtin::kLt: return Value::boolean(less);
        case Builtin::kLe: return Value::boolean(less || equal);
        case Builtin::kGt: return Value::boolean(!less && !equal);
        default: return Value::boolean(!less);
      }
    }
    case Builtin::kNone: break;
  }
  errorf("unknown builtin " + name);
}

}  // namespace vigia::alerting::tmpl

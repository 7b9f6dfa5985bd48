// Alertmanager 0.25's message templates (template/template.go) over the
// shared engine: its function table (DefaultFuncs), the fields and methods
// of template.Data, Alert, Alerts, KV, Pairs and Pair, time.Time's common
// methods, and the entry points of template.h.
#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include "alerting/template/template.h"
#include "alerting/template/template_exec.h"
#include "alerting/template/template_internal.h"
#include "core/text.h"

namespace vigia::alerting {
namespace tmpl {
namespace {

// cases.Title(language.AmericanEnglish).String: the first letter of each
// word upper-cased and the rest lower-cased; letters, digits, '_' and an
// apostrophe inside a word continue it.
Value am_title(const std::vector<Value>& a, const TemplateData&) {
  const std::string& s = a[0].s;
  std::string out;
  bool in_word = false;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
    len = std::min(len, s.size() - i);
    std::string rune = s.substr(i, len);
    bool word_char = c >= 0x80 || std::isalnum(c) || c == '_' || (c == '\'' && in_word);
    out += word_char ? map_case(rune, !in_word) : rune;
    in_word = word_char;
    i += len;
  }
  return Value::string(out);
}

Value am_join(const std::vector<Value>& a, const TemplateData&) {
  std::string out;
  if (a[1].strs)
    for (size_t i = 0; i < a[1].strs->size(); ++i) out += (i ? a[0].s : "") + (*a[1].strs)[i];
  return Value::string(out);
}

Value am_string_slice(const std::vector<Value>& a, const TemplateData&) {
  std::vector<std::string> v;
  for (const auto& x : a) v.push_back(x.s);
  return Value::string_slice(std::move(v));
}

const std::pair<std::string_view, Function> kOwn[] = {
    {"title", {{Param::kString}, false, am_title}},
    {"join", {{Param::kString, Param::kStrSlice}, false, am_join}},
    {"stringSlice", {{Param::kString}, true, am_string_slice}},
};

// KV.SortedPairs: "alertname" first, then the others by name.
promql::LabelSet sorted_pairs(const promql::LabelSet& kv) {
  promql::LabelSet out;
  for (const auto& p : kv)
    if (p.first == "alertname") out.push_back(p);
  for (const auto& p : kv)
    if (p.first != "alertname") out.push_back(p);
  return out;
}

Value pairs_value(promql::LabelSet ps) {
  Value v;
  v.kind = Kind::kPairs;
  v.str_map = std::make_shared<const promql::LabelSet>(std::move(ps));
  return v;
}

Value names_or_values(const promql::LabelSet& ps, bool names) {
  std::vector<std::string> out;
  for (const auto& [k, v] : ps) out.push_back(names ? k : v);
  return Value::string_slice(std::move(out));
}

Value alerts_value(std::shared_ptr<const std::vector<MessageAlert>> alerts, bool named) {
  Value v;
  v.kind = Kind::kMsgAlerts;
  v.alerts = std::move(alerts);
  v.alerts_named = named;
  return v;
}

const MessageAlert* alert_of(const Value& v) { return v.alert.get(); }

void append_num(std::string& out, int64_t v, int width, char padc = '0') {
  std::string digits = std::to_string(v < 0 ? -v : v);
  if (v < 0) out += '-';
  for (int i = static_cast<int>(digits.size()); i < width; ++i) out += padc;
  out += digits;
}

}  // namespace

const Function* alertmanager_function(std::string_view name) {
  for (const auto& [n, f] : kOwn)
    if (n == name) return &f;
  // The same Go functions as Prometheus's: strings.ToUpper/ToLower,
  // regexp.MatchString, template.HTML, ReplaceAllString.
  if (name == "toUpper" || name == "toLower" || name == "match" || name == "safeHtml" ||
      name == "reReplaceAll")
    return prometheus_function(name);
  return nullptr;
}

std::string html_text_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '\0': out += "\xef\xbf\xbd"; break;
      case '"': out += "&#34;"; break;
      case '&': out += "&amp;"; break;
      case '\'': out += "&#39;"; break;
      case '+': out += "&#43;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      default: out += c;
    }
  }
  return out;
}

// time.Time.Format for a UTC time: Go's layout elements (2006, 01, Jan,
// January, 02, _2, 002, 15, 03, 3, 04, 05, PM, pm, Mon, Monday, MST, Z07:00,
// -0700, .000, .999...).
std::string go_time_format(int64_t ns, std::string_view layout) {
  int64_t secs, frac;
  if (ns == kZeroTimeNs) {
    secs = -62135596800;
    frac = 0;
  } else {
    secs = ns / 1000000000;
    frac = ns % 1000000000;
    if (frac < 0) {
      frac += 1000000000;
      --secs;
    }
  }
  UtcTime t = utc_time(secs);
  static constexpr const char* kMonths[] = {"January",   "February", "March",    "April",
                                            "May",       "June",     "July",     "August",
                                            "September", "October",  "November", "December"};
  static constexpr const char* kDays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                          "Thursday", "Friday", "Saturday"};
  int64_t days = (secs >= 0 ? secs : secs - 86399) / 86400;
  int wday = static_cast<int>(((days % 7) + 7 + 4) % 7);  // 1970-01-01 was a Thursday
  static constexpr int kCum[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
  bool leap = (t.year % 4 == 0 && t.year % 100 != 0) || t.year % 400 == 0;
  int yday = kCum[t.month - 1] + t.day + (leap && t.month > 2 ? 1 : 0);
  int hour12 = t.hour % 12 == 0 ? 12 : t.hour % 12;
  std::string out;
  auto starts = [&](size_t i, std::string_view p) { return layout.substr(i, p.size()) == p; };
  for (size_t i = 0; i < layout.size();) {
    auto take = [&](std::string_view p) {
      if (!starts(i, p)) return false;
      i += p.size();
      return true;
    };
    if (take("January")) {
      out += kMonths[t.month - 1];
    } else if (take("Jan")) {
      out += std::string(kMonths[t.month - 1]).substr(0, 3);
    } else if (take("Monday")) {
      out += kDays[wday];
    } else if (take("Mon")) {
      out += std::string(kDays[wday]).substr(0, 3);
    } else if (take("MST")) {
      out += "UTC";
    } else if (take("2006")) {
      append_num(out, t.year, 4);
    } else if (take("002")) {
      append_num(out, yday, 3);
    } else if (take("__2")) {
      append_num(out, yday, 3, ' ');
    } else if (take("01")) {
      append_num(out, t.month, 2);
    } else if (take("02")) {
      append_num(out, t.day, 2);
    } else if (take("03")) {
      append_num(out, hour12, 2);
    } else if (take("04")) {
      append_num(out, t.minute, 2);
    } else if (take("05")) {
      append_num(out, t.second, 2);
    } else if (take("06")) {
      append_num(out, ((t.year % 100) + 100) % 100, 2);
    } else if (take("15")) {
      append_num(out, t.hour, 2);
    } else if (take("_2")) {
      append_num(out, t.day, 2, ' ');
    } else if (take("1")) {
      append_num(out, t.month, 1);
    } else if (take("2")) {
      append_num(out, t.day, 1);
    } else if (take("3")) {
      append_num(out, hour12, 1);
    } else if (take("4")) {
      append_num(out, t.minute, 1);
    } else if (take("5")) {
      append_num(out, t.second, 1);
    } else if (take("PM")) {
      out += t.hour >= 12 ? "PM" : "AM";
    } else if (take("pm")) {
      out += t.hour >= 12 ? "pm" : "am";
    } else if (take("Z07:00:00") || take("Z070000") || take("Z07:00") || take("Z0700") || take("Z07")) {
      out += 'Z';
    } else if (take("-07:00:00")) {
      out += "+00:00:00";
    } else if (take("-070000")) {
      out += "+000000";
    } else if (take("-07:00")) {
      out += "+00:00";
    } else if (take("-0700")) {
      out += "+0000";
    } else if (take("-07")) {
      out += "+00";
    } else if ((layout[i] == '.' || layout[i] == ',') && i + 1 < layout.size() &&
               (layout[i + 1] == '0' || layout[i + 1] == '9')) {
      char d = layout[i + 1];
      size_t j = i + 1;
      while (j < layout.size() && layout[j] == d) ++j;
      if (j < layout.size() && std::isdigit(static_cast<unsigned char>(layout[j]))) {
        out += layout[i++];  // not a fraction: followed by a digit
        continue;
      }
      size_t n = std::min<size_t>(j - i - 1, 9);
      char buf[16];
      std::snprintf(buf, sizeof buf, "%09" PRId64, frac);
      std::string digits(buf, n);
      if (d == '9') {
        while (!digits.empty() && digits.back() == '0') digits.pop_back();
        if (!digits.empty()) out += layout[i] + digits;
      } else {
        out += layout[i] + digits;
      }
      i = j;
    } else {
      out += layout[i++];
    }
  }
  return out;
}

// fmt's %v of the message data's values (a struct as {...}, a slice as
// [...]), each element formatted by `elem`.
std::string format_message_value(const Value& v, const std::function<std::string(const Value&)>& elem) {
  switch (v.kind) {
    case Kind::kStrSlice: {
      std::string out = "[";
      if (v.strs)
        for (size_t i = 0; i < v.strs->size(); ++i) out += (i ? " " : "") + elem(Value::string((*v.strs)[i]));
      return out + "]";
    }
    case Kind::kPair:
      return "{" + elem(Value::string(v.str_map->at(0).first)) + " " +
             elem(Value::string(v.str_map->at(0).second)) + "}";
    case Kind::kPairs: {
      std::string out = "[";
      if (v.str_map)
        for (size_t i = 0; i < v.str_map->size(); ++i)
          out += (i ? " {" : "{") + elem(Value::string((*v.str_map)[i].first)) + " " +
                 elem(Value::string((*v.str_map)[i].second)) + "}";
      return out + "]";
    }
    case Kind::kMsgAlert: {
      const MessageAlert& a = *v.alert;
      return "{" + elem(Value::string(a.status)) + " " + elem(Value::labels(a.labels)) + " " +
             elem(Value::labels(a.annotations)) + " " + elem(Value::time(a.starts_at_ns)) + " " +
             elem(Value::time(a.ends_at_ns)) + " " + elem(Value::string(a.generator_url)) + " " +
             elem(Value::string(a.fingerprint)) + "}";
    }
    case Kind::kMsgAlerts: {
      std::string out = "[";
      if (v.alerts)
        for (size_t i = 0; i < v.alerts->size(); ++i) {
          Value a;
          a.kind = Kind::kMsgAlert;
          a.alert = std::shared_ptr<const MessageAlert>(v.alerts, &(*v.alerts)[i]);
          out += (i ? " " : "") + format_message_value(a, elem);
        }
      return out + "]";
    }
    case Kind::kMsgData: {
      const MessageData& d = *v.msg;
      Value alerts;
      alerts.kind = Kind::kMsgAlerts;
      alerts.alerts = std::shared_ptr<const std::vector<MessageAlert>>(v.msg, &d.alerts);
      return "&{" + elem(Value::string(d.receiver)) + " " + elem(Value::string(d.status)) + " " +
             format_message_value(alerts, elem) + " " + elem(Value::labels(d.group_labels)) + " " +
             elem(Value::labels(d.common_labels)) + " " + elem(Value::labels(d.common_annotations)) + " " +
             elem(Value::string(d.external_url)) + "}";
    }
    default: return "?";
  }
}

bool message_field(const std::string& name, const Value& recv, const std::vector<Value>& args, bool has_args,
                   Value& out, std::string& err) {
  auto field = [&](Value v) {
    if (has_args)
      err = name + " has arguments but cannot be invoked as function";
    else
      out = std::move(v);
    return true;
  };
  auto method0 = [&](Value v) {
    if (!args.empty())
      err = "wrong number of args for " + name + ": want 0 got " + std::to_string(args.size());
    else
      out = std::move(v);
    return true;
  };
  switch (recv.kind) {
    case Kind::kMsgData: {
      const MessageData& d = *recv.msg;
      if (name == "Receiver") return field(Value::string(d.receiver));
      if (name == "Status") return field(Value::string(d.status));
      if (name == "Alerts")
        return field(
            alerts_value(std::shared_ptr<const std::vector<MessageAlert>>(recv.msg, &d.alerts), true));
      if (name == "GroupLabels") return field(Value::kv_map(d.group_labels));
      if (name == "CommonLabels") return field(Value::kv_map(d.common_labels));
      if (name == "CommonAnnotations") return field(Value::kv_map(d.common_annotations));
      if (name == "ExternalURL") return field(Value::string(d.external_url));
      return false;
    }
    case Kind::kMsgAlerts: {
      if (!recv.alerts_named || (name != "Firing" && name != "Resolved")) return false;
      auto sel = std::make_shared<std::vector<MessageAlert>>();
      if (recv.alerts)
        for (const auto& a : *recv.alerts)
          if (a.status == (name == "Firing" ? "firing" : "resolved")) sel->push_back(a);
      return method0(alerts_value(std::move(sel), false));
    }
    case Kind::kMsgAlert: {
      const MessageAlert& a = *alert_of(recv);
      if (name == "Status") return field(Value::string(a.status));
      if (name == "Labels") return field(Value::kv_map(a.labels));
      if (name == "Annotations") return field(Value::kv_map(a.annotations));
      if (name == "StartsAt") return field(Value::time(a.starts_at_ns));
      if (name == "EndsAt") return field(Value::time(a.ends_at_ns));
      if (name == "GeneratorURL") return field(Value::string(a.generator_url));
      if (name == "Fingerprint") return field(Value::string(a.fingerprint));
      return false;
    }
    case Kind::kPair:
      if (name == "Name") return field(Value::string(recv.str_map->at(0).first));
      if (name == "Value") return field(Value::string(recv.str_map->at(0).second));
      return false;
    case Kind::kPairs:
      if (name == "Names" || name == "Values")
        return method0(names_or_values(*recv.str_map, name == "Names"));
      return false;
    case Kind::kStrMap: {
      const promql::LabelSet empty;
      const promql::LabelSet& kv = recv.str_map ? *recv.str_map : empty;
      if (name == "SortedPairs") return method0(pairs_value(sorted_pairs(kv)));
      if (name == "Names" || name == "Values")
        return method0(names_or_values(sorted_pairs(kv), name == "Names"));
      if (name == "Remove") {
        if (args.size() != 1) {
          err = "wrong number of args for Remove: want 1 got " + std::to_string(args.size());
          return true;
        }
        if (args[0].kind != Kind::kStrSlice) {
          err = "wrong type for value; expected []string; got " + type_name(args[0]);
          return true;
        }
        promql::LabelSet rest;
        for (const auto& p : kv)
          if (!args[0].strs ||
              std::find(args[0].strs->begin(), args[0].strs->end(), p.first) == args[0].strs->end())
            rest.push_back(p);
        out = Value::kv_map(std::move(rest));
        return true;
      }
      return false;
    }
    case Kind::kTime: {
      if (recv.nil_ptr) return false;
      if (name == "Format") {
        if (args.size() != 1 || args[0].kind != Kind::kString) {
          err = args.size() != 1
                    ? "wrong number of args for Format: want 1 got " + std::to_string(args.size())
                    : "wrong type for value; expected string; got " + type_name(args[0]);
          return true;
        }
        out = Value::string(go_time_format(recv.i, args[0].s));
        return true;
      }
      if (name == "Unix")
        return method0(Value::integer(
            recv.i == kZeroTimeNs ? -62135596800 : (recv.i >= 0 ? recv.i : recv.i - 999999999) / 1000000000));
      if (name == "UTC") return method0(recv);
      if (name == "IsZero") return method0(Value::boolean(recv.i == kZeroTimeNs));
      if (name == "String") return method0(Value::string(time_string(recv.i)));
      return false;
    }
    default: return false;
  }
}

}  // namespace tmpl

namespace {

using namespace tmpl;

bool is_message_function(std::string_view name) {
  return builtin(name) != Builtin::kNone || alertmanager_function(name) != nullptr;
}

}  // namespace

bool check_message_template(std::string_view name, std::string_view text, std::string& err) {
  std::vector<Tree> trees;
  return parse_template(name, text, is_message_function, trees, err);
}

struct MessageDefinitions {
  std::vector<Tree> trees;  // reversed: the last file's definitions first
};

std::shared_ptr<const MessageDefinitions> parse_message_definitions(
    const std::vector<MessageTemplateFile>& files, std::string& err) {
  auto defs = std::make_shared<MessageDefinitions>();
  for (auto f = files.rbegin(); f != files.rend(); ++f) {
    std::vector<Tree> ft;
    if (!parse_template(f->name, f->text, is_message_function, ft, err)) return nullptr;
    // In a file, a later define of a name replaces an earlier one.
    for (size_t i = ft.size(); i-- > 1;) defs->trees.push_back(std::move(ft[i]));
  }
  return defs;
}

bool expand_message_template(const MessageDefinitions* defs, std::string_view text, const MessageData& data,
                             bool html, std::string& out, std::string& err) {
  std::vector<Tree> own;
  if (!parse_template("", text, is_message_function, own, err)) return false;
  static const TemplateData no_data;
  try {
    Executor ex(own, no_data, "", text, alertmanager_function);
    Value root;
    root.kind = Kind::kMsgData;
    root.msg = std::shared_ptr<const MessageData>(std::shared_ptr<const MessageData>{}, &data);
    ex.set_root(root);
    ex.set_escape_html(html);
    if (defs) ex.set_more_trees(&defs->trees);
    out = ex.run();
  } catch (const ExecError& e) {
    err = e.message;
    return false;
  }
  return true;
}

}  // namespace vigia::alerting

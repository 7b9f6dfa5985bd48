// Placeholder until the template engine lands: {{ $labels.x }} and {{ $value }} only.
#include "alerting/rules/template.h"

#include <cstdio>

namespace vigia::alerting {

bool expand_template(std::string_view, std::string_view text, const TemplateData& d, std::string& out,
                     std::string& err) {
  out.clear();
  size_t i = 0;
  while (i < text.size()) {
    size_t o = text.find("{{", i);
    if (o == std::string_view::npos) {
      out.append(text.substr(i));
      break;
    }
    out.append(text.substr(i, o - i));
    size_t c = text.find("}}", o);
    if (c == std::string_view::npos) {
      err = "unclosed action";
      return false;
    }
    std::string_view a = text.substr(o + 2, c - o - 2);
    while (!a.empty() && a.front() == ' ') a.remove_prefix(1);
    while (!a.empty() && a.back() == ' ') a.remove_suffix(1);
    if (a.rfind("$labels.", 0) == 0) {
      out.append(promql::label_value(d.labels, a.substr(8)));
    } else if (a == "$value") {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%g", d.value);
      out.append(buf);
    }
    i = c + 2;
  }
  return true;
}

bool check_template(std::string_view, std::string_view text, std::string& err) {
  std::string out;
  return expand_template("", text, TemplateData{}, out, err);
}

}  // namespace vigia::alerting

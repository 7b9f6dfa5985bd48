#include "core/exposition.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace vigia {

std::string_view metric_type_name(MetricType type) {
  switch (type) {
    case MetricType::kCounter: return "counter";
    case MetricType::kGauge: return "gauge";
    case MetricType::kHistogram: return "histogram";
    case MetricType::kSummary: return "summary";
    case MetricType::kUntyped: break;
  }
  return "untyped";
}

void append_double(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
    return;
  }
  if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
    return;
  }
  // Go's strconv.FormatFloat(v, 'g', -1, 64), which the reference exporters
  // use: shortest round-trip digits, exponent form when the decimal exponent
  // is < -4 or >= 6 ("1.5e+06", "123456", "0.0001").
  char buf[40];
  // Fast path for integers below 2^53 (most samples: counters, bytes): their
  // shortest digits are their decimal digits without trailing zeros.
  if (v == std::trunc(v) && std::fabs(v) < 9007199254740992.0) {
    uint64_t n = static_cast<uint64_t>(std::fabs(v));
    if (std::signbit(v)) out += '-';
    auto r = std::to_chars(buf, buf + sizeof buf, n);
    size_t digits = static_cast<size_t>(r.ptr - buf);
    if (digits <= 6) {
      out.append(buf, digits);
      return;
    }
    size_t sig = digits;
    while (sig > 1 && buf[sig - 1] == '0') --sig;
    out += buf[0];
    if (sig > 1) {
      out += '.';
      out.append(buf + 1, sig - 1);
    }
    out += "e+";
    size_t exp = digits - 1;
    if (exp < 10) out += '0';
    auto e = std::to_chars(buf, buf + sizeof buf, exp);
    out.append(buf, e.ptr);
    return;
  }
  auto sci = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  const char* e = std::find(buf, sci.ptr, 'e');
  int exp = 0;
  std::from_chars(e + 1 + (e[1] == '+'), sci.ptr, exp);
  if (exp < -4 || exp >= 6) {
    out.append(buf, sci.ptr);
    return;
  }
  auto fix = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  out.append(buf, fix.ptr);
}

void append_escaped_label_value(std::string& out, std::string_view v) {
  size_t start = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    char c = v[i];
    if (c != '\\' && c != '"' && c != '\n') continue;
    out.append(v.data() + start, i - start);
    out += '\\';
    out += c == '\n' ? 'n' : c;
    start = i + 1;
  }
  out.append(v.data() + start, v.size() - start);
}

void append_escaped_help(std::string& out, std::string_view v) {
  size_t start = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    char c = v[i];
    if (c != '\\' && c != '\n') continue;
    out.append(v.data() + start, i - start);
    out += '\\';
    out += c == '\n' ? 'n' : c;
    start = i + 1;
  }
  out.append(v.data() + start, v.size() - start);
}

void LabelAddingSink::sample(std::string_view name, Labels labels, double value, int64_t timestamp_ms) {
  constexpr size_t kMax = 32;
  Label buf[kMax];
  size_t n = std::min(labels.size(), kMax - 1);
  std::copy_n(labels.begin(), n, buf);
  buf[n] = extra_;
  inner_.sample(name, Labels(buf, n + 1), value, timestamp_ms);
}

void TextEncoder::family(std::string_view name, std::string_view help, MetricType type) {
  if (current_ && current_->name == name) return;
  auto it = index_.find(name);
  if (it == index_.end()) {
    it = index_.emplace(std::string(name), families_.size()).first;
    families_.emplace_back();
    families_.back().name = name;
    // Pointers into families_ may have moved.
  }
  current_ = &families_[it->second];
  if (!current_->begun) {
    current_->begun = true;
    current_->help.assign(help);
    current_->type = type;
  }
}

void TextEncoder::sample(std::string_view name, Labels labels, double value, int64_t timestamp_ms) {
  if (!current_) family(name, {}, MetricType::kUntyped);
  std::string& out = current_->lines;
  out.append(name);
  if (!labels.empty()) {
    out += '{';
    bool first = true;
    for (const Label& l : labels) {
      if (!first) out += ',';
      first = false;
      out.append(l.name);
      out += "=\"";
      append_escaped_label_value(out, l.value);
      out += '"';
    }
    out += '}';
  }
  out += ' ';
  append_double(out, value);
  if (timestamp_ms >= 0) {
    char buf[24];
    auto res = std::to_chars(buf, buf + sizeof buf, timestamp_ms);
    out += ' ';
    out.append(buf, res.ptr);
  }
  out += '\n';
}

void TextEncoder::reset() {
  for (Family& f : families_) {
    f.lines.clear();
    f.begun = false;
  }
  current_ = nullptr;
}

void TextEncoder::finish(std::string& out) {
  order_.clear();
  for (const Family& f : families_)
    if (f.begun && !f.lines.empty()) order_.push_back(&f);
  std::sort(order_.begin(), order_.end(), [](const Family* a, const Family* b) { return a->name < b->name; });
  for (const Family* f : order_) {
    out += "# HELP ";
    out += f->name;
    out += ' ';
    append_escaped_help(out, f->help);
    out += "\n# TYPE ";
    out += f->name;
    out += ' ';
    out += metric_type_name(f->type);
    out += '\n';
    out += f->lines;
  }
}

}  // namespace vigia

#include "core/exposition_parser.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "core/fs.h"
#include "core/text.h"

namespace vigia {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }
bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_metric_start(char c) { return is_name_start(c) || c == ':'; }
bool is_metric_char(char c) { return is_metric_start(c) || is_digit(c); }
bool is_label_char(char c) { return is_name_start(c) || is_digit(c); }

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() > suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string describe(char c) {
  if (c >= 0x21 && c <= 0x7e) return std::string("'") + c + "'";
  char buf[16];
  std::snprintf(buf, sizeof buf, "byte 0x%02x", static_cast<unsigned char>(c));
  return buf;
}

enum class ValueParse { kOk, kMalformed, kOutOfRange };

// strconv.ParseFloat's syntax without hex floats and underscores.
ValueParse parse_value(std::string_view t, double& out) {
  if (iequals_ascii(t, "nan")) {
    out = std::numeric_limits<double>::quiet_NaN();
    return ValueParse::kOk;
  }
  bool neg = false;
  std::string_view body = t;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
    neg = body[0] == '-';
    body.remove_prefix(1);
  }
  if (iequals_ascii(body, "inf") || iequals_ascii(body, "infinity")) {
    out = neg ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
    return ValueParse::kOk;
  }
  // from_chars would also take "nan(...)" and "inf" spellings: only digits
  // or a point may start a number.
  if (body.empty() || !(is_digit(body[0]) || body[0] == '.')) return ValueParse::kMalformed;
  const char* end = body.data() + body.size();
  auto r = std::from_chars(body.data(), end, out, std::chars_format::general);
  if (r.ptr != end) return ValueParse::kMalformed;
  if (r.ec == std::errc::result_out_of_range) {
    // Underflow to a subnormal or zero is fine (as in Go); overflow is not.
    if (body.size() > 400) return ValueParse::kOutOfRange;
    char buf[416];
    body.copy(buf, body.size());
    buf[body.size()] = '\0';
    out = std::strtod(buf, nullptr);
    if (std::isinf(out)) return ValueParse::kOutOfRange;
  } else if (r.ec != std::errc()) {
    return ValueParse::kMalformed;
  }
  if (neg) out = -out;
  return ValueParse::kOk;
}

}  // namespace

// The state of one parse() call: the cursor and the family being filled.
class ExpositionParseRun {
 public:
  using FamilyState = ExpositionParser::FamilyState;

  ExpositionParseRun(ExpositionParser& p, std::string_view text, MetricSink& sink)
      : p_(p), text_(text), sink_(sink) {}

  Status run() {
    while (pos_ < text_.size()) {
      size_t nl = text_.find('\n', pos_);
      end_ = nl == std::string_view::npos ? text_.size() : nl;
      line_start_ = pos_;
      skip_blanks();
      Status st;
      if (pos_ < end_) st = text_[pos_] == '#' ? parse_comment() : parse_sample();
      if (!st.is_ok()) return st;
      pos_ = end_ + 1;
      ++line_no_;
    }
    return Status::ok();
  }

 private:
  Status fail(size_t pos, std::string_view msg) const {
    std::string m = "line ";
    m += std::to_string(line_no_);
    m += ':';
    m += std::to_string(pos - line_start_ + 1);
    m += ": ";
    m += msg;
    return Status::error(std::move(m));
  }

  bool at_end() const { return pos_ >= end_; }
  char cur() const { return text_[pos_]; }
  size_t skip_blanks() {
    size_t start = pos_;
    while (pos_ < end_ && is_blank(text_[pos_])) ++pos_;
    return pos_ - start;
  }
  std::string_view token() {
    size_t start = pos_;
    while (pos_ < end_ && !is_blank(text_[pos_])) ++pos_;
    return text_.substr(start, pos_ - start);
  }
  // A metric name at pos_; empty (pos_ unchanged) if none starts here.
  std::string_view metric_name() {
    size_t start = pos_;
    if (pos_ < end_ && is_metric_start(text_[pos_]))
      while (pos_ < end_ && is_metric_char(text_[pos_])) ++pos_;
    return text_.substr(start, pos_ - start);
  }

  Status parse_comment() {
    ++pos_;  // '#'
    skip_blanks();
    std::string_view keyword = token();
    bool help = keyword == "HELP";
    if (!help && keyword != "TYPE") return Status::ok();  // a plain comment
    skip_blanks();
    size_t name_pos = pos_;
    std::string_view name = metric_name();
    if (name.empty()) {
      if (at_end()) return fail(pos_, std::string("expected a metric name after ") + std::string(keyword));
      return fail(pos_, "invalid metric name: unexpected " + describe(cur()));
    }
    if (!at_end() && !is_blank(cur())) return fail(pos_, "unexpected " + describe(cur()) + " in metric name");
    skip_blanks();
    FamilyState& f = p_.families_[name];
    current_ = &f;
    current_name_ = name;
    if (help) {
      if (f.has_help) return fail(name_pos, "second HELP line for metric '" + std::string(name) + "'");
      f.has_help = true;
      return read_help(f);
    }
    if (f.has_type) return fail(name_pos, "second TYPE line for metric '" + std::string(name) + "'");
    if (f.has_samples)
      return fail(name_pos, "TYPE line for metric '" + std::string(name) + "' after its samples");
    size_t type_pos = pos_;
    std::string_view t = token();
    if (t == "counter")
      f.type = MetricType::kCounter;
    else if (t == "gauge")
      f.type = MetricType::kGauge;
    else if (t == "histogram")
      f.type = MetricType::kHistogram;
    else if (t == "summary")
      f.type = MetricType::kSummary;
    else if (t == "untyped")
      f.type = MetricType::kUntyped;
    else if (t.empty())
      return fail(type_pos, "expected a metric type");
    else
      return fail(type_pos, "unknown metric type '" + std::string(t) + "'");
    f.has_type = true;
    skip_blanks();
    if (!at_end()) return fail(pos_, "unexpected text after the metric type");
    return Status::ok();
  }

  Status read_help(FamilyState& f) {
    std::string_view raw = text_.substr(pos_, end_ - pos_);
    size_t bs = raw.find('\\');
    if (bs == std::string_view::npos) {
      f.help_in_buf = false;
      f.help = raw;
      return Status::ok();
    }
    // Escaped HELP texts stay in help_buf_ until the parse ends: the family
    // may be announced much later.
    std::string& buf = p_.help_buf_;
    f.help_in_buf = true;
    f.help_off = buf.size();
    buf.append(raw.substr(0, bs));
    for (size_t i = bs; i < raw.size(); ++i) {
      char c = raw[i];
      if (c != '\\') {
        buf += c;
        continue;
      }
      if (i + 1 >= raw.size()) return fail(pos_ + i, "unterminated escape sequence in HELP");
      char e = raw[++i];
      if (e == '\\')
        buf += '\\';
      else if (e == 'n')
        buf += '\n';
      else
        return fail(pos_ + i - 1, "invalid escape sequence '\\" + std::string(1, e) + "' in HELP");
    }
    f.help_len = buf.size() - f.help_off;
    return Status::ok();
  }

  // Finds the family of sample `name`: the current one if it owns the name,
  // else one seen before, else a new untyped family. Sets family_name.
  FamilyState& family_of(std::string_view name, std::string_view& family_name) {
    if (current_ && owns(current_name_, current_->type, name)) {
      family_name = current_name_;
      return *current_;
    }
    auto& fams = p_.families_;
    FamilyState* f = nullptr;
    if (auto it = fams.find(name); it != fams.end()) {
      f = &it->second;
      family_name = name;
    } else {
      for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
        if (!ends_with(name, suffix)) continue;
        std::string_view base = name.substr(0, name.size() - suffix.size());
        auto b = fams.find(base);
        if (b != fams.end() && owns(base, b->second.type, name)) {
          f = &b->second;
          family_name = base;
        }
        break;
      }
    }
    if (!f) {
      f = &fams[name];
      family_name = name;
    }
    current_ = f;
    current_name_ = family_name;
    return *f;
  }

  static bool owns(std::string_view family, MetricType type, std::string_view name) {
    if (name == family) return true;
    if (type != MetricType::kHistogram && type != MetricType::kSummary) return false;
    if (name.size() <= family.size() || name.substr(0, family.size()) != family) return false;
    std::string_view suffix = name.substr(family.size());
    return suffix == "_sum" || suffix == "_count" || (type == MetricType::kHistogram && suffix == "_bucket");
  }

  Status parse_sample() {
    size_t name_pos = pos_;
    std::string_view name = metric_name();
    if (name.empty()) return fail(pos_, "expected a metric name, got " + describe(cur()));
    bool blank = skip_blanks() > 0;
    p_.pending_.clear();
    p_.scratch_.clear();
    if (!at_end() && cur() == '{') {
      ++pos_;
      if (Status st = parse_labels(); !st.is_ok()) return st;
      skip_blanks();
    } else if (!at_end() && !blank) {
      return fail(pos_, "unexpected " + describe(cur()) + " after metric name");
    }
    if (at_end()) return fail(pos_, "expected a value");
    size_t value_pos = pos_;
    std::string_view vtok = token();
    double value = 0;
    switch (parse_value(vtok, value)) {
      case ValueParse::kOk: break;
      case ValueParse::kMalformed: return fail(value_pos, "invalid value '" + std::string(vtok) + "'");
      case ValueParse::kOutOfRange: return fail(value_pos, "value '" + std::string(vtok) + "' out of range");
    }
    int64_t ts = -1;
    skip_blanks();
    if (!at_end()) {
      size_t ts_pos = pos_;
      std::string_view t = token();
      std::string_view digits = t;
      if (!digits.empty() && digits[0] == '+') digits.remove_prefix(1);
      if (!digits.empty() && digits[0] == '-') {
        int64_t neg = 0;
        if (parse_i64(digits, neg)) return fail(ts_pos, "negative timestamps are not supported");
        return fail(ts_pos, "invalid timestamp '" + std::string(t) + "'");
      }
      if (!parse_i64(digits, ts)) return fail(ts_pos, "invalid timestamp '" + std::string(t) + "'");
      skip_blanks();
      if (!at_end()) return fail(pos_, "unexpected text after the timestamp");
    }

    std::string_view family_name;
    FamilyState& fam = family_of(name, family_name);
    if (Status st = check_type_rules(name_pos, name, family_name, fam.type); !st.is_ok()) return st;
    fam.has_samples = true;

    auto& labels = p_.labels_;
    labels.clear();
    for (const auto& pl : p_.pending_)
      labels.push_back(
          Label{pl.name, pl.in_scratch ? std::string_view(p_.scratch_).substr(pl.off, pl.len) : pl.value});
    if (announced_ != &fam) {
      std::string_view help =
          fam.help_in_buf ? std::string_view(p_.help_buf_).substr(fam.help_off, fam.help_len) : fam.help;
      sink_.family(family_name, help, fam.type);
      announced_ = &fam;
    }
    sink_.sample(name, Labels(labels.data(), labels.size()), value, ts);
    return Status::ok();
  }

  // After '{'; leaves pos_ after '}'.
  Status parse_labels() {
    auto& pending = p_.pending_;
    for (;;) {
      skip_blanks();
      if (at_end()) return fail(pos_, "unexpected end of line in label set");
      if (cur() == '}') {
        ++pos_;
        return Status::ok();
      }
      size_t name_pos = pos_;
      if (!is_name_start(cur())) return fail(pos_, "expected a label name, got " + describe(cur()));
      while (pos_ < end_ && is_label_char(text_[pos_])) ++pos_;
      std::string_view lname = text_.substr(name_pos, pos_ - name_pos);
      for (const auto& pl : pending)
        if (pl.name == lname) return fail(name_pos, "duplicate label name '" + std::string(lname) + "'");
      skip_blanks();
      if (at_end() || cur() != '=') return fail(pos_, "expected '=' after label name");
      ++pos_;
      skip_blanks();
      if (at_end() || cur() != '"') return fail(pos_, "expected '\"' to open the label value");
      ++pos_;
      ExpositionParser::PendingLabel pl;
      pl.name = lname;
      if (Status st = label_value(pl); !st.is_ok()) return st;
      pending.push_back(pl);
      skip_blanks();
      if (at_end()) return fail(pos_, "unexpected end of line in label set");
      if (cur() == ',') {
        ++pos_;
        continue;
      }
      if (cur() != '}') return fail(pos_, "expected ',' or '}' after label value, got " + describe(cur()));
    }
  }

  // After the opening quote; leaves pos_ after the closing one.
  Status label_value(ExpositionParser::PendingLabel& pl) {
    size_t start = pos_;
    while (pos_ < end_ && text_[pos_] != '"' && text_[pos_] != '\\') ++pos_;
    if (pos_ < end_ && text_[pos_] == '"') {
      pl.value = text_.substr(start, pos_ - start);
      ++pos_;
      return Status::ok();
    }
    std::string& s = p_.scratch_;
    pl.in_scratch = true;
    pl.off = s.size();
    s.append(text_.substr(start, pos_ - start));
    while (pos_ < end_) {
      char c = text_[pos_];
      if (c == '"') {
        pl.len = s.size() - pl.off;
        ++pos_;
        return Status::ok();
      }
      if (c != '\\') {
        s += c;
        ++pos_;
        continue;
      }
      if (pos_ + 1 >= end_) break;
      char e = text_[pos_ + 1];
      if (e == '\\' || e == '"')
        s += e;
      else if (e == 'n')
        s += '\n';
      else
        return fail(pos_, "invalid escape sequence '\\" + std::string(1, e) + "' in label value");
      pos_ += 2;
    }
    return fail(pos_, "unterminated label value");
  }

  Status check_type_rules(size_t name_pos, std::string_view name, std::string_view family,
                          MetricType type) const {
    std::string_view need;
    if (type == MetricType::kHistogram) {
      if (name == family)
        return fail(name_pos,
                    "sample '" + std::string(name) + "' of histogram needs a suffix _bucket, _sum or _count");
      if (name.size() == family.size() + 7) need = "le";  // "_bucket"
    } else if (type == MetricType::kSummary && name == family) {
      need = "quantile";
    }
    if (need.empty()) return Status::ok();
    for (const auto& pl : p_.pending_) {
      if (pl.name != need) continue;
      std::string_view v = pl.in_scratch ? std::string_view(p_.scratch_).substr(pl.off, pl.len) : pl.value;
      double d = 0;
      if (parse_value(v, d) != ValueParse::kOk)
        return fail(name_pos, "label " + std::string(need) + "=\"" + std::string(v) + "\" of '" +
                                  std::string(name) + "' is not a number");
      return Status::ok();
    }
    return fail(name_pos, "sample '" + std::string(name) + "' needs a label '" + std::string(need) + "'");
  }

  ExpositionParser& p_;
  std::string_view text_;
  MetricSink& sink_;
  size_t pos_ = 0, end_ = 0, line_start_ = 0, line_no_ = 1;
  // The family that samples join if they are its own (set by HELP/TYPE lines
  // and by samples), and the family last announced to the sink.
  FamilyState* current_ = nullptr;
  std::string_view current_name_;
  const FamilyState* announced_ = nullptr;
};

Status ExpositionParser::parse(std::string_view text, MetricSink& sink) {
  families_.clear();
  help_buf_.clear();
  return ExpositionParseRun(*this, text, sink).run();
}

Status parse_exposition(std::string_view text, MetricSink& sink) {
  ExpositionParser p;
  return p.parse(text, sink);
}

}  // namespace vigia

// Lexer of Go's text/template (text/template/parse/lex.go, Go 1.19) and
// the literal parsing the parser needs (strconv.Unquote, number constants),
// down to the error texts: promtool reports these, and the tests compare them.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "alerting/template/template_internal.h"
#include "core/strconv.h"

namespace vigia::alerting::tmpl {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// unicode.IsLetter || unicode.IsDigit, for the scripts label values and
// names use (Latin, Greek, Cyrillic, Armenian, Hebrew, Arabic, Indic, CJK,
// kana, Hangul); other runes count as neither.
bool is_letter_rune(uint32_t r) {
  if (r < 0x80) return std::isalnum(static_cast<int>(r)) != 0;
  if (r == 0xaa || r == 0xb5 || r == 0xba) return true;
  if (r >= 0xc0 && r <= 0x24f) return r != 0xd7 && r != 0xf7;
  if (r >= 0x370 && r <= 0x3ff)
    return r != 0x375 && r != 0x37e && r != 0x384 && r != 0x385 && r != 0x387 && r != 0x378 && r != 0x379 &&
           !(r >= 0x380 && r <= 0x383) && r != 0x38b && r != 0x38d && r != 0x3a2 && r != 0x3f6;
  if (r >= 0x400 && r <= 0x52f) return !(r >= 0x482 && r <= 0x489);
  if (r >= 0x531 && r <= 0x556) return true;
  if (r >= 0x561 && r <= 0x587) return true;
  if (r >= 0x5d0 && r <= 0x5ea) return true;
  if (r >= 0x620 && r <= 0x64a) return true;
  if (r >= 0x660 && r <= 0x669) return true;
  if (r >= 0x905 && r <= 0x939) return true;
  if (r >= 0x966 && r <= 0x96f) return true;
  if (r >= 0x1e00 && r <= 0x1fff) return true;
  if (r >= 0x3041 && r <= 0x3096) return true;
  if (r >= 0x30a1 && r <= 0x30fa) return true;
  if (r >= 0x4e00 && r <= 0x9fff) return true;
  if (r >= 0xac00 && r <= 0xd7a3) return true;
  if (r >= 0xff10 && r <= 0xff19) return true;
  if (r >= 0xff21 && r <= 0xff3a) return true;
  if (r >= 0xff41 && r <= 0xff5a) return true;
  return false;
}

// Length of the identifier rune at s[p] (letter, digit or '_'), or 0.
size_t alnum_len(std::string_view s, size_t p) {
  if (p >= s.size()) return 0;
  size_t len;
  uint32_t r = decode_rune(s, p, len);
  return (r == '_' || is_letter_rune(r)) ? len : 0;
}

class Lexer {
 public:
  explicit Lexer(std::string_view in) : in_(in) {}

  std::vector<Item> run() {
    while (!done_) lex_text();
    return std::move(items_);
  }

 private:
  static constexpr std::string_view kLeft = "{{", kRight = "}}";

  // Items are emitted in input order: counting on from the last position keeps
  // lexing linear (from the start each time, 20 000 nested {{if}}s took a minute).
  int line_at(size_t pos) {
    pos = std::min(pos, in_.size());
    if (pos < line_pos_) line_pos_ = 0, line_ = 1;
    for (; line_pos_ < pos; ++line_pos_) line_ += in_[line_pos_] == '\n';
    return line_;
  }
  size_t line_pos_ = 0;  // line_at's last position and the line it is on
  int line_ = 1;
  void emit(Tok t, size_t start, size_t end) {
    items_.push_back({t, start, std::string(in_.substr(start, end - start)), line_at(start)});
  }
  void error(size_t start, std::string msg) {
    items_.push_back({Tok::kError, start, std::move(msg), line_at(start)});
    done_ = true;
  }
  static bool has_left_trim(std::string_view s) { return s.size() >= 2 && s[0] == '-' && is_space(s[1]); }
  static bool has_right_trim(std::string_view s) { return s.size() >= 2 && is_space(s[0]) && s[1] == '-'; }
  // At a right delimiter: 0 no, 1 plain, 2 with trim marker.
  int at_right_delim(size_t p) const {
    std::string_view rest = in_.substr(p);
    if (has_right_trim(rest) && rest.substr(2).substr(0, 2) == kRight) return 2;
    if (rest.substr(0, 2) == kRight) return 1;
    return 0;
  }
  size_t skip_space(size_t p) const {
    while (p < in_.size() && is_space(in_[p])) ++p;
    return p;
  }

  void lex_text() {
    size_t x = in_.find(kLeft, pos_);
    if (x == std::string_view::npos) {
      if (pos_ < in_.size()) emit(Tok::kText, pos_, in_.size());
      items_.push_back({Tok::kEOF, in_.size(), "", line_at(in_.size())});
      done_ = true;
      return;
    }
    size_t text_end = x;
    bool trim = has_left_trim(in_.substr(x + 2));
    if (trim) {
      while (text_end > pos_ && is_space(in_[text_end - 1])) --text_end;
    }
    if (text_end > pos_) emit(Tok::kText, pos_, text_end);
    // Left delimiter.
    size_t p = x + 2;
    size_t after = trim ? 2 : 0;
    if (in_.substr(p + after).substr(0, 2) == "/*") {
      size_t start = x;
      p += after + 2;
      size_t end = in_.find("*/", p);
      if (end == std::string_view::npos) return error(start, "unclosed comment");
      p = end + 2;
      int d = at_right_delim(p);
      if (d == 0) return error(start, "comment ends before closing delimiter");
      p += (d == 2 ? 2 : 0) + 2;
      if (d == 2) p = skip_space(p);
      pos_ = p;
      return;
    }
    emit(Tok::kLeftDelim, x, x + 2);
    pos_ = p + after;
    paren_depth_ = 0;
    lex_inside_action();
  }

  bool at_terminator(size_t p) const {
    if (p >= in_.size()) return true;
    char c = in_[p];
    if (is_space(c)) return true;
    switch (c) {
      case '.':
      case ',':
      case '|':
      case ':':
      case ')':
      case '(': return true;
      default: break;
    }
    return in_.substr(p, 2) == kRight;
  }

  // Lexes one action up to and including its right delimiter.
  void lex_inside_action() {
    for (;;) {
      if (int d = at_right_delim(pos_)) {
        if (paren_depth_ != 0) return error(pos_, "unclosed left paren");
        size_t start = pos_;
        if (d == 2) start = pos_ += 2;
        emit(Tok::kRightDelim, start, start + 2);
        pos_ = start + 2;
        if (d == 2) pos_ = skip_space(pos_);
        return;
      }
      if (pos_ >= in_.size()) return error(pos_, "unclosed action");
      size_t start = pos_;
      char c = in_[pos_++];
      if (is_space(c)) {
        size_t n = 1;
        while (pos_ < in_.size() && is_space(in_[pos_])) ++pos_, ++n;
        // A space right before "-}}" belongs to the trim marker.
        if (has_right_trim(in_.substr(pos_ - 1)) && in_.substr(pos_ + 1, 2) == kRight) {
          --pos_;
          if (n == 1) continue;
        }
        emit(Tok::kSpace, start, pos_);
        continue;
      }
      switch (c) {
        case '=': emit(Tok::kAssign, start, pos_); continue;
        case ':':
          if (pos_ >= in_.size() || in_[pos_] != '=') return error(start, "expected :=");
          ++pos_;
          emit(Tok::kDeclare, start, pos_);
          continue;
        case '|': emit(Tok::kPipe, start, pos_); continue;
        case '"':
          if (!lex_quoted(start, '"', "unterminated quoted string")) return;
          emit(Tok::kString, start, pos_);
          continue;
        case '`': {
          size_t end = in_.find('`', pos_);
          if (end == std::string_view::npos) return error(start, "unterminated raw quoted string");
          pos_ = end + 1;
          emit(Tok::kRawString, start, pos_);
          continue;
        }
        case '$':
          lex_field_or_variable(start, Tok::kVariable);
          if (done_) return;
          continue;
        case '\'':
          if (!lex_quoted(start, '\'', "unterminated character constant")) return;
          emit(Tok::kCharConstant, start, pos_);
          continue;
        case '(':
          emit(Tok::kLeftParen, start, pos_);
          ++paren_depth_;
          continue;
        case ')':
          emit(Tok::kRightParen, start, pos_);
          if (--paren_depth_ < 0) return error(start, "unexpected right paren U+0029 ')'");
          continue;
        default: break;
      }
      if (c == '.' && pos_ < in_.size() && (in_[pos_] < '0' || in_[pos_] > '9')) {
        lex_field_or_variable(start, Tok::kField);
        if (done_) return;
        continue;
      }
      if (c == '.' || c == '+' || c == '-' || (c >= '0' && c <= '9')) {
        pos_ = start;
        if (!scan_number()) {
          return error(start, "bad number syntax: " + go_quote(in_.substr(start, pos_ - start)));
        }
        if (pos_ < in_.size() && (in_[pos_] == '+' || in_[pos_] == '-')) {
          // A complex constant (1+2i): no spaces, must end in 'i'.
          if (!scan_number() || in_[pos_ - 1] != 'i')
            return error(start, "bad number syntax: " + go_quote(in_.substr(start, pos_ - start)));
        }
        emit(Tok::kNumber, start, pos_);
        continue;
      }
      if (size_t first = alnum_len(in_, start)) {
        pos_ = start + first;
        while (size_t n = alnum_len(in_, pos_)) pos_ += n;
        if (!at_terminator(pos_)) return bad_character();
        std::string_view word = in_.substr(start, pos_ - start);
        static const std::pair<std::string_view, Tok> kKeywords[] = {{"block", Tok::kBlock},
                                                                     {"break", Tok::kBreak},
                                                                     {"continue", Tok::kContinue},
                                                                     {"define", Tok::kDefine},
                                                                     {"else", Tok::kElse},
                                                                     {"end", Tok::kEnd},
                                                                     {"if", Tok::kIf},
                                                                     {"range", Tok::kRange},
                                                                     {"nil", Tok::kNil},
                                                                     {"template", Tok::kTemplate},
                                                                     {"with", Tok::kWith}};
        Tok t = Tok::kIdentifier;
        for (const auto& [k, v] : kKeywords)
          if (word == k) t = v;
        if (word == "true" || word == "false") t = Tok::kBool;
        emit(t, start, pos_);
        continue;
      }
      unsigned char uc = static_cast<unsigned char>(c);
      if (uc < 0x80 && std::isprint(uc)) {
        emit(Tok::kChar, start, pos_);
        continue;
      }
      return error(start, "unrecognized character in action: " + rune_desc(start));
    }
  }

  // Skips a quoted string or character constant up to its closing `quote`
  // (escapes skipped); false after an error `unterminated` (a newline or the
  // end of the input first).
  bool lex_quoted(size_t start, char quote, const char* unterminated) {
    for (;;) {
      if (pos_ >= in_.size() || in_[pos_] == '\n') {
        error(start, unterminated);
        return false;
      }
      char q = in_[pos_++];
      if (q == '\\') {
        if (pos_ >= in_.size() || in_[pos_] == '\n') {
          error(start, unterminated);
          return false;
        }
        ++pos_;
      } else if (q == quote) {
        return true;
      }
    }
  }

  // Go's %#U of the rune at p: U+0001, or U+00E9 'é'.
  std::string rune_desc(size_t p) const {
    size_t len;
    uint32_t r = decode_rune(in_, p, len);
    char buf[16];
    std::snprintf(buf, sizeof buf, "U+%04X", r);
    std::string out = buf;
    bool printable = go_is_print(r);
    if (printable)
      out += " '" + (r == 0xfffd ? std::string("\xef\xbf\xbd") : std::string(in_.substr(p, len))) + "'";
    return out;
  }

  void bad_character() { error(pos_, "bad character " + rune_desc(pos_)); }

  void lex_field_or_variable(size_t start, Tok type) {
    if (at_terminator(pos_)) {
      emit(type == Tok::kVariable ? Tok::kVariable : Tok::kDot, start, pos_);
      return;
    }
    while (size_t n = alnum_len(in_, pos_)) pos_ += n;
    if (!at_terminator(pos_)) return bad_character();
    emit(type, start, pos_);
  }

  // text/template's scanNumber: accepts Go number syntax loosely; the parser
  // validates the value.
  bool scan_number() {
    auto accept = [&](std::string_view valid) {
      if (pos_ < in_.size() && valid.find(in_[pos_]) != std::string_view::npos) {
        ++pos_;
        return true;
      }
      return false;
    };
    auto accept_run = [&](std::string_view valid) {
      while (pos_ < in_.size() && valid.find(in_[pos_]) != std::string_view::npos) ++pos_;
    };
    accept("+-");
    std::string_view digits = "0123456789_";
    if (accept("0")) {
      if (accept("xX"))
        digits = "0123456789abcdefABCDEF_";
      else if (accept("oO"))
        digits = "01234567_";
      else if (accept("bB"))
        digits = "01_";
    }
    accept_run(digits);
    if (accept(".")) accept_run(digits);
    if (digits.size() == 11 && accept("eE")) {
      accept("+-");
      accept_run("0123456789_");
    }
    if (digits.size() == 23 && accept("pP")) {
      accept("+-");
      accept_run("0123456789_");
    }
    accept("i");
    if (size_t n = alnum_len(in_, pos_)) {
      pos_ += n;
      return false;
    }
    return true;
  }

  std::string_view in_;
  size_t pos_ = 0;
  int paren_depth_ = 0;
  bool done_ = false;
  std::vector<Item> items_;
};

// strconv's underscoreOK: '_' only between digits or after a base prefix.
bool underscore_ok(std::string_view s) {
  if (s.find('_') == std::string_view::npos) return true;
  char saw = '^';
  size_t i = 0;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  bool hex = false;
  if (s.size() >= 2 && s[0] == '0') {
    char b = static_cast<char>(std::tolower(static_cast<unsigned char>(s[1])));
    if (b == 'b' || b == 'o' || b == 'x') {
      i = 2;
      saw = '0';
      hex = b == 'x';
    }
  }
  for (; i < s.size(); ++i) {
    char c = static_cast<char>(std::tolower(static_cast<unsigned char>(s[i])));
    if ((c >= '0' && c <= '9') || (hex && c >= 'a' && c <= 'f')) {
      saw = '0';
      continue;
    }
    if (c == '_') {
      if (saw != '0') return false;
      saw = '_';
      continue;
    }
    if (saw == '_') return false;
    saw = '!';
  }
  return saw != '_';
}

}  // namespace

std::vector<Item> lex(std::string_view text) { return Lexer(text).run(); }

// Go's %q of a short string, for "unexpected" messages (ASCII is enough:
// tokens are ASCII apart from text and strings, which go_quote handles).
std::string item_string(const Item& i) {
  switch (i.type) {
    case Tok::kEOF: return "EOF";
    case Tok::kError: return i.val;
    default: break;
  }
  if (i.type >= Tok::kBlock) return "<" + i.val + ">";
  if (i.val.size() > 10) {
    // %.10q: quote the first 10 runes.
    size_t n = 0, runes = 0;
    while (n < i.val.size() && runes < 10) {
      size_t len;
      decode_rune(i.val, n, len);
      n += len;
      ++runes;
    }
    return go_quote(std::string_view(i.val).substr(0, std::min(n, i.val.size()))) + "...";
  }
  return go_quote(i.val);
}

// Go's number parsing for template constants (parse.NewNumber).
bool parse_number(std::string_view text, bool is_char, Node& n, std::string& err) {
  if (is_char) {
    std::string s;
    if (!go_unquote(text, s)) {
      err = "malformed character constant: " + std::string(text);
      return false;
    }
    // strconv.UnquoteChar: a \x or octal escape is the byte's value, any
    // other character the rune it encodes.
    size_t len;
    bool byte_escape =
        text.size() > 2 && text[1] == '\\' && (text[2] == 'x' || (text[2] >= '0' && text[2] <= '7'));
    uint32_t r = byte_escape ? static_cast<unsigned char>(s[0]) : decode_rune(s, 0, len);
    n.is_int = n.is_float = true;
    n.int_value = r;
    n.float_value = r;
    return true;
  }
  if (!text.empty() && text.back() == 'i') {
    err = "complex numbers are not supported";  // Go supports them; no alert template uses them
    return false;
  }
  if (!underscore_ok(text)) {
    err = "illegal number syntax: " + go_quote(text);
    return false;
  }
  std::string clean;
  for (char c : text)
    if (c != '_') clean += c;
  bool neg = false;
  std::string_view body = clean;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
    neg = body[0] == '-';
    body.remove_prefix(1);
  }
  // Integers: ParseInt(text, 0, 64).
  int base = 10;
  std::string_view digits = body;
  if (digits.size() > 1 && digits[0] == '0') {
    char p = static_cast<char>(std::tolower(digits[1]));
    if (p == 'x')
      base = 16, digits.remove_prefix(2);
    else if (p == 'o')
      base = 8, digits.remove_prefix(2);
    else if (p == 'b')
      base = 2, digits.remove_prefix(2);
    else
      base = 8, digits.remove_prefix(1);
  }
  bool int_ok = !digits.empty();
  unsigned __int128 acc = 0;
  for (char c : digits) {
    int d = std::isdigit(static_cast<unsigned char>(c))   ? c - '0'
            : std::isalpha(static_cast<unsigned char>(c)) ? std::tolower(c) - 'a' + 10
                                                          : 99;
    if (d >= base) {
      int_ok = false;
      break;
    }
    acc = acc * base + d;
    if (acc > (static_cast<unsigned __int128>(1) << 64)) {
      int_ok = false;
      break;
    }
  }
  if (int_ok) {
    if (!neg && acc <= static_cast<unsigned __int128>(INT64_MAX)) {
      n.is_int = true;
      n.int_value = static_cast<int64_t>(acc);
    } else if (neg && acc <= static_cast<unsigned __int128>(INT64_MAX) + 1) {
      n.is_int = true;
      n.int_value = static_cast<int64_t>(-static_cast<__int128>(acc));
    }
    if (n.is_int) {
      n.is_float = true;
      n.float_value = static_cast<double>(n.int_value);
      return true;
    }
    if (!neg) {  // a uint64 only: Go keeps it as IsUint and a float
      n.is_float = true;
      n.float_value = static_cast<double>(static_cast<uint64_t>(acc));
      return true;
    }
  }
  // Floats: ParseFloat (decimal, or hex with a p exponent).
  bool hex = body.size() > 1 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X');
  bool valid_float = false;
  double f = 0;
  if (!body.empty() && body.find_first_of("oObB") == std::string_view::npos &&
      (!hex || body.find_first_of("pP") != std::string_view::npos)) {
    std::string s(clean);
    char* end = nullptr;
    errno = 0;
    f = std::strtod(s.c_str(), &end);
    valid_float = end == s.c_str() + s.size() && s.find_first_of("nN") == std::string::npos;
    if (errno == ERANGE && std::isinf(f)) valid_float = false;
  }
  if (valid_float) {
    if (clean.find_first_of(".eEpP") == std::string::npos) {
      err = "integer overflow: " + go_quote(text);
      return false;
    }
    n.is_float = true;
    n.float_value = f;
    if (std::fabs(f) < 9.2e18 && static_cast<double>(static_cast<int64_t>(f)) == f) {
      n.is_int = true;
      n.int_value = static_cast<int64_t>(f);
    }
    return true;
  }
  err = "illegal number syntax: " + go_quote(text);
  return false;
}

}  // namespace vigia::alerting::tmpl

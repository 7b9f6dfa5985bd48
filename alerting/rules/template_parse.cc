// Lexer and parser of Go's text/template (text/template/parse, Go 1.19), down
// to the error texts: promtool reports these, and the tests compare them.
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <algorithm>

#include "alerting/rules/template_internal.h"

namespace vigia::alerting::tmpl {
namespace {

enum class Tok {
  kError, kBool, kChar, kCharConstant, kComment, kAssign, kDeclare, kEOF, kField, kIdentifier, kLeftDelim,
  kLeftParen, kNumber, kPipe, kRawString, kRightDelim, kRightParen, kSpace, kString, kText, kVariable,
  // keywords
  kBlock, kBreak, kContinue, kDot, kDefine, kElse, kEnd, kIf, kNil, kRange, kTemplate, kWith,
};

struct Item {
  Tok type;
  size_t pos;
  std::string val;
  int line;
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// The rune at s[p] and its length (1 with U+FFFD for invalid UTF-8).
uint32_t decode_rune(std::string_view s, size_t p, size_t& len) {
  unsigned char c = static_cast<unsigned char>(s[p]);
  len = 1;
  if (c < 0x80) return c;
  size_t n = c >= 0xf0 && c < 0xf5 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
  if (n == 0 || p + n > s.size()) return 0xfffd;
  uint32_t r = c & (n == 2 ? 0x1f : n == 3 ? 0x0f : 0x07);
  for (size_t k = 1; k < n; ++k) {
    unsigned char cc = static_cast<unsigned char>(s[p + k]);
    if ((cc & 0xc0) != 0x80) return 0xfffd;
    r = (r << 6) | (cc & 0x3f);
  }
  len = n;
  return r;
}

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
      unsigned char c = static_cast<unsigned char>(i.val[n]);
      size_t len = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
      n += len;
      ++runes;
    }
    return go_quote(std::string_view(i.val).substr(0, std::min(n, i.val.size()))) + "...";
  }
  return go_quote(i.val);
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

  int line_at(size_t pos) const {
    int line = 1;
    for (size_t i = 0; i < pos && i < in_.size(); ++i) line += in_[i] == '\n';
    return line;
  }
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
      case '.': case ',': case '|': case ':': case ')': case '(': return true;
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
        case '"': {
          for (;;) {
            if (pos_ >= in_.size() || in_[pos_] == '\n') return error(start, "unterminated quoted string");
            char q = in_[pos_++];
            if (q == '\\') {
              if (pos_ >= in_.size() || in_[pos_] == '\n') return error(start, "unterminated quoted string");
              ++pos_;
            } else if (q == '"') {
              break;
            }
          }
          emit(Tok::kString, start, pos_);
          continue;
        }
        case '`': {
          size_t end = in_.find('`', pos_);
          if (end == std::string_view::npos) return error(start, "unterminated raw quoted string");
          pos_ = end + 1;
          emit(Tok::kRawString, start, pos_);
          continue;
        }
        case '$': lex_field_or_variable(start, Tok::kVariable); if (done_) return; continue;
        case '\'': {
          for (;;) {
            if (pos_ >= in_.size() || in_[pos_] == '\n') return error(start, "unterminated character constant");
            char q = in_[pos_++];
            if (q == '\\') {
              if (pos_ >= in_.size() || in_[pos_] == '\n') return error(start, "unterminated character constant");
              ++pos_;
            } else if (q == '\'') {
              break;
            }
          }
          emit(Tok::kCharConstant, start, pos_);
          continue;
        }
        case '(': emit(Tok::kLeftParen, start, pos_); ++paren_depth_; continue;
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
        static const std::pair<std::string_view, Tok> kKeywords[] = {
            {"block", Tok::kBlock}, {"break", Tok::kBreak}, {"continue", Tok::kContinue},
            {"define", Tok::kDefine}, {"else", Tok::kElse}, {"end", Tok::kEnd}, {"if", Tok::kIf},
            {"range", Tok::kRange}, {"nil", Tok::kNil}, {"template", Tok::kTemplate}, {"with", Tok::kWith}};
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

  // Go's %#U of the rune at p: U+0001, or U+00E9 'é'.
  std::string rune_desc(size_t p) const {
    size_t len;
    uint32_t r = decode_rune(in_, p, len);
    char buf[16];
    std::snprintf(buf, sizeof buf, "U+%04X", r);
    std::string out = buf;
    bool printable = go_is_print(r);
    if (printable) out += " '" + (r == 0xfffd ? std::string("\xef\xbf\xbd") : std::string(in_.substr(p, len))) + "'";
    return out;
  }

  void bad_character() {
    error(pos_, "bad character " + rune_desc(pos_));
  }

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
      if (accept("xX")) digits = "0123456789abcdefABCDEF_";
      else if (accept("oO")) digits = "01234567_";
      else if (accept("bB")) digits = "01_";
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

// strconv.Unquote for "..." `...` and '...'; false on a bad escape.
bool unquote(std::string_view q, std::string& out) {
  out.clear();
  if (q.size() < 2) return false;
  char quote = q[0];
  if (q.back() != quote) return false;
  q = q.substr(1, q.size() - 2);
  if (quote == '`') {
    for (char c : q)
      if (c != '\r') out += c;
    return true;
  }
  auto append_rune = [&](uint32_t r) {
    if (r > 0x10ffff || (r >= 0xd800 && r < 0xe000)) r = 0xfffd;
    if (r < 0x80) out += static_cast<char>(r);
    else if (r < 0x800) out += static_cast<char>(0xc0 | (r >> 6)), out += static_cast<char>(0x80 | (r & 0x3f));
    else if (r < 0x10000)
      out += static_cast<char>(0xe0 | (r >> 12)), out += static_cast<char>(0x80 | ((r >> 6) & 0x3f)),
          out += static_cast<char>(0x80 | (r & 0x3f));
    else
      out += static_cast<char>(0xf0 | (r >> 18)), out += static_cast<char>(0x80 | ((r >> 12) & 0x3f)),
          out += static_cast<char>(0x80 | ((r >> 6) & 0x3f)), out += static_cast<char>(0x80 | (r & 0x3f));
  };
  size_t runes = 0;
  for (size_t i = 0; i < q.size();) {
    char c = q[i];
    if (c == quote) return false;
    if (c != '\\') {
      out += c;
      if ((static_cast<unsigned char>(c) & 0xc0) != 0x80) ++runes;
      ++i;
      continue;
    }
    ++runes;
    if (++i >= q.size()) return false;
    char e = q[i++];
    auto hex = [&](int n, uint32_t& v) {
      v = 0;
      for (int k = 0; k < n; ++k) {
        if (i >= q.size() || !std::isxdigit(static_cast<unsigned char>(q[i]))) return false;
        char h = q[i++];
        v = v * 16 + (std::isdigit(static_cast<unsigned char>(h)) ? h - '0' : (std::tolower(h) - 'a' + 10));
      }
      return true;
    };
    uint32_t v;
    switch (e) {
      case 'a': out += '\a'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'v': out += '\v'; break;
      case '\\': out += '\\'; break;
      case '\'': case '"':
        if (e != quote) return false;
        out += e;
        break;
      case 'x':
        if (!hex(2, v)) return false;
        out += static_cast<char>(v);
        break;
      case 'u':
        if (!hex(4, v) || (v >= 0xd800 && v < 0xe000)) return false;
        append_rune(v);
        break;
      case 'U':
        if (!hex(8, v) || v > 0x10ffff || (v >= 0xd800 && v < 0xe000)) return false;
        append_rune(v);
        break;
      default:
        if (e >= '0' && e <= '7') {
          v = e - '0';
          for (int k = 0; k < 2; ++k) {
            if (i >= q.size() || q[i] < '0' || q[i] > '7') return false;
            v = v * 8 + (q[i++] - '0');
          }
          if (v > 255) return false;
          out += static_cast<char>(v);
          break;
        }
        return false;
    }
  }
  if (quote == '\'') return runes == 1;
  return true;
}

struct ParseError {
  std::string message;
};

// Bounds the recursion of parsing and executing on nested parentheses and
// control structures (Go has no such limit; no real template nests 100 deep).
constexpr int kMaxNesting = 100;

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

// Go's number parsing for template constants (parse.NewNumber).
bool parse_number(std::string_view text, bool is_char, Node& n, std::string& err) {
  if (is_char) {
    std::string s;
    if (!unquote(text, s)) {
      err = "malformed character constant: " + std::string(text);
      return false;
    }
    unsigned char c = static_cast<unsigned char>(s[0]);
    uint32_t r = c;
    if (c >= 0xc0) {
      size_t len = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
      r = c & (c < 0xe0 ? 0x1f : c < 0xf0 ? 0x0f : 0x07);
      for (size_t k = 1; k < len && k < s.size(); ++k) r = (r << 6) | (static_cast<unsigned char>(s[k]) & 0x3f);
    }
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
    if (p == 'x') base = 16, digits.remove_prefix(2);
    else if (p == 'o') base = 8, digits.remove_prefix(2);
    else if (p == 'b') base = 2, digits.remove_prefix(2);
    else base = 8, digits.remove_prefix(1);
  }
  bool int_ok = !digits.empty();
  unsigned __int128 acc = 0;
  for (char c : digits) {
    int d = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
            : std::isalpha(static_cast<unsigned char>(c)) ? std::tolower(c) - 'a' + 10 : 99;
    if (d >= base) { int_ok = false; break; }
    acc = acc * base + d;
    if (acc > (static_cast<unsigned __int128>(1) << 64)) { int_ok = false; break; }
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

class Parser {
 public:
  Parser(std::string_view name, std::string_view text, const std::function<bool(std::string_view)>& is_function,
         std::vector<Tree>& trees)
      : name_(name), is_function_(is_function), trees_(trees) {
    items_ = Lexer(text).run();
  }

  void parse() {
    vars_ = {"$"};
    Tree main;
    main.name = name_;
    main.root = new_node(NodeType::kList, peek().pos);
    while (peek().type != Tok::kEOF) {
      if (peek().type == Tok::kLeftDelim) {
        size_t mark = idx_;
        next();
        if (next_non_space().type == Tok::kDefine) {
          parse_definition();
          continue;
        }
        idx_ = mark;
      }
      auto n = text_or_action();
      if (n->type == NodeType::kList && n->text == "end") errorf("unexpected {{end}}");
      if (n->type == NodeType::kList && n->text == "else") errorf("unexpected {{else}}");
      if (n->type != NodeType::kList || !n->text.empty()) main.root->nodes.push_back(std::move(n));
    }
    add_tree(std::move(main));
    for (size_t i = 0; i < trees_.size(); ++i)
      if (trees_[i].name == name_) std::rotate(trees_.begin(), trees_.begin() + i, trees_.begin() + i + 1);
  }

 private:
  // End and else are returned as kList nodes with text "end"/"else"; a
  // comment as an empty kList with text "" (dropped).
  static std::unique_ptr<Node> new_node(NodeType t, size_t pos) {
    auto n = std::make_unique<Node>();
    n->type = t;
    n->pos = pos;
    return n;
  }
  static bool is_marker(const Node& n, std::string_view what) { return n.type == NodeType::kList && n.text == what; }

  // Like Go's parser: next() always advances, backup() steps back one, and
  // the line of an error is that of the furthest token read.
  const Item& peek() {
    size_t i = std::min(idx_, items_.size() - 1);
    if (i > furthest_) furthest_ = i;
    return items_[i];
  }
  const Item& next() {
    const Item& i = peek();
    ++idx_;
    return i;
  }
  const Item& next_non_space() {
    for (;;) {
      const Item& i = next();
      if (i.type != Tok::kSpace) return i;
    }
  }
  const Item& peek_non_space() {
    const Item& i = next_non_space();
    backup();
    return i;
  }
  void backup() { --idx_; }

  [[noreturn]] void errorf(const std::string& msg) {
    int line = items_[std::min(furthest_, items_.size() - 1)].line;
    throw ParseError{"template: " + name_ + ":" + std::to_string(line) + ": " + msg};
  }
  [[noreturn]] void unexpected(const Item& token, const std::string& context) {
    if (token.type == Tok::kError) {
      std::string extra;
      if (action_line_ != 0 && action_line_ != token.line) {
        extra = " in action started at " + name_ + ":" + std::to_string(action_line_);
        if (token.val.size() >= 7 && token.val.compare(token.val.size() - 7, 7, " action") == 0)
          extra = extra.substr(10);
      }
      errorf(item_string(token) + extra);
    }
    errorf("unexpected " + item_string(token) + " in " + context);
  }
  const Item& expect(Tok t, const std::string& context) {
    const Item& i = next_non_space();
    if (i.type != t) unexpected(i, context);
    return i;
  }

  void parse_definition() {
    const std::string context = "define clause";
    const Item& name = next_non_space();
    if (name.type != Tok::kString && name.type != Tok::kRawString) unexpected(name, context);
    Tree t;
    if (!unquote(name.val, t.name)) errorf("invalid syntax");
    expect(Tok::kRightDelim, context);
    auto saved = vars_;
    vars_ = {"$"};
    std::unique_ptr<Node> end;
    t.root = item_list(end);
    if (!is_marker(*end, "end")) errorf("unexpected " + marker_string(*end) + " in " + context);
    vars_ = saved;
    add_tree(std::move(t));
  }
  // parse.Tree.add: a definition replaces an empty one; two non-empty ones
  // of one name are an error.
  static bool is_empty_tree(const Node& n) {
    if (n.type == NodeType::kList) {
      for (const auto& c : n.nodes)
        if (!is_empty_tree(*c)) return false;
      return true;
    }
    if (n.type == NodeType::kText) return n.text.find_first_not_of(" \t\r\n\v\f") == std::string::npos;
    return false;
  }
  void add_tree(Tree t) {
    for (auto& existing : trees_) {
      if (existing.name != t.name) continue;
      if (is_empty_tree(*existing.root)) existing = std::move(t);
      else if (!is_empty_tree(*t.root)) errorf("template: multiple definition of template " + go_quote(t.name));
      return;
    }
    trees_.push_back(std::move(t));
  }
  static std::string marker_string(const Node& n) { return "{{" + n.text + "}}"; }

  std::unique_ptr<Node> item_list(std::unique_ptr<Node>& end) {
    auto list = new_node(NodeType::kList, peek_non_space().pos);
    while (peek_non_space().type != Tok::kEOF) {
      auto n = text_or_action();
      if (is_marker(*n, "end") || is_marker(*n, "else")) {
        end = std::move(n);
        return list;
      }
      if (n->type != NodeType::kList || !n->text.empty()) list->nodes.push_back(std::move(n));
    }
    errorf("unexpected EOF");
  }

  std::unique_ptr<Node> text_or_action() {
    const Item& token = next_non_space();
    switch (token.type) {
      case Tok::kText: {
        auto n = new_node(NodeType::kText, token.pos);
        n->text = token.val;
        return n;
      }
      case Tok::kLeftDelim: {
        action_line_ = token.line;
        auto n = action();
        action_line_ = 0;
        return n;
      }
      default: unexpected(token, "input");
    }
  }

  std::unique_ptr<Node> marker(std::string_view what, size_t pos) {
    auto n = new_node(NodeType::kList, pos);
    n->text = what;
    return n;
  }

  std::unique_ptr<Node> action() {
    const Item& token = next_non_space();
    switch (token.type) {
      case Tok::kBlock: return block_control();
      case Tok::kBreak:
      case Tok::kContinue: {
        bool is_break = token.type == Tok::kBreak;
        size_t pos = token.pos;
        const Item& t = next_non_space();
        std::string kw = is_break ? "{{break}}" : "{{continue}}";
        if (t.type != Tok::kRightDelim) unexpected(t, kw);
        if (range_depth_ == 0) errorf(kw + " outside {{range}}");
        auto n = new_node(is_break ? NodeType::kBreak : NodeType::kContinue, pos);
        return n;
      }
      case Tok::kElse: {
        const Item& p = peek_non_space();
        if (p.type == Tok::kIf) return marker("else", p.pos);
        return marker("else", expect(Tok::kRightDelim, "else").pos);
      }
      case Tok::kEnd: return marker("end", expect(Tok::kRightDelim, "end").pos);
      case Tok::kIf: return control(NodeType::kIf, "if");
      case Tok::kRange: return control(NodeType::kRange, "range");
      case Tok::kWith: return control(NodeType::kWith, "with");
      case Tok::kTemplate: {
        const std::string context = "template clause";
        const Item& name = next_non_space();
        auto n = new_node(NodeType::kTemplate, name.pos);
        n->line = name.line;
        template_name(name, context, n->text);
        if (next_non_space().type != Tok::kRightDelim) {
          backup();
          n->pipe = pipeline(context, Tok::kRightDelim);
        }
        return n;
      }
      default: break;
    }
    backup();
    const Item& t = peek();
    auto n = new_node(NodeType::kAction, t.pos);
    n->line = t.line;
    n->pipe = pipeline("command", Tok::kRightDelim);
    return n;
  }

  void template_name(const Item& token, const std::string& context, std::string& out) {
    if (token.type != Tok::kString && token.type != Tok::kRawString) unexpected(token, context);
    if (!unquote(token.val, out)) errorf("invalid syntax");
  }

  std::unique_ptr<Node> block_control() {
    const std::string context = "block clause";
    const Item& token = next_non_space();
    auto n = new_node(NodeType::kTemplate, token.pos);
    n->line = token.line;
    template_name(token, context, n->text);
    n->pipe = pipeline(context, Tok::kRightDelim);
    Tree t;
    t.name = n->text;
    auto saved = vars_;
    vars_ = {"$"};
    std::unique_ptr<Node> end;
    t.root = item_list(end);
    if (!is_marker(*end, "end")) errorf("unexpected " + marker_string(*end) + " in " + context);
    vars_ = saved;
    add_tree(std::move(t));
    return n;
  }

  std::unique_ptr<Node> control(NodeType type, const std::string& context) {
    DepthGuard guard(*this);
    size_t saved_vars = vars_.size();
    auto n = new_node(type, 0);
    n->pipe = pipeline(context, Tok::kRightDelim);
    n->pos = n->pipe->pos;
    n->line = n->pipe->line;
    if (type == NodeType::kRange) ++range_depth_;
    std::unique_ptr<Node> end_node;
    n->list = item_list(end_node);
    if (type == NodeType::kRange) --range_depth_;
    if (is_marker(*end_node, "else")) {
      if (type == NodeType::kIf && peek().type == Tok::kIf) {
        next();
        n->else_list = new_node(NodeType::kList, end_node->pos);
        n->else_list->nodes.push_back(control(NodeType::kIf, "if"));
      } else {
        std::unique_ptr<Node> end;
        n->else_list = item_list(end);
        if (!is_marker(*end, "end")) errorf("expected end; found " + marker_string(*end));
      }
    }
    vars_.resize(saved_vars);
    return n;
  }

  // Go has no nesting limit and would go on to the lexer's error, if any
  // (an unclosed paren, typically): report that one first.
  [[noreturn]] void too_deep() {
    for (size_t i = idx_; i < items_.size(); ++i) {
      if (items_[i].type != Tok::kError) continue;
      furthest_ = i;
      unexpected(items_[i], "");
    }
    errorf("exceeded maximum nesting depth (" + std::to_string(kMaxNesting) + ")");
  }

  struct DepthGuard {
    explicit DepthGuard(Parser& p) : p_(p) {
      if (++p_.depth_ > kMaxNesting) p_.too_deep();
    }
    ~DepthGuard() { --p_.depth_; }
    Parser& p_;
  };

  std::unique_ptr<Node> pipeline(const std::string& context, Tok end) {
    DepthGuard guard(*this);
    const Item& first = peek_non_space();
    auto pipe = new_node(NodeType::kPipe, first.pos);
    pipe->line = first.line;
  decls:
    if (peek_non_space().type == Tok::kVariable) {
      const Item& v = next_non_space();
      size_t after_var = idx_;
      const Item& token_after = peek();
      const Item& nx = peek_non_space();
      if (nx.type == Tok::kAssign || nx.type == Tok::kDeclare) {
        pipe->is_assign = nx.type == Tok::kAssign;
        next_non_space();
        pipe->decl.push_back(variable_node(v));
        vars_.push_back(v.val);
      } else if (nx.type == Tok::kChar && nx.val == ",") {
        next_non_space();
        pipe->decl.push_back(variable_node(v));
        vars_.push_back(v.val);
        if (context == "range" && pipe->decl.size() < 2) {
          Tok t = peek_non_space().type;
          if (t == Tok::kVariable || t == Tok::kRightDelim || t == Tok::kRightParen) goto decls;
          errorf("range can only initialize variables");
        }
        errorf("too many declarations in " + context);
      } else if (token_after.type == Tok::kSpace) {
        idx_ = after_var - 1;
      } else {
        idx_ = after_var - 1;
      }
    }
    for (;;) {
      const Item& token = next_non_space();
      if (token.type == end) {
        check_pipeline(*pipe, context);
        return pipe;
      }
      switch (token.type) {
        case Tok::kBool: case Tok::kCharConstant: case Tok::kDot: case Tok::kField: case Tok::kIdentifier:
        case Tok::kNumber: case Tok::kNil: case Tok::kRawString: case Tok::kString: case Tok::kVariable:
        case Tok::kLeftParen:
          backup();
          pipe->nodes.push_back(command());
          break;
        default: unexpected(token, context);
      }
    }
  }

  void check_pipeline(const Node& pipe, const std::string& context) {
    if (pipe.nodes.empty()) errorf("missing value for " + context);
    for (size_t i = 1; i < pipe.nodes.size(); ++i) {
      switch (pipe.nodes[i]->nodes[0]->type) {
        case NodeType::kBool: case NodeType::kDot: case NodeType::kNil: case NodeType::kNumber:
        case NodeType::kString:
          errorf("non executable command in pipeline stage " + std::to_string(i + 1));
        default: break;
      }
    }
  }

  std::unique_ptr<Node> command() {
    auto cmd = new_node(NodeType::kCommand, peek_non_space().pos);
    for (;;) {
      peek_non_space();
      if (auto op = operand()) cmd->nodes.push_back(std::move(op));
      const Item& token = next();
      if (token.type == Tok::kSpace) continue;
      if (token.type == Tok::kRightDelim || token.type == Tok::kRightParen) {
        backup();
      } else if (token.type != Tok::kPipe) {
        unexpected(token, "operand");
      }
      break;
    }
    if (cmd->nodes.empty()) errorf("empty command");
    return cmd;
  }

  static std::vector<std::string> split_idents(std::string_view s) {
    // "$x.a.b" → {"$x","a","b"}; ".a.b" → {"a","b"}
    std::vector<std::string> out;
    size_t start = 0;
    if (!s.empty() && s[0] == '.') start = 1;
    for (;;) {
      size_t dot = s.find('.', start);
      out.emplace_back(s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
      if (dot == std::string_view::npos) break;
      start = dot + 1;
    }
    return out;
  }

  std::unique_ptr<Node> variable_node(const Item& v) {
    auto n = new_node(NodeType::kVariable, v.pos);
    n->idents = split_idents(v.val);
    return n;
  }

  std::unique_ptr<Node> operand() {
    auto node = term();
    if (!node) return nullptr;
    if (peek().type == Tok::kField) {
      size_t pos = peek().pos;
      std::vector<std::string> fields;
      while (peek().type == Tok::kField) fields.push_back(next().val.substr(1));
      switch (node->type) {
        case NodeType::kField:
        case NodeType::kVariable:
          for (auto& f : fields) node->idents.push_back(f);
          node->pos = pos;
          break;
        case NodeType::kBool: case NodeType::kString: case NodeType::kNumber: case NodeType::kNil:
        case NodeType::kDot:
          errorf("unexpected . after term " + go_quote(node_string(*node)));
        default: {
          auto chain = new_node(NodeType::kChain, pos);
          chain->pipe = std::move(node);
          chain->idents = std::move(fields);
          node = std::move(chain);
        }
      }
    }
    return node;
  }

  std::unique_ptr<Node> term() {
    const Item& token = next_non_space();
    switch (token.type) {
      case Tok::kIdentifier: {
        if (!is_function_(token.val)) errorf("function " + go_quote(token.val) + " not defined");
        auto n = new_node(NodeType::kIdentifier, token.pos);
        n->text = token.val;
        return n;
      }
      case Tok::kDot: return new_node(NodeType::kDot, token.pos);
      case Tok::kNil: return new_node(NodeType::kNil, token.pos);
      case Tok::kVariable: {
        auto n = variable_node(token);
        bool known = false;
        for (const auto& v : vars_) known = known || v == n->idents[0];
        if (!known) errorf("undefined variable " + go_quote(n->idents[0]));
        return n;
      }
      case Tok::kField: {
        auto n = new_node(NodeType::kField, token.pos);
        n->idents = split_idents(token.val);
        return n;
      }
      case Tok::kBool: {
        auto n = new_node(NodeType::kBool, token.pos);
        n->bool_value = token.val == "true";
        return n;
      }
      case Tok::kCharConstant:
      case Tok::kNumber: {
        auto n = new_node(NodeType::kNumber, token.pos);
        n->text = token.val;
        std::string err;
        if (!parse_number(token.val, token.type == Tok::kCharConstant, *n, err)) errorf(err);
        return n;
      }
      case Tok::kLeftParen: {
        auto p = pipeline("parenthesized pipeline", Tok::kRightParen);
        return p;
      }
      case Tok::kString:
      case Tok::kRawString: {
        auto n = new_node(NodeType::kString, token.pos);
        n->spelling = token.val;
        if (!unquote(token.val, n->text)) errorf("invalid syntax");
        return n;
      }
      default: break;
    }
    backup();
    return nullptr;
  }

  std::string name_;
  const std::function<bool(std::string_view)>& is_function_;
  std::vector<Tree>& trees_;
  std::vector<Item> items_;
  size_t idx_ = 0;
  size_t furthest_ = 0;
  std::vector<std::string> vars_;
  int range_depth_ = 0;
  int action_line_ = 0;
  int depth_ = 0;
};

void append_pipe(std::string& out, const Node& pipe);

void append_arg(std::string& out, const Node& arg) {
  if (arg.type == NodeType::kPipe) {
    out += '(';
    append_pipe(out, arg);
    out += ')';
  } else {
    out += node_string(arg);
  }
}

void append_pipe(std::string& out, const Node& pipe) {
  for (size_t i = 0; i < pipe.decl.size(); ++i) {
    if (i) out += ", ";
    out += node_string(*pipe.decl[i]);
  }
  if (!pipe.decl.empty()) out += pipe.is_assign ? " = " : " := ";
  for (size_t i = 0; i < pipe.nodes.size(); ++i) {
    if (i) out += " | ";
    out += node_string(*pipe.nodes[i]);
  }
}

}  // namespace

std::string node_string(const Node& n) {
  std::string out;
  switch (n.type) {
    case NodeType::kText: return n.text;
    case NodeType::kField:
      for (const auto& f : n.idents) out += "." + f;
      return out;
    case NodeType::kVariable:
      for (size_t i = 0; i < n.idents.size(); ++i) out += (i ? "." : "") + n.idents[i];
      return out;
    case NodeType::kChain:
      append_arg(out, *n.pipe);
      for (const auto& f : n.idents) out += "." + f;
      return out;
    case NodeType::kIdentifier: return n.text;
    case NodeType::kDot: return ".";
    case NodeType::kNil: return "nil";
    case NodeType::kBool: return n.bool_value ? "true" : "false";
    case NodeType::kNumber: return n.text;
    case NodeType::kString: return n.spelling;
    case NodeType::kCommand:
      for (size_t i = 0; i < n.nodes.size(); ++i) {
        if (i) out += ' ';
        append_arg(out, *n.nodes[i]);
      }
      return out;
    case NodeType::kPipe: append_pipe(out, n); return out;
    case NodeType::kAction: return "{{" + node_string(*n.pipe) + "}}";
    case NodeType::kIf: return "{{if " + node_string(*n.pipe) + "}}...";
    case NodeType::kRange: return "{{range " + node_string(*n.pipe) + "}}...";
    case NodeType::kWith: return "{{with " + node_string(*n.pipe) + "}}...";
    case NodeType::kTemplate:
      return "{{template " + go_quote(n.text) + (n.pipe ? " " + node_string(*n.pipe) : "") + "}}";
    case NodeType::kBreak: return "{{break}}";
    case NodeType::kContinue: return "{{continue}}";
    case NodeType::kList:
      for (const auto& c : n.nodes) out += node_string(*c);
      return out;
  }
  return out;
}

bool parse_template(std::string_view name, std::string_view text,
                    const std::function<bool(std::string_view)>& is_function, std::vector<Tree>& trees,
                    std::string& err) {
  trees.clear();
  try {
    Parser p(name, text, is_function, trees);
    p.parse();
  } catch (const ParseError& e) {
    err = e.message;
    return false;
  }
  return true;
}

}  // namespace vigia::alerting::tmpl

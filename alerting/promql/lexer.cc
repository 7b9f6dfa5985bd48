#include "alerting/promql/lexer.h"

#include <array>
#include <cstdint>
#include <cstdio>
#include <string>

#include "core/strconv.h"

namespace vigia::promql {
namespace {

struct Spelling {
  Tok tok;
  std::string_view text;
};

constexpr std::array kSpellings{
    Spelling{Tok::kAdd, "+"},
    Spelling{Tok::kSub, "-"},
    Spelling{Tok::kMul, "*"},
    Spelling{Tok::kDiv, "/"},
    Spelling{Tok::kMod, "%"},
    Spelling{Tok::kPow, "^"},
    Spelling{Tok::kEqlc, "=="},
    Spelling{Tok::kNeq, "!="},
    Spelling{Tok::kLte, "<="},
    Spelling{Tok::kLss, "<"},
    Spelling{Tok::kGte, ">="},
    Spelling{Tok::kGtr, ">"},
    Spelling{Tok::kEql, "="},
    Spelling{Tok::kEqlRegex, "=~"},
    Spelling{Tok::kNeqRegex, "!~"},
    Spelling{Tok::kLand, "and"},
    Spelling{Tok::kLor, "or"},
    Spelling{Tok::kLunless, "unless"},
    Spelling{Tok::kAtan2, "atan2"},
    Spelling{Tok::kAvg, "avg"},
    Spelling{Tok::kBottomk, "bottomk"},
    Spelling{Tok::kCount, "count"},
    Spelling{Tok::kCountValues, "count_values"},
    Spelling{Tok::kGroup, "group"},
    Spelling{Tok::kMax, "max"},
    Spelling{Tok::kMin, "min"},
    Spelling{Tok::kQuantile, "quantile"},
    Spelling{Tok::kStddev, "stddev"},
    Spelling{Tok::kStdvar, "stdvar"},
    Spelling{Tok::kSum, "sum"},
    Spelling{Tok::kTopk, "topk"},
    Spelling{Tok::kBool, "bool"},
    Spelling{Tok::kBy, "by"},
    Spelling{Tok::kGroupLeft, "group_left"},
    Spelling{Tok::kGroupRight, "group_right"},
    Spelling{Tok::kIgnoring, "ignoring"},
    Spelling{Tok::kOffset, "offset"},
    Spelling{Tok::kOn, "on"},
    Spelling{Tok::kWithout, "without"},
    Spelling{Tok::kStart, "start"},
    Spelling{Tok::kEnd, "end"},
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }
char lower(char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }

// Go's %q of a single byte as a rune: '$'.
std::string quote_char(char c) {
  std::string q = quote(std::string_view(&c, 1));
  q.front() = '\'';
  q.back() = '\'';
  if (c == '\'') return "'\\''";
  if (c == '"') return "'\"'";
  return q;
}

// Go's %#U: U+0022 '"'.
std::string unicode_desc(char c) {
  char buf[32];
  if (static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f) {
    std::snprintf(buf, sizeof buf, "U+%04X '%c'", static_cast<unsigned char>(c), c);
  } else {
    std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned char>(c));
  }
  return buf;
}

class Lexer {
 public:
  explicit Lexer(std::string_view in) : in_(in) {}

  std::vector<Token> run() {
    while (!done_) step();
    return std::move(out_);
  }

 private:
  char peek(size_t ahead = 0) const { return pos_ + ahead < in_.size() ? in_[pos_ + ahead] : '\0'; }
  bool at_end() const { return pos_ >= in_.size(); }

  void emit(Tok t) {
    out_.push_back(Token{t, start_, in_.substr(start_, pos_ - start_), {}});
    start_ = pos_;
  }
  void error(std::string msg) {
    out_.push_back(Token{Tok::kError, start_, in_.substr(start_, pos_ - start_), std::move(msg)});
    done_ = true;
  }

  void skip_comment() {
    while (!at_end() && in_[pos_] != '\n') ++pos_;
    start_ = pos_;
  }

  void step() {
    start_ = pos_;
    if (brace_open_) return inside_braces();
    if (at_end()) {
      if (paren_depth_ != 0) return error("unclosed left parenthesis");
      if (bracket_open_) return error("unclosed left bracket");
      emit(Tok::kEof);
      done_ = true;
      return;
    }
    char r = in_[pos_++];
    switch (r) {
      case '#': return skip_comment();
      case ',': return emit(Tok::kComma);
      case '*': return emit(Tok::kMul);
      case '/': return emit(Tok::kDiv);
      case '%': return emit(Tok::kMod);
      case '+': return emit(Tok::kAdd);
      case '-': return emit(Tok::kSub);
      case '^': return emit(Tok::kPow);
      case '@': return emit(Tok::kAt);
      case '=':
        if (peek() == '=') {
          ++pos_;
          return emit(Tok::kEqlc);
        }
        if (peek() == '~') return error("unexpected character after '=': " + quote_char('~'));
        return emit(Tok::kEql);
      case '!':
        if (peek() == '=') {
          ++pos_;
          return emit(Tok::kNeq);
        }
        return error("unexpected character after '!': " + quote_char(peek()));
      case '<':
        if (peek() == '=') {
          ++pos_;
          return emit(Tok::kLte);
        }
        return emit(Tok::kLss);
      case '>':
        if (peek() == '=') {
          ++pos_;
          return emit(Tok::kGte);
        }
        return emit(Tok::kGtr);
      case '"':
      case '\'': return string_token(r);
      case '`': return raw_string();
      case '(': ++paren_depth_; return emit(Tok::kLeftParen);
      case ')':
        if (--paren_depth_ < 0) {
          start_ = pos_;  // Prometheus emits the ")" before noticing
          return error("unexpected right parenthesis " + quote_char(r));
        }
        return emit(Tok::kRightParen);
      case '{': brace_open_ = true; return emit(Tok::kLeftBrace);
      case '[':
        if (bracket_open_) return error("unexpected left bracket " + quote_char(r));
        got_colon_ = false;
        emit(Tok::kLeftBracket);
        while (is_space(peek())) ++pos_;
        start_ = pos_;
        bracket_open_ = true;
        return duration_in_brackets();
      case ']':
        if (!bracket_open_) return error("unexpected right bracket " + quote_char(r));
        bracket_open_ = false;
        return emit(Tok::kRightBracket);
      default: break;
    }
    if (is_space(r)) {
      while (is_space(peek())) ++pos_;
      start_ = pos_;
      return;
    }
    if (is_digit(r) || (r == '.' && is_digit(peek()))) {
      --pos_;
      return number_or_duration();
    }
    // Inside brackets Prometheus lexes any letter as the subquery colon.
    if ((r == ':' || is_alpha(r)) && bracket_open_) {
      if (got_colon_) return error("unexpected colon " + quote_char(r));
      got_colon_ = true;
      return emit(Tok::kColon);
    }
    if (is_alpha(r) || r == ':') {
      --pos_;
      return keyword_or_identifier();
    }
    error("unexpected character: " + quote_char(r));
  }

  void inside_braces() {
    if (at_end()) return error("unexpected end of input inside braces");
    char r = in_[pos_++];
    if (r == '#') return skip_comment();
    if (is_space(r)) {
      while (is_space(peek())) ++pos_;
      start_ = pos_;
      return;
    }
    if (is_alpha(r)) {
      while (is_alnum(peek())) ++pos_;
      return emit(Tok::kIdentifier);
    }
    switch (r) {
      case ',': return emit(Tok::kComma);
      case '"':
      case '\'': return string_token(r);
      case '`': return raw_string();
      case '=':
        if (peek() == '~') {
          ++pos_;
          return emit(Tok::kEqlRegex);
        }
        return emit(Tok::kEql);
      case '!':
        if (peek() == '~') {
          ++pos_;
          return emit(Tok::kNeqRegex);
        }
        if (peek() == '=') {
          ++pos_;
          return emit(Tok::kNeq);
        }
        return error("unexpected character after '!' inside braces: " + quote_char(peek()));
      case '{': return error("unexpected left brace " + quote_char(r));
      case '}': brace_open_ = false; return emit(Tok::kRightBrace);
      default: return error("unexpected character inside braces: " + quote_char(r));
    }
  }

  void string_token(char quote_ch) {
    for (;;) {
      if (at_end() || peek() == '\n') return error("unterminated quoted string");
      char c = in_[pos_++];
      if (c == quote_ch) return emit(Tok::kString);
      if (c != '\\') continue;
      if (!escape(quote_ch)) return;
    }
  }

  // Validates one escape after the backslash; false after an error.
  bool escape(char quote_ch) {
    if (at_end()) {
      error("escape sequence not terminated");
      return false;
    }
    char c = in_[pos_++];
    int n = 0, base = 0;
    uint32_t max = 0;
    switch (c) {
      case 'a':
      case 'b':
      case 'f':
      case 'n':
      case 'r':
      case 't':
      case 'v':
      case '\\': return true;
      case '0':
      case '1':
      case '2':
      case '3':
      case '4':
      case '5':
      case '6':
      case '7':
        n = 3, base = 8, max = 255;
        --pos_;
        break;
      case 'x': n = 2, base = 16, max = 255; break;
      case 'u': n = 4, base = 16, max = 0x10FFFF; break;
      case 'U': n = 8, base = 16, max = 0x10FFFF; break;
      default:
        if (c == quote_ch) return true;
        error("unknown escape sequence " + unicode_desc(c));
        return false;
    }
    uint32_t x = 0;
    for (; n > 0; --n) {
      if (at_end()) {
        error("escape sequence not terminated");
        return false;
      }
      char d = in_[pos_++];
      int v = is_digit(d) ? d - '0' : (lower(d) >= 'a' && lower(d) <= 'f') ? lower(d) - 'a' + 10 : 99;
      if (v >= base) {
        error("illegal character " + unicode_desc(d) + " in escape sequence");
        return false;
      }
      x = x * base + v;
    }
    if (x > max || (x >= 0xD800 && x < 0xE000)) {
      error("escape sequence is an invalid Unicode code point");
      return false;
    }
    return true;
  }

  void raw_string() {
    for (;;) {
      if (at_end()) return error("unterminated raw string");
      if (in_[pos_++] == '`') return emit(Tok::kString);
    }
  }

  // Digits, optional fraction and exponent, hex after 0x; true when the
  // number is not followed by an alphanumeric character.
  bool scan_number() {
    std::string_view digits = "0123456789";
    if (peek() == '0' && (peek(1) == 'x' || peek(1) == 'X')) {
      pos_ += 2;
      digits = "0123456789abcdefABCDEF";
    } else if (peek() == '0') {
      ++pos_;
    }
    auto run = [&](std::string_view set) {
      while (!at_end() && set.find(in_[pos_]) != std::string_view::npos) ++pos_;
    };
    run(digits);
    if (peek() == '.') {
      ++pos_;
      run(digits);
    }
    if (peek() == 'e' || peek() == 'E') {
      ++pos_;
      if (peek() == '+' || peek() == '-') ++pos_;
      run("0123456789");
    }
    return !is_alnum(peek());
  }

  bool accept(std::string_view set) {
    if (!at_end() && set.find(in_[pos_]) != std::string_view::npos) {
      ++pos_;
      return true;
    }
    return false;
  }

  bool remaining_duration() {
    if (!accept("smhdwy")) return false;
    accept("s");
    while (accept("0123456789")) {
      while (accept("0123456789")) {
      }
      if (!accept("smhdw")) return false;
      accept("s");
    }
    if (is_alnum(peek())) {
      ++pos_;
      return false;
    }
    return true;
  }

  void number_or_duration() {
    if (scan_number()) return emit(Tok::kNumber);
    if (remaining_duration()) return emit(Tok::kDuration);
    error("bad number or duration syntax: " + quote(in_.substr(start_, pos_ - start_)));
  }

  void duration_in_brackets() {
    if (scan_number()) return error("missing unit character in duration");
    if (!remaining_duration()) {
      return error("bad duration syntax: " + quote(in_.substr(start_, pos_ - start_)));
    }
    emit(Tok::kDuration);
  }

  void keyword_or_identifier() {
    bool colon = false;
    while (is_alnum(peek()) || peek() == ':') colon |= in_[pos_++] == ':';
    std::string word(in_.substr(start_, pos_ - start_));
    for (char& c : word) c = lower(c);
    if (word == "inf" || word == "nan") return emit(Tok::kNumber);
    for (const auto& s : kSpellings) {
      if (s.text == word && is_alpha(s.text[0])) return emit(s.tok);
    }
    emit(colon ? Tok::kMetricIdentifier : Tok::kIdentifier);
  }

  std::string_view in_;
  size_t pos_ = 0, start_ = 0;
  int paren_depth_ = 0;
  bool brace_open_ = false, bracket_open_ = false, got_colon_ = false, done_ = false;
  std::vector<Token> out_;
};

}  // namespace

// "=" is not an operator in Prometheus's token table (it is described as "=").
bool is_operator(Tok t) { return t >= Tok::kAdd && t <= Tok::kAtan2 && t != Tok::kEql; }
bool is_aggregator(Tok t) { return t >= Tok::kAvg && t <= Tok::kTopk; }
bool is_keyword(Tok t) { return t >= Tok::kBool && t <= Tok::kEnd; }
bool is_comparison(Tok t) { return t >= Tok::kEqlc && t <= Tok::kGtr; }
bool is_set_operator(Tok t) { return t == Tok::kLand || t == Tok::kLor || t == Tok::kLunless; }

std::string_view tok_spelling(Tok t) {
  for (const auto& s : kSpellings) {
    if (s.tok == t) return s.text;
  }
  return {};
}

std::string describe(const Token& t) {
  switch (t.type) {
    case Tok::kEof: return "end of input";
    case Tok::kError: return t.msg;
    case Tok::kIdentifier: return "identifier " + quote(t.text);
    case Tok::kMetricIdentifier: return "metric identifier " + quote(t.text);
    case Tok::kNumber: return "number " + quote(t.text);
    case Tok::kDuration: return "duration " + quote(t.text);
    case Tok::kString: {
      // Go's %.10q: the first ten characters of the source text, quoted.
      std::string_view v = t.text;
      if (v.size() > 10) return "string " + quote(v.substr(0, 10)) + "...";
      return "string " + quote(v);
    }
    default: break;
  }
  if (is_operator(t.type)) return "<op:" + std::string(t.text) + ">";
  if (is_aggregator(t.type)) return "<aggr:" + std::string(t.text) + ">";
  if (is_keyword(t.type)) return "<" + std::string(t.text) + ">";
  return quote(t.text);
}

std::vector<Token> lex(std::string_view input) { return Lexer(input).run(); }

std::string unquote(std::string_view q) {
  std::string out;
  go_unquote(q, out, UnquoteMode::kPromQL);
  return out;
}

std::string quote(std::string_view s) { return go_quote(s); }

}  // namespace vigia::promql

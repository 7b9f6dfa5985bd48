// PromQL lexer, after Prometheus 2.42's promql/parser/lex.go.
//
// lex() turns an expression into tokens with byte offsets. It never throws; a
// lexing error ends the token list with a kError token whose text is the
// message (e.g. "unexpected character: '$'") and whose position is where the
// offending token starts. The last token is always kEof or kError.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace vigia::promql {

enum class Tok {
  kEof,
  kError,
  kIdentifier,
  kMetricIdentifier,
  kNumber,
  kString,
  kDuration,
  kLeftParen,
  kRightParen,
  kLeftBrace,
  kRightBrace,
  kLeftBracket,
  kRightBracket,
  kComma,
  kColon,
  kAt,
  // Operators.
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kEqlc,
  kNeq,
  kLte,
  kLss,
  kGte,
  kGtr,
  kEql,
  kEqlRegex,
  kNeqRegex,
  kLand,
  kLor,
  kLunless,
  kAtan2,
  // Aggregators.
  kAvg,
  kBottomk,
  kCount,
  kCountValues,
  kGroup,
  kMax,
  kMin,
  kQuantile,
  kStddev,
  kStdvar,
  kSum,
  kTopk,
  // Keywords.
  kBool,
  kBy,
  kGroupLeft,
  kGroupRight,
  kIgnoring,
  kOffset,
  kOn,
  kWithout,
  kStart,
  kEnd,
};

bool is_operator(Tok t);
bool is_aggregator(Tok t);
bool is_keyword(Tok t);
bool is_comparison(Tok t);
bool is_set_operator(Tok t);
// Spelling of an operator, aggregator or keyword ("+", "sum", "by").
std::string_view tok_spelling(Tok t);

struct Token {
  Tok type = Tok::kEof;
  size_t pos = 0;         // byte offset of the first character
  std::string_view text;  // the source text (for kError: see msg)
  std::string msg;        // kError only
  size_t end() const { return pos + text.size(); }
};

// Prometheus's Item.desc(): "end of input", `number "1"`, `identifier "foo"`,
// "<op:+>", "<aggr:sum>", "<by>", `"("`.
std::string describe(const Token& t);

// Tokenizes `input` (comments dropped). `input` must outlive the tokens.
std::vector<Token> lex(std::string_view input);

// Decodes a string token (with its quotes) as Go's strconv.Unquote does for
// '...', "..." and `...`. The lexer has already validated escapes.
std::string unquote(std::string_view quoted);

// Go's %q of a string: the canonical spelling of a string literal.
std::string quote(std::string_view s);

}  // namespace vigia::promql

// Deeply nested input: every recursive walk over a PromQL tree (parse, check,
// evaluate, print, compare, destroy) at kMaxExprDepth and just past it, on a
// thread whose stack is the budget docs/architecture.md states ("Nesting
// depth"); and the YAML and JSON readers on nesting far deeper than that.
// Past the limit the answer is a parse error with its position, never a crash.
#include <catch.hpp>

#include <pthread.h>

#include <functional>
#include <string>

#include "alerting/promql/engine.h"
#include "alerting/promql/parser.h"
#include "alerting/promql/printer.h"
#include "alerting/remote_querier.h"
#include "alerting/rules/rule_file.h"
#include "alerting/template/template.h"

using namespace vigia;
using namespace vigia::promql;

namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr size_t kStack = 8u << 20;  // ASan's frames are several times larger
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr size_t kStack = 8u << 20;
#else
constexpr size_t kStack = 1u << 20;
#endif
#else
constexpr size_t kStack = 1u << 20;
#endif

// Runs fn on a new thread with exactly kStack bytes of stack (an overflow is
// a SIGSEGV that fails the test run).
void on_small_stack(const std::function<void()>& fn) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, kStack);
  pthread_t t;
  auto run = [](void* arg) -> void* {
    (*static_cast<const std::function<void()>*>(arg))();
    return nullptr;
  };
  REQUIRE(pthread_create(&t, &attr, run, const_cast<std::function<void()>*>(&fn)) == 0);
  pthread_join(t, nullptr);
  pthread_attr_destroy(&attr);
}

std::string repeat(std::string_view s, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

// An expression whose tree is `height` levels high, and the value it has
// over x = 2 and one = 1 (as a single sample).
struct Shape {
  const char* name;
  std::function<std::string(size_t)> text;
  std::function<double(size_t)> value;
  // 1-based column of the error just past the limit.
  size_t error_column;
};

const Shape kShapes[] = {
    {"parentheses", [](size_t h) { return repeat("(", h - 1) + "x" + repeat(")", h - 1); },
     [](size_t) { return 2.0; }, kMaxExprDepth + 1},
    {"left-associative +", [](size_t h) { return "x" + repeat(" + x", h - 1); },
     [](size_t h) { return 2.0 * double(h); }, 4 * kMaxExprDepth - 1},
    {"right-associative ^", [](size_t h) { return "one" + repeat(" ^ one", h - 1); },
     [](size_t) { return 1.0; }, 0},  // points where the recursion stops: checked below
    {"unary minus", [](size_t h) { return repeat("-", h - 1) + "x"; },
     [](size_t h) { return (h - 1) % 2 ? -2.0 : 2.0; }, kMaxExprDepth + 1},
    {"function calls", [](size_t h) { return repeat("abs(", h - 1) + "x" + repeat(")", h - 1); },
     [](size_t) { return 2.0; }, 0},
    {"aggregations", [](size_t h) { return repeat("sum(", h - 1) + "x" + repeat(")", h - 1); },
     [](size_t) { return 2.0; }, 0},
    {"topk parameters", [](size_t h) { return repeat("topk(1, ", h - 1) + "x" + repeat(")", h - 1); },
     [](size_t) { return 2.0; }, 0},
    {"range selector inside calls",
     [](size_t h) { return repeat("abs(", h - 3) + "max_over_time(x[5m])" + repeat(")", h - 3); },
     [](size_t) { return 2.0; }, 0},
};

class OneSample final : public Queryable {
 public:
  std::vector<Series> select(const MatcherSet& m, int64_t, int64_t) const override {
    std::vector<Series> out;
    for (const char* name : {"x", "one"}) {
      Series s{{{"__name__", name}}, {{0, std::string_view(name) == "x" ? 2.0 : 1.0}}};
      if (m.matches(s.labels)) out.push_back(std::move(s));
    }
    return out;
  }
};

}  // namespace

TEST_CASE("PromQL at the depth limit: parse, check, print, evaluate and destroy fit the stack budget") {
  for (const Shape& shape : kShapes) {
    INFO(shape.name);
    std::string text = shape.text(kMaxExprDepth);
    bool parsed = false, reparsed = false, same = false;
    uint32_t height = 0;
    std::string error;
    QueryResult result;
    on_small_stack([&] {
      ParseResult r = parse(text);
      parsed = r.ok();
      error = r.error;
      if (!parsed) return;
      height = r.expr->height;
      ParseResult again = parse(print(*r.expr));
      reparsed = again.ok();
      same = reparsed && equal(*r.expr, *again.expr);
      result = evaluate_instant(*r.expr, OneSample(), 60000);
    });
    REQUIRE(error == "");
    CHECK(height == kMaxExprDepth);
    CHECK(same);
    REQUIRE(result.ok());
    REQUIRE(result.vector.size() == 1);
    CHECK(result.vector[0].v == shape.value(kMaxExprDepth));
  }
}

TEST_CASE("PromQL one level past the limit: a parse error with its position") {
  std::string want =
      "parse error: expression nested too deeply (more than " + std::to_string(kMaxExprDepth) + " levels)";
  for (const Shape& shape : kShapes) {
    INFO(shape.name);
    std::string text = shape.text(kMaxExprDepth + 1);
    ParseResult r;
    on_small_stack([&] { r = parse(text); });
    REQUIRE_FALSE(r.ok());
    CHECK(r.error.substr(r.error.find(' ') + 1) == want);
    CHECK(r.error.rfind("1:", 0) == 0);
    if (shape.error_column)
      CHECK(r.error.substr(0, r.error.find(':', 2)) == "1:" + std::to_string(shape.error_column));
    CHECK(r.error_pos < text.size());
  }
  // Far past it too: the parser stops at the limit rather than recursing on.
  ParseResult r = parse(repeat("(", 30000) + "1" + repeat(")", 30000));
  CHECK(r.error == "1:" + std::to_string(kMaxExprDepth + 1) + ": " + want);
  r = parse("x" + repeat(" or x", 100000));
  CHECK(r.error == "1:" + std::to_string(5 * kMaxExprDepth - 2) + ": " + want);
}

TEST_CASE("PromQL: folded signs recurse in the parser only, which stops at the same limit") {
  // -(-(...1)) folds into one number literal: a tree one level high.
  ParseResult r = parse(repeat("-", kMaxExprDepth - 1) + "1");
  REQUIRE(r.ok());
  CHECK(r.expr->height == 1);
  r = parse(repeat("- ", kMaxExprDepth) + "1");
  CHECK(r.error == "1:" + std::to_string(2 * kMaxExprDepth + 1) +
                       ": parse error: expression nested too deeply (more than " +
                       std::to_string(kMaxExprDepth) + " levels)");
  // The fuzzer's reproducer (1900 unary signs after a binary operator).
  r = parse("hodupo + by " + repeat("+ ", 1900) + "1");
  CHECK_FALSE(r.ok());
}

TEST_CASE("PromQL checker at the limit reaches the bottom of the tree") {
  // The only type error is in the deepest binary expression.
  ParseResult r;
  on_small_stack([&] { r = parse("\"s\"" + repeat(" + x", kMaxExprDepth - 1)); });
  CHECK(r.error == "1:1: parse error: binary expression must contain only scalar and instant vector types");
}

TEST_CASE("rule files: an expression past the limit is an error at file:line:column") {
  auto file = [](size_t height) {
    return "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: " + repeat("(", height - 1) + "up" +
           repeat(")", height - 1) + "\n";
  };
  std::vector<alerting::GroupDef> groups;
  std::vector<std::string> errors;
  on_small_stack([&] { errors = alerting::parse_rule_file(file(kMaxExprDepth), "deep.yml", groups); });
  CHECK(errors.empty());
  CHECK(groups.size() == 1);
  groups.clear();
  errors = alerting::parse_rule_file(file(30001), "deep.yml", groups);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0] == "deep.yml: 5:11: group \"g\", rule 1, \"A\": could not parse expression: 1:" +
                         std::to_string(kMaxExprDepth + 1) +
                         ": parse error: expression nested too deeply (more than " +
                         std::to_string(kMaxExprDepth) + " levels)");
  CHECK(groups.empty());
}

TEST_CASE("rule files: YAML nested far deeper than any limit is an error, not a crash") {
  for (const std::string& text : {repeat("[", 100000) + repeat("]", 100000),
                                  "groups: " + repeat("{a: ", 100000) + "1" + repeat("}", 100000),
                                  "groups:\n" + repeat("- ", 100000) + "x\n"}) {
    std::vector<alerting::GroupDef> groups;
    std::vector<std::string> errors;
    on_small_stack([&] { errors = alerting::parse_rule_file(text, "deep.yml", groups); });
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].rfind("deep.yml: ", 0) == 0);
    CHECK(groups.empty());
  }
}

TEST_CASE("JSON answers nested far deeper than any limit are an error, not a crash") {
  for (const std::string& body : {repeat("[", 1000000) + repeat("]", 1000000),
                                  "{\"status\":\"success\",\"data\":" + repeat("{\"a\":", 1000000) + "1" +
                                      repeat("}", 1000000) + "}"}) {
    QueryResult r;
    on_small_stack([&] { r = alerting::parse_query_response(body, 200, 0, "remote"); });
    CHECK_FALSE(r.ok());
  }
}

TEST_CASE("templates: nesting far past the limit is refused after one linear pass") {
  // 100 000 nested {{if}}s: the lexer counted lines from the start for every
  // token, which took more than 50 minutes here (a hang at `vigia run`); the
  // test's timeout catches a regression.
  constexpr int kLevels = 100000;
  std::string text;
  for (int i = 0; i < kLevels; ++i) text += "{{if 1}}\n";
  for (int i = 0; i < kLevels; ++i) text += "{{end}}";
  std::string err;
  CHECK_FALSE(vigia::alerting::check_template("deep", text, err));
  CHECK(err.find("exceeded maximum nesting depth (100)") != std::string::npos);
  std::string parens = "{{ " + std::string(kLevels, '(') + "1" + std::string(kLevels, ')') + " }}";
  CHECK_FALSE(vigia::alerting::check_template("parens", parens, err));
  CHECK(err.find("exceeded maximum nesting depth") != std::string::npos);
}

// libFuzzer target for the PromQL parser and evaluator (built with
// -DVIGIA_FUZZ=ON and clang; run in CI for a bounded time by scripts/test.sh).
//
// Beyond crashes and sanitizer reports it checks two properties:
//  - round trip: whatever parses prints (printer.h) to text that parses again
//    and prints the same;
//  - the evaluator never crashes on a parsed expression: every accepted input
//    is evaluated over a few series (with a NaN, a counter reset, a staleness
//    marker) at two times.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "alerting/promql/engine.h"
#include "alerting/promql/parser.h"
#include "alerting/promql/printer.h"

namespace {

using namespace vigia::promql;

class FuzzQueryable final : public Queryable {
 public:
  FuzzQueryable() {
    auto add = [this](LabelSet ls, std::initializer_list<double> vs) {
      Series s{std::move(ls), {}};
      int64_t t = 0;
      for (double v : vs) {
        s.points.push_back({t, v});
        t += 15000;
      }
      series_.push_back(std::move(s));
    };
    // Names the seed corpus (tests/fuzz/corpus/promql, from the unit tests) uses.
    add({{"__name__", "http_requests_total"}, {"code", "200"}, {"instance", "a"}, {"job", "api"}},
        {1, 5, 2, 8, 20});
    add({{"__name__", "http_requests_total"}, {"code", "500"}, {"instance", "a"}, {"job", "api"}},
        {0, NAN, 3, stale_nan(), 4});
    add({{"__name__", "node_load1"}, {"instance", "a"}}, {0.5, 1.5, INFINITY, -1, 2});
    add({{"__name__", "cnt"}, {"i", "1"}}, {1, 2, 0, 5, 9});
    add({{"__name__", "dup"}, {"a", "x"}, {"b", "1"}}, {1, 1, 1, 1, 1});
    add({{"__name__", "dup"}, {"a", "x"}, {"b", "2"}}, {2, 2, 2, 2, 2});
    add({{"__name__", "one"}, {"a", "x"}}, {1, 1, 1, 1, 1});
    add({{"__name__", "hist_bucket"}, {"le", "0.5"}}, {1, 2, 3, 4, 5});
    add({{"__name__", "hist_bucket"}, {"le", "+Inf"}}, {2, 4, 6, 8, 10});
  }
  std::vector<Series> select(const MatcherSet& m, int64_t mint, int64_t maxt) const override {
    std::vector<Series> out;
    for (const auto& s : series_) {
      if (!m.matches(s.labels)) continue;
      Series c{s.labels, {}};
      for (const auto& p : s.points)
        if (p.t >= mint && p.t <= maxt) c.points.push_back(p);
      out.push_back(std::move(c));
    }
    return out;
  }

 private:
  std::vector<Series> series_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;  // long inputs only slow the search down
  std::string_view in(reinterpret_cast<const char*>(data), size);
  ParseResult r = parse(in);
  if (!r.ok()) return 0;
  std::string once = print(*r.expr);
  ParseResult again = parse(once);
  if (!again.ok()) {
    std::fprintf(stderr, "printed expression does not parse: %s\n--- printed:\n%s\n", again.error.c_str(),
                 once.c_str());
    std::abort();
  }
  std::string twice = print(*again.expr);
  if (once != twice) {
    std::fprintf(stderr, "print is not stable:\n--- once:\n%s\n--- twice:\n%s\n", once.c_str(),
                 twice.c_str());
    std::abort();
  }
  static const FuzzQueryable q;
  (void)evaluate_instant(*r.expr, q, 45000);
  (void)evaluate_instant(*r.expr, q, 400000);
  return 0;
}

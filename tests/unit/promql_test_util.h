// Test helpers for the PromQL evaluator: an in-memory Queryable loaded from
// Prometheus's series notation, and a rendering of results that matches the
// script used to record Prometheus's answers.
#pragma once

#include <catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <string>

#include "alerting/promql/engine.h"
#include "alerting/promql/parser.h"

namespace vigia::promql::testing {

class MemoryQueryable final : public Queryable {
 public:
  std::vector<Series> select(const MatcherSet& m, int64_t mint, int64_t maxt) const override {
    std::vector<Series> out;
    for (const auto& s : series_) {
      if (!m.matches(s.labels)) continue;
      Series copy{s.labels, {}};
      for (const auto& p : s.points) {
        if (p.t >= mint && p.t <= maxt) copy.points.push_back(p);
      }
      out.push_back(std::move(copy));
    }
    return out;
  }

  void load(std::string_view text, int64_t step_ms) {
    std::istringstream in{std::string(text)};
    std::string line;
    while (std::getline(in, line)) {
      size_t sp = line.find(' ');
      if (sp == std::string::npos) continue;
      ParseResult r = parse(line.substr(0, sp));
      REQUIRE(r.ok());
      const auto& vs = static_cast<const VectorSelector&>(*r.expr);
      Series s;
      for (const auto& m : vs.matchers) set_label(s.labels, m.name, m.value);
      std::istringstream values(line.substr(sp + 1));
      std::string tok;
      int64_t t = 0;
      while (values >> tok) {
        if (tok == "_") {
          t += step_ms;
          continue;
        }
        if (tok == "stale") {
          s.points.push_back({t, stale_nan()});
          t += step_ms;
          continue;
        }
        size_t x = tok.find('x');
        if (x == std::string::npos) {
          s.points.push_back({t, std::stod(tok)});
          t += step_ms;
          continue;
        }
        std::string head = tok.substr(0, x);
        size_t op = head.find_first_of("+-", 1);
        double start = std::stod(head.substr(0, op));
        double inc = op == std::string::npos ? 0 : std::stod(head.substr(op));
        int n = std::stoi(tok.substr(x + 1));
        for (int i = 0; i <= n; ++i) {
          s.points.push_back({t, start + inc * i});
          t += step_ms;
        }
      }
      series_.push_back(std::move(s));
    }
    std::sort(series_.begin(), series_.end(),
              [](const Series& a, const Series& b) { return a.labels < b.labels; });
  }

 private:
  std::vector<Series> series_;
};

inline std::string num(double v) {
  if (std::isnan(v)) return "nan";  // the sign of a NaN is not part of the result
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.12g", v);
  return buf;
}

// Renders a result as the oracle script does: sorted "{labels} value"
// joined by " | ", "nil" for an empty vector, "error: ..." on failure.
inline std::string render(const QueryResult& r) {
  if (!r.ok()) return "error: " + r.error;
  if (r.type == ValueType::kScalar) return "{} " + num(r.scalar);
  std::vector<std::string> parts;
  for (const auto& s : r.vector) {
    std::string labels = labels_string(s.labels);
    parts.push_back(labels + " " + num(s.v));
  }
  if (parts.empty()) return "nil";
  std::sort(parts.begin(), parts.end());
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? " | " : "") + parts[i];
  return out;
}

struct EvalCase {
  int64_t t_s;
  const char* expr;
  const char* expected;
};

// Runs each case against `load` (1m step) and compares the rendered result.
inline void run_cases(const char* load, const EvalCase* cases, size_t n) {
  MemoryQueryable db;
  db.load(load, 60000);
  for (size_t i = 0; i < n; ++i) {
    const EvalCase& c = cases[i];
    INFO(c.expr << " at " << c.t_s << "s");
    ParseResult p = parse(c.expr);
    REQUIRE(p.ok());
    QueryResult r = evaluate_instant(*p.expr, db, c.t_s * 1000);
    CHECK(render(r) == c.expected);
  }
}

}  // namespace vigia::promql::testing

// Range queries. The expected results (tests/fixtures/promql_range/
// expected.txt) are what a real Prometheus 2.42 answered on /api/v1/query_range
// for the same series and queries: scripts/promql/range_oracle.py loads
// series.txt into a TSDB with promtool and asks it each line of cases.txt.
#include "tests/unit/promql_test_util.h"

#include <fstream>

#include "alerting/store/store.h"

using namespace vigia::promql;
using namespace vigia::promql::testing;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

// As range_oracle.py renders the API's answer.
std::string render_range(const QueryResult& r) {
  if (!r.ok()) return "error: " + r.error;
  std::vector<std::string> parts;
  for (const auto& s : r.matrix) {
    std::string line = labels_string(s.labels) + " ";
    for (size_t i = 0; i < s.points.size(); ++i) {
      if (i) line += ",";
      line += num(s.points[i].v) + "@" + std::to_string(s.points[i].t / 1000);
    }
    parts.push_back(line);
  }
  if (parts.empty()) return "nil";
  // The matrix comes sorted by labels; the rendering sorts by text.
  std::vector<std::string> sorted = parts;
  std::sort(sorted.begin(), sorted.end());
  std::string out;
  for (size_t i = 0; i < sorted.size(); ++i) out += (i ? " | " : "") + sorted[i];
  return out;
}

bool sorted_by_labels(const Matrix& m) {
  return std::is_sorted(m.begin(), m.end(),
                        [](const Series& a, const Series& b) { return a.labels < b.labels; });
}

}  // namespace

TEST_CASE("range queries answer as Prometheus's query_range") {
  const std::string dir = VIGIA_FIXTURES "/promql_range/";
  MemoryQueryable db;
  db.load(read_file(dir + "series.txt"), 60000);
  // The same series in the embedded store: both must answer alike.
  vigia::store::Store st;
  st.set_retention(INT64_MAX / 4);
  {
    ParseResult all = parse("{__name__=~\".+\"}");
    MatcherSet ms(static_cast<const VectorSelector&>(*all.expr).matchers);
    for (const auto& s : db.select(ms, INT64_MIN, INT64_MAX)) {
      for (const auto& p : s.points)
        REQUIRE(st.append(s.labels, p.t, p.v) == vigia::store::AppendResult::kOk);
    }
  }
  std::istringstream expected(read_file(dir + "expected.txt"));
  std::string line;
  int n = 0;
  while (std::getline(expected, line)) {
    if (line.empty()) continue;
    auto f = split(line, '\t');
    REQUIRE(f.size() == 5);
    INFO(f[3] << " from " << f[0] << " to " << f[1] << " step " << f[2]);
    ParseResult p = parse(f[3]);
    REQUIRE(p.ok());
    int64_t start = std::stoll(f[0]) * 1000, end = std::stoll(f[1]) * 1000, step = std::stoll(f[2]) * 1000;
    QueryResult r = evaluate_range(*p.expr, db, start, end, step);
    CHECK(render_range(r) == f[4]);
    CHECK(sorted_by_labels(r.matrix));
    CHECK(render_range(evaluate_range(*p.expr, st, start, end, step)) == f[4]);
    ++n;
  }
  CHECK(n >= 30);
}

TEST_CASE("a range query equals instant queries at each step") {
  MemoryQueryable db;
  db.load("m{a=\"1\"} 1 2 _ _ _ _ _ _ 3 stale 5\nm{a=\"2\"} 0+1x10", 60000);
  ParseResult p = parse("m * 2");
  REQUIRE(p.ok());
  QueryResult r = evaluate_range(*p.expr, db, 0, 600000, 30000);
  REQUIRE(r.ok());
  REQUIRE(r.type == ValueType::kMatrix);
  size_t points = 0;
  for (int64_t t = 0; t <= 600000; t += 30000) {
    QueryResult i = evaluate_instant(*p.expr, db, t);
    for (const auto& s : i.vector) {
      auto it = std::find_if(r.matrix.begin(), r.matrix.end(),
                             [&](const Series& x) { return x.labels == s.labels; });
      REQUIRE(it != r.matrix.end());
      auto pt = std::find_if(it->points.begin(), it->points.end(), [&](const Point& x) { return x.t == t; });
      REQUIRE(pt != it->points.end());
      CHECK(pt->v == s.v);
      ++points;
    }
  }
  size_t total = 0;
  for (const auto& s : r.matrix) total += s.points.size();
  CHECK(total == points);
}

#include "alerting/query_command.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <thread>

#include "alerting/promql/lexer.h"
#include "alerting/promql/parser.h"
#include "alerting/remote_querier.h"
#include "alerting/store/http_target.h"
#include "alerting/store/scrape.h"
#include "alerting/store/store.h"
#include "core/text.h"

namespace vigia::alerting {

namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// prometheus/common's Metric.String().
std::string metric_string(const promql::LabelSet& ls) {
  std::string_view name = promql::label_value(ls, "__name__");
  promql::LabelSet rest;
  for (const auto& kv : ls)
    if (kv.first != "__name__") rest.push_back(kv);
  if (rest.empty()) return name.empty() ? "{}" : std::string(name);
  return std::string(name) + promql::labels_string(rest);
}

std::string at(int64_t t_ms) { return " @[" + format_float_f(double(t_ms) / 1000) + "]"; }

// prometheus/common's LabelSet.Before: fewer labels first, then by values in
// label-name order.
bool metric_before(const promql::LabelSet& a, const promql::LabelSet& b) {
  if (a.size() != b.size()) return a.size() < b.size();
  std::vector<std::string> names;
  for (const auto& l : a) names.push_back(l.first);
  for (const auto& l : b) names.push_back(l.first);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  for (const auto& n : names) {
    auto ia = std::find_if(a.begin(), a.end(), [&](const auto& l) { return l.first == n; });
    if (ia == a.end()) return true;
    auto ib = std::find_if(b.begin(), b.end(), [&](const auto& l) { return l.first == n; });
    if (ib == b.end()) return false;
    if (ia->second != ib->second) return ia->second < ib->second;
  }
  return false;
}

std::string caret_line(std::string_view expr, size_t pos) {
  // One line of the expression (the error's), with a caret under the column.
  size_t begin = expr.rfind('\n', pos == 0 ? 0 : pos - 1);
  begin = (begin == std::string_view::npos || pos == 0) ? 0 : begin + 1;
  size_t end = expr.find('\n', pos);
  if (end == std::string_view::npos) end = expr.size();
  return "  " + std::string(expr.substr(begin, end - begin)) + "\n  " + std::string(pos - begin, ' ') + "^\n";
}

}  // namespace

std::string format_result(const promql::QueryResult& r, int64_t t_ms) {
  std::string out;
  switch (r.type) {
    case promql::ValueType::kScalar: return "scalar: " + format_float_f(r.scalar) + at(t_ms) + "\n";
    case promql::ValueType::kString: return r.str + "\n";
    case promql::ValueType::kVector:
      for (size_t i = 0; i < r.vector.size(); ++i) {
        if (i) out += "\n";
        out += metric_string(r.vector[i].labels) + " => " + format_float_f(r.vector[i].v) + at(t_ms);
      }
      return out + "\n";
    case promql::ValueType::kMatrix: {
      std::vector<const promql::Series*> sorted;
      for (const auto& s : r.matrix) sorted.push_back(&s);
      std::stable_sort(sorted.begin(), sorted.end(),
                       [](const auto* a, const auto* b) { return metric_before(a->labels, b->labels); });
      for (size_t i = 0; i < sorted.size(); ++i) {
        if (i) out += "\n";
        out += metric_string(sorted[i]->labels) + " =>";
        for (const auto& p : sorted[i]->points) out += "\n" + format_float_f(p.v) + at(p.t);
      }
      return out + "\n";
    }
    default: return "\n";
  }
}

bool parse_time(std::string_view s, int64_t& ms) {
  std::string str(s);
  char* end = nullptr;
  double secs = std::strtod(str.c_str(), &end);
  if (!str.empty() && end == str.c_str() + str.size() && std::isfinite(secs)) {
    ms = std::llround(secs * 1000);
    return true;
  }
  return parse_rfc3339_ms(s, ms);
}

int run_query(const QueryCommand& cmd, std::string& out, std::string& err) {
  if (!cmd.query_url.empty()) {
    RemoteQuerier q(RemoteQuerierOptions{cmd.query_url, cmd.timeout, {}});
    int64_t t = cmd.time_ms.value_or(now_ms());
    promql::QueryResult r = q.query_text(cmd.expr, t);
    if (!r.ok()) {
      err = "vigia: error: query failed: " + r.error + "\n";
      return 1;
    }
    out = format_result(r, t);
    return 0;
  }
  promql::ParseResult p = promql::parse(cmd.expr);
  if (!p.ok()) {
    err = "vigia: error: " + p.error + "\n" + caret_line(cmd.expr, std::min(p.error_pos, cmd.expr.size()));
    return 1;
  }
  store::Store st;
  std::unique_ptr<store::InProcessTarget> self;
  if (cmd.collect_self) self = std::make_unique<store::InProcessTarget>(cmd.self_labels, cmd.collect_self);
  std::vector<std::unique_ptr<store::ScrapeTarget>> targets;
  for (const auto& url : cmd.scrape_urls) {
    targets.push_back(std::make_unique<store::ScrapeTarget>(
        store::ScrapeTargetConfig{url, {{"job", "scrape"}}, cmd.timeout}));
  }
  int64_t t = 0;
  for (int round = 0; round < 2; ++round) {
    if (round) std::this_thread::sleep_for(cmd.interval);
    t = now_ms();
    CollectContext ctx;
    ctx.deadline = Clock::now() + cmd.timeout;
    if (self) self->scrape(st, t, ctx);
    for (auto& target : targets) {
      target->scrape(st, t);
      if (round && !target->last_error().empty())
        err += "vigia: warning: scrape failed: " + target->last_error() + "\n";
    }
  }
  if (cmd.time_ms) t = *cmd.time_ms;
  promql::QueryResult r = promql::evaluate_instant(*p.expr, st, t);
  if (!r.ok()) {
    err += "vigia: error: query failed: " + r.error + "\n";
    return 1;
  }
  out = format_result(r, t);
  return 0;
}

}  // namespace vigia::alerting

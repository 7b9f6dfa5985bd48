#include "alerting/rules/rule_test.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <memory>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "alerting/promql/lexer.h"
#include "alerting/promql/parser.h"
#include "alerting/promql/printer.h"
#include "alerting/querier.h"
#include "alerting/rules/api.h"
#include "alerting/rules/group.h"
#include "alerting/rules/rule_file.h"
#include "alerting/store/store.h"
#include "core/text.h"
#include "core/yaml_reader.h"

namespace vigia::alerting {
namespace {

struct ExpAlert {
  promql::LabelSet labels, annotations;
  bool operator<(const ExpAlert& o) const {
    return labels != o.labels ? labels < o.labels : annotations < o.annotations;
  }
  bool operator==(const ExpAlert& o) const = default;
};

struct AlertTest {
  int64_t eval_ms = 0;
  std::string eval_text, alertname;
  std::vector<ExpAlert> exp;
};

struct ExprTest {
  std::string expr, eval_text;
  int64_t eval_ms = 0;
  std::vector<std::pair<std::string, double>> exp;  // labels text, value
};

struct TestGroup {
  std::string name;
  int64_t interval_ms = 0;
  std::vector<std::pair<promql::LabelSet, std::vector<promql::Point>>> series;
  std::vector<AlertTest> alerts;
  std::vector<ExprTest> exprs;
  promql::LabelSet external_labels;
  std::string external_url;
};

int64_t duration_ms(const YamlReader& r, const YAML::Node& n, std::string_view what) {
  return static_cast<int64_t>(std::llround(r.get_duration_seconds(n, what) * 1000));
}

promql::LabelSet string_map(const YamlReader& r, const YAML::Node& n, std::string_view what) {
  promql::LabelSet out;
  if (!n || n.IsNull()) return out;
  r.expect_map(n, what);
  for (const auto& kv : n) out.emplace_back(r.get_string(kv.first, what), r.get_string(kv.second, what));
  std::sort(out.begin(), out.end());
  return out;
}

// "metric{a="b"}" → labels; Prometheus's parser.ParseMetric.
bool parse_metric(std::string_view text, promql::LabelSet& out, std::string& err) {
  std::string_view t = trim(text, " ");
  if (t == "{}") {  // no labels (a scalar's result); the PromQL parser refuses an empty selector
    out.clear();
    return true;
  }
  promql::ParseResult p = promql::parse(text);
  if (!p.ok() || p.expr->kind != promql::ExprKind::kVectorSelector) {
    err = p.ok() ? "not a series: " + std::string(text) : p.error;
    return false;
  }
  const auto& vs = static_cast<const promql::VectorSelector&>(*p.expr);
  out.clear();
  for (const auto& m : vs.matchers) {
    if (m.type != promql::MatchType::kEqual) {
      err = "only = matchers in a series: " + std::string(text);
      return false;
    }
    promql::set_label(out, m.name, m.value);
  }
  return true;
}

bool near(double a, double b) {
  if (a == b) return true;
  if (std::isnan(a) || std::isnan(b) || std::isinf(a) || std::isinf(b)) return false;
  return std::fabs(a - b) <= 1e-9 * std::max(std::fabs(a), std::fabs(b));
}

std::string alerts_string(const std::vector<ExpAlert>& as) {
  std::string s = "[";
  for (size_t i = 0; i < as.size(); ++i) {
    if (i) s += ", ";
    s += "\n            " + std::to_string(i) +
         ":\n              Labels:" + promql::labels_string(as[i].labels) +
         "\n              Annotations:" + promql::labels_string(as[i].annotations);
  }
  return s + (as.empty() ? "]" : "\n            ]");
}

// promtool's parsedSamplesString: labels and strconv.FormatFloat(v, 'E', -1, 64).
std::string samples_string(const std::vector<std::pair<promql::LabelSet, double>>& ss) {
  std::string s;
  for (size_t i = 0; i < ss.size(); ++i) {
    if (i) s += ", ";
    std::string v = format_float_e(ss[i].second);
    for (char& c : v)
      if (c == 'e') c = 'E';
    s += promql::labels_string(ss[i].first) + " " + v;
  }
  return s;
}

TestGroup read_group(const YamlReader& r, const YAML::Node& n, int64_t eval_interval_ms) {
  r.check_keys(n, "tests[]",
               {"interval", "input_series", "alert_rule_test", "promql_expr_test", "external_labels",
                "external_url", "name"});
  TestGroup g;
  g.interval_ms = n["interval"] ? duration_ms(r, n["interval"], "interval") : eval_interval_ms;
  if (g.interval_ms <= 0) g.interval_ms = eval_interval_ms;
  if (n["name"]) g.name = r.get_string(n["name"], "name");
  g.external_labels = string_map(r, n["external_labels"], "external_labels");
  if (n["external_url"]) g.external_url = r.get_string(n["external_url"], "external_url");
  if (const YAML::Node is = n["input_series"]; is && !is.IsNull()) {
    if (!is.IsSequence()) r.fail(is, "input_series: expected a list");
    for (const auto& s : is) {
      r.check_keys(s, "input_series[]", {"series", "values"});
      promql::LabelSet ls;
      std::string err;
      if (!parse_metric(r.get_string(s["series"], "series"), ls, err)) r.fail(s["series"], "series: " + err);
      std::vector<promql::Point> pts;
      if (!expand_series_values(s["values"] ? r.get_string(s["values"], "values") : "", g.interval_ms, pts,
                                err))
        r.fail(s["values"], "values: " + err);
      g.series.emplace_back(std::move(ls), std::move(pts));
    }
  }
  if (const YAML::Node at = n["alert_rule_test"]; at && !at.IsNull()) {
    if (!at.IsSequence()) r.fail(at, "alert_rule_test: expected a list");
    for (const auto& a : at) {
      r.check_keys(a, "alert_rule_test[]", {"eval_time", "alertname", "exp_alerts"});
      AlertTest t;
      t.eval_text = a["eval_time"] ? r.get_string(a["eval_time"], "eval_time") : "0s";
      if (a["eval_time"]) t.eval_ms = duration_ms(r, a["eval_time"], "eval_time");
      t.alertname = a["alertname"] ? r.get_string(a["alertname"], "alertname") : "";
      if (t.alertname.empty()) r.fail(a, "alertname is empty");
      if (const YAML::Node ea = a["exp_alerts"]; ea && !ea.IsNull()) {
        if (!ea.IsSequence()) r.fail(ea, "exp_alerts: expected a list");
        for (const auto& e : ea) {
          r.check_keys(e, "exp_alerts[]", {"exp_labels", "exp_annotations"});
          ExpAlert x{string_map(r, e["exp_labels"], "exp_labels"),
                     string_map(r, e["exp_annotations"], "exp_annotations")};
          promql::set_label(x.labels, "alertname", t.alertname);
          t.exp.push_back(std::move(x));
        }
      }
      g.alerts.push_back(std::move(t));
    }
  }
  if (const YAML::Node pt = n["promql_expr_test"]; pt && !pt.IsNull()) {
    if (!pt.IsSequence()) r.fail(pt, "promql_expr_test: expected a list");
    for (const auto& p : pt) {
      r.check_keys(p, "promql_expr_test[]", {"expr", "eval_time", "exp_samples"});
      ExprTest t;
      t.expr = r.get_string(p["expr"], "expr");
      t.eval_text = p["eval_time"] ? r.get_string(p["eval_time"], "eval_time") : "0s";
      if (p["eval_time"]) t.eval_ms = duration_ms(r, p["eval_time"], "eval_time");
      if (const YAML::Node es = p["exp_samples"]; es && !es.IsNull()) {
        if (!es.IsSequence()) r.fail(es, "exp_samples: expected a list");
        for (const auto& e : es) {
          r.check_keys(e, "exp_samples[]", {"labels", "value"});
          t.exp.emplace_back(e["labels"] ? r.get_string(e["labels"], "labels") : "",
                             e["value"] ? r.get_double(e["value"], "value") : 0.0);
        }
      }
      g.exprs.push_back(std::move(t));
    }
  }
  return g;
}

// One test group; failures appended to `errs` as promtool words them.
void run_group(const TestGroup& tg, std::vector<GroupDef> defs, int64_t eval_interval_ms,
               std::vector<std::string>& errs) {
  store::Store st;
  int64_t maxt = 0;
  for (const auto& a : tg.alerts) maxt = std::max(maxt, a.eval_ms);
  for (const auto& e : tg.exprs) maxt = std::max(maxt, e.eval_ms);
  int64_t last_input = 0;
  for (const auto& [_, pts] : tg.series)
    if (!pts.empty()) last_input = std::max(last_input, pts.back().t);
  st.set_retention(std::max(maxt, last_input) + 86400000);
  for (const auto& [ls, pts] : tg.series)
    for (const auto& p : pts) st.append(ls, p.t, p.v);

  GroupOptions go;
  go.default_interval_ms = eval_interval_ms;
  go.external_labels = tg.external_labels;
  go.external_url = tg.external_url;
  std::vector<std::unique_ptr<Group>> groups;
  for (auto& d : defs) groups.push_back(std::make_unique<Group>(std::move(d), go));
  LocalQuerier q(st);

  std::vector<AlertTest> alerts = tg.alerts;
  std::stable_sort(alerts.begin(), alerts.end(),
                   [](const auto& a, const auto& b) { return a.eval_ms < b.eval_ms; });
  size_t curr = 0;
  const std::string test_name = tg.name.empty() ? "" : "    name: " + tg.name + ",\n";
  for (int64_t ts = 0; ts <= maxt; ts += eval_interval_ms) {
    std::vector<std::string> eval_errs;
    for (auto& g : groups) {
      g->evaluate(ts, q, &st, {});
      for (const auto& r : g->snapshot().rules)
        if (r.health() == RuleHealth::kErr)
          eval_errs.push_back("    rule: " + r.def().name + ", time: " + promql::format_duration(ts) +
                              ", err: " + r.last_error());
    }
    if (!eval_errs.empty()) {
      errs.insert(errs.end(), eval_errs.begin(), eval_errs.end());
      return;
    }
    while (curr < alerts.size() && ts <= alerts[curr].eval_ms &&
           alerts[curr].eval_ms < ts + eval_interval_ms) {
      const AlertTest& t = alerts[curr++];
      std::vector<ExpAlert> got;
      for (auto& g : groups)
        for (const auto& r : g->snapshot().rules) {
          if (!r.def().is_alert || r.def().name != t.alertname) continue;
          for (const auto& [_, a] : r.alerts())
            if (a.state == AlertState::kFiring) got.push_back({a.labels, a.annotations});
        }
      std::vector<ExpAlert> exp = t.exp;
      std::sort(got.begin(), got.end());
      std::sort(exp.begin(), exp.end());
      if (got != exp)
        errs.push_back(test_name + "    alertname: " + t.alertname + ", time: " + t.eval_text +
                       ", \n        exp:" + alerts_string(exp) + ", \n        got:" + alerts_string(got));
    }
  }

  for (const auto& t : tg.exprs) {
    std::string head = "    expr: " + promql::quote(t.expr) + ", time: " + t.eval_text;
    promql::ParseResult p = promql::parse(t.expr);
    if (!p.ok()) {
      errs.push_back(head + ", err: " + p.error);
      continue;
    }
    promql::QueryResult r = q.query(*p.expr, t.expr, t.eval_ms);
    std::vector<std::pair<promql::LabelSet, double>> got, exp;
    if (!r.ok()) {
      errs.push_back(head + ", err: " + r.error);
      continue;
    }
    if (r.type == promql::ValueType::kScalar)
      got.emplace_back(promql::LabelSet{}, r.scalar);
    else if (r.type == promql::ValueType::kVector)
      for (const auto& s : r.vector) got.emplace_back(s.labels, s.v);
    else {
      errs.push_back(head + ", err: rule result is not a vector or scalar");
      continue;
    }
    bool bad = false;
    for (const auto& [text, v] : t.exp) {
      promql::LabelSet ls;
      std::string err;
      if (!parse_metric(text, ls, err)) {
        errs.push_back(head + ", err: labels \"" + text + "\": " + err);
        bad = true;
        break;
      }
      exp.emplace_back(std::move(ls), v);
    }
    if (bad) continue;
    auto by_labels = [](const auto& a, const auto& b) { return a.first < b.first; };
    std::stable_sort(got.begin(), got.end(), by_labels);
    std::stable_sort(exp.begin(), exp.end(), by_labels);
    bool same = got.size() == exp.size();
    for (size_t i = 0; same && i < got.size(); ++i)
      same = got[i].first == exp[i].first && near(got[i].second, exp[i].second);
    if (!same)
      errs.push_back(head + ",\n        exp: " + samples_string(exp) +
                     "\n        got: " + samples_string(got));
  }
}

}  // namespace

bool expand_series_values(std::string_view text, int64_t step_ms, std::vector<promql::Point>& out,
                          std::string& err) {
  std::istringstream in{std::string(text)};
  std::string tok;
  int64_t t = 0;
  auto number = [&](const std::string& s, double& v) {
    if (s == "Inf" || s == "+Inf" || s == "inf" || s == "+inf")
      v = std::numeric_limits<double>::infinity();
    else if (s == "-Inf" || s == "-inf")
      v = -std::numeric_limits<double>::infinity();
    else if (s == "NaN" || s == "nan")
      v = std::numeric_limits<double>::quiet_NaN();
    else {
      char* end = nullptr;
      v = std::strtod(s.c_str(), &end);
      if (s.empty() || *end != '\0') {
        err = "invalid value " + s;
        return false;
      }
    }
    return true;
  };
  while (in >> tok) {
    size_t x = tok.find('x');
    if (tok == "_" || tok == "stale" || x == std::string::npos) {
      double v = 0;
      if (tok == "stale")
        v = promql::stale_nan();
      else if (tok != "_" && !number(tok, v))
        return false;
      if (tok != "_") out.push_back({t, v});
      t += step_ms;
      continue;
    }
    std::string head = tok.substr(0, x), count = tok.substr(x + 1);
    char* end = nullptr;
    long long n = std::strtoll(count.c_str(), &end, 10);
    if (count.empty() || *end != '\0' || n < 0 || n > 1000000) {
      err = "invalid repetition in " + tok;
      return false;
    }
    if (head == "_") {  // '_xN': N missing samples
      t += n * step_ms;
      continue;
    }
    size_t op = head.find_first_of("+-", 1);
    while (op != std::string::npos && (head[op - 1] == 'e' || head[op - 1] == 'E'))
      op = head.find_first_of("+-", op + 1);
    double start = 0, inc = 0;
    if (!number(head.substr(0, op), start)) return false;
    if (op != std::string::npos && !number(head.substr(op), inc)) return false;
    for (long long i = 0; i <= n; ++i) {
      out.push_back({t, start + inc * static_cast<double>(i)});
      t += step_ms;
    }
  }
  return true;
}

bool run_rule_test_file(const std::string& path, std::string& out) {
  out += "Unit Testing:  " + path + "\n";
  std::vector<std::string> errs;
  try {
    YAML::Node root = YAML::LoadFile(path);
    YamlReader r(path);
    r.check_keys(root, "the top level", {"rule_files", "evaluation_interval", "group_eval_order", "tests"});
    int64_t eval_interval = 60000;
    if (root["evaluation_interval"])
      eval_interval = duration_ms(r, root["evaluation_interval"], "evaluation_interval");
    if (eval_interval <= 0) r.fail(root["evaluation_interval"], "evaluation_interval must be positive");
    std::vector<std::string> order;
    if (root["group_eval_order"]) order = r.get_string_list(root["group_eval_order"], "group_eval_order");
    std::string dir = path.find('/') == std::string::npos ? "." : path.substr(0, path.rfind('/'));
    std::vector<std::string> files;
    std::vector<std::string> patterns;
    if (root["rule_files"]) patterns = r.get_string_list(root["rule_files"], "rule_files");
    std::vector<std::string> ferrs = expand_rule_globs(patterns, dir, files);
    std::vector<GroupDef> defs;
    for (const auto& f : files) {
      std::vector<std::string> e = load_rule_file(f, defs);
      ferrs.insert(ferrs.end(), e.begin(), e.end());
    }
    if (!ferrs.empty()) {
      out += "  FAILED:\n";
      for (const auto& e : ferrs) out += e + "\n";
      return false;
    }
    std::stable_sort(defs.begin(), defs.end(), [&](const GroupDef& a, const GroupDef& b) {
      auto rank = [&](const std::string& n) {
        auto it = std::find(order.begin(), order.end(), n);
        return it == order.end() ? order.size() : static_cast<size_t>(it - order.begin());
      };
      return rank(a.name) < rank(b.name);
    });
    if (const YAML::Node ts = root["tests"]; ts && !ts.IsNull()) {
      if (!ts.IsSequence()) r.fail(ts, "tests: expected a list");
      for (const auto& t : ts) run_group(read_group(r, t, eval_interval), defs, eval_interval, errs);
    }
  } catch (const ConfigError& e) {
    errs.push_back(std::string("  ") + e.what());
  } catch (const YAML::Exception& e) {
    errs.push_back("  " + path + ": " + e.what());
  }
  if (errs.empty()) {
    out += "  SUCCESS\n";
    return true;
  }
  out += "  FAILED:\n";
  for (const auto& e : errs) out += e + "\n";
  return false;
}

}  // namespace vigia::alerting

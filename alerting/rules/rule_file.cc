#include "alerting/rules/rule_file.h"

#include <glob.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "alerting/promql/lexer.h"
#include "alerting/promql/parser.h"
#include "alerting/template/template.h"

namespace vigia::alerting {
namespace {

std::string pos(const YAML::Node& n) {
  if (!n.IsDefined()) return "";
  YAML::Mark m = n.Mark();
  if (m.line < 0) return "";
  return std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1) + ": ";
}

// Collects errors as promtool words them; a structural error (wrong YAML
// shape, unknown key) stops the file's parse, as Go's strict unmarshal does.
class Parser {
 public:
  Parser(const std::string& file, std::vector<std::string>& errors) : file_(file), errors_(errors) {}

  struct Stop {};

  [[noreturn]] void shape(const YAML::Node& n, const std::string& msg) {
    errors_.push_back(file_ + ": " + pos(n) + msg);
    throw Stop{};
  }

  void keys(const YAML::Node& n, const char* what, std::initializer_list<std::string_view> allowed) {
    if (!n.IsDefined() || n.IsNull()) return;
    if (!n.IsMap()) shape(n, std::string(what) + ": expected a mapping");
    std::vector<std::string> seen;
    for (const auto& kv : n) {
      const std::string& k = kv.first.Scalar();
      if (std::find(allowed.begin(), allowed.end(), k) == allowed.end())
        shape(kv.first, "unknown key '" + k + "' in " + what);
      if (std::find(seen.begin(), seen.end(), k) != seen.end())
        shape(kv.first, "duplicate key '" + k + "' in " + what);
      seen.push_back(k);
    }
  }

  std::string scalar(const YAML::Node& n, const char* what) {
    if (!n.IsDefined() || n.IsNull()) return "";
    if (!n.IsScalar()) shape(n, std::string(what) + ": expected a string");
    return n.Scalar();
  }

  int64_t duration(const YAML::Node& n, const char* what) {
    std::string s = scalar(n, what);
    int64_t ms = 0;
    if (s == "0") return 0;
    if (!promql::parse_duration(s, &ms))
      shape(n, std::string(what) + ": not a valid duration string: " + promql::quote(s));
    return ms;
  }

  promql::LabelSet string_map(const YAML::Node& n, const char* what) {
    promql::LabelSet out;
    if (!n.IsDefined() || n.IsNull()) return out;
    if (!n.IsMap()) shape(n, std::string(what) + ": expected a mapping");
    for (const auto& kv : n) {
      std::string k = scalar(kv.first, what);
      for (const auto& [name, _] : out)
        if (name == k) shape(kv.first, "duplicate key '" + k + "' in " + what);
      out.emplace_back(k, scalar(kv.second, what));
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  void parse(std::string_view text, std::vector<GroupDef>& groups) {
    YAML::Node root;
    try {
      root = YAML::Load(std::string(text));
    } catch (const YAML::Exception& e) {
      errors_.push_back(file_ + ": " + std::to_string(e.mark.line + 1) + ":" +
                        std::to_string(e.mark.column + 1) + ": " + e.msg);
      return;
    }
    try {
      if (!root || root.IsNull()) return;  // an empty file has no groups
      keys(root, "the top level", {"groups"});
      const YAML::Node gs = root["groups"];
      if (!gs || gs.IsNull()) return;
      if (!gs.IsSequence()) shape(gs, "groups: expected a list");
      std::vector<std::string> names;
      for (const YAML::Node& g : gs) group(g, names, groups);
    } catch (const Stop&) {
    } catch (const YAML::Exception& e) {
      errors_.push_back(file_ + ": " + e.what());
    }
  }

 private:
  void group(const YAML::Node& g, std::vector<std::string>& names, std::vector<GroupDef>& groups) {
    keys(g, "group", {"name", "interval", "limit", "rules"});
    GroupDef def;
    def.file = file_;
    def.name = scalar(g["name"], "name");
    if (def.name.empty()) errors_.push_back(file_ + ": " + pos(g) + "Groupname must not be empty");
    if (std::find(names.begin(), names.end(), def.name) != names.end())
      errors_.push_back(file_ + ": " + pos(g) + "groupname: " + promql::quote(def.name) +
                        " is repeated in the same file");
    names.push_back(def.name);
    if (g["interval"]) def.interval_ms = duration(g["interval"], "interval");
    if (g["limit"]) {
      std::string s = scalar(g["limit"], "limit");
      char* end = nullptr;
      long long v = std::strtoll(s.c_str(), &end, 10);
      if (s.empty() || *end != '\0' || v < 0) shape(g["limit"], "limit: expected a non-negative integer");
      def.limit = v;
    }
    const YAML::Node rs = g["rules"];
    if (rs && !rs.IsNull()) {
      if (!rs.IsSequence()) shape(rs, "rules: expected a list");
      int i = 0;
      for (const YAML::Node& r : rs) rule(r, ++i, def);
    }
    groups.push_back(std::move(def));
  }

  void rule(const YAML::Node& r, int index, GroupDef& g) {
    keys(r, "rule", {"record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations"});
    RuleDef def;
    std::string record = scalar(r["record"], "record");
    std::string alert = scalar(r["alert"], "alert");
    def.is_alert = record.empty();
    def.name = def.is_alert ? alert : record;
    def.expr_text = scalar(r["expr"], "expr");
    if (r["for"]) def.for_ms = duration(r["for"], "for");
    if (r["keep_firing_for"]) def.keep_firing_for_ms = duration(r["keep_firing_for"], "keep_firing_for");
    def.labels = string_map(r["labels"], "labels");
    def.annotations = string_map(r["annotations"], "annotations");

    // promtool names a rule by its alert name when it has one, and prints a
    // missing node's position as 0:0.
    std::string prefix = "group " + promql::quote(g.name) + ", rule " + std::to_string(index) + ", " +
                         promql::quote(alert.empty() ? record : alert) + ": ";
    auto at = [](const YAML::Node& n) { return n.IsDefined() ? pos(n) : std::string("0:0: "); };
    auto err = [&](const std::string& where, const std::string& msg) {
      errors_.push_back(file_ + ": " + where + prefix + msg);
    };
    if (!record.empty() && !alert.empty())
      err(at(r["record"]) + at(r["alert"]), "only one of 'record' and 'alert' must be set");
    if (record.empty() && alert.empty()) err(at(r["record"]), "one of 'record' or 'alert' must be set");
    if (def.expr_text.empty()) {
      err(at(r["expr"]), "field 'expr' must be set in rule");
    } else {
      promql::ParseResult pr = promql::parse(def.expr_text);
      if (!pr.ok())
        err(at(r["expr"]), "could not parse expression: " + pr.error);
      else
        def.expr = std::shared_ptr<const promql::Expr>(std::move(pr.expr));
    }
    if (!record.empty()) {
      if (!def.annotations.empty()) err(at(r["record"]), "invalid field 'annotations' in recording rule");
      if (def.for_ms != 0) err(at(r["record"]), "invalid field 'for' in recording rule");
      if (def.keep_firing_for_ms != 0)
        err(at(r["record"]), "invalid field 'keep_firing_for' in recording rule");
      if (!promql::valid_metric_name(record)) err(at(r["record"]), "invalid recording rule name: " + record);
    }
    for (const auto& [k, v] : def.labels)
      if (!promql::valid_label_name(k) || k == "__name__") err("", "invalid label name: " + k);
    for (const auto& [k, v] : def.annotations)
      if (!promql::valid_label_name(k)) err("", "invalid annotation name: " + k);
    if (def.is_alert && !alert.empty()) {
      // Prometheus parses every label and annotation template (testTemplateParsing).
      std::string terr;
      for (const auto& [k, v] : def.labels)
        if (!check_template(alert, v, terr)) err("", "label " + promql::quote(k) + ": " + terr);
      for (const auto& [k, v] : def.annotations)
        if (!check_template(alert, v, terr)) err("", "annotation " + promql::quote(k) + ": " + terr);
    }
    g.rules.push_back(std::move(def));
  }

  const std::string& file_;
  std::vector<std::string>& errors_;
};

}  // namespace

std::vector<std::string> parse_rule_file(std::string_view text, const std::string& file,
                                         std::vector<GroupDef>& out) {
  std::vector<std::string> errors;
  std::vector<GroupDef> groups;
  Parser(file, errors).parse(text, groups);
  if (errors.empty()) std::move(groups.begin(), groups.end(), std::back_inserter(out));
  return errors;
}

std::vector<std::string> load_rule_file(const std::string& path, std::vector<GroupDef>& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {path + ": open: " + std::strerror(errno)};
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_rule_file(ss.str(), path, out);
}

std::vector<std::string> expand_rule_globs(const std::vector<std::string>& patterns,
                                           const std::string& base_dir, std::vector<std::string>& files) {
  std::vector<std::string> errors;
  for (const std::string& p : patterns) {
    std::string full = (!p.empty() && p[0] != '/' && !base_dir.empty()) ? base_dir + "/" + p : p;
    glob_t g{};
    int rc = ::glob(full.c_str(), 0, nullptr, &g);
    if (rc == 0) {
      for (size_t i = 0; i < g.gl_pathc; ++i) {
        std::string f = g.gl_pathv[i];
        if (std::find(files.begin(), files.end(), f) == files.end()) files.push_back(f);
      }
    } else if (full.find_first_of("*?[") == std::string::npos) {
      errors.push_back(full + ": open: " + std::strerror(ENOENT));
    }
    globfree(&g);
  }
  return errors;
}

}  // namespace vigia::alerting

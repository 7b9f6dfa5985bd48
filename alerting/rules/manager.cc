#include "alerting/rules/manager.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/fs.h"
#include "core/log.h"

namespace vigia::alerting {
namespace {

using nlohmann::json;

// Rules are matched by file, group, name and which of the rules of that
// name in the group it is (a group may hold a warning and a critical rule
// under one alert name).
std::string rule_key(const std::string& file, const std::string& group, const std::string& rule, int nth) {
  return file + '\x1f' + group + '\x1f' + rule + '\x1f' + std::to_string(nth);
}

// The n-th occurrence of each rule's name in its group.
std::vector<int> occurrences(const std::vector<Rule>& rules) {
  std::map<std::string, int> seen;
  std::vector<int> out;
  for (const Rule& r : rules) out.push_back(seen[r.def().name]++);
  return out;
}

json labels_json(const promql::LabelSet& ls) {
  json j = json::object();
  for (const auto& [k, v] : ls) j[k] = v;
  return j;
}

promql::LabelSet labels_from(const json& j) {
  promql::LabelSet ls;
  for (auto it = j.begin(); it != j.end(); ++it) ls.emplace_back(it.key(), it.value().get<std::string>());
  std::sort(ls.begin(), ls.end());
  return ls;
}

}  // namespace

RuleManager::RuleManager(ManagerOptions opts) : opts_(std::move(opts)) {}

void RuleManager::set_groups(std::vector<GroupDef> defs) {
  std::map<std::string, std::vector<Alert>> restored;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!loaded_once_ && !opts_.state_file.empty()) {
      std::vector<std::pair<std::string, std::vector<Alert>>> st;
      Status s = read_state(opts_.state_file, st);
      if (!s.is_ok() && !s.is_no_data())
        log::warn("Reading the alert state file failed", {{"err", s.message()}});
      for (auto& [k, v] : st) restored[k] = std::move(v);
    }
    for (auto& e : groups_) {
      e.group->with_rules([&](std::vector<Rule>& rules) {
        std::vector<int> nth = occurrences(rules);
        for (size_t i = 0; i < rules.size(); ++i) {
          std::vector<Alert> as;
          for (const auto& [_, a] : rules[i].alerts()) as.push_back(a);
          restored[rule_key(e.group->file(), e.group->name(), rules[i].def().name, nth[i])] = std::move(as);
        }
      });
    }
    loaded_once_ = true;
  }
  std::vector<Entry> fresh;
  for (auto& d : defs) {
    Entry e;
    e.group = std::make_unique<Group>(std::move(d), opts_.group);
    e.group->with_rules([&](std::vector<Rule>& rules) {
      std::vector<int> nth = occurrences(rules);
      for (size_t i = 0; i < rules.size(); ++i) {
        if (!rules[i].def().is_alert) continue;
        auto it = restored.find(rule_key(e.group->file(), e.group->name(), rules[i].def().name, nth[i]));
        if (it != restored.end()) rules[i].restore(it->second);
      }
    });
    fresh.push_back(std::move(e));
  }
  std::lock_guard<std::mutex> lock(mu_);
  groups_ = std::move(fresh);
}

int64_t RuleManager::evaluate_due(int64_t t_ms, Querier& q, Appender* app, const NotifyFn& notify) {
  int64_t next = INT64_MAX;
  bool ran = false;
  // Groups are evaluated without mu_ (only this thread changes groups_).
  for (auto& e : groups_) {
    if (e.next_ms == 0 || e.next_ms <= t_ms) {
      e.group->evaluate(t_ms, q, app, notify);
      ran = true;
      uint64_t failed = 0;
      e.group->with_rules([&](std::vector<Rule>& rules) {
        for (const Rule& r : rules) failed += r.health() == RuleHealth::kErr;
      });
      {
        std::lock_guard<std::mutex> lock(mu_);
        e.failures += failed;
        // Missed intervals (a slow evaluation, a suspended host) are skipped.
        int64_t iv = e.group->interval_ms();
        e.next_ms = e.next_ms == 0 ? t_ms + iv : e.next_ms + ((t_ms - e.next_ms) / iv + 1) * iv;
      }
    }
    next = std::min(next, e.next_ms);
  }
  if (ran && !opts_.state_file.empty()) {
    Status s = save_state();
    if (!s.is_ok()) log::error("Saving the alert state failed", {{"err", s.message()}});
  }
  return next;
}

int64_t RuleManager::max_interval_ms() const {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t m = opts_.group.default_interval_ms;
  for (const auto& e : groups_) m = std::max(m, e.group->interval_ms());
  return m;
}

std::vector<Group::Snapshot> RuleManager::snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Group::Snapshot> out;
  out.reserve(groups_.size());
  for (const auto& e : groups_) out.push_back(e.group->snapshot());
  return out;
}

void RuleManager::write_metrics(MetricSink& sink) const {
  std::vector<Group::Snapshot> groups = snapshot();
  std::vector<uint64_t> failures;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& e : groups_) failures.push_back(e.failures);
  }
  std::vector<Label> ls;
  auto alert_series = [&](bool for_state) {
    for (const auto& g : groups)
      for (const auto& r : g.rules)
        for (const auto& [labels, a] : r.alerts()) {
          if (a.state == AlertState::kInactive) continue;
          ls.clear();
          for (const auto& [k, v] : labels) ls.push_back({k, v});
          if (!for_state) ls.push_back({"alertstate", alert_state_name(a.state)});
          std::sort(ls.begin(), ls.end(), [](const Label& x, const Label& y) { return x.name < y.name; });
          if (for_state)
            sink.sample("ALERTS_FOR_STATE", Labels(ls), static_cast<double>(a.active_at / 1000));
          else
            sink.sample("ALERTS", Labels(ls), 1);
        }
  };
  sink.family("ALERTS", "Alerts pending or firing (1), as Prometheus stores them.", MetricType::kGauge);
  alert_series(false);
  sink.family("ALERTS_FOR_STATE", "Since when each pending or firing alert has been active (Unix seconds).",
              MetricType::kGauge);
  alert_series(true);

  auto per_group = [&](std::string_view name, std::string_view help, MetricType type, auto value) {
    sink.family(name, help, type);
    for (size_t i = 0; i < groups.size(); ++i) {
      std::string rg = groups[i].file + ";" + groups[i].name;
      Label l{"rule_group", rg};
      sink.sample(name, Labels(&l, 1), value(i));
    }
  };
  per_group("vigia_rule_group_interval_seconds", "The interval of a rule group.", MetricType::kGauge,
            [&](size_t i) { return groups[i].interval_ms / 1000.0; });
  per_group("vigia_rule_group_last_duration_seconds", "How long the last evaluation of a rule group took.",
            MetricType::kGauge, [&](size_t i) { return groups[i].eval_seconds; });
  per_group("vigia_rule_group_last_evaluation_timestamp_seconds", "When a rule group was last evaluated.",
            MetricType::kGauge, [&](size_t i) { return groups[i].last_eval_ms / 1000.0; });
  per_group("vigia_rule_group_rules", "The number of rules in a group.", MetricType::kGauge,
            [&](size_t i) { return static_cast<double>(groups[i].rules.size()); });
  per_group("vigia_rule_evaluation_failures_total", "Rule evaluations that failed.", MetricType::kCounter,
            [&](size_t i) { return static_cast<double>(failures[i]); });
}

std::string RuleManager::state_json() const {
  json groups = json::array();
  for (const auto& g : snapshot()) {
    json rules = json::array();
    std::vector<int> nth = occurrences(g.rules);
    for (size_t i = 0; i < g.rules.size(); ++i) {
      const Rule& r = g.rules[i];
      if (!r.def().is_alert || r.alerts().empty()) continue;
      json alerts = json::array();
      for (const auto& [_, a] : r.alerts()) {
        alerts.push_back({{"labels", labels_json(a.labels)},
                          {"annotations", labels_json(a.annotations)},
                          {"state", alert_state_name(a.state)},
                          {"value", a.value},
                          {"active_at", a.active_at},
                          {"fired_at", a.fired_at},
                          {"resolved_at", a.resolved_at},
                          {"last_sent_at", a.last_sent_at},
                          {"valid_until", a.valid_until},
                          {"keep_firing_since", a.keep_firing_since}});
      }
      rules.push_back({{"name", r.def().name}, {"nth", nth[i]}, {"alerts", std::move(alerts)}});
    }
    if (!rules.empty()) groups.push_back({{"file", g.file}, {"name", g.name}, {"rules", std::move(rules)}});
  }
  json root = {{"version", 1}, {"groups", std::move(groups)}};
  // NaN values (an alert on a NaN comparison cannot fire, but a template may
  // see one) are written as null by nlohmann; read back as NaN.
  return root.dump(1) + "\n";
}

Status RuleManager::save_state() {
  std::string text = state_json();
  if (text == last_saved_) return Status::ok();
  Status s = write_file_atomically(opts_.state_file, text);
  if (s.is_ok()) last_saved_ = std::move(text);
  return s;
}

Status RuleManager::read_state(const std::string& path,
                               std::vector<std::pair<std::string, std::vector<Alert>>>& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return Status::no_data();
    return Status::from_errno(path, errno);
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  try {
    json root = json::parse(ss.str());
    if (root.value("version", 0) != 1) return Status::error(path + ": unknown state file version");
    for (const auto& g : root.at("groups")) {
      for (const auto& r : g.at("rules")) {
        std::vector<Alert> alerts;
        for (const auto& j : r.at("alerts")) {
          Alert a;
          a.labels = labels_from(j.at("labels"));
          a.annotations = labels_from(j.at("annotations"));
          std::string st = j.at("state").get<std::string>();
          a.state = st == "firing"    ? AlertState::kFiring
                    : st == "pending" ? AlertState::kPending
                                      : AlertState::kInactive;
          a.value = j.at("value").is_number() ? j.at("value").get<double>()
                                              : std::numeric_limits<double>::quiet_NaN();
          a.active_at = j.at("active_at").get<int64_t>();
          a.fired_at = j.at("fired_at").get<int64_t>();
          a.resolved_at = j.at("resolved_at").get<int64_t>();
          a.last_sent_at = j.at("last_sent_at").get<int64_t>();
          a.valid_until = j.at("valid_until").get<int64_t>();
          a.keep_firing_since = j.at("keep_firing_since").get<int64_t>();
          alerts.push_back(std::move(a));
        }
        out.emplace_back(rule_key(g.at("file").get<std::string>(), g.at("name").get<std::string>(),
                                  r.at("name").get<std::string>(), r.value("nth", 0)),
                         std::move(alerts));
      }
    }
  } catch (const json::exception& e) {
    out.clear();
    return Status::error(path + ": " + e.what());
  }
  return Status::ok();
}

}  // namespace vigia::alerting

#include "alerting/rules/group.h"

#include <algorithm>
#include <chrono>
#include <optional>

#include "alerting/promql/parser.h"
#include "alerting/template/template.h"
#include "core/log.h"

namespace vigia::alerting {
namespace {

// Prometheus's EngineQueryFunc: a scalar becomes a one-sample vector.
bool to_vector(promql::QueryResult&& r, promql::Vector& out, std::string& err) {
  if (!r.ok()) {
    err = std::move(r.error);
    return false;
  }
  switch (r.type) {
    case promql::ValueType::kVector: out = std::move(r.vector); return true;
    case promql::ValueType::kScalar: out.assign(1, promql::Sample{{}, r.scalar, 0}); return true;
    default: err = "rule result is not a vector or scalar"; return false;
  }
}

promql::Sample series_sample(const promql::LabelSet& alert_labels, std::string_view name,
                             std::string_view state, double v, int64_t t) {
  promql::Sample s{alert_labels, v, t};
  promql::set_label(s.labels, "__name__", name);
  if (!state.empty()) promql::set_label(s.labels, "alertstate", state);
  return s;
}

}  // namespace

std::string_view alert_state_name(AlertState s) {
  switch (s) {
    case AlertState::kPending: return "pending";
    case AlertState::kFiring: return "firing";
    default: return "inactive";
  }
}

std::string_view rule_health_name(RuleHealth h) {
  switch (h) {
    case RuleHealth::kOk: return "ok";
    case RuleHealth::kErr: return "err";
    default: return "unknown";
  }
}

AlertState Rule::state() const {
  AlertState max = AlertState::kInactive;
  for (const auto& [_, a] : alerts_)
    if (a.state > max) max = a.state;
  return max;
}

bool Rule::eval(int64_t t_ms, Querier& q, const GroupOptions& opts, int64_t limit, promql::Vector& out) {
  auto start = std::chrono::steady_clock::now();
  out.clear();
  std::string err;
  promql::Vector result;
  bool ok = def_.expr && to_vector(q.query(*def_.expr, def_.expr_text, t_ms), result, err);
  if (ok && !def_.is_alert) {
    for (auto& s : result) {
      promql::set_label(s.labels, "__name__", def_.name);
      for (const auto& [k, v] : def_.labels) promql::set_label(s.labels, k, v);
      s.t = t_ms;
    }
    if (promql::has_duplicate_labelsets(result)) {
      ok = false;
      err = "vector contains metrics with the same labelset after applying rule labels";
    } else if (limit > 0 && static_cast<int64_t>(result.size()) > limit) {
      ok = false;
      err =
          "exceeded limit of " + std::to_string(limit) + " with " + std::to_string(result.size()) + " series";
    } else {
      out = std::move(result);
    }
  } else if (ok) {
    ok = eval_alerting(t_ms, result, opts, limit, out, q);
    if (!ok) err = last_error_;
  }
  if (!def_.expr && err.empty()) err = "rule has no parsed expression";
  last_eval_ms_ = t_ms;
  eval_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  health_ = ok ? RuleHealth::kOk : RuleHealth::kErr;
  last_error_ = ok ? std::string() : err;
  if (!ok) out.clear();
  return ok;
}

bool Rule::eval_alerting(int64_t t_ms, promql::Vector& result, const GroupOptions& opts, int64_t limit,
                         promql::Vector& out, Querier& q) {
  TemplateData data;
  data.external_labels = opts.external_labels;
  data.external_url = opts.external_url;
  data.eval_time_ms = t_ms;
  data.query = [&q, t_ms](std::string_view expr, std::vector<TemplateQueryResult>& res, std::string& err) {
    promql::ParseResult pr = promql::parse(expr);
    if (!pr.ok()) {
      err = pr.error;
      return false;
    }
    promql::Vector v;
    if (!to_vector(q.query(*pr.expr, expr, t_ms), v, err)) return false;
    for (auto& s : v) res.push_back({std::move(s.labels), s.v});
    return true;
  };
  auto expand = [&](const std::string& text) {
    std::string out_text, err;
    if (text.find("{{") == std::string::npos) return text;
    if (!expand_template(def_.name, text, data, out_text, err)) {
      log::warn("Expanding alert template failed", {{"alert", def_.name}, {"err", err}});
      return alert_template_error_value(err);
    }
    return out_text;
  };

  std::map<promql::LabelSet, Alert> fresh;
  for (auto& s : result) {
    data.labels = s.labels;
    data.value = s.v;
    Alert a;
    a.labels = s.labels;
    promql::set_label(a.labels, "__name__", "");
    for (const auto& [k, v] : def_.labels) promql::set_label(a.labels, k, expand(v));
    promql::set_label(a.labels, "alertname", def_.name);
    for (const auto& [k, v] : def_.annotations) a.annotations.emplace_back(k, expand(v));
    a.state = AlertState::kPending;
    a.value = s.v;
    a.active_at = t_ms;
    auto key = a.labels;
    if (!fresh.emplace(std::move(key), std::move(a)).second) {
      last_error_ = "vector contains metrics with the same labelset after applying alert labels";
      return false;
    }
  }
  for (auto& [labels, a] : fresh) {
    auto it = alerts_.find(labels);
    if (it != alerts_.end() && it->second.state != AlertState::kInactive) {
      it->second.value = a.value;
      it->second.annotations = std::move(a.annotations);
      continue;
    }
    alerts_[labels] = std::move(a);
  }

  // The targets whose scrape or connection failed now (`up` or `<area>_up`
  // is 0), read once, only when a firing alert is about to resolve.
  std::optional<std::vector<promql::LabelSet>> down;
  auto target_down = [&](const promql::LabelSet& alert_labels) {
    if (!opts.hold_on_down_target) return false;
    if (!down) {
      down.emplace();
      static const promql::ParseResult kDownExpr = promql::parse(kDownTargetsExpr);
      promql::Vector v;
      std::string err;
      if (kDownExpr.ok() && to_vector(q.query(*kDownExpr.expr, kDownTargetsExpr, t_ms), v, err))
        for (auto& s : v) down->push_back(std::move(s.labels));
    }
    for (const auto& d : *down) {
      bool any = false, same = true;
      for (std::string_view name : {"job", "instance", "target"}) {
        std::string_view dv = promql::label_value(d, name);
        if (dv.empty()) continue;
        any = true;
        same = same && promql::label_value(alert_labels, name) == dv;
      }
      if (any && same) return true;
    }
    return false;
  };

  int64_t active = 0;
  for (auto it = alerts_.begin(); it != alerts_.end();) {
    Alert& a = it->second;
    if (!fresh.count(it->first)) {
      bool keep_firing = false;
      // No false "resolved": the series is gone because its target could
      // not be read, not because the condition ended. Held while it is down.
      if (a.state == AlertState::kFiring && target_down(a.labels)) {
        ++active;
        out.push_back(series_sample(a.labels, "ALERTS", alert_state_name(a.state), 1, t_ms));
        out.push_back(
            series_sample(a.labels, "ALERTS_FOR_STATE", "", static_cast<double>(a.active_at / 1000), t_ms));
        ++it;
        continue;
      }
      if (a.state == AlertState::kFiring && def_.keep_firing_for_ms > 0) {
        if (a.keep_firing_since == 0) a.keep_firing_since = t_ms;
        keep_firing = t_ms - a.keep_firing_since < def_.keep_firing_for_ms;
      }
      bool drop = a.state == AlertState::kPending ||
                  (a.resolved_at != 0 && t_ms - a.resolved_at > opts.resolved_retention_ms);
      if (a.state != AlertState::kInactive && !keep_firing) {
        a.state = AlertState::kInactive;
        a.resolved_at = t_ms;
      }
      if (drop) {
        it = alerts_.erase(it);
        continue;
      }
      if (!keep_firing) {
        ++it;
        continue;
      }
    } else {
      a.keep_firing_since = 0;
    }
    ++active;
    if (a.state == AlertState::kPending && t_ms - a.active_at >= def_.for_ms) {
      a.state = AlertState::kFiring;
      a.fired_at = t_ms;
    }
    out.push_back(series_sample(a.labels, "ALERTS", alert_state_name(a.state), 1, t_ms));
    out.push_back(
        series_sample(a.labels, "ALERTS_FOR_STATE", "", static_cast<double>(a.active_at / 1000), t_ms));
    ++it;
  }
  if (limit > 0 && active > limit) {
    alerts_.clear();
    out.clear();
    last_error_ =
        "exceeded limit of " + std::to_string(limit) + " with " + std::to_string(active) + " alerts";
    return false;
  }
  return true;
}

std::vector<Alert> Rule::alerts_to_send(int64_t t_ms, int64_t resend_delay_ms, int64_t interval_ms) {
  std::vector<Alert> out;
  for (auto& [_, a] : alerts_) {
    if (a.state == AlertState::kPending) continue;
    bool due =
        a.last_sent_at == 0 || a.resolved_at > a.last_sent_at || a.last_sent_at + resend_delay_ms < t_ms;
    if (!due) continue;
    a.last_sent_at = t_ms;
    a.valid_until = t_ms + 4 * std::max(resend_delay_ms, interval_ms);
    out.push_back(a);
  }
  return out;
}

void Rule::restore(std::vector<Alert> alerts) {
  alerts_.clear();
  for (auto& a : alerts) {
    auto key = a.labels;
    alerts_[std::move(key)] = std::move(a);
  }
}

Group::Group(GroupDef def, GroupOptions opts)
    : name_(std::move(def.name)),
      file_(std::move(def.file)),
      source_("rules/" + file_ + "/" + name_),
      interval_ms_(def.interval_ms > 0 ? def.interval_ms : opts.default_interval_ms),
      limit_(def.limit),
      opts_(std::move(opts)) {
  rules_.reserve(def.rules.size());
  for (auto& r : def.rules) rules_.emplace_back(std::move(r));
}

void Group::evaluate(int64_t t_ms, Querier& q, Appender* app, const NotifyFn& notify) {
  auto start = std::chrono::steady_clock::now();
  promql::Vector out;
  for (size_t i = 0; i < rules_.size(); ++i) {
    Rule& r = rules_[i];
    std::vector<Alert> to_send;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!r.eval(t_ms, q, opts_, limit_, out)) {
        log::warn("Evaluating rule failed",
                  {{"group", name_}, {"rule", r.def().name}, {"err", r.last_error()}});
        continue;
      }
      if (r.def().is_alert) to_send = r.alerts_to_send(t_ms, opts_.resend_delay_ms, interval_ms_);
    }
    if (notify && !to_send.empty()) notify(r.def(), to_send);
    if (app) app->commit(source_ + "/" + std::to_string(i), out, t_ms);
  }
  std::lock_guard<std::mutex> lock(mu_);
  last_eval_ms_ = t_ms;
  eval_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void Group::end(int64_t t_ms, Appender& app) {
  for (size_t i = 0; i < rules_.size(); ++i) app.commit(source_ + "/" + std::to_string(i), {}, t_ms);
}

Group::Snapshot Group::snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return Snapshot{name_, file_, interval_ms_, limit_, last_eval_ms_, eval_seconds_, rules_};
}

void Group::with_rules(const std::function<void(std::vector<Rule>&)>& f) {
  std::lock_guard<std::mutex> lock(mu_);
  f(rules_);
}

}  // namespace vigia::alerting

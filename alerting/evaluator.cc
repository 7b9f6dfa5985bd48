#include "alerting/evaluator.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <regex>
#include <set>

#include "alerting/default_rules.h"
#include "alerting/remote_querier.h"
#include "alerting/store/http_target.h"
#include "alerting/store/store.h"
#include "core/log.h"

namespace vigia::alerting {
namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t to_ms(double seconds) { return static_cast<int64_t>(std::llround(seconds * 1000)); }

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& e : v) s += (s.empty() ? "" : "\n") + e;
  return s;
}

// mkdir -p of the directory that will hold `file`.
Status make_parent_dirs(const std::string& file) {
  for (size_t i = 1; (i = file.find('/', i)) != std::string::npos; ++i) {
    std::string dir = file.substr(0, i);
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return Status::from_errno(dir, errno);
  }
  return Status::ok();
}

}  // namespace

struct Evaluator::Job {
  store::Scraper scraper;
  int64_t interval_ms = 0;
  int64_t next_ms = 0;
};

Evaluator::Evaluator(EvaluatorOptions opts) : opts_(std::move(opts)) {}

Status Evaluator::load_rules(const std::vector<std::string>& rule_files, const std::string& config_dir,
                             std::vector<std::string>& files, std::vector<GroupDef>& defs) {
  std::vector<std::string> errors;
  files.clear();
  if (rule_files.empty()) {
    for (const DefaultRuleFile& f : default_rule_files()) {
      std::string name = default_rules_name(f.name);
      auto fe = parse_rule_file(f.yaml, name, defs);
      errors.insert(errors.end(), fe.begin(), fe.end());
      files.push_back(std::move(name));
    }
  } else {
    errors = expand_rule_globs(rule_files, config_dir, files);
    for (const auto& f : files) {
      auto fe = load_rule_file(f, defs);
      errors.insert(errors.end(), fe.begin(), fe.end());
    }
  }
  if (!errors.empty()) return Status::error(join(errors));
  return Status::ok();
}

Status Evaluator::check_thresholds(const AlertingConfig& config, const std::string& config_dir) {
  if (config.thresholds.empty()) return Status::ok();
  std::vector<std::string> files;
  std::vector<GroupDef> defs;
  if (Status st = load_rules(config.rule_files, config_dir, files, defs); !st.is_ok()) return st;
  static const std::regex kRead(R"re(vigia_alert_threshold\s*\{[^}]*\bthreshold\s*=\s*"([^"]*)")re");
  std::set<std::string> read;
  for (const auto& g : defs)
    for (const auto& r : g.rules)
      for (std::sregex_iterator it(r.expr_text.begin(), r.expr_text.end(), kRead), end; it != end; ++it)
        read.insert((*it)[1].str());
  std::vector<std::string> errors;
  for (const auto& th : config.thresholds) {
    if (read.count(th.name)) continue;
    std::string known;
    for (const auto& n : read) known += (known.empty() ? "" : ", ") + n;
    errors.push_back(
        th.where + ": alerting.thresholds: no rule reads threshold '" + th.name + "'" +
        (known.empty() ? std::string(" (the rules read none)") : " (the rules read: " + known + ")"));
  }
  if (!errors.empty()) return Status::error(join(errors));
  return Status::ok();
}

Status Evaluator::reload_rules(const std::vector<std::string>& rule_files) {
  std::vector<std::string> files;
  std::vector<GroupDef> defs;
  if (Status st = load_rules(rule_files, opts_.config_dir, files, defs); !st.is_ok()) return st;
  {
    std::lock_guard<std::mutex> lock(mu_);
    pending_ = std::make_unique<Pending>(Pending{std::move(files), std::move(defs)});
  }
  cv_.notify_all();
  return Status::ok();
}

std::vector<std::string> Evaluator::rule_files() const {
  std::lock_guard<std::mutex> lock(mu_);
  return files_;
}

Evaluator::~Evaluator() { stop(); }

Status Evaluator::create(EvaluatorOptions opts, std::unique_ptr<Evaluator>& out) {
  std::unique_ptr<Evaluator> e(new Evaluator(std::move(opts)));
  const AlertingConfig& c = e->opts_.config;
  e->interval_ms_ = std::max<int64_t>(1, to_ms(c.evaluation_interval_seconds));
  std::vector<GroupDef> defs;
  if (Status st = load_rules(c.rule_files, e->opts_.config_dir, e->files_, defs); !st.is_ok()) return st;

  ManagerOptions mo;
  mo.group.default_interval_ms = e->interval_ms_;
  mo.group.hold_on_down_target = true;
  mo.group.resend_delay_ms = std::max<int64_t>(1, to_ms(c.resend_delay_seconds));
  mo.group.external_labels = c.external_labels;
  std::sort(mo.group.external_labels.begin(), mo.group.external_labels.end());
  std::string state = c.state_file.empty() ? kDefaultStateFile : c.state_file;
  if (state[0] != '/' && !e->opts_.config_dir.empty() && !c.state_file.empty())
    state = e->opts_.config_dir + "/" + state;
  mo.state_file = state;
  if (Status ds = make_parent_dirs(state); !ds.is_ok())
    return Status::error("alerting.state_file: " + ds.message());
  e->manager_ = std::make_unique<RuleManager>(mo);

  int64_t retention = 0;
  for (const auto& g : defs)
    for (const auto& r : g.rules)
      if (r.expr) retention = std::max(retention, store::retention_for(*r.expr));
  e->manager_->set_groups(std::move(defs));

  if (!c.query_url.empty()) {
    RemoteQuerierOptions ro;
    ro.url = c.query_url;
    ro.timeout = std::chrono::milliseconds(std::min<int64_t>(e->interval_ms_, 60000));
    e->remote_ = std::make_unique<RemoteQuerier>(ro);
  } else {
    e->store_ = std::make_unique<store::Store>();
    e->store_->set_retention(retention + e->manager_->max_interval_ms());
    e->local_ = std::make_unique<LocalQuerier>(*e->store_);
    if (e->opts_.collect_self)
      e->self_ = std::make_unique<store::InProcessTarget>(e->opts_.self_labels, e->opts_.collect_self);
    for (const auto& j : c.scrape) {
      auto job = std::make_unique<Job>();
      job->interval_ms = j.interval_seconds > 0 ? to_ms(j.interval_seconds) : e->interval_ms_;
      int64_t timeout =
          j.timeout_seconds > 0 ? to_ms(j.timeout_seconds) : std::min<int64_t>(job->interval_ms, 10000);
      std::vector<store::ScrapeTargetConfig> targets;
      for (const auto& u : j.urls)
        targets.push_back({u, {{"job", j.job}}, std::chrono::milliseconds(timeout)});
      job->scraper.set_targets(std::move(targets), *e->store_, 0);
      e->jobs_.push_back(std::move(job));
    }
  }
  out = std::move(e);
  return Status::ok();
}

void Evaluator::start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { loop(); });
}

void Evaluator::request_stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  // Scrapes of other exporters in flight return now (jobs_ is fixed after create).
  for (auto& j : jobs_) j->scraper.interrupt();
  // And queries sent to alerting.query_url: they fail, which leaves every
  // alert as it was (a rule's error changes no alert state).
  if (remote_) remote_->interrupt();
}

void Evaluator::stop() {
  request_stop();
  if (thread_.joinable()) thread_.join();
}

bool Evaluator::stop_requested() {
  std::lock_guard<std::mutex> lock(mu_);
  return stopping_;
}

int64_t Evaluator::tick(int64_t t) {
  int64_t next = INT64_MAX;
  std::unique_ptr<Pending> reload;
  {
    std::lock_guard<std::mutex> lock(mu_);
    reload = std::move(pending_);
  }
  if (reload) {
    // Alert state carries over by file, group and rule name (set_groups).
    int64_t retention = 0;
    for (const auto& g : reload->defs)
      for (const auto& r : g.rules)
        if (r.expr) retention = std::max(retention, store::retention_for(*r.expr));
    manager_->set_groups(std::move(reload->defs));
    if (store_) store_->set_retention(retention + manager_->max_interval_ms());
    std::lock_guard<std::mutex> lock(mu_);
    files_ = std::move(reload->files);
  }
  if (store_) {
    if (t >= next_feed_ms_) {
      if (self_) {
        CollectContext ctx;
        ctx.deadline = Clock::now() + std::chrono::milliseconds(std::min<int64_t>(interval_ms_, 10000));
        self_->scrape(*store_, t, ctx);
        // Shutting down: the collection may have been interrupted (pg_up 0
        // for a server that is fine). The state file keeps the last real
        // evaluation.
        if (stop_requested()) return INT64_MAX;
      }
      next_feed_ms_ = (next_feed_ms_ == 0 ? t : next_feed_ms_) + interval_ms_;
      if (next_feed_ms_ <= t) next_feed_ms_ = t + interval_ms_;
    }
    if (self_) next = next_feed_ms_;
    for (auto& j : jobs_) {
      if (t < j->next_ms) continue;
      j->scraper.scrape_all(*store_, t);
      // Shutting down: the scrape may have been interrupted (up 0 for an
      // exporter that is fine); as for the collection above.
      if (stop_requested()) return INT64_MAX;
      j->next_ms = (j->next_ms == 0 ? t : j->next_ms) + j->interval_ms;
      if (j->next_ms <= t) j->next_ms = t + j->interval_ms;
    }
    for (const auto& j : jobs_) next = std::min(next, j->next_ms);
  }
  NotifyFn notify = opts_.notify;
  if (!notify) {
    notify = [](const RuleDef& rule, const std::vector<Alert>& alerts) {
      for (const auto& a : alerts)
        log::info(a.state == AlertState::kFiring ? "Alert firing" : "Alert resolved",
                  {{"alertname", rule.name}, {"labels", promql::labels_string(a.labels)}});
    };
  }
  if (stop_requested()) return INT64_MAX;
  Querier& q = remote_ ? static_cast<Querier&>(*remote_) : *local_;
  return std::min(next, manager_->evaluate_due(t, q, store_.get(), notify));
}

void Evaluator::loop() {
  int64_t next = 0;
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    int64_t t = now_ms();
    if (t < next && !pending_) {
      // At most a minute at a time: with nothing due (no groups) next is
      // INT64_MAX, which a deadline of now + next - t would overflow.
      cv_.wait_for(lock, std::chrono::milliseconds(std::min<int64_t>(next - t, 60000)));
      continue;
    }
    lock.unlock();
    next = tick(t);
    lock.lock();
  }
}

void Evaluator::write_metrics(MetricSink& sink) const {
  manager_->write_metrics(sink);
  if (store_) store_->write_metrics(sink);
}

}  // namespace vigia::alerting

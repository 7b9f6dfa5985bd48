// The alert evaluator as `vigia run` and `vigia alerts` run it: the rule
// files (or the built-in rules), a scheduler thread, and where the rules'
// data comes from:
//  - embedded (the default): an in-memory store fed on each tick by vigia's
//    own collectors (`collect_self`, `vigia run`) and by the alerting.scrape
//    jobs, rule outputs (recording rules, ALERTS) written back to it;
//  - remote (alerting.query_url): every rule is sent as an instant query to a
//    Prometheus-compatible API; nothing is stored.
// Each tick at t = now: feed the store (embedded), then evaluate the groups
// due (RuleManager::evaluate_due), which saves the alert state file.
//
// Threading: start()/stop() from the owner; manager() and write_metrics()
// from any thread (HTTP handlers).
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "alerting/rules/manager.h"
#include "alerting/store/scrape.h"
#include "core/config.h"
#include "core/metric.h"
#include "core/status.h"

namespace vigia::store {
class Store;
class Scraper;
}  // namespace vigia::store

namespace vigia::alerting {

class RemoteQuerier;

struct EvaluatorOptions {
  AlertingConfig config;
  std::string config_dir;                          // base of relative rule_files and state_file
  store::InProcessTarget::CollectFn collect_self;  // vigia's own collectors; empty: none
  promql::LabelSet self_labels;                    // {instance, job} of collect_self's samples
  NotifyFn notify;                                 // where alerts go; empty: logged only
};

class Evaluator {
 public:
  // Loads the rule files (every error, promtool-worded, joined by newlines).
  static Status create(EvaluatorOptions opts, std::unique_ptr<Evaluator>& out);
  ~Evaluator();
  Evaluator(const Evaluator&) = delete;
  Evaluator& operator=(const Evaluator&) = delete;

  void start();
  // Asks the scheduler thread to end, without waiting: no tick starts any
  // more, and a tick in flight evaluates no rules once its feed returns (the
  // owner may interrupt that feed's collectors, CollectorRegistry::interrupt,
  // whose cut-short samples must not reach the rules and the state file).
  // Scrapes of the alerting.scrape jobs and queries to alerting.query_url in
  // flight are interrupted here.
  void request_stop();
  // request_stop(), then waits for the thread.
  void stop();

  const RuleManager& manager() const { return *manager_; }
  // ALERTS, ALERTS_FOR_STATE, vigia_rule_* and vigia_store_*.
  void write_metrics(MetricSink& sink) const;
  // The rule files loaded (the built-in ones show as "<built-in>/<name>.yml").
  std::vector<std::string> rule_files() const;
  // Loads the rule files anew (SIGHUP, POST /-/reload); the scheduler thread
  // swaps them in at its next step, alert state kept by file, group and rule
  // name. On an error (every one, promtool-worded) the old rules keep running.
  // The other alerting settings (interval, scrape jobs, query_url) take a restart.
  Status reload_rules(const std::vector<std::string>& rule_files);
  // An error for each alerting.thresholds name that no rule of
  // config.rule_files (the built-in rules when there are none) reads through
  // vigia_alert_threshold{threshold="<name>"}: "<file:line:col>: alerting.thresholds:
  // no rule reads threshold 'x' (...)". A threshold nothing reads is a typo.
  static Status check_thresholds(const AlertingConfig& config, const std::string& config_dir);

 private:
  explicit Evaluator(EvaluatorOptions opts);
  static Status load_rules(const std::vector<std::string>& rule_files, const std::string& config_dir,
                           std::vector<std::string>& files, std::vector<GroupDef>& defs);
  void loop();
  // One step at t_ms; returns when the next is due.
  int64_t tick(int64_t t_ms);
  bool stop_requested();

  EvaluatorOptions opts_;
  std::vector<std::string> files_;
  std::unique_ptr<RuleManager> manager_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<store::InProcessTarget> self_;
  struct Job;
  std::vector<std::unique_ptr<Job>> jobs_;
  std::unique_ptr<RemoteQuerier> remote_;
  std::unique_ptr<Querier> local_;
  int64_t interval_ms_ = 15000;
  int64_t next_feed_ms_ = 0;
  mutable std::mutex mu_;  // stopping_, pending_, files_
  std::condition_variable cv_;
  struct Pending {
    std::vector<std::string> files;
    std::vector<GroupDef> defs;
  };
  std::unique_ptr<Pending> pending_;
  bool stopping_ = false;
  std::thread thread_;
};

// The default state file when alerting.state_file is not set.
inline constexpr const char* kDefaultStateFile = "data/vigia-alerts.json";

}  // namespace vigia::alerting

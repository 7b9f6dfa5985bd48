#include "cmd/vigia/app.h"

#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>

#include "alerting/evaluator.h"
#include "alerting/forwarder.h"
#include "alerting/http_api.h"
#include "alerting/notify/api.h"
#include "alerting/notify/notifier.h"
#include "alerting/notify/silence_command.h"
#include "alerting/promql/parser.h"
#include "alerting/promql/printer.h"
#include "alerting/query_command.h"
#include "cmd/vigia/areas.h"
#include "cmd/vigia/rule_commands.h"
#include "core/area.h"
#include "core/config.h"
#include "core/exporter_http.h"
#include "core/exposition.h"
#include "core/flags.h"
#include "core/http_server.h"
#include "core/log.h"
#include "core/process_collector.h"
#include "core/registry.h"
#include "core/self_metrics.h"
#include "core/web_config.h"
#include "core/yaml_reader.h"

namespace vigia {
namespace {

constexpr const char* kDefaultListen = ":9910";

struct Options {
  std::string config_file;
  std::string listen = kDefaultListen;
  std::string log_level = "info";
  std::string log_format = "logfmt";
  std::string external_url;
  bool version = false;
  bool help = false;
  bool disable_defaults = false;
  std::vector<std::pair<std::string, bool>> collector_switches;
  HttpLimitFlags web;
  std::string web_config_file;
  // vigia query
  std::string query_url;
  std::string query_timeout = "10s";
  std::string query_time;
  std::vector<std::string> scrape_urls;
  // vigia silence
  notify::SilenceCommand silence;
};

void add_flags(FlagSet& fs, Options& o, AreaList& areas) {
  fs.add_string("config.file", "vigia configuration file (YAML).", &o.config_file);
  fs.add_string("web.listen-address", "Address on which to expose metrics and the web interface.", &o.listen);
  add_http_limit_flags(fs, o.web);
  fs.add_string("web.config.file",
                "Path to a web configuration file (exporter-toolkit's web-config.yml) that enables TLS, "
                "client certificates, basic authentication and response headers on every endpoint.",
                &o.web_config_file);
  fs.add_string("web.external-url",
                "The URL under which vigia is reached from outside (links in notifications: generatorURL, "
                "externalURL).",
                &o.external_url);
  fs.add_string("log.level", "Only log messages with the given severity or above: debug, info, warn, error.",
                &o.log_level);
  fs.add_string("log.format", "Output format of log messages: logfmt or json.", &o.log_format);
  for (auto& a : areas) a->add_flags(fs);
  fs.add_bool("collector.disable-defaults", "Set all collectors to disabled by default.",
              &o.disable_defaults);
  fs.add_string(
      "query.url",
      "vigia query: Prometheus-compatible API to query (e.g. http://localhost:9090); "
      "without it, vigia's own collectors are collected twice, a second apart, and queried locally.",
      &o.query_url);
  fs.add_string("query.timeout", "vigia query: timeout of the query (and of each local collection).",
                &o.query_timeout);
  fs.add_string("time", "vigia query: evaluation time (RFC3339 or Unix timestamp); default now.",
                &o.query_time);
  fs.add_list("scrape.url", "vigia query (local): also scrape this exporter's /metrics URL (job=\"scrape\").",
              &o.scrape_urls);
  fs.add_string("alertmanager.url",
                "vigia silence: the Alertmanager API v2 to talk to (vigia's own or an Alertmanager's).",
                &o.silence.url);
  fs.add_string("comment", "vigia silence add: the silence's comment.", &o.silence.comment);
  fs.add_string("author", "vigia silence add: the silence's author (default: $USER).", &o.silence.author);
  fs.add_string("duration", "vigia silence add: how long the silence lasts.", &o.silence.duration);
  fs.add_bool("quiet", "vigia silence query: print only the silences' ids.", &o.silence.quiet);
  fs.add_bool("version", "Show application version.", &o.version);
  fs.add_bool("help", "Show this help.", &o.help);
  fs.add_prefix(
      "collector.", "Enable (or with no-, disable) the named collector.",
      [&o](std::string_view rest, bool negated, std::string_view value, bool has_value) -> std::string {
        bool on = !negated;
        if (has_value) {
          if (value == "false")
            on = negated;
          else if (value != "true")
            return "expected true or false";
        }
        o.collector_switches.emplace_back(std::string(rest), on);
        return "";
      });
}

// The top-level keys of vigia.yml besides `alerting`: the areas' and `notify`.
std::vector<std::string> config_sections(const AreaList& areas) {
  std::vector<std::string> keys = area_sections(areas);
  keys.push_back("notify");
  return keys;
}

volatile sig_atomic_t g_stop = 0;
volatile sig_atomic_t g_reload = 0;
extern "C" void on_signal(int) { g_stop = 1; }
extern "C" void on_hup(int) { g_reload = 1; }

// The collectors of a role: the areas' (when `exporters`) and the process
// collector, switched by the configuration file and the flags. Returns 0, or
// the exit status after printing the error.
int build_catalog(const Options& o, const AreaList& areas, bool exporters, CollectorCatalog& catalog,
                  std::vector<std::shared_ptr<TargetCollector>>& probes,
                  std::vector<std::shared_ptr<ModuleProber>>* module_probers = nullptr) {
  if (Status st = add_area_collectors(areas, exporters, catalog, probes, module_probers); !st.is_ok()) {
    log::error(st.message());
    return 1;
  }
  catalog.add("process", true, [] { return std::make_unique<ProcessCollector>(); });
  if (o.disable_defaults) catalog.disable_defaults();
  for (const auto& [name, on] : o.collector_switches)
    if (!catalog.set_enabled(name, on)) {
      std::fprintf(stderr, "vigia: unknown collector \"%s\"\n", name.c_str());
      return 2;
    }
  return 0;
}

// job="vigia", instance="<host>:<port>" (localhost when listening on every
// address): the labels of vigia's own series in its embedded store.
std::vector<std::pair<std::string, std::string>> self_labels(const Options& o) {
  std::string host, port_str = "9910";
  int port = 0;
  if (split_listen_address(o.listen, host, port)) port_str = std::to_string(port);
  return {{"instance", (host.empty() ? "localhost" : host) + ":" + port_str}, {"job", "vigia"}};
}

// vigia query EXPR: logic in alerting/query_command.cc.
int query(const Options& o, const AreaList& areas, const std::string& expr) {
  alerting::QueryCommand cmd;
  cmd.expr = expr;
  cmd.query_url = o.query_url;
  int64_t timeout_ms = 0;
  if (!promql::parse_duration(o.query_timeout, &timeout_ms) || timeout_ms <= 0) {
    std::fprintf(stderr, "vigia: error: --query.timeout: invalid duration \"%s\"\n", o.query_timeout.c_str());
    return 2;
  }
  cmd.timeout = std::chrono::milliseconds(timeout_ms);
  if (!o.query_time.empty()) {
    int64_t t = 0;
    if (!alerting::parse_time(o.query_time, t)) {
      std::fprintf(stderr, "vigia: error: --time: expected RFC3339 or a Unix timestamp, got \"%s\"\n",
                   o.query_time.c_str());
      return 2;
    }
    cmd.time_ms = t;
  }
  cmd.scrape_urls = o.scrape_urls;
  std::unique_ptr<CollectorRegistry> registry;
  if (o.query_url.empty()) {
    CollectorCatalog catalog;
    std::vector<std::shared_ptr<TargetCollector>> probes;
    if (int rc = build_catalog(o, areas, true, catalog, probes)) return rc;
    registry = std::make_unique<CollectorRegistry>(catalog.build());
    cmd.collect_self = [&registry](const CollectContext& ctx, MetricSink& s) { registry->collect(ctx, s); };
    cmd.self_labels = self_labels(o);
  }
  std::string out, err;
  int rc = alerting::run_query(cmd, out, err);
  std::fputs(out.c_str(), stdout);
  std::fputs(err.c_str(), stderr);
  return rc;
}

std::string directory_of(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

// The notify: section as the notifier takes it; its data (silences, outbox,
// notification log) beside the alert state file, in notify/.
Status notifier_options(const Options& o, const Config& cfg, notify::NotifierOptions& no) {
  no.config_dir = o.config_file.empty() ? "." : directory_of(o.config_file);
  std::string state = cfg.alerting.state_file.empty() ? alerting::kDefaultStateFile : cfg.alerting.state_file;
  if (state[0] != '/' && !o.config_file.empty() && !cfg.alerting.state_file.empty())
    state = no.config_dir + "/" + state;
  no.data_dir = directory_of(state) + "/notify";
  no.external_url = o.external_url;
  if (!no.external_url.empty() && no.external_url.back() == '/') no.external_url.pop_back();
  YAML::Node section = cfg.section("notify");
  no.configured = section.IsDefined() && !section.IsNull();
  if (!no.configured) return Status::ok();
  return notify::read_notify_config(YamlReader(cfg.file), section, no.config_dir, no.config);
}

// vigia notify test RECEIVER: one test notification to each integration of
// the receiver, now; prints each outcome. Exit status 1 if one failed.
int notify_test(const Options& o, const Config& cfg, const std::string& receiver) {
  notify::NotifierOptions no;
  Status ns = notifier_options(o, cfg, no);
  if (ns.is_ok() && !no.configured) ns = Status::error("no notify: section in the configuration");
  no.data_dir = "";  // a test touches no outbox or log
  std::unique_ptr<notify::Notifier> n;
  if (ns.is_ok()) ns = notify::Notifier::create(std::move(no), n);
  if (!ns.is_ok()) {
    std::fprintf(stderr, "vigia: error: notify: %s\n", ns.message().c_str());
    return 2;
  }
  std::vector<std::string> outcomes;
  if (!n->send_test(receiver, outcomes)) {
    std::fprintf(stderr, "vigia: error: no receiver named \"%s\"\n", receiver.c_str());
    return 2;
  }
  bool failed = false;
  for (const auto& line : outcomes) {
    std::printf("%s\n", line.c_str());
    failed = failed || line.find(": failed") != std::string::npos;
  }
  if (outcomes.empty()) std::printf("%s: no integrations\n", receiver.c_str());
  return failed ? 1 : 0;
}

// alerting.thresholds checked against the rules that read them, then
// exported as vigia_alert_threshold{threshold} (every mode: a Prometheus
// scraping `vigia exporter` reads them with rules/*.yml too).
Status apply_thresholds(const Options& o, const AlertingConfig& c) {
  Status st =
      alerting::Evaluator::check_thresholds(c, o.config_file.empty() ? "" : directory_of(o.config_file));
  if (!st.is_ok()) return st;
  std::vector<std::pair<std::string, double>> values;
  for (const auto& t : c.thresholds) values.emplace_back(t.name, t.value);
  set_alert_thresholds(values);
  return Status::ok();
}

// mode: "run" (exporters and the evaluator), "exporter", "alerts" (the
// evaluator and its API; /metrics serves only vigia's own metrics).
int serve(const Options& o, const Config& cfg, const AreaList& areas, const std::string& mode) {
  CollectorCatalog catalog;
  // Service targets are served by /metrics and, one at a time, by /probe.
  std::vector<std::shared_ptr<TargetCollector>> probes;
  std::vector<std::shared_ptr<ModuleProber>> module_probers;
  if (int rc = build_catalog(o, areas, mode != "alerts", catalog, probes, &module_probers)) return rc;
  CollectorRegistry registry(catalog.build());
  SharedScraper scraper(registry);
  if (Status ts = apply_thresholds(o, cfg.alerting); !ts.is_ok()) {
    std::fprintf(stderr, "vigia: error: %s\n", ts.message().c_str());
    return 2;
  }

  // alerting.alertmanagers: the alerts also go to external Alertmanagers.
  auto forwarder = alerting::Forwarder::create(mode == "exporter" ? AlertingConfig{} : cfg.alerting);
  std::unique_ptr<alerting::Evaluator> evaluator;
  std::unique_ptr<notify::Notifier> notifier;
  if (mode != "exporter") {
    notify::NotifierOptions no;
    Status ns = notifier_options(o, cfg, no);
    if (ns.is_ok()) ns = notify::Notifier::create(std::move(no), notifier);
    if (!ns.is_ok()) {
      std::fprintf(stderr, "vigia: error: notify: %s\n", ns.message().c_str());
      return 2;
    }
    alerting::EvaluatorOptions eo;
    eo.config = cfg.alerting;
    promql::LabelSet external(cfg.alerting.external_labels.begin(), cfg.alerting.external_labels.end());
    std::sort(external.begin(), external.end());
    std::string url = o.external_url;
    while (!url.empty() && url.back() == '/') url.pop_back();
    eo.notify = [n = notifier.get(), f = forwarder.get(), external, url](
                    const alerting::RuleDef& rule, const std::vector<alerting::Alert>& alerts) {
      // Without receivers, what the evaluator sends is logged as it is sent
      // (the notifier then logs each group it would notify, after group_wait).
      if (!n->configured())
        for (const auto& a : alerts)
          log::info(a.state == alerting::AlertState::kFiring ? "Alert firing" : "Alert resolved",
                    {{"alertname", rule.name}, {"labels", promql::labels_string(a.labels)}});
      // generatorURL: the expression as Prometheus prints it (TableLinkForExpression).
      auto out = notify::alerts_from_rule(rule.expr ? promql::print(*rule.expr) : rule.expr_text, alerts,
                                          external, url, n->now());
      if (f) f->send(out);
      n->put(out);
    };
    eo.config_dir = o.config_file.empty() ? "" : directory_of(o.config_file);
    if (mode == "run") {
      // The notifier's metrics too, so that the rules on notifications
      // (rules/vigia.yml) see them in the embedded store.
      eo.collect_self = [&registry, n = notifier.get(), f = forwarder.get()](const CollectContext& ctx,
                                                                             MetricSink& s) {
        registry.collect(ctx, s);
        n->write_metrics(s);
        if (f) f->write_metrics(s);
        write_alert_thresholds(s);
      };
      eo.self_labels = self_labels(o);
    }
    Status es = alerting::Evaluator::create(std::move(eo), evaluator);
    if (!es.is_ok()) {
      std::fprintf(stderr, "vigia: error: loading rules:\n%s\n", es.message().c_str());
      return 2;
    }
  }

  HttpServer::Options sopts;
  sopts.listen_address = o.listen;
  // Enough request threads that several Prometheus replicas, /probe scrapes of
  // each target and a dashboard's status checks arrive together and share one
  // collection rather than queueing behind it and starting another.
  sopts.threads = 16;
  Status ws = apply_http_limit_flags(o.web, sopts);
  if (ws.is_ok()) ws = apply_web_config_file(o.web_config_file, sopts);
  if (!ws.is_ok()) {
    std::fprintf(stderr, "vigia: %s\n", ws.message().c_str());
    return 2;
  }
  HttpServer server(sopts);
  scraper.set_extra([&evaluator, &notifier, &forwarder, &server](MetricSink& sink) {
    server.write_metrics(sink);
    write_alert_thresholds(sink);
    if (evaluator) evaluator->write_metrics(sink);
    if (notifier) notifier->write_metrics(sink);
    if (forwarder) forwarder->write_metrics(sink);
  });
  ExporterEndpoints endpoints{scraper, registry.names(), probes, catalog.list(), {}, module_probers};
  if (evaluator) {
    endpoints.links = alerting::alerting_api_links();
    alerting::serve_alerting_api(server, *evaluator);
  }
  // SIGHUP and POST /-/reload: the rule files and the notify section anew,
  // both checked before either is applied; on an error the old ones keep
  // running. (The areas' sections and the other flags take a restart.)
  std::mutex reload_mu;
  auto reload = [&]() -> Status {
    std::lock_guard lk(reload_mu);
    if (o.config_file.empty()) return Status::ok();
    Config next;
    Status st = load_config_file(o.config_file, config_sections(areas), next);
    notify::NotifierOptions no;
    if (st.is_ok()) st = notifier_options(o, next, no);
    std::shared_ptr<notify::NotifyPlan> plan;
    if (st.is_ok() && notifier) st = notify::build_notify_plan(no, plan);
    if (st.is_ok()) st = alerting::Evaluator::check_thresholds(next.alerting, directory_of(o.config_file));
    if (st.is_ok() && evaluator) st = evaluator->reload_rules(next.alerting.rule_files);
    if (st.is_ok() && notifier) st = notifier->reload(std::move(no));
    if (st.is_ok()) st = apply_thresholds(o, next.alerting);
    if (st.is_ok())
      log::info("Completed loading of configuration file", {{"file", o.config_file}});
    else
      log::error("Loading configuration file failed", {{"file", o.config_file}, {"err", st.message()}});
    return st;
  };
  server.handle("/-/reload", [&reload](const HttpRequest& req, HttpResponse& resp) {
    if (req.method != "POST" && req.method != "PUT") {
      resp.status = 405;
      resp.body = "Only POST or PUT requests allowed\n";
      return;
    }
    Status st = reload();
    if (!st.is_ok()) {
      resp.status = 500;
      resp.body = "failed to reload config: " + st.message() + "\n";
    }
  });
  if (notifier) {
    for (auto& l : notify::notify_api_links()) endpoints.links.push_back(l);
    if (!notifier->configured())
      endpoints.links.emplace_back(
          "#", "No receiver is configured (no notify: section): notifications are logged");
    notify::serve_notify_api(server, *notifier);
  }
  serve_exporter(server, endpoints);

  Status st = server.start();
  if (!st.is_ok()) {
    log::error(st.message());
    return 1;
  }
  if (notifier) notifier->start();
  if (forwarder) forwarder->start();
  if (evaluator) {
    evaluator->start();
    std::string files;
    for (const auto& f : evaluator->rule_files()) files += (files.empty() ? "" : ",") + f;
    log::info("Evaluating rules", {{"files", files}});
  }
  std::string addr = o.listen;
  if (size_t c = addr.rfind(':'); c != std::string::npos)
    addr = addr.substr(0, c + 1) + std::to_string(server.port());
  std::string scheme = sopts.tls.enabled() ? "https://" : "http://";
  log::info(
      "Listening on",
      {{"address", addr}, {"metrics", scheme + (addr[0] == ':' ? "localhost" + addr : addr) + "/metrics"}});
  log::info(sopts.tls.enabled() ? "TLS is enabled." : "TLS is disabled.",
            {{"http2", "false"}, {"address", addr}});

  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  struct sigaction hup {};
  hup.sa_handler = on_hup;
  sigemptyset(&hup.sa_mask);
  sigaction(SIGHUP, &hup, nullptr);
  while (!g_stop) {
    pause();
    if (g_reload) {
      g_reload = 0;
      (void)reload();
    }
  }
  log::info("Shutting down");
  // Collections in flight (the evaluator's, scrapes') may be waiting on a hung
  // server: interrupt them before anything joins a thread that runs one.
  if (evaluator) evaluator->request_stop();
  registry.interrupt();
  if (evaluator) evaluator->stop();
  if (forwarder) forwarder->stop();
  server.stop();
  if (notifier) notifier->stop();
  log::info("Stopped");
  return 0;
}

}  // namespace

int app_main(const std::vector<std::string>& args) {
  Options o;
  FlagSet fs;
  AreaList areas = make_areas();
  add_flags(fs, o, areas);
  std::vector<std::string> pos;
  Status st = fs.parse(args, pos);
  if (!st.is_ok()) {
    std::fprintf(stderr, "vigia: error: %s, try --help\n", st.message().c_str());
    return 2;
  }
  if (o.help) {
    std::fputs(
        fs.usage("vigia",
                 "vigia serves host and service metrics for Prometheus and evaluates alert rules.\n\n"
                 "Commands:\n"
                 "  run              (default) serve exporters and evaluate alerts\n"
                 "  exporter         only serve metrics\n"
                 "  alerts           only evaluate rules (alerting.scrape jobs or alerting.query_url)\n"
                 "  check config     validate the configuration file and exit\n"
                 "  check rules F... check rule files as promtool check rules does\n"
                 "  test rules F...  run rule unit tests (promtool test rules format)\n"
                 "  notify test R    send a test notification to each integration of receiver R\n"
                 "  silence add M... | query [M...] | expire ID...\n"
                 "                   silences as amtool's, against --alertmanager.url (default: this vigia)\n"
                 "  query EXPR       evaluate one PromQL instant query and print it as promtool does:\n"
                 "                   against --query.url, or locally on vigia's own collectors,\n"
                 "                   collected twice a second apart (so rate() has two points)")
            .c_str(),
        stdout);
    return 0;
  }
  if (o.version) {
    std::printf("vigia, version %s\n", VIGIA_VERSION);
    return 0;
  }
  log::Level level;
  log::Format format;
  if (!log::parse_level(o.log_level, level)) {
    std::fprintf(stderr, "vigia: error: --log.level: unknown level \"%s\"\n", o.log_level.c_str());
    return 2;
  }
  if (!log::parse_format(o.log_format, format)) {
    std::fprintf(stderr, "vigia: error: --log.format: unknown format \"%s\"\n", o.log_format.c_str());
    return 2;
  }
  log::configure(level, format);

  std::string command = pos.empty() ? "run" : pos[0];
  Config cfg;
  Status cs =
      o.config_file.empty() ? Status::ok() : load_config_file(o.config_file, config_sections(areas), cfg);
  if (cs.is_ok()) cs = read_area_configs(areas, cfg);
  if (!cs.is_ok()) {
    std::fprintf(stderr, "vigia: error: %s\n", cs.message().c_str());
    return 2;
  }
  if (command == "check" && pos.size() >= 2 && pos[1] == "rules") {
    if (pos.size() < 3) {
      std::fprintf(stderr, "vigia: error: usage: vigia check rules FILE...\n");
      return 2;
    }
    return check_rules({pos.begin() + 2, pos.end()});
  }
  if (command == "test") {
    if (pos.size() < 3 || pos[1] != "rules") {
      std::fprintf(stderr, "vigia: error: usage: vigia test rules FILE...\n");
      return 2;
    }
    return test_rules({pos.begin() + 2, pos.end()});
  }
  if (command == "check") {
    if (pos.size() < 2 || pos[1] != "config") {
      std::fprintf(stderr, "vigia: error: usage: vigia check config|rules ...\n");
      return 2;
    }
    if (o.config_file.empty() && o.web_config_file.empty()) {
      std::fprintf(stderr, "vigia: error: check config needs --config.file or --web.config.file\n");
      return 2;
    }
    if (!o.web_config_file.empty()) {  // read as `vigia run` reads it: certificates and keys too
      HttpServer::Options wo;
      if (Status ws = apply_web_config_file(o.web_config_file, wo); !ws.is_ok()) {
        std::fprintf(stderr, "vigia: error: %s\n", ws.message().c_str());
        return 2;
      }
      std::printf("Checking %s\n  SUCCESS\n", o.web_config_file.c_str());
      if (o.config_file.empty()) return 0;
    }
    // Every area's section was read above, as `vigia run` reads it.
    // The rule files it names load as `vigia run` would load them.
    std::vector<std::string> files;
    std::vector<std::string> errs =
        alerting::expand_rule_globs(cfg.alerting.rule_files, directory_of(o.config_file), files);
    std::vector<alerting::GroupDef> groups;
    for (const auto& f : files) {
      auto fe = alerting::load_rule_file(f, groups);
      errs.insert(errs.end(), fe.begin(), fe.end());
    }
    if (!errs.empty()) {
      std::fprintf(stderr, "vigia: error: alerting.rule_files:\n");
      for (const auto& e : errs) std::fprintf(stderr, "%s\n", e.c_str());
      return 2;
    }
    if (Status ts = alerting::Evaluator::check_thresholds(cfg.alerting, directory_of(o.config_file));
        !ts.is_ok()) {
      std::fprintf(stderr, "vigia: error: %s\n", ts.message().c_str());
      return 2;
    }
    // The notify section, its receivers' integrations and templates, as
    // `amtool check-config` checks an alertmanager.yml.
    notify::NotifierOptions no;
    Status ns = notifier_options(o, cfg, no);
    std::shared_ptr<notify::NotifyPlan> plan;
    if (ns.is_ok()) ns = notify::build_notify_plan(no, plan);
    if (!ns.is_ok()) {
      std::fprintf(stderr, "vigia: error: notify: %s\n", ns.message().c_str());
      return 2;
    }
    std::printf("Checking %s\n  SUCCESS\n", o.config_file.c_str());
    return 0;
  }
  if (command == "run" || command == "exporter" || command == "alerts") return serve(o, cfg, areas, command);
  if (command == "silence") {
    notify::SilenceCommand sc = o.silence;
    if (sc.url.empty()) {
      std::string host;
      int port = 9910;
      split_listen_address(o.listen, host, port);
      sc.url = "http://" + (host.empty() ? std::string("localhost") : host) + ":" + std::to_string(port);
    }
    while (!sc.url.empty() && sc.url.back() == '/') sc.url.pop_back();
    sc.args.assign(pos.begin() + 1, pos.end());
    std::string out, err;
    int rc = notify::run_silence_command(sc, out, err);
    std::fputs(out.c_str(), stdout);
    std::fputs(err.c_str(), stderr);
    return rc;
  }
  if (command == "notify") {
    if (pos.size() != 3 || pos[1] != "test") {
      std::fprintf(stderr, "vigia: error: usage: vigia notify test RECEIVER\n");
      return 2;
    }
    return notify_test(o, cfg, pos[2]);
  }
  if (command == "query") {
    if (pos.size() != 2) {
      std::fprintf(stderr, "vigia: error: usage: vigia query [--query.url=URL] [--time=T] EXPR\n");
      return 2;
    }
    return query(o, areas, pos[1]);
  }
  std::fprintf(stderr, "vigia: error: unknown command \"%s\", try --help\n", command.c_str());
  return 2;
}

}  // namespace vigia

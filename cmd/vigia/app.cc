#include "cmd/vigia/app.h"

#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "alerting/evaluator.h"
#include "alerting/promql/parser.h"
#include "alerting/query_command.h"
#include "alerting/rules/api.h"
#include "alerting/rules/rule_file.h"
#include "alerting/rules/rule_test.h"
#include "core/config.h"
#include "core/exposition.h"
#include "core/flags.h"
#include "core/http_server.h"
#include "core/log.h"
#include "core/process_collector.h"
#include "core/registry.h"
#include "exporters/host/host.h"
#include "cmd/vigia/modules.h"
#include "exporters/postgres/target_config.h"

namespace vigia {
namespace {

constexpr const char* kDefaultListen = ":9910";
constexpr double kDefaultScrapeTimeout = 10.0;  // seconds, without the header
constexpr double kScrapeTimeoutMargin = 0.5;    // seconds kept for encoding and sending

struct Options {
  std::string config_file;
  std::string listen = kDefaultListen;
  std::string log_level = "info";
  std::string log_format = "logfmt";
  bool version = false;
  bool help = false;
  bool disable_defaults = false;
  std::vector<std::pair<std::string, bool>> collector_switches;
  host::HostOptions host;
  HttpLimitFlags web;
  // vigia query
  std::string query_url;
  std::string query_timeout = "10s";
  std::string query_time;
  std::vector<std::string> scrape_urls;
};

void add_flags(FlagSet& fs, Options& o) {
  fs.add_string("config.file", "vigia configuration file (YAML).", &o.config_file);
  fs.add_string("web.listen-address", "Address on which to expose metrics and the web interface.", &o.listen);
  add_http_limit_flags(fs, o.web);
  fs.add_string("log.level", "Only log messages with the given severity or above: debug, info, warn, error.", &o.log_level);
  fs.add_string("log.format", "Output format of log messages: logfmt or json.", &o.log_format);
  fs.add_string("path.procfs", "procfs mountpoint.", &o.host.paths.proc);
  fs.add_string("path.sysfs", "sysfs mountpoint.", &o.host.paths.sys);
  fs.add_string("path.rootfs", "rootfs mountpoint.", &o.host.paths.rootfs);
  fs.add_string("path.udev.data", "udev data path.", &o.host.paths.udev_data);
  fs.add_string("collector.filesystem.mount-points-exclude", "Regexp of mount points to exclude.", &o.host.fs_mount_points_exclude);
  fs.add_string("collector.filesystem.fs-types-exclude", "Regexp of filesystem types to exclude.", &o.host.fs_types_exclude);
  fs.add_string("collector.diskstats.device-exclude", "Regexp of diskstats devices to exclude.", &o.host.diskstats_device_exclude);
  fs.add_string("collector.netdev.device-exclude", "Regexp of net devices to exclude.", &o.host.netdev_device_exclude);
  fs.add_bool("collector.netdev.netlink", "Use netlink to gather stats instead of /proc/net/dev.", &o.host.netdev_netlink);
  fs.add_string("collector.netstat.fields", "Regexp of fields to return for the netstat collector.", &o.host.netstat_fields);
  fs.add_string("collector.vmstat.fields", "Regexp of fields to return for the vmstat collector.", &o.host.vmstat_fields);
  fs.add_bool("collector.disable-defaults", "Set all collectors to disabled by default.", &o.disable_defaults);
  fs.add_string("query.url", "vigia query: Prometheus-compatible API to query (e.g. http://localhost:9090); "
                "without it, vigia's own collectors are collected twice, a second apart, and queried locally.",
                &o.query_url);
  fs.add_string("query.timeout", "vigia query: timeout of the query (and of each local collection).", &o.query_timeout);
  fs.add_string("time", "vigia query: evaluation time (RFC3339 or Unix timestamp); default now.", &o.query_time);
  fs.add_list("scrape.url", "vigia query (local): also scrape this exporter's /metrics URL (job=\"scrape\").",
              &o.scrape_urls);
  fs.add_bool("version", "Show application version.", &o.version);
  fs.add_bool("help", "Show this help.", &o.help);
  fs.add_prefix("collector.", "Enable (or with no-, disable) the named collector.",
                [&o](std::string_view rest, bool negated, std::string_view value, bool has_value) -> std::string {
                  bool on = !negated;
                  if (has_value) {
                    if (value == "false") on = negated;
                    else if (value != "true") return "expected true or false";
                  }
                  o.collector_switches.emplace_back(std::string(rest), on);
                  return "";
                });
}

volatile sig_atomic_t g_stop = 0;
extern "C" void on_signal(int) { g_stop = 1; }

// Seconds from X-Prometheus-Scrape-Timeout-Seconds less a margin, or the default.
double scrape_timeout(const HttpRequest& req) {
  std::string_view h = req.header("X-Prometheus-Scrape-Timeout-Seconds");
  double t = 0;
  if (!h.empty() && parse_double(h, t) && t > 0) {
    double margin = std::min(kScrapeTimeoutMargin, t / 10);
    return t - margin;
  }
  return kDefaultScrapeTimeout;
}

std::string landing_page(const std::vector<std::pair<std::string, bool>>& collectors, bool evaluating) {
  std::string html =
      "<!DOCTYPE html><html><head><title>vigia</title></head><body>"
      "<h1>vigia</h1><p>Metrics exporter and alert evaluator. Version " VIGIA_VERSION "</p>"
      "<ul><li><a href=\"/metrics\">Metrics</a></li>"
      "<li><a href=\"/-/healthy\">Health</a></li><li><a href=\"/-/ready\">Readiness</a></li>";
  if (evaluating)
    html += "<li><a href=\"/api/v1/alerts\">Alerts</a></li><li><a href=\"/api/v1/rules\">Rules</a></li>";
  html += "</ul><h2>Collectors</h2><ul>";
  for (const auto& [name, on] : collectors) {
    if (!on) continue;
    html += "<li>" + name + "</li>";
  }
  html += "</ul></body></html>\n";
  return html;
}

// vigia query EXPR: logic in alerting/query_command.cc.
int query(const Options& o, const Config& cfg, const std::string& expr) {
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
      std::fprintf(stderr, "vigia: error: --time: expected RFC3339 or a Unix timestamp, got \"%s\"\n", o.query_time.c_str());
      return 2;
    }
    cmd.time_ms = t;
  }
  cmd.scrape_urls = o.scrape_urls;
  std::unique_ptr<CollectorRegistry> registry;
  if (o.query_url.empty()) {
    CollectorCatalog catalog;
    host::register_collectors(catalog, o.host);
    catalog.add("process", true, [] { return std::make_unique<ProcessCollector>(); });
    if (o.disable_defaults) catalog.disable_defaults();
    for (const auto& name : cfg.host.disabled_collectors) catalog.set_enabled(name, false);
    for (const auto& name : cfg.host.enabled_collectors) catalog.set_enabled(name, true);
    for (const auto& [name, on] : o.collector_switches) {
      if (!catalog.set_enabled(name, on)) {
        std::fprintf(stderr, "vigia: unknown collector \"%s\"\n", name.c_str());
        return 2;
      }
    }
    registry = std::make_unique<CollectorRegistry>(catalog.build());
    cmd.collect_self = [&registry](const CollectContext& ctx, MetricSink& s) { registry->collect(ctx, s); };
    std::string host, port_str = "9910";
    int port = 0;
    if (split_listen_address(o.listen, host, port)) port_str = std::to_string(port);
    cmd.self_labels = {{"instance", (host.empty() ? "localhost" : host) + ":" + port_str}, {"job", "vigia"}};
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

// vigia check rules FILE...: promtool check rules's output and exit status.
int check_rules(const std::vector<std::string>& files) {
  bool failed = false;
  for (const auto& f : files) {
    std::printf("Checking %s\n", f.c_str());
    std::vector<alerting::GroupDef> groups;
    std::vector<std::string> errs = alerting::load_rule_file(f, groups);
    if (errs.empty()) {
      size_t n = 0;
      for (const auto& g : groups) n += g.rules.size();
      std::printf("  SUCCESS: %zu rules found\n\n", n);
      continue;
    }
    failed = true;
    std::printf("\n");
    std::fflush(stdout);
    std::fprintf(stderr, "  FAILED:\n");
    for (const auto& e : errs) std::fprintf(stderr, "%s\n", e.c_str());
  }
  return failed ? 1 : 0;
}

// vigia test rules FILE...: promtool test rules's output and exit status.
int test_rules(const std::vector<std::string>& files) {
  bool failed = false;
  for (const auto& f : files) {
    std::string out;
    if (!alerting::run_rule_test_file(f, out)) failed = true;
    std::fputs(out.c_str(), stdout);
    std::fputs("\n", stdout);
  }
  return failed ? 1 : 0;
}

// mode: "run" (exporters and the evaluator), "exporter", "alerts" (the
// evaluator and its API; /metrics serves only vigia's own metrics).
int serve(const Options& o, const Config& cfg, const std::string& mode) {
  CollectorCatalog catalog;
  host::HostOptions hopts = o.host;
  if (mode != "alerts") host::register_collectors(catalog, hopts);
  catalog.add("process", true, [] { return std::make_unique<ProcessCollector>(); });
  std::vector<postgres::TargetConfig> pg_targets;
  if (Status ps = postgres::parse_targets(cfg.file, cfg.postgres, "postgres", pg_targets); !ps.is_ok()) {
    std::fprintf(stderr, "vigia: error: %s\n", ps.message().c_str());
    return 2;
  }
  std::vector<postgres::TargetConfig> bouncers;
  if (Status ps = postgres::parse_targets(cfg.file, cfg.pgbouncer, "pgbouncer", bouncers); !ps.is_ok()) {
    std::fprintf(stderr, "vigia: error: %s\n", ps.message().c_str());
    return 2;
  }
  // Service targets are served by /metrics and, one at a time, by /probe.
  // Their client libraries live in a module loaded only when targets exist.
  std::vector<std::shared_ptr<TargetCollector>> target_collectors;
  if (mode != "alerts" && (!pg_targets.empty() || !bouncers.empty())) {
    Status ms = add_postgres_module(pg_targets, bouncers, catalog, target_collectors);
    if (!ms.is_ok()) {
      log::error(ms.message());
      return 1;
    }
  }
  if (o.disable_defaults) catalog.disable_defaults();
  for (const auto& name : cfg.host.disabled_collectors) catalog.set_enabled(name, false);
  for (const auto& name : cfg.host.enabled_collectors) catalog.set_enabled(name, true);
  for (const auto& [name, on] : o.collector_switches)
    if (!catalog.set_enabled(name, on)) {
      std::fprintf(stderr, "vigia: unknown collector \"%s\"\n", name.c_str());
      return 2;
    }
  CollectorRegistry registry(catalog.build());
  SharedScraper scraper(registry);

  std::unique_ptr<alerting::Evaluator> evaluator;
  if (mode != "exporter") {
    alerting::EvaluatorOptions eo;
    eo.config = cfg.alerting;
    eo.config_dir = o.config_file.empty() ? "" : directory_of(o.config_file);
    if (mode == "run") {
      eo.collect_self = [&registry](const CollectContext& ctx, MetricSink& s) { registry.collect(ctx, s); };
      std::string host, port_str = "9910";
      int port = 0;
      if (split_listen_address(o.listen, host, port)) port_str = std::to_string(port);
      eo.self_labels = {{"instance", (host.empty() ? "localhost" : host) + ":" + port_str}, {"job", "vigia"}};
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
  if (Status ws = apply_http_limit_flags(o.web, sopts); !ws.is_ok()) {
    std::fprintf(stderr, "vigia: %s\n", ws.message().c_str());
    return 2;
  }
  HttpServer server(sopts);
  scraper.set_extra([&evaluator, &server](MetricSink& sink) {
    server.write_metrics(sink);
    if (evaluator) evaluator->write_metrics(sink);
  });
  std::string landing = landing_page(catalog.list(), mode != "exporter");
  server.handle("/", [&landing](const HttpRequest& req, HttpResponse& resp) {
    if (req.path != "/") {
      resp.status = 404;
      resp.body = "404 page not found\n";
      return;
    }
    resp.content_type = "text/html; charset=utf-8";
    resp.body = landing;
  });
  server.handle("/-/healthy", [](const HttpRequest&, HttpResponse& resp) { resp.body = "Healthy.\n"; });
  server.handle("/-/ready", [](const HttpRequest&, HttpResponse& resp) { resp.body = "Ready.\n"; });
  const std::vector<std::string> collector_names = registry.names();
  server.handle("/metrics", [&scraper, &collector_names](const HttpRequest& req, HttpResponse& resp) {
    std::vector<std::string> only = req.query_values("collect[]");
    for (const std::string& name : only)
      if (std::find(collector_names.begin(), collector_names.end(), name) == collector_names.end()) {
        // As node_exporter: a filter naming no enabled collector is the caller's error.
        resp.status = 400;
        resp.body = "Couldn't create filtered metrics handler: missing collector: " + name + "\n";
        return;
      }
    CollectContext ctx;
    ctx.deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(scrape_timeout(req)));
    auto text = scraper.scrape(ctx, only);
    resp.content_type = std::string(kTextContentType);
    if (accepts_gzip(req.header("Accept-Encoding"))) {
      std::string gz;
      if (gzip_compress(*text, gz, 1)) {
        resp.body = std::move(gz);
        resp.headers.emplace_back("Content-Encoding", "gzip");
        return;
      }
    }
    resp.shared_body = std::move(text);
  });

  server.handle("/probe", [&target_collectors](const HttpRequest& req, HttpResponse& resp) {
    std::string target = req.query_value("target");
    for (const auto& tc : target_collectors) {
      if (!tc->has_target(target)) continue;
      CollectContext ctx;
      ctx.deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                        std::chrono::duration<double>(scrape_timeout(req)));
      resp.body = encode_text([&](MetricSink& sink) { tc->collect_target(target, ctx, sink); });
      resp.content_type = std::string(kTextContentType);
      return;
    }
    resp.status = 400;
    resp.body = "unknown target \"" + target + "\"\n";
  });

  if (evaluator) {
    server.handle("/api/v1/rules", [&evaluator](const HttpRequest& req, HttpResponse& resp) {
      std::string type = req.query_value("type");
      resp.content_type = "application/json";
      if (!type.empty() && type != "alert" && type != "record") {
        resp.status = 400;
        resp.body = "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"unsupported type\"}";
        return;
      }
      resp.body = alerting::rules_api_json(evaluator->manager().snapshot(), type);
    });
    server.handle("/api/v1/alerts", [&evaluator](const HttpRequest&, HttpResponse& resp) {
      resp.content_type = "application/json";
      resp.body = alerting::alerts_api_json(evaluator->manager().snapshot());
    });
  }

  Status st = server.start();
  if (!st.is_ok()) {
    log::error(st.message());
    return 1;
  }
  if (evaluator) {
    evaluator->start();
    std::string files;
    for (const auto& f : evaluator->rule_files()) files += (files.empty() ? "" : ",") + f;
    log::info("Evaluating rules", {{"files", files}});
  }
  std::string addr = o.listen;
  if (size_t c = addr.rfind(':'); c != std::string::npos) addr = addr.substr(0, c + 1) + std::to_string(server.port());
  log::info("Listening on", {{"address", addr}, {"metrics", "http://" + (addr[0] == ':' ? "localhost" + addr : addr) + "/metrics"}});

  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  while (!g_stop) pause();
  log::info("Shutting down");
  // Collections in flight (the evaluator's, scrapes') may be waiting on a hung
  // server: interrupt them before anything joins a thread that runs one.
  if (evaluator) evaluator->request_stop();
  registry.interrupt();
  if (evaluator) evaluator->stop();
  server.stop();
  log::info("Stopped");
  return 0;
}

}  // namespace

int app_main(const std::vector<std::string>& args) {
  Options o;
  FlagSet fs;
  add_flags(fs, o);
  std::vector<std::string> pos;
  Status st = fs.parse(args, pos);
  if (!st.is_ok()) {
    std::fprintf(stderr, "vigia: error: %s, try --help\n", st.message().c_str());
    return 2;
  }
  if (o.help) {
    std::fputs(fs.usage("vigia",
                        "vigia serves host and service metrics for Prometheus and evaluates alert rules.\n\n"
                        "Commands:\n"
                        "  run              (default) serve exporters and evaluate alerts\n"
                        "  exporter         only serve metrics\n"
                        "  alerts           only evaluate rules (alerting.scrape jobs or alerting.query_url)\n"
                        "  check config     validate the configuration file and exit\n"
                        "  check rules F... check rule files as promtool check rules does\n"
                        "  test rules F...  run rule unit tests (promtool test rules format)\n"
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
  if (!o.config_file.empty()) {
    Status cs = load_config_file(o.config_file, cfg);
    if (!cs.is_ok()) {
      std::fprintf(stderr, "vigia: error: %s\n", cs.message().c_str());
      return 2;
    }
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
    if (o.config_file.empty()) {
      std::fprintf(stderr, "vigia: error: check config needs --config.file\n");
      return 2;
    }
    std::vector<postgres::TargetConfig> pg_targets;
    if (Status ps = postgres::parse_targets(cfg.file, cfg.postgres, "postgres", pg_targets); !ps.is_ok()) {
      std::fprintf(stderr, "vigia: error: %s\n", ps.message().c_str());
      return 2;
    }
    if (Status ps = postgres::parse_targets(cfg.file, cfg.pgbouncer, "pgbouncer", pg_targets); !ps.is_ok()) {
      std::fprintf(stderr, "vigia: error: %s\n", ps.message().c_str());
      return 2;
    }
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
    std::printf("Checking %s\n  SUCCESS\n", o.config_file.c_str());
    return 0;
  }
  if (command == "run" || command == "exporter" || command == "alerts") return serve(o, cfg, command);
  if (command == "query") {
    if (pos.size() != 2) {
      std::fprintf(stderr, "vigia: error: usage: vigia query [--query.url=URL] [--time=T] EXPR\n");
      return 2;
    }
    return query(o, cfg, pos[1]);
  }
  std::fprintf(stderr, "vigia: error: unknown command \"%s\", try --help\n", command.c_str());
  return 2;
}

}  // namespace vigia

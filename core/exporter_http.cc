#include "core/exporter_http.h"

#include <algorithm>

#include "core/exposition.h"
#include "core/fs.h"
#include "core/self_metrics.h"

namespace vigia {
namespace {

constexpr double kDefaultScrapeTimeout = 10.0;  // seconds, without the header
constexpr double kScrapeTimeoutMargin = 0.5;    // seconds kept for encoding and sending

CollectContext context_for(const HttpRequest& req) {
  CollectContext ctx;
  ctx.deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(scrape_timeout(req)));
  return ctx;
}

// One target of a service collector as a collector of its own, so that /probe
// goes through the registry as /metrics does (timing, guard,
// vigia_collector_*).
class ProbeCollector final : public Collector {
 public:
  ProbeCollector(std::shared_ptr<TargetCollector> c, std::string target)
      : c_(std::move(c)), target_(std::move(target)) {}
  std::string_view name() const override { return c_->name(); }
  bool concurrent() const override { return true; }
  Status collect(const CollectContext& ctx, MetricSink& sink) override {
    return c_->collect_target(target_, ctx, sink);
  }

 private:
  std::shared_ptr<TargetCollector> c_;
  std::string target_;
};

}  // namespace

double scrape_timeout(const HttpRequest& req) {
  std::string_view h = req.header("X-Prometheus-Scrape-Timeout-Seconds");
  double t = 0;
  if (!h.empty() && parse_double(h, t) && t > 0) {
    double margin = std::min(kScrapeTimeoutMargin, t / 10);
    return t - margin;
  }
  return kDefaultScrapeTimeout;
}

std::string landing_page(const std::vector<std::pair<std::string, bool>>& collectors,
                         const std::vector<std::pair<std::string, std::string>>& links) {
  std::string html =
      "<!DOCTYPE html><html><head><title>vigia</title></head><body>"
      "<h1>vigia</h1><p>Metrics exporter and alert evaluator. Version " VIGIA_VERSION
      "</p>"
      "<ul><li><a href=\"/metrics\">Metrics</a></li>"
      "<li><a href=\"/-/healthy\">Health</a></li><li><a href=\"/-/ready\">Readiness</a></li>";
  for (const auto& [href, title] : links) html += "<li><a href=\"" + href + "\">" + title + "</a></li>";
  html += "</ul><h2>Collectors</h2><ul>";
  for (const auto& [name, on] : collectors) {
    if (!on) continue;
    html += "<li>" + name + "</li>";
  }
  html += "</ul></body></html>\n";
  return html;
}

void serve_exporter(HttpServer& server, const ExporterEndpoints& e) {
  server.handle("/", instrument("/", [landing = landing_page(e.catalog, e.links)](const HttpRequest& req,
                                                                                  HttpResponse& resp) {
                  if (req.path != "/") {
                    resp.status = 404;
                    resp.body = "404 page not found\n";
                    return;
                  }
                  resp.content_type = "text/html; charset=utf-8";
                  resp.body = landing;
                }));
  server.handle("/-/healthy", instrument("/-/healthy", [](const HttpRequest&, HttpResponse& resp) {
                  resp.body = "Healthy.\n";
                }));
  server.handle("/-/ready", instrument("/-/ready", [](const HttpRequest&, HttpResponse& resp) {
                  resp.body = "Ready.\n";
                }));
  server.handle("/metrics", instrument("/metrics", [&e](const HttpRequest& req, HttpResponse& resp) {
                  std::vector<std::string> only = req.query_values("collect[]");
                  for (const std::string& name : only)
                    if (std::find(e.collectors.begin(), e.collectors.end(), name) == e.collectors.end()) {
                      // As node_exporter: a filter naming no enabled collector is the caller's error.
                      resp.status = 400;
                      resp.body =
                          "Couldn't create filtered metrics handler: missing collector: " + name + "\n";
                      return;
                    }
                  auto text = e.scraper.scrape(context_for(req), only);
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
                }));
  server.handle("/probe", instrument("/probe", [&e](const HttpRequest& req, HttpResponse& resp) {
                  std::string target = req.query_value("target");
                  std::string module = req.query_value("module");
                  auto text_answer = [&](int status, std::string body) {
                    resp.status = status;
                    resp.body = std::move(body);
                  };
                  // With a module: blackbox_exporter's probe of any target. Its errors and
                  // statuses are blackbox_exporter's.
                  auto probe_module = [&](const std::string& m) {
                    if (target.empty()) return text_answer(400, "Target parameter is missing\n");
                    for (const auto& mp : e.module_probers) {
                      if (!mp->has_module(m)) continue;
                      CollectContext ctx = context_for(req);
                      resp.body =
                          encode_text([&](MetricSink& sink) { (void)mp->probe(target, m, ctx, sink); });
                      resp.content_type = std::string(kTextContentType);
                      return;
                    }
                    text_answer(400, "Unknown module \"" + m + "\"\n");
                  };
                  if (!module.empty()) return probe_module(module);
                  for (const auto& tc : e.probes) {
                    if (!tc->has_target(target)) continue;
                    CollectorRegistry one;
                    one.add(std::make_unique<ProbeCollector>(tc, target));
                    CollectContext ctx = context_for(req);
                    resp.body = encode_text([&](MetricSink& sink) { one.collect(ctx, sink); });
                    resp.content_type = std::string(kTextContentType);
                    return;
                  }
                  // blackbox_exporter's default module, when one is configured under its name.
                  for (const auto& mp : e.module_probers)
                    if (mp->has_module("http_2xx")) return probe_module("http_2xx");
                  text_answer(400, "unknown target \"" + target + "\"\n");
                }));
}

}  // namespace vigia

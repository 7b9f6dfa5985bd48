// The exporter's HTTP endpoints: /metrics (every enabled collector, shared by
// concurrent scrapes), /probe?target=NAME (one service target, without its
// target label), /probe?target=X&module=M (one probe of a module prober, as
// blackbox_exporter answers it), the landing page, /-/healthy and /-/ready.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/collector.h"
#include "core/http_server.h"
#include "core/registry.h"

namespace vigia {

// The scrape's time budget in seconds: X-Prometheus-Scrape-Timeout-Seconds
// less min(0.5 s, 10 %), or 10 s without the header.
double scrape_timeout(const HttpRequest& req);

struct ExporterEndpoints {
  SharedScraper& scraper;
  std::vector<std::string> collectors;  // the registry's, for ?collect[]=
  std::vector<std::shared_ptr<TargetCollector>> probes;
  // Landing page: the enabled collectors and links to these endpoints, plus
  // `links` ({href, title}: the evaluator's APIs when it runs).
  std::vector<std::pair<std::string, bool>> catalog;
  std::vector<std::pair<std::string, std::string>> links;
  // /probe?target=X&module=M (blackbox_exporter's probes).
  std::vector<std::shared_ptr<ModuleProber>> module_probers;
};

// Registers the handlers on server. `e` must outlive the server's handlers.
void serve_exporter(HttpServer& server, const ExporterEndpoints& e);

// The landing page's HTML.
std::string landing_page(const std::vector<std::pair<std::string, bool>>& collectors,
                         const std::vector<std::pair<std::string, std::string>>& links);

}  // namespace vigia

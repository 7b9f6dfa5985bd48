#include "alerting/http_api.h"

#include "alerting/rules/api.h"
#include "core/self_metrics.h"

namespace vigia::alerting {

void serve_alerting_api(HttpServer& server, Evaluator& evaluator) {
  server.handle(
      "/api/v1/rules", instrument("/api/v1/rules", [&evaluator](const HttpRequest& req, HttpResponse& resp) {
        std::string type = req.query_value("type");
        resp.content_type = "application/json";
        if (!type.empty() && type != "alert" && type != "record") {
          resp.status = 400;
          resp.body = "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"unsupported type\"}";
          return;
        }
        resp.body = rules_api_json(evaluator.manager().snapshot(), type);
      }));
  server.handle("/api/v1/alerts",
                instrument("/api/v1/alerts", [&evaluator](const HttpRequest&, HttpResponse& resp) {
                  resp.content_type = "application/json";
                  resp.body = alerts_api_json(evaluator.manager().snapshot());
                }));
}

std::vector<std::pair<std::string, std::string>> alerting_api_links() {
  return {{"/api/v1/alerts", "Alerts"}, {"/api/v1/rules", "Rules"}};
}

}  // namespace vigia::alerting

#include "exporters/nginx/nginx.h"

#include <algorithm>
#include <set>

#include "core/http_client.h"
#include "core/target_list.h"
#include "exporters/nginx/stub_status.h"

namespace vigia::nginx {
namespace {

constexpr const char* kUpMetric = "nginx_up";
constexpr const char* kUpHelp = "Status of the last metric scrape";
// A stub_status page is about 100 bytes: a larger body is not one, and is not
// read further.
constexpr size_t kMaxBody = 64 << 10;

class NginxTarget final : public ServiceTarget {
 public:
  explicit NginxTarget(TargetConfig cfg) : cfg_(std::move(cfg)) {}
  const std::string& name() const override { return cfg_.name; }
  // Shutdown: a request to a slow nginx is abandoned at once.
  void interrupt() override { client_.interrupt(); }

  Status collect(const CollectContext& ctx, MetricSink& sink) override {
    StubStatus s;
    Status st = fetch(ctx, s);
    sink.gauge(kUpMetric, kUpHelp, st.is_ok() ? 1 : 0);
    if (!st.is_ok()) return st;
    auto gauge = [&](const char* name, const char* help, uint64_t v) {
      sink.gauge(name, help, static_cast<double>(v));
    };
    auto counter = [&](const char* name, const char* help, uint64_t v) {
      sink.counter(name, help, static_cast<double>(v));
    };
    gauge("nginx_connections_active", "Active client connections", s.active);
    counter("nginx_connections_accepted", "Accepted client connections", s.accepted);
    counter("nginx_connections_handled", "Handled client connections", s.handled);
    gauge("nginx_connections_reading", "Connections where NGINX is reading the request header", s.reading);
    gauge("nginx_connections_writing", "Connections where NGINX is writing the response back to the client",
          s.writing);
    gauge("nginx_connections_waiting", "Idle client connections", s.waiting);
    counter("nginx_http_requests_total", "Total http requests", s.requests);
    return Status::ok();
  }

 private:
  Status fetch(const CollectContext& ctx, StubStatus& s) {
    HttpClientRequest req;
    req.url = cfg_.url;
    // Bounded by the scrape's deadline; at least 1 ms, as libcurl reads 0 as
    // "no timeout".
    req.timeout = std::max(ctx.remaining(), std::chrono::milliseconds(1));
    req.max_body_bytes = kMaxBody;
    std::string password;
    if (!cfg_.username.empty()) {
      if (Status st = load_secret(cfg_.password, password); !st.is_ok())
        return Status::error(cfg_.url + ": " + st.message());
      req.headers.emplace_back("Authorization", basic_auth_header(cfg_.username, password));
    }
    HttpClientResponse resp = client_.fetch(req);
    if (!resp.ok()) return Status::error(redact(resp.error, password));
    if (resp.status != 200)
      return Status::error(cfg_.url + ": expected 200 response, got " + std::to_string(resp.status));
    if (Status st = parse_stub_status(resp.body, s); !st.is_ok())
      return Status::error(cfg_.url + ": " + st.message());
    return Status::ok();
  }

  TargetConfig cfg_;
  HttpClient client_;  // one collection at a time: the target's worker thread
};

}  // namespace

std::vector<TargetConfig> read_targets(const YamlReader& r, const YAML::Node& n, std::string_view section) {
  std::vector<TargetConfig> out;
  r.read_named_list(n, section, "target", {"name", "url", "username", "password_file", "password_env"},
                    [&](const YAML::Node& item, const std::string& what, const std::string& name) {
                      TargetConfig t;
                      t.name = name;
                      if (!item["url"]) r.fail(item, what + ": missing key 'url'");
                      t.url = r.get_http_url(item["url"], what + ".url",
                                             "expected an http:// or https:// URL of a stub_status page");
                      t.password = read_basic_auth(r, item, what, t.username);
                      out.push_back(std::move(t));
                    });
  return out;
}

std::shared_ptr<ServiceCollector> make_collector(const std::vector<TargetConfig>& targets) {
  std::vector<std::unique_ptr<ServiceTarget>> ts;
  for (const TargetConfig& t : targets) ts.push_back(std::make_unique<NginxTarget>(t));
  return std::make_shared<ServiceCollector>(ServiceArea{"nginx", kUpMetric, kUpHelp}, std::move(ts));
}

}  // namespace vigia::nginx

#include "exporters/container/docker_client.h"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <vector>

namespace vigia::container {
namespace {

constexpr auto kMinGap = std::chrono::seconds(2);
constexpr auto kMargin = std::chrono::milliseconds(200);  // left to the rest of the scrape

}  // namespace

Status resolve_docker_endpoint(std::string_view configured, const char* docker_host, DockerOptions& o) {
  std::string_view v = configured;
  o.configured = true;
  if (v.empty() && docker_host && *docker_host) v = docker_host;
  if (v.empty()) {
    o.configured = false;
    return Status::ok();
  }
  if (v.starts_with("unix://")) v.remove_prefix(7);
  if (v.starts_with("tcp://")) {
    o.socket.clear();
    o.base_url = "http://" + std::string(v.substr(6));
    while (!o.base_url.empty() && o.base_url.back() == '/') o.base_url.pop_back();
    return Status::ok();
  }
  if (v.empty() || v[0] != '/' || v.find("://") != std::string_view::npos)
    return Status::error("docker endpoint \"" + std::string(v) +
                         "\": expected a socket path, unix:///path or tcp://host:port");
  o.socket = std::string(v);
  o.base_url = "http://docker";
  return Status::ok();
}

Status docker_get(HttpClient& http, const DockerOptions& o, std::string_view path,
                  std::chrono::milliseconds timeout, std::string& body) {
  HttpClientRequest req;
  req.url = o.base_url + std::string(path);
  req.unix_socket = o.socket;
  req.timeout = timeout;
  req.accept_gzip = false;
  req.max_body_bytes = 32 << 20;
  HttpClientResponse resp = http.fetch(req);
  std::string where = o.socket.empty() ? o.base_url : o.socket;
  if (!resp.ok()) return Status::error("docker (" + where + "): " + resp.error);
  if (resp.status != 200)
    return Status::error("docker (" + where + "): " + std::string(path) + ": HTTP status " +
                         std::to_string(resp.status));
  body = std::move(resp.body);
  return Status::ok();
}

DockerCache::DockerCache(DockerOptions o) : opts_(std::move(o)) {}
DockerCache::~DockerCache() = default;

void DockerCache::interrupt() {
  // Not under mu_: a fetch in flight holds it. HttpClient::interrupt() may be
  // called from any thread; the client, once made, lives as long as the cache.
  interrupted_ = true;
  if (HttpClient* c = live_.load()) c->interrupt();
}

Status DockerCache::get(std::string_view path, const CollectContext& ctx, std::string& body) {
  auto left = ctx.remaining() - kMargin;
  if (left <= std::chrono::milliseconds(0))
    return Status::error("docker: no time left before the scrape's deadline");
  if (interrupted_) return Status::error("docker: interrupted");
  if (!http_) {
    http_ = std::make_unique<HttpClient>();
    live_ = http_.get();
    if (interrupted_) http_->interrupt();
  }
  return docker_get(*http_, opts_, path,
                    std::min(opts_.timeout, std::chrono::duration_cast<std::chrono::milliseconds>(left)),
                    body);
}

Status DockerCache::refresh(const CollectContext& ctx, bool unknown_seen) {
  std::lock_guard lock(mu_);
  auto now = Clock::now();
  bool any_dirty = false;
  for (auto& [id, e] : containers_) any_dirty |= e.dirty;
  bool due = !attempted_ || now - last_attempt_ >= opts_.refresh_interval ||
             ((unknown_seen || any_dirty) && last_.is_ok() && now - last_attempt_ >= kMinGap);
  if (!due) return last_;
  attempted_ = true;
  last_attempt_ = now;
  last_ = do_refresh(ctx);
  return last_;
}

Status DockerCache::do_refresh(const CollectContext& ctx) {
  if (!opts_.socket.empty()) {
    struct stat st;
    if (stat(opts_.socket.c_str(), &st) != 0 && !opts_.configured) {
      containers_.clear();
      return Status::no_data("no Docker socket at " + opts_.socket);
    }
  }
  std::string body;
  if (Status s = get("/containers/json?all=1", ctx, body); !s.is_ok()) return s;
  std::vector<DockerContainer> list;
  if (Status s = parse_container_list(body, list); !s.is_ok()) return s;
  std::map<std::string, Entry, std::less<>> next;
  for (DockerContainer& c : list) {
    Entry e;
    auto old = containers_.find(c.id);
    if (old != containers_.end()) {
      e = old->second;
      if (old->second.c.state != c.state || old->second.c.health != c.health) e.dirty = true;
      c.restart_count = e.c.restart_count;
      c.oom_killed = e.c.oom_killed;
    }
    e.c = std::move(c);
    std::string id = e.c.id;
    next.emplace(std::move(id), std::move(e));
  }
  containers_ = std::move(next);
  for (auto& [id, e] : containers_) {
    if (!e.dirty) continue;
    if (Status s = get("/containers/" + id + "/json", ctx, body); !s.is_ok()) {
      if (s.message().find("HTTP status 404") != std::string::npos) continue;  // removed meanwhile
      return s;
    }
    DockerContainer c = e.c;
    if (Status s = parse_container_inspect(body, c); !s.is_ok()) return s;
    e.c = std::move(c);
    e.dirty = false;
  }
  return Status::ok();
}

bool DockerCache::lookup(std::string_view id, DockerContainer& out) const {
  std::lock_guard lock(mu_);
  auto it = containers_.find(id);
  if (it == containers_.end()) return false;
  out = it->second.c;
  return true;
}

void DockerCache::note_cgroup(std::string_view id, int64_t start_time) {
  std::lock_guard lock(mu_);
  auto it = containers_.find(id);
  if (it == containers_.end()) return;
  if (it->second.cgroup_start != 0 && it->second.cgroup_start != start_time) it->second.dirty = true;
  it->second.cgroup_start = start_time;
}

void DockerCache::write_metrics(MetricSink& sink) const {
  std::lock_guard lock(mu_);
  if (!last_.is_ok()) return;
  static constexpr std::array<std::string_view, 7> kStates = {"created",  "dead",       "exited", "paused",
                                                              "removing", "restarting", "running"};
  static constexpr std::array<std::string_view, 3> kHealth = {"healthy", "starting", "unhealthy"};
  std::vector<Label> labels;
  auto base = [&](const DockerContainer& c) {
    labels.clear();
    if (!c.compose_project.empty())
      labels.push_back({"container_label_com_docker_compose_project", c.compose_project});
    if (!c.compose_service.empty())
      labels.push_back({"container_label_com_docker_compose_service", c.compose_service});
    labels.push_back({"container_id", c.id});
    if (!c.image.empty()) labels.push_back({"image", c.image});
    if (!c.name.empty()) labels.push_back({"name", c.name});
  };
  sink.family("vigia_container_state",
              "The container's state as the Docker Engine reports it (1 for the current one).",
              MetricType::kGauge);
  for (const auto& [id, e] : containers_) {
    base(e.c);
    labels.push_back({"state", ""});
    for (std::string_view st : kStates) {
      labels.back().value = st;
      sink.sample("vigia_container_state", labels, e.c.state == st ? 1 : 0);
    }
  }
  sink.family(
      "vigia_container_health_status",
      "The container's health check status (1 for the current one); only containers with a health check.",
      MetricType::kGauge);
  for (const auto& [id, e] : containers_) {
    if (e.c.health.empty() || e.c.health == "none") continue;
    base(e.c);
    labels.push_back({"status", ""});
    for (std::string_view st : kHealth) {
      labels.back().value = st;
      sink.sample("vigia_container_health_status", labels, e.c.health == st ? 1 : 0);
    }
  }
  sink.family("vigia_container_restarts_total",
              "Times the Docker Engine restarted the container (its restart policy).", MetricType::kCounter);
  for (const auto& [id, e] : containers_) {
    if (e.c.restart_count < 0) continue;
    base(e.c);
    sink.sample("vigia_container_restarts_total", labels, double(e.c.restart_count));
  }
  sink.family("vigia_container_oom_killed",
              "1 if the container's last exit was an OOM kill (State.OOMKilled).", MetricType::kGauge);
  for (const auto& [id, e] : containers_) {
    if (e.c.restart_count < 0) continue;
    base(e.c);
    sink.sample("vigia_container_oom_killed", labels, e.c.oom_killed ? 1 : 0);
  }
}

}  // namespace vigia::container

// The Docker Engine API client of the container area: the containers' names,
// images, compose labels, states, health and restart counts, kept between
// scrapes and refreshed at most every refresh_interval (one list call), plus
// one inspect call for a container that is new or whose state, health or
// cgroup changed since it was last inspected: never one call per container
// per scrape.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "core/collector.h"
#include "core/http_client.h"
#include "exporters/container/docker_json.h"

namespace vigia::container {

struct DockerOptions {
  std::string socket = "/var/run/docker.sock";  // unix socket; "" with a tcp:// host
  std::string base_url = "http://docker";       // the URL's host is the Host header over a socket
  // Configured (docker_socket or DOCKER_HOST): a missing socket is an error
  // rather than "no Docker here".
  bool configured = false;
  std::chrono::milliseconds timeout{3000};  // per API call, within the scrape's deadline
  std::chrono::milliseconds refresh_interval{15000};
};

// Fills socket/base_url from the section's docker_socket (when not empty:
// a path or unix:///path) or else DOCKER_HOST (unix:///path or tcp://h:p, as
// the docker CLI reads it). An error for another scheme.
Status resolve_docker_endpoint(std::string_view configured, const char* docker_host, DockerOptions& o);

// GET path from the engine (32 MiB at most): the body of a 200 answer, else
// an error naming the endpoint ("docker (/var/run/docker.sock): ...").
Status docker_get(HttpClient& http, const DockerOptions& o, std::string_view path,
                  std::chrono::milliseconds timeout, std::string& body);

// Thread-safe.
class DockerCache {
 public:
  explicit DockerCache(DockerOptions o);
  ~DockerCache();
  DockerCache(const DockerCache&) = delete;
  DockerCache& operator=(const DockerCache&) = delete;

  // Refreshes the cache when it is due (refresh_interval since the last
  // attempt; sooner, at most every 2 s, when unknown_seen says a container's
  // cgroup is not in the cache or a container needs inspecting), within
  // ctx's deadline. Returns the status of the last attempt: ok, no_data when
  // there is no Docker socket (and none was configured), or its error.
  Status refresh(const CollectContext& ctx, bool unknown_seen);
  // Copies the container of id (64 hex digits) into out; false if unknown.
  bool lookup(std::string_view id, DockerContainer& out) const;
  // Tells the cache when the container's cgroup was created: a change (a
  // restart) makes the next refresh inspect it again.
  void note_cgroup(std::string_view id, int64_t start_time);
  // vigia_container_state, vigia_container_health_status,
  // vigia_container_restarts_total, vigia_container_oom_killed: nothing when
  // the last refresh failed.
  void write_metrics(MetricSink& sink) const;
  void interrupt();

 private:
  struct Entry {
    DockerContainer c;
    bool dirty = true;  // inspect at the next refresh
    int64_t cgroup_start = 0;
  };
  Status get(std::string_view path, const CollectContext& ctx, std::string& body);
  Status do_refresh(const CollectContext& ctx);

  DockerOptions opts_;
  mutable std::mutex mu_;
  std::unique_ptr<HttpClient> http_;
  std::atomic<HttpClient*> live_{nullptr};  // http_, for interrupt()
  std::atomic<bool> interrupted_{false};
  std::map<std::string, Entry, std::less<>> containers_;
  Clock::time_point last_attempt_{};
  bool attempted_ = false;
  Status last_;
};

}  // namespace vigia::container

// The container area's descriptor: the `containers:` section and the two
// collectors, linked into the binary (libcurl is loaded only when the Docker
// API is first asked).
#include <cstdlib>

#include "core/yaml_reader.h"
#include "exporters/container/container.h"
#include "exporters/container/container_collector.h"
#include "exporters/host/host.h"

namespace vigia::container {
namespace {

class ContainerArea final : public Area {
 public:
  std::string_view name() const override { return "containers"; }

  void read_config(const YamlReader& r, const YAML::Node& n) override {
    // Absent, the loader passes a default node (null, without a position);
    // `containers:` with no value is a null node from the file.
    present_ = n && (!n.IsNull() || !n.Mark().is_null());
    if (!n || n.IsNull()) return;
    r.expect_map(n, "containers");
    r.check_keys(n, "containers",
                 {"docker_socket", "docker_timeout", "docker_refresh_interval", "fs_usage_interval", "percpu",
                  "services"});
    if (n["docker_socket"]) {
      socket_ = r.get_string(n["docker_socket"], "containers.docker_socket");
      DockerOptions probe;
      if (Status s = resolve_docker_endpoint(socket_, nullptr, probe); !s.is_ok())
        r.fail(n["docker_socket"], s.message());
    }
    if (n["docker_timeout"])
      docker_.timeout = millis(r.get_duration_seconds(n["docker_timeout"], "containers.docker_timeout"));
    if (n["docker_refresh_interval"])
      docker_.refresh_interval =
          millis(r.get_duration_seconds(n["docker_refresh_interval"], "containers.docker_refresh_interval"));
    if (n["fs_usage_interval"]) {
      double s = r.get_duration_seconds(n["fs_usage_interval"], "containers.fs_usage_interval");
      if (s != 0 && s < 1)
        r.fail(n["fs_usage_interval"], "containers.fs_usage_interval: at least 1s (or 0: off)");
      fs_usage_interval_ = millis(s);
    }
    if (n["percpu"]) opts_.percpu = r.get_bool(n["percpu"], "containers.percpu");
    if (n["services"]) opts_.services = r.get_bool(n["services"], "containers.services");
  }

  Status add_collectors(AreaSetup& setup) override {
    if (Status s = resolve_docker_endpoint(socket_, std::getenv("DOCKER_HOST"), docker_); !s.is_ok())
      return s;
    auto cache = std::make_shared<DockerCache>(docker_);
    ContainerOptions opts = opts_;
    opts.paths = host::flag_paths();
    DockerOptions docker = docker_;
    auto interval = fs_usage_interval_;
    setup.catalog.add("container", present_, [opts, cache, docker, interval] {
      std::shared_ptr<FsUsageCache> fs;
      if (interval.count() > 0) fs = std::make_shared<FsUsageCache>(docker, opts.paths, interval);
      return std::make_unique<ContainerCollector>(opts, cache, std::move(fs));
    });
    setup.catalog.add("docker", present_, [cache] { return std::make_unique<DockerCollector>(cache); });
    return Status::ok();
  }

 private:
  static std::chrono::milliseconds millis(double s) { return std::chrono::milliseconds(int64_t(s * 1000)); }
  bool present_ = false;
  std::string socket_;
  DockerOptions docker_;
  ContainerOptions opts_;
  std::chrono::milliseconds fs_usage_interval_{60000};  // container_fs_usage_bytes; 0: off
};

}  // namespace

// Listed in cmd/vigia/areas.cc.
std::unique_ptr<Area> make_area() { return std::make_unique<ContainerArea>(); }

}  // namespace vigia::container

// The container collectors: `container` reads every container's and
// systemd service's cgroup (v1 or v2) on scrape and writes cAdvisor's
// container_* families (with the filesystem usage measured in the background
// by an FsUsageCache) and its machine_* ones; `docker` writes the Docker Engine's view of the
// containers (vigia_container_*). Both share one DockerCache, which names
// the cgroups (name, image, compose labels).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/collector.h"
#include "core/fs.h"
#include "exporters/container/container_stats.h"
#include "exporters/container/docker_client.h"
#include "exporters/container/fs_usage.h"
#include "exporters/container/machine.h"

namespace vigia::container {

struct ContainerOptions {
  HostPaths paths;
  bool percpu = false;   // container_cpu_usage_seconds_total per CPU (v1 only)
  bool services = true;  // systemd services (/system.slice/*.service)
  bool docker = true;    // ask the Docker Engine API for names
};

// One cgroup found by the walk.
struct FoundCgroup {
  std::string id;  // its path in the hierarchy: cAdvisor's id label
  CgroupKind kind = CgroupKind::kNone;
  std::string container_id;
};

class ContainerCollector final : public Collector {
 public:
  // cache may be null (no names), and fs_usage (no container_fs_usage_bytes).
  ContainerCollector(ContainerOptions opts, std::shared_ptr<DockerCache> cache,
                     std::shared_ptr<FsUsageCache> fs_usage = nullptr);
  std::string_view name() const override { return "container"; }
  Status collect(const CollectContext& ctx, MetricSink& sink) override;
  void interrupt() override {
    if (cache_) cache_->interrupt();
  }

 private:
  struct Row {
    const FoundCgroup* cg;
    CgroupStats st;
    DockerContainer docker;
    bool named = false;
  };
  Status find_mounts();
  void walk(const std::string& root, const std::string& rel, int depth, std::vector<FoundCgroup>& out);
  CgroupDirs dirs_of(const std::string& id) const;
  std::string host_path(std::string_view mount) const;
  const std::string& device_name(uint32_t major, uint32_t minor);
  void write(const std::vector<Row>& rows, MetricSink& sink);
  void write_network(const std::vector<Row>& rows, MetricSink& sink);
  void write_fs_usage(const std::vector<Row>& rows, MetricSink& sink);

  ContainerOptions opts_;
  std::shared_ptr<DockerCache> cache_;
  std::shared_ptr<FsUsageCache> fs_usage_;
  MachineInfo machine_;
  Clock::time_point machine_read_{};  // re-read every 5 min, as cAdvisor's update_machine_info_interval
  ProcFile mountinfo_;
  std::string mountinfo_buf_, buf_;
  CgroupMounts mounts_;
  std::string walk_root_;  // resolved root of the hierarchy walked
  std::vector<FoundCgroup> found_;
  std::map<std::pair<uint32_t, uint32_t>, std::string> devices_;
  long user_hz_;
};

class DockerCollector final : public Collector {
 public:
  explicit DockerCollector(std::shared_ptr<DockerCache> cache) : cache_(std::move(cache)) {}
  std::string_view name() const override { return "docker"; }
  Status collect(const CollectContext& ctx, MetricSink& sink) override;
  void interrupt() override { cache_->interrupt(); }

 private:
  std::shared_ptr<DockerCache> cache_;
};

}  // namespace vigia::container

// Per-container filesystem usage (cAdvisor's container_fs_usage_bytes and
// container_fs_limit_bytes), measured in the background, never inside a
// scrape: at most every `interval`, a scrape starts a refresh on a thread of
// its own and serves the result of the last one that finished. A refresh asks
// the Docker Engine for GET /info (its data root) and GET
// /containers/json?all=1&size=1 (each container's SizeRw: the engine sizes
// the writable layers itself), adds the disk usage of the container's own
// directory <data root>/containers/<id> (its json-file log, config, hosts
// files: cAdvisor's "extra dir"), and finds the filesystem that holds the data
// root (device: its mount source; limit: its size).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "core/fs.h"
#include "exporters/container/docker_client.h"

namespace vigia::container {

struct FsUsageSnapshot {
  std::string device;     // mount source of the data root's filesystem (/dev/sda1), or MAJ:MIN
  uint64_t capacity = 0;  // that filesystem's size: container_fs_limit_bytes (0: unknown)
  // By container id: SizeRw + the disk usage of containers/<id>.
  std::map<std::string, uint64_t, std::less<>> usage;
};

// Disk usage of a directory tree as du -s counts it (st_blocks × 512, each
// hard-linked inode once, not crossing into other filesystems), at most
// max_entries entries, until *stop; false if dir cannot be opened.
bool dir_disk_usage(const std::string& dir, uint64_t& bytes, size_t max_entries = 100000,
                    const std::atomic<bool>* stop = nullptr);

// The mount source of the mount whose device is major:minor in a mountinfo
// text ("/dev/vda1"); "" if none.
std::string mount_source_of(std::string_view mountinfo, unsigned major, unsigned minor);

// Thread-safe.
class FsUsageCache {
 public:
  FsUsageCache(DockerOptions docker, HostPaths paths, std::chrono::milliseconds interval);
  ~FsUsageCache();  // a refresh in flight is interrupted and its result dropped
  FsUsageCache(const FsUsageCache&) = delete;
  FsUsageCache& operator=(const FsUsageCache&) = delete;

  // Starts a refresh when none runs and the last one started `interval` ago
  // or more (or none did). Never waits for it.
  void kick();
  // The result of the last refresh that succeeded; null before the first.
  std::shared_ptr<const FsUsageSnapshot> latest() const;
  // For tests: waits until no refresh runs; false if one still runs after timeout.
  bool wait_idle(std::chrono::milliseconds timeout) const;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace vigia::container

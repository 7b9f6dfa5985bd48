// Pure parsers of cgroup files (v1 and v2) and of the mount table's cgroup
// entries: functions of std::string_view, tested from literals and fuzzed
// (tests/fuzz/cgroup_parsers_fuzz.cc). The collector (container_collector.h)
// reads the files; nothing here touches the filesystem.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace vigia::container {

// Where the cgroup hierarchies are mounted, as the mount table says (paths
// as the host sees them: /sys/fs/cgroup/memory…).
struct CgroupMounts {
  std::string unified;  // the cgroup2 mount, "" if none
  // v1: controller ("cpu", "cpuacct", "memory", "blkio", "pids") -> mount.
  std::vector<std::pair<std::string, std::string>> v1;
  // The v1 mount of controller, or "" when it is not mounted.
  std::string_view v1_mount(std::string_view controller) const;
  // True when the containers' statistics come from the v2 hierarchy: no v1
  // memory controller is mounted (a hybrid host keeps its controllers on v1).
  bool is_v2() const { return v1_mount("memory").empty() && !unified.empty(); }
};

// The cgroup mounts of /proc/<pid>/mountinfo (fstype "cgroup" or "cgroup2";
// v1 controllers from the super options). Unparseable lines are skipped.
void parse_mountinfo_cgroups(std::string_view mountinfo, CgroupMounts& out);

// Looks key up in a flat keyed file ("key value" lines: memory.stat,
// cpu.stat, cpuacct.stat, memory.events, memory.oom_control). False when
// absent or not an unsigned integer.
bool find_key(std::string_view text, std::string_view key, uint64_t& out);

// A single-value file ("123\n"); "max" gives is_max (v2 limits). False when
// neither.
bool parse_value(std::string_view text, uint64_t& out, bool& is_max);

// cpu.max ("max 100000", "50000 100000"): quota 0 when "max".
bool parse_cpu_max(std::string_view text, uint64_t& quota, uint64_t& period);

// Read and written bytes, and completed reads and writes, of one block device.
struct DeviceIo {
  uint32_t major = 0, minor = 0;
  uint64_t read_bytes = 0, write_bytes = 0;
  uint64_t reads = 0, writes = 0;
};
// v2 io.stat: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 …" lines. Lines that do not
// start with MAJ:MIN are skipped; missing keys count 0.
void parse_io_stat(std::string_view text, std::vector<DeviceIo>& out);
// v1 blkio.*io_service_bytes*: "8:0 Read 123" lines (and "Total 456"),
// summed per device in the order devices first appear.
void parse_blkio_bytes(std::string_view text, std::vector<DeviceIo>& out);
// v1 blkio.*io_serviced*: the same lines, counting operations; added to the
// reads/writes of out's devices (a device not there yet is appended).
void parse_blkio_serviced(std::string_view text, std::vector<DeviceIo>& out);

// A PSI file (cpu.pressure, memory.pressure, io.pressure): the "total="
// microseconds of its "some" and "full" lines (full absent on old kernels'
// cpu.pressure: has_full false). False when there is no "some" line.
struct Pressure {
  uint64_t some_us = 0, full_us = 0;
  bool has_full = false;
};
bool parse_pressure(std::string_view text, Pressure& out);

// cpuacct.usage_percpu: space-separated nanoseconds, one per CPU.
void parse_percpu(std::string_view text, std::vector<uint64_t>& out);

// The first pid of cgroup.procs and the number of lines (processes).
void parse_procs(std::string_view text, uint64_t& first_pid, uint64_t& count);

// What a cgroup path (relative to its hierarchy's root, "/docker/<id>") is.
enum class CgroupKind { kNone, kDocker, kContainerd, kPodman, kService };
struct CgroupIdentity {
  CgroupKind kind = CgroupKind::kNone;
  std::string_view container_id;  // 64 hex digits; empty for services
};
// Docker (/docker/<id>, /system.slice/docker-<id>.scope), containerd
// (/system.slice/cri-containerd-<id>.scope, nerdctl-<id>.scope, a bare
// <id> under another parent), Podman (libpod-<id>.scope, /libpod_parent/
// libpod-<id>), systemd services (/system.slice/<unit>.service).
CgroupIdentity classify_cgroup(std::string_view path);

}  // namespace vigia::container

// The container area's machine_* families (cAdvisor's machine collector) on
// the fixture trees tests/fixtures/container/{v1,v2}, with expected values
// counted here from the fixture files, and the helpers of the background
// filesystem usage (container_fs_usage_bytes): the Docker API's sizes and
// /info, du's count of a directory, the mount source of a device.
#include <catch.hpp>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "exporters/container/docker_json.h"
#include "exporters/container/fs_usage.h"
#include "exporters/container/machine.h"

using namespace vigia;
using namespace vigia::container;
namespace fs = std::filesystem;

namespace {

std::string fixture(const std::string& tree) { return std::string(VIGIA_FIXTURES) + "/container/" + tree; }

HostPaths paths_of(const std::string& tree) {
  HostPaths p;
  p.proc = fixture(tree) + "/proc";
  p.sys = fixture(tree) + "/sys";
  p.rootfs = fixture(tree);
  return p;
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

struct Sink final : public MetricSink {
  std::map<std::string, std::pair<std::map<std::string, std::string>, double>> got;
  void family(std::string_view, std::string_view, MetricType type) override {
    CHECK(type == MetricType::kGauge);
  }
  void sample(std::string_view name, Labels labels, double value, int64_t) override {
    auto& g = got[std::string(name)];
    for (const Label& l : labels) g.first[std::string(l.name)] = std::string(l.value);
    g.second = value;
  }
  using MetricSink::sample;
};

// Distinct values of "key : N" lines, read the test's own way.
size_t distinct(const std::string& cpuinfo, const std::string& key) {
  std::istringstream in(slurp(cpuinfo));
  std::set<std::string> v;
  for (std::string line; std::getline(in, line);)
    if (line.rfind(key, 0) == 0) v.insert(line.substr(line.find(':') + 1));
  return v.size();
}

}  // namespace

TEST_CASE("machine_*: two sockets with NUMA nodes, an offline CPU, DMI uuid (v2 tree)") {
  std::string root = fixture("v2");
  Sink s;
  write_machine_metrics(read_machine_info(paths_of("v2")), s);
  // Logical CPUs: the nodes' cpuN entries that have a topology.
  size_t logical = 0;
  for (const auto& node : fs::directory_iterator(root + "/sys/devices/system/node"))
    if (node.is_directory() && node.path().filename().string().rfind("node", 0) == 0)
      for (const auto& cpu : fs::directory_iterator(node.path()))
        logical += fs::exists(cpu.path() / "topology/core_id");
  REQUIRE(logical == 7);
  CHECK(s.got.at("machine_cpu_cores").second == double(logical));
  // cAdvisor counts distinct core ids across sockets: 2 here, not 4.
  CHECK(s.got.at("machine_cpu_physical_cores").second == double(distinct(root + "/proc/cpuinfo", "core id")));
  CHECK(s.got.at("machine_cpu_physical_cores").second == 2);
  CHECK(s.got.at("machine_cpu_sockets").second == 2);
  std::string total = slurp(root + "/proc/meminfo");
  total = total.substr(total.find(':') + 1);
  CHECK(s.got.at("machine_memory_bytes").second == std::stod(total) * 1024);
  const auto& l = s.got.at("machine_memory_bytes").first;
  CHECK(l.at("boot_id") == slurp(root + "/proc/sys/kernel/random/boot_id"));
  CHECK(l.at("machine_id") == slurp(root + "/etc/machine-id"));
  CHECK(l.at("system_uuid") == slurp(root + "/sys/class/dmi/id/product_uuid"));
  CHECK(s.got.at("machine_cpu_cores").first == l);
}

TEST_CASE("machine_*: no NUMA nodes, no core id in cpuinfo (arm64): sysfs fallbacks (v1 tree)") {
  std::string root = fixture("v1");
  Sink s;
  write_machine_metrics(read_machine_info(paths_of("v1")), s);
  CHECK(s.got.at("machine_cpu_cores").second == 4);           // cpu0..cpu3, not cpufreq
  CHECK(s.got.at("machine_cpu_physical_cores").second == 4);  // distinct topology/core_id
  CHECK(s.got.at("machine_cpu_sockets").second == 1);
  const auto& l = s.got.at("machine_cpu_cores").first;
  CHECK(l.count("boot_id") == 0);  // no boot_id file: the label left out (cAdvisor writes it empty)
  // No DMI nor device tree: cAdvisor's last resort is /etc/machine-id.
  CHECK(l.at("system_uuid") == slurp(root + "/etc/machine-id"));
  // Without /proc/meminfo, nothing (cAdvisor's machine_scrape_error case).
  HostPaths p = paths_of("v1");
  p.proc = "/nonexistent";
  Sink none;
  write_machine_metrics(read_machine_info(p), none);
  CHECK(none.got.empty());
}

TEST_CASE("machine parsers: MemTotal, cpuinfo values") {
  uint64_t b = 0;
  CHECK(parse_meminfo_total("MemFree: 1 kB\nMemTotal:   2048 kB\n", b));
  CHECK(b == 2048 * 1024);
  CHECK_FALSE(parse_meminfo_total("MemTotal: x kB\n", b));
  CHECK_FALSE(parse_meminfo_total("MemTotal: 5\n", b));
  CHECK(count_cpuinfo_values("core id\t: 0\ncore id\t: 1\ncore id\t: 0\ncore idx : 9\n", "core id") == 2);
  CHECK(count_cpuinfo_values("physical id: 3\n", "physical id") == 1);
}

TEST_CASE("Docker API: sizes of the writable layers and the data root") {
  std::map<std::string, uint64_t, std::less<>> sizes;
  REQUIRE(parse_container_sizes(
              R"([{"Id":"aa","Names":["/a"],"SizeRw":8388608,"SizeRootFs":9000000},{"Id":"bb","SizeRw":-1},
                  {"Id":"cc"},{"Id":"dd","SizeRw":0}])",
              sizes)
              .is_ok());
  CHECK(sizes.size() == 3);
  CHECK(sizes.at("aa") == 8388608);
  CHECK(sizes.at("cc") == 0);  // omitted by the engine when 0
  CHECK(sizes.at("dd") == 0);
  CHECK(sizes.count("bb") == 0);
  CHECK(parse_container_sizes(R"([{"Id":"aa","SizeRw":"big"}])", sizes).message().find("[0].SizeRw") !=
        std::string::npos);
  CHECK(parse_container_sizes(R"([{"SizeRw":1}])", sizes).is_error());
  CHECK(parse_container_sizes("{", sizes).is_error());
  std::string root;
  REQUIRE(parse_docker_root_dir(R"({"Driver":"overlay2","DockerRootDir":"/var/lib/docker"})", root).is_ok());
  CHECK(root == "/var/lib/docker");
  CHECK(parse_docker_root_dir(R"({"DockerRootDir":"relative"})", root).is_error());
  CHECK(parse_docker_root_dir(R"({"DockerRootDir":5})", root).is_error());
  CHECK(parse_docker_root_dir("[]", root).is_error());
}

TEST_CASE("du of a container's directory; the mount source of a device") {
  fs::path dir = fs::temp_directory_path() / ("vigia-du-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "mounts" / "shm");
  std::ofstream(dir / "c-json.log") << std::string(100000, 'x');
  std::ofstream(dir / "hostname") << "abc\n";
  fs::create_hard_link(dir / "c-json.log", dir / "mounts" / "link");  // counted once
  fs::create_symlink("/etc", dir / "etc-link");                       // not followed
  uint64_t expect = 0;
  for (const fs::path& p : {dir, dir / "mounts", dir / "mounts" / "shm", dir / "c-json.log", dir / "hostname",
                            dir / "etc-link"}) {
    struct stat st;
    REQUIRE(lstat(p.c_str(), &st) == 0);
    expect += uint64_t(st.st_blocks) * 512;
  }
  uint64_t got = 0;
  REQUIRE(dir_disk_usage(dir.string(), got));
  CHECK(got == expect);
  CHECK(got >= 100000);
  CHECK_FALSE(dir_disk_usage((dir / "nonexistent").string(), got));
  fs::remove_all(dir);

  std::string mi =
      "22 1 0:21 / /sys rw - sysfs sysfs rw\n"
      "29 1 253:1 / / rw,relatime shared:1 - ext4 /dev/mapper/vg-root rw\n"
      "40 29 8:1 / /boot rw master:3 - ext4 /dev/sda1 rw\n"
      "41 29 253:1 /var/lib/docker /data rw - ext4 /dev/mapper/vg-root rw\n";
  CHECK(mount_source_of(mi, 8, 1) == "/dev/sda1");
  CHECK(mount_source_of(mi, 253, 1) == "/dev/mapper/vg-root");
  CHECK(mount_source_of(mi, 9, 9).empty());
}

// The container area on fixture trees shaped like a cgroup v1 Docker host
// (cgroupfs driver, /docker/<id>) and a cgroup v2 one (systemd driver,
// /system.slice/docker-<id>.scope): every expected value is computed here
// from the fixture's own files, with this file's own little readers, not
// from an output vigia wrote.
#include <catch.hpp>

#include <filesystem>
#include <fstream>
#include <cmath>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/exposition.h"
#include "core/yaml_reader.h"
#include "exporters/container/container.h"
#include "config_test_util.h"
#include "exporters/container/cgroup.h"
#include "exporters/container/container_collector.h"
#include "exporters/container/docker_json.h"

using namespace vigia;
using namespace vigia::container;

namespace {

const std::string kA = "3f4e8a1c9b2d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f";
const std::string kB = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";
const std::string kC = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value;
};

class RecordingSink final : public MetricSink {
 public:
  std::vector<Sample> samples;
  std::map<std::string, MetricType> types;
  std::string current;
  void family(std::string_view name, std::string_view, MetricType type) override {
    types[std::string(name)] = type;
  }
  void sample(std::string_view name, Labels labels, double value, int64_t) override {
    Sample s{std::string(name), {}, value};
    for (const Label& l : labels) s.labels[std::string(l.name)] = std::string(l.value);
    samples.push_back(std::move(s));
  }
  using MetricSink::sample;
  // The samples of name whose labels include all of want.
  std::vector<const Sample*> find(const std::string& name,
                                  const std::map<std::string, std::string>& want) const {
    std::vector<const Sample*> out;
    for (const Sample& s : samples) {
      if (s.name != name) continue;
      bool ok = true;
      for (const auto& [k, v] : want) ok &= s.labels.count(k) && s.labels.at(k) == v;
      if (ok) out.push_back(&s);
    }
    return out;
  }
  double one(const std::string& name, const std::map<std::string, std::string>& want) const {
    auto v = find(name, want);
    INFO(name);
    REQUIRE(v.size() == 1);
    return v[0]->value;
  }
};

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
// "key value" files, read the test's own way.
double key(const std::string& path, const std::string& k) {
  std::istringstream in(slurp(path));
  std::string name;
  double v;
  while (in >> name >> v)
    if (name == k) return v;
  FAIL("no key " << k << " in " << path);
  return 0;
}
double num(const std::string& path) { return std::stod(slurp(path)); }
// io.stat's "MAJ:MIN k=v ..." lines: the value of k on the line of dev.
double key_of(const std::string& path, const std::string& dev, const std::string& k) {
  std::istringstream in(slurp(path));
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(dev + " ", 0) != 0) continue;
    size_t at = line.find(" " + k + "=");
    REQUIRE(at != std::string::npos);
    return std::stod(line.substr(at + k.size() + 2));
  }
  FAIL("no device " << dev << " in " << path);
  return 0;
}

HostPaths paths_of(const std::string& tree) {
  HostPaths p;
  std::string root = std::string(VIGIA_FIXTURES) + "/container/" + tree;
  p.proc = root + "/proc";
  p.sys = root + "/sys";
  p.rootfs = root;
  return p;
}

RecordingSink run(const std::string& tree, bool percpu = false) {
  ContainerOptions o;
  o.paths = paths_of(tree);
  o.percpu = percpu;
  ContainerCollector c(o, nullptr);
  RecordingSink sink;
  Status s = c.collect(CollectContext{}, sink);
  REQUIRE(s.is_ok());
  return sink;
}

}  // namespace

TEST_CASE("parsers: mountinfo, values, cpu.max, io.stat, blkio, PSI, procs") {
  CgroupMounts m;
  parse_mountinfo_cgroups(
      "31 25 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:15 - cgroup cgroup rw,cpu,cpuacct\n"
      "32 25 0:30 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
      "27 25 0:25 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd\n"
      "26 25 0:24 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n"
      "garbage\n",
      m);
  CHECK(m.v1_mount("cpu") == "/sys/fs/cgroup/cpu,cpuacct");
  CHECK(m.v1_mount("cpuacct") == "/sys/fs/cgroup/cpu,cpuacct");
  CHECK(m.v1_mount("memory") == "/sys/fs/cgroup/memory");
  CHECK(m.v1_mount("blkio").empty());
  CHECK(m.unified == "/sys/fs/cgroup/unified");
  CHECK_FALSE(m.is_v2());

  uint64_t v = 0;
  bool is_max = false;
  CHECK((parse_value("max\n", v, is_max) && is_max));
  CHECK((parse_value("268435456\n", v, is_max) && !is_max && v == 268435456));
  CHECK_FALSE(parse_value("-1\n", v, is_max));
  uint64_t q = 1, p = 0;
  CHECK((parse_cpu_max("max 100000\n", q, p) && q == 0 && p == 100000));
  CHECK((parse_cpu_max("150000 100000\n", q, p) && q == 150000));
  CHECK_FALSE(parse_cpu_max("150000\n", q, p));

  std::vector<DeviceIo> io;
  parse_io_stat("8:0 rbytes=10 wbytes=20 rios=1\n253:1 wbytes=5\nbad line\n", io);
  REQUIRE(io.size() == 2);
  CHECK((io[0].major == 8 && io[0].read_bytes == 10 && io[0].write_bytes == 20));
  CHECK((io[1].minor == 1 && io[1].read_bytes == 0 && io[1].write_bytes == 5));
  parse_blkio_bytes("8:0 Read 7\n8:0 Write 3\n8:16 Read 1\n8:0 Total 10\nTotal 11\n", io);
  REQUIRE(io.size() == 2);
  CHECK((io[0].read_bytes == 7 && io[0].write_bytes == 3 && io[1].read_bytes == 1));
  parse_blkio_serviced("8:16 Write 4\n8:32 Read 2\n", io);  // added to the devices there
  REQUIRE(io.size() == 3);
  CHECK((io[1].writes == 4 && io[1].read_bytes == 1 && io[2].reads == 2 && io[0].reads == 0));
  parse_io_stat("8:0 rbytes=10 rios=3 wios=4\n", io);
  CHECK((io[0].reads == 3 && io[0].writes == 4));

  Pressure pr;
  CHECK((parse_pressure("some avg10=0.00 avg60=0.00 avg300=0.00 total=12\n", pr) && pr.some_us == 12 &&
         !pr.has_full));
  CHECK_FALSE(parse_pressure("", pr));
  uint64_t first = 0, n = 0;
  parse_procs("12\n13\n", first, n);
  CHECK((first == 12 && n == 2));

  CHECK(find_key("total_rss 5\nrss 3\n", "rss", v));
  CHECK(v == 3);
  CHECK_FALSE(find_key("rss_huge 0\n", "rss", v));
}

TEST_CASE("classify_cgroup: Docker, containerd, Podman, services") {
  CHECK(classify_cgroup("/docker/" + kA).kind == CgroupKind::kDocker);
  CHECK(classify_cgroup("/docker/" + kA).container_id == kA);
  CHECK(classify_cgroup("/system.slice/docker-" + kA + ".scope").kind == CgroupKind::kDocker);
  CHECK(classify_cgroup("/system.slice/cri-containerd-" + kA + ".scope").kind == CgroupKind::kContainerd);
  CHECK(classify_cgroup("/default/" + kA).kind == CgroupKind::kContainerd);
  CHECK(classify_cgroup("/machine.slice/libpod-" + kA + ".scope").kind == CgroupKind::kPodman);
  CHECK(classify_cgroup("/libpod_parent/libpod-" + kA).kind == CgroupKind::kPodman);
  CHECK(classify_cgroup("/system.slice/ssh.service").kind == CgroupKind::kService);
  CHECK(classify_cgroup("/system.slice/docker-" + kA.substr(1) + ".scope").kind == CgroupKind::kNone);
  CHECK(classify_cgroup("/user.slice/user-1000.slice").kind == CgroupKind::kNone);
  CHECK(classify_cgroup("/system.slice/system-getty.slice/getty@tty1.service").kind == CgroupKind::kNone);
}

TEST_CASE("cgroup v2 tree: values from the files, a container without limits, a service") {
  RecordingSink s = run("v2");
  std::string cg = std::string(VIGIA_FIXTURES) + "/container/v2/sys/fs/cgroup";
  std::string a_id = "/system.slice/docker-" + kA + ".scope", b_id = "/system.slice/docker-" + kB + ".scope";
  std::string a = cg + a_id, b = cg + b_id;
  // Exactly four cgroups: two containers, two services (getty is nested in
  // a slice, init.scope and user.slice are not containers).
  std::set<std::string> ids;
  for (const Sample* x : s.find("container_memory_usage_bytes", {})) ids.insert(x->labels.at("id"));
  CHECK(ids ==
        std::set<std::string>{a_id, b_id, "/system.slice/docker.service", "/system.slice/ssh.service"});

  CHECK(s.one("container_cpu_usage_seconds_total", {{"id", a_id}, {"cpu", "total"}}) ==
        Approx(key(a + "/cpu.stat", "usage_usec") / 1e6));
  CHECK(s.one("container_cpu_user_seconds_total", {{"id", a_id}}) ==
        Approx(key(a + "/cpu.stat", "user_usec") / 1e6));
  CHECK(s.one("container_cpu_system_seconds_total", {{"id", a_id}}) ==
        Approx(key(a + "/cpu.stat", "system_usec") / 1e6));
  CHECK(s.one("container_cpu_cfs_periods_total", {{"id", a_id}}) == key(a + "/cpu.stat", "nr_periods"));
  CHECK(s.one("container_cpu_cfs_throttled_periods_total", {{"id", a_id}}) ==
        key(a + "/cpu.stat", "nr_throttled"));
  CHECK(s.one("container_cpu_cfs_throttled_seconds_total", {{"id", a_id}}) ==
        Approx(key(a + "/cpu.stat", "throttled_usec") / 1e6));
  double quota, period;
  std::istringstream(slurp(a + "/cpu.max")) >> quota >> period;
  CHECK(s.one("container_spec_cpu_quota", {{"id", a_id}}) == quota);
  CHECK(s.one("container_spec_cpu_period", {{"id", a_id}}) == period);
  double weight = num(a + "/cpu.weight");
  CHECK(s.one("container_spec_cpu_shares", {{"id", a_id}}) == std::floor(2 + (weight - 1) * 262142 / 9999));
  double current = num(a + "/memory.current");
  CHECK(s.one("container_memory_usage_bytes", {{"id", a_id}}) == current);
  CHECK(s.one("container_memory_working_set_bytes", {{"id", a_id}}) ==
        current - key(a + "/memory.stat", "inactive_file"));
  CHECK(s.one("container_memory_rss", {{"id", a_id}}) == key(a + "/memory.stat", "anon"));
  CHECK(s.one("container_memory_cache", {{"id", a_id}}) == key(a + "/memory.stat", "file"));
  CHECK(s.one("container_memory_swap", {{"id", a_id}}) == num(a + "/memory.swap.current"));
  CHECK(s.one("container_memory_max_usage_bytes", {{"id", a_id}}) == num(a + "/memory.peak"));
  CHECK(s.one("container_memory_failcnt", {{"id", a_id}}) == key(a + "/memory.events", "max"));
  CHECK(s.one("container_oom_events_total", {{"id", a_id}}) == key(a + "/memory.events", "oom_kill"));
  CHECK(s.one("container_spec_memory_limit_bytes", {{"id", a_id}}) == num(a + "/memory.max"));
  CHECK(s.one("container_pressure_cpu_waiting_seconds_total", {{"id", a_id}}) == Approx(81234 / 1e6));
  CHECK(s.one("container_pressure_io_stalled_seconds_total", {{"id", a_id}}) == Approx(900001 / 1e6));
  CHECK(s.one("container_fs_reads_bytes_total", {{"id", a_id}, {"device", "/dev/sda"}}) == 180224);
  CHECK(s.one("container_fs_writes_bytes_total", {{"id", a_id}, {"device", "/dev/dm-0"}}) == 73728);
  CHECK(s.one("container_fs_reads_total", {{"id", a_id}, {"device", "/dev/sda"}}) ==
        key_of(a + "/io.stat", "8:0", "rios"));
  CHECK(s.one("container_fs_writes_total", {{"id", a_id}, {"device", "/dev/dm-0"}}) ==
        key_of(a + "/io.stat", "253:0", "wios"));
  CHECK(s.one("container_processes", {{"id", a_id}}) == 2);
  CHECK(s.one("container_threads", {{"id", a_id}}) == num(a + "/pids.current"));
  CHECK(s.one("container_network_receive_bytes_total", {{"id", a_id}, {"interface", "eth0"}}) == 9342187);
  CHECK(s.one("container_network_transmit_packets_dropped_total", {{"id", a_id}, {"interface", "eth0"}}) ==
        2);
  CHECK(s.find("container_network_receive_bytes_total", {{"interface", "lo"}}).empty());
  CHECK(s.one("container_start_time_seconds", {{"id", a_id}}) > 1e9);
  CHECK(s.types.at("container_cpu_usage_seconds_total") == MetricType::kCounter);
  CHECK(s.types.at("container_memory_usage_bytes") == MetricType::kGauge);

  // B: memory.max and cpu.max say "max": limit 0 (cAdvisor's), no quota, no
  // CFS counters;
  // --network host: no network series; no memory.peak: no max usage.
  REQUIRE(slurp(b + "/memory.max") == "max\n");
  CHECK(s.one("container_spec_memory_limit_bytes", {{"id", b_id}}) == 0);
  CHECK(s.one("container_spec_memory_reservation_limit_bytes", {{"id", b_id}}) == num(b + "/memory.min"));
  CHECK(s.find("container_spec_cpu_quota", {{"id", b_id}}).empty());
  CHECK(s.find("container_cpu_cfs_periods_total", {{"id", b_id}}).empty());
  CHECK(s.one("container_memory_working_set_bytes", {{"id", b_id}}) ==
        num(b + "/memory.current") - key(b + "/memory.stat", "inactive_file"));
  CHECK(s.find("container_network_receive_bytes_total", {{"id", b_id}}).empty());
  CHECK(s.find("container_memory_max_usage_bytes", {{"id", b_id}}).empty());
  CHECK(s.one("container_spec_cpu_shares", {{"id", b_id}}) ==
        std::floor(2 + (num(b + "/cpu.weight") - 1) * 262142 / 9999));

  // Without Docker names: labelled by id only.
  for (const Sample* x : s.find("container_memory_usage_bytes", {})) {
    CHECK(x->labels.count("name") == 0);
    CHECK(x->labels.count("image") == 0);
  }
}

TEST_CASE("cgroup v1 tree: cgroupfs driver, cpu,cpuacct together, unlimited memory") {
  RecordingSink s = run("v1");
  std::string root = std::string(VIGIA_FIXTURES) + "/container/v1/sys/fs/cgroup";
  std::string a_id = "/docker/" + kA, c_id = "/docker/" + kC;
  std::string cpu = root + "/cpu,cpuacct" + a_id, mem = root + "/memory" + a_id;
  std::set<std::string> ids;
  for (const Sample* x : s.find("container_memory_usage_bytes", {})) ids.insert(x->labels.at("id"));
  CHECK(ids == std::set<std::string>{a_id, c_id, "/system.slice/cron.service"});

  long hz = sysconf(_SC_CLK_TCK);
  CHECK(s.one("container_cpu_usage_seconds_total", {{"id", a_id}, {"cpu", "total"}}) ==
        Approx(num(cpu + "/cpuacct.usage") / 1e9));
  CHECK(s.one("container_cpu_user_seconds_total", {{"id", a_id}}) ==
        Approx(key(cpu + "/cpuacct.stat", "user") / hz));
  CHECK(s.one("container_cpu_system_seconds_total", {{"id", a_id}}) ==
        Approx(key(cpu + "/cpuacct.stat", "system") / hz));
  CHECK(s.one("container_cpu_cfs_throttled_seconds_total", {{"id", a_id}}) ==
        Approx(key(cpu + "/cpu.stat", "throttled_time") / 1e9));
  CHECK(s.one("container_cpu_cfs_throttled_periods_total", {{"id", a_id}}) ==
        key(cpu + "/cpu.stat", "nr_throttled"));
  CHECK(s.one("container_spec_cpu_quota", {{"id", a_id}}) == num(cpu + "/cpu.cfs_quota_us"));
  CHECK(s.one("container_spec_cpu_shares", {{"id", a_id}}) == num(cpu + "/cpu.shares"));
  double usage = num(mem + "/memory.usage_in_bytes");
  CHECK(s.one("container_memory_usage_bytes", {{"id", a_id}}) == usage);
  CHECK(s.one("container_memory_working_set_bytes", {{"id", a_id}}) ==
        usage - key(mem + "/memory.stat", "total_inactive_file"));
  CHECK(s.one("container_memory_rss", {{"id", a_id}}) == key(mem + "/memory.stat", "total_rss"));
  CHECK(s.one("container_memory_cache", {{"id", a_id}}) == key(mem + "/memory.stat", "total_cache"));
  CHECK(s.one("container_memory_swap", {{"id", a_id}}) == key(mem + "/memory.stat", "total_swap"));
  CHECK(s.one("container_memory_failcnt", {{"id", a_id}}) == num(mem + "/memory.failcnt"));
  CHECK(s.one("container_memory_max_usage_bytes", {{"id", a_id}}) == num(mem + "/memory.max_usage_in_bytes"));
  CHECK(s.one("container_oom_events_total", {{"id", a_id}}) == key(mem + "/memory.oom_control", "oom_kill"));
  CHECK(s.one("container_spec_memory_limit_bytes", {{"id", a_id}}) == num(mem + "/memory.limit_in_bytes"));
  // v1's "unlimited" (a page-aligned 2^63) is 0, as cAdvisor writes it.
  CHECK(s.one("container_spec_memory_reservation_limit_bytes", {{"id", a_id}}) == 0);
  CHECK(s.one("container_spec_memory_limit_bytes", {{"id", c_id}}) == 0);
  CHECK(s.one("container_spec_memory_reservation_limit_bytes", {{"id", c_id}}) ==
        num(root + "/memory" + c_id + "/memory.soft_limit_in_bytes"));
  CHECK(s.find("container_spec_cpu_quota", {{"id", c_id}}).empty());
  // C's files say more inactive file cache than usage: the working set is 0.
  REQUIRE(key(root + "/memory" + c_id + "/memory.stat", "total_inactive_file") >
          num(root + "/memory" + c_id + "/memory.usage_in_bytes"));
  CHECK(s.one("container_memory_working_set_bytes", {{"id", c_id}}) == 0);
  CHECK(s.one("container_fs_reads_bytes_total", {{"id", a_id}, {"device", "/dev/sda"}}) == 180224);
  CHECK(s.one("container_fs_writes_bytes_total", {{"id", a_id}, {"device", "/dev/sda"}}) == 4096);
  // blkio.io_serviced_recursive is empty (no CFQ): the throttle file's counts.
  std::string serviced = slurp(root + "/blkio" + a_id + "/blkio.throttle.io_serviced_recursive");
  CHECK(s.one("container_fs_reads_total", {{"id", a_id}, {"device", "/dev/sda"}}) ==
        std::stod(serviced.substr(serviced.find("8:0 Read ") + 9)));
  CHECK(s.one("container_fs_writes_total", {{"id", a_id}, {"device", "/dev/sda"}}) ==
        std::stod(serviced.substr(serviced.find("8:0 Write ") + 10)));
  CHECK(s.find("container_fs_reads_bytes_total", {{"id", c_id}}).empty());
  CHECK(s.one("container_network_receive_errors_total", {{"id", c_id}, {"interface", "eth1"}}) == 1);
  CHECK(s.one("container_threads", {{"id", a_id}}) == num(root + "/pids" + a_id + "/pids.current"));
  CHECK(s.find("container_pressure_cpu_waiting_seconds_total", {}).empty());
  // No network series for a service (host network namespace).
  CHECK(s.find("container_network_receive_bytes_total", {{"id", "/system.slice/cron.service"}}).empty());

  SECTION("per-CPU usage when asked: cAdvisor's cpuNN labels, zero CPUs left out") {
    RecordingSink p = run("v1", true);
    CHECK(p.find("container_cpu_usage_seconds_total", {{"id", a_id}, {"cpu", "total"}}).empty());
    CHECK(p.one("container_cpu_usage_seconds_total", {{"id", a_id}, {"cpu", "cpu00"}}) ==
          Approx(90.123456789));
    CHECK(p.find("container_cpu_usage_seconds_total", {{"id", a_id}, {"cpu", "cpu01"}}).empty());
    CHECK(p.one("container_cpu_usage_seconds_total", {{"id", a_id}, {"cpu", "cpu02"}}) ==
          Approx(93.403184445));
  }
}

TEST_CASE("a cgroup that disappeared or lost its files is skipped; the others stay") {
  namespace fs = std::filesystem;
  std::string tmpl = (fs::temp_directory_path() / "vigia-container-XXXXXX").string();
  std::string dir = ::mkdtemp(tmpl.data());
  fs::copy(std::string(VIGIA_FIXTURES) + "/container/v2", dir,
           fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  std::string gone = dir + "/sys/fs/cgroup/system.slice/docker-" + kB + ".scope";
  for (const auto& e : fs::directory_iterator(gone)) fs::remove(e.path());  // an emptied cgroup
  ContainerOptions o;
  o.paths.proc = dir + "/proc";
  o.paths.sys = dir + "/sys";
  o.paths.rootfs = dir;
  ContainerCollector c(o, nullptr);
  RecordingSink s;
  CHECK(c.collect(CollectContext{}, s).is_ok());
  CHECK(s.find("container_memory_usage_bytes", {{"id", "/system.slice/docker-" + kB + ".scope"}}).empty());
  CHECK(s.find("container_memory_usage_bytes", {{"id", "/system.slice/docker-" + kA + ".scope"}}).size() ==
        1);
  fs::remove_all(dir);
}

TEST_CASE("no cgroup hierarchy mounted: no data, not an error; no mount table: an error") {
  namespace fs = std::filesystem;
  std::string tmpl = (fs::temp_directory_path() / "vigia-container-XXXXXX").string();
  std::string dir = ::mkdtemp(tmpl.data());
  fs::create_directories(dir + "/proc/self");
  std::ofstream(dir + "/proc/self/mountinfo") << "28 1 252:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw\n";
  ContainerOptions o;
  o.paths.proc = dir + "/proc";
  o.paths.sys = dir + "/sys";
  o.paths.rootfs = dir;
  ContainerCollector c(o, nullptr);
  RecordingSink s;
  CHECK(c.collect(CollectContext{}, s).is_no_data());
  fs::remove(dir + "/proc/self/mountinfo");
  ContainerCollector c2(o, nullptr);
  Status st = c2.collect(CollectContext{}, s);
  CHECK(st.is_error());
  CHECK(st.message().find("mountinfo") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("Docker API answers: list and inspect") {
  // Shaped like Docker 20.10's answers (fields trimmed).
  std::string list =
      R"J([{"Id":")J" + kA + R"J(","Names":["/shop-db-1"],"Image":"postgres:15","ImageID":"sha256:1",
    "Command":"docker-entrypoint.sh postgres","Created":1700000000,"Ports":[],"Labels":{
    "com.docker.compose.project":"shop","com.docker.compose.service":"db","other":"x"},
    "State":"running","Status":"Up 2 minutes (healthy)","HostConfig":{"NetworkMode":"shop_default"}},
    {"Id":")J" +
      kB + R"J(","Names":["/lonely"],"Image":"busybox","Labels":{},"State":"exited",
    "Status":"Exited (137) 5 seconds ago"},
    {"Id":")J" +
      kC +
      R"J(","Names":["/w"],"Image":"x","Labels":null,"State":"running","Status":"Up 1 second (health: starting)"}])J";
  std::vector<DockerContainer> out;
  REQUIRE(parse_container_list(list, out).is_ok());
  REQUIRE(out.size() == 3);
  CHECK(out[0].name == "shop-db-1");
  CHECK(out[0].image == "postgres:15");
  CHECK(out[0].compose_project == "shop");
  CHECK(out[0].compose_service == "db");
  CHECK(out[0].health == "healthy");
  CHECK(out[1].health.empty());
  CHECK(out[1].state == "exited");
  CHECK(out[2].health == "starting");

  DockerContainer c = out[1];
  REQUIRE(parse_container_inspect(
              R"({"Id":"x","RestartCount":4,"State":{"Status":"restarting","OOMKilled":true,"ExitCode":137,
                  "Health":{"Status":"unhealthy","FailingStreak":3}}})",
              c)
              .is_ok());
  CHECK(c.restart_count == 4);
  CHECK(c.oom_killed);
  CHECK(c.state == "restarting");
  CHECK(c.health == "unhealthy");

  CHECK(parse_container_list("{}", out).is_error());
  CHECK(parse_container_list("[1]", out).is_error());
  CHECK(parse_container_list(R"([{"Id":5}])", out).message().find("[0].Id: not a string") !=
        std::string::npos);
  CHECK(parse_container_list(R"([{"Id":")", out).is_error());
  CHECK(parse_container_inspect(R"({"RestartCount":"x"})", c).is_error());
}

TEST_CASE("Docker endpoint: docker_socket, DOCKER_HOST, default") {
  DockerOptions o;
  REQUIRE(resolve_docker_endpoint("", nullptr, o).is_ok());
  CHECK(o.socket == "/var/run/docker.sock");
  CHECK_FALSE(o.configured);
  REQUIRE(resolve_docker_endpoint("", "unix:///tmp/d.sock", o).is_ok());
  CHECK((o.socket == "/tmp/d.sock" && o.configured));
  REQUIRE(resolve_docker_endpoint("/run/x.sock", "unix:///tmp/d.sock", o).is_ok());
  CHECK(o.socket == "/run/x.sock");
  DockerOptions t;
  REQUIRE(resolve_docker_endpoint("", "tcp://127.0.0.1:2375", t).is_ok());
  CHECK((t.socket.empty() && t.base_url == "http://127.0.0.1:2375"));
  CHECK(resolve_docker_endpoint("ssh://host", nullptr, t).is_error());
}

TEST_CASE("without a Docker socket: cgroup metrics by id, the docker collector has no data") {
  DockerOptions d;
  d.socket = "/nonexistent/docker.sock";
  auto cache = std::make_shared<DockerCache>(d);
  ContainerOptions o;
  o.paths = paths_of("v1");
  ContainerCollector c(o, cache);
  DockerCollector dc(cache);
  RecordingSink s;
  CHECK(c.collect(CollectContext{}, s).is_ok());
  CHECK(s.find("container_memory_usage_bytes", {}).size() == 3);
  Status st = dc.collect(CollectContext{}, s);
  CHECK(st.is_no_data());
  CHECK(s.find("vigia_container_state", {}).empty());
}

namespace {
void read_section(const std::string& yaml) {
  test::read_config_text(yaml, "vigia.yml", {"containers"}, [](const YamlReader& r, const Config& cfg) {
    make_area()->read_config(r, cfg.section("containers"));
    return 0;
  });
}
std::string config_error(const std::string& yaml) { return test::config_error_of(read_section, yaml); }
}  // namespace

TEST_CASE("the collectors are on only with a containers: section") {
  auto enabled = [](const std::string& yaml) {
    return test::read_config_text(yaml, "vigia.yml", {"containers", "host"},
                                  [](const YamlReader& r, const Config& cfg) {
                                    auto area = make_area();
                                    area->read_config(r, cfg.section("containers"));
                                    CollectorCatalog catalog;
                                    std::vector<std::shared_ptr<TargetCollector>> probes;
                                    AreaSetup setup{catalog, probes, {}};
                                    REQUIRE(area->add_collectors(setup).is_ok());
                                    return catalog.build().size();
                                  });
  };
  CHECK(enabled("host: {}\n") == 0);
  CHECK(enabled("containers:\n") == 2);
  CHECK(enabled("containers: {}\n") == 2);
}

TEST_CASE("the containers: section: keys and errors with file:line:column") {
  read_section("containers: {}\n");
  read_section(
      "containers:\n  docker_socket: unix:///run/d.sock\n  docker_timeout: 2s\n"
      "  docker_refresh_interval: 1m\n  percpu: true\n  services: false\n");
  CHECK(
      config_error("containers:\n  docker_sockte: /x\n").find("vigia.yml:2:3: unknown key 'docker_sockte'") !=
      std::string::npos);
  CHECK(config_error("containers:\n  docker_socket: ssh://h\n").find("vigia.yml:2:") != std::string::npos);
  CHECK(config_error("containers:\n  percpu: maybe\n").find("vigia.yml:2:") != std::string::npos);
}

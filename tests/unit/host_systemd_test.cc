// The systemd collector's logic on recorded manager replies (a fake bus): the
// units node_exporter 1.5 keeps and skips, the summary, flags, version parsing
// and failures. What node_exporter itself prints for such a manager is
// compared live in tests/integration/test_systemd.py (a D-Bus test server).
#include <catch.hpp>
#include <limits>
#include <map>

#include "core/exposition.h"
#include "exporters/host/systemd_collector.h"

using namespace vigia;
using namespace vigia::host;

namespace {

// Replies keyed by "unit/Interface.Property"; missing keys are D-Bus errors.
struct Recorded {
  bool reachable = true, list_ok = true;
  std::string version = "252.38-1~deb12u1", system_state = "running";
  std::vector<SystemdUnit> units;
  std::map<std::string, std::string> strings;
  std::map<std::string, uint64_t> numbers;
  int resets = 0;
};

class FakeBus final : public SystemdBus {
 public:
  explicit FakeBus(Recorded* r) : r_(r) {}
  Status begin(Clock::time_point) override {
    return r_->reachable ? Status::ok() : Status::error("system bus: No such file or directory");
  }
  void reset() override { ++r_->resets; }
  Status manager_string(const char* p, std::string& out) override {
    if (!r_->list_ok) return Status::error("gone");
    out = std::string(p) == "Version" ? r_->version : r_->system_state;
    return Status::ok();
  }
  Status list_units(std::vector<SystemdUnit>& out) override {
    if (!r_->list_ok) return Status::error("ListUnits: gone");
    out = r_->units;
    return Status::ok();
  }
  Status unit_string(const std::string& u, const char* i, const char* p, std::string& out) override {
    auto it = r_->strings.find(u + "/" + i + "." + p);
    if (it == r_->strings.end()) return Status::error("Unknown property");
    out = it->second;
    return Status::ok();
  }
  Status unit_u32(const std::string& u, const char* i, const char* p, uint32_t& out) override {
    uint64_t v = 0;
    Status st = unit_u64(u, i, p, v);
    out = static_cast<uint32_t>(v);
    return st;
  }
  Status unit_u64(const std::string& u, const char* i, const char* p, uint64_t& out) override {
    auto it = r_->numbers.find(u + "/" + i + "." + p);
    if (it == r_->numbers.end()) return Status::error("Unknown property");
    out = it->second;
    return Status::ok();
  }

 private:
  Recorded* r_;
};

Recorded manager() {
  Recorded r;
  r.units = {{"ssh.service", "loaded", "active"},       {"cron.service", "loaded", "failed"},
             {"gone.service", "not-found", "inactive"}, {"x.socket", "loaded", "active"},
             {"t.timer", "loaded", "active"},           {"home.mount", "loaded", "active"},
             {"r.service", "loaded", "reloading"}};
  r.strings = {{"ssh.service/Service.Type", "notify"},
               {"cron.service/Service.Type", "simple"},
               {"home.mount/Mount.Type", "ext4"}};
  r.numbers = {{"ssh.service/Service.NRestarts", 3},
               {"ssh.service/Service.TasksCurrent", 2},
               {"ssh.service/Service.TasksMax", std::numeric_limits<uint64_t>::max()},
               {"ssh.service/Unit.ActiveEnterTimestamp", 1500000000250000},
               {"x.socket/Socket.NAccepted", 7},
               {"x.socket/Socket.NConnections", 1},
               {"t.timer/Timer.LastTriggerUSec", 1600000000500000}};
  return r;
}

std::string run(Recorded& r, HostOptions o, Status* st_out = nullptr) {
  SystemdCollector c(o, std::make_unique<FakeBus>(&r));
  Status st;
  std::string out = encode_text([&](MetricSink& s) { st = c.collect(CollectContext{}, s); });
  if (st_out) *st_out = st;
  return out;
}

bool has(const std::string& out, const std::string& line) {
  return out.find("\n" + line + "\n") != std::string::npos;
}

}  // namespace

TEST_CASE("systemd version as node_exporter reads it") {
  double v = 0;
  CHECK(parse_systemd_version("252.38-1~deb12u1", v));
  CHECK(v == 252.38);
  CHECK(parse_systemd_version("systemd 249 (249.11-0ubuntu3)", v));
  CHECK(v == 249);
  CHECK_FALSE(parse_systemd_version("v2", v));
  CHECK_FALSE(parse_systemd_version("", v));
}

TEST_CASE("systemd collector on a recorded manager, default flags") {
  Recorded r = manager();
  Status st;
  std::string out = run(r, HostOptions{}, &st);
  REQUIRE(st.is_ok());
  CHECK(has(out, "node_systemd_version{version=\"252.38-1~deb12u1\"} 252.38"));
  CHECK(has(out, "node_systemd_system_running 1"));
  // Every unit counts, loaded or not; "reloading" gets its own series.
  CHECK(has(out, "node_systemd_units{state=\"active\"} 4"));
  CHECK(has(out, "node_systemd_units{state=\"inactive\"} 1"));
  CHECK(has(out, "node_systemd_units{state=\"reloading\"} 1"));
  CHECK(has(out, "node_systemd_units{state=\"deactivating\"} 0"));
  CHECK(has(out, "node_systemd_unit_state{name=\"ssh.service\",state=\"active\",type=\"notify\"} 1"));
  CHECK(has(out, "node_systemd_unit_state{name=\"cron.service\",state=\"failed\",type=\"simple\"} 1"));
  CHECK(has(out, "node_systemd_unit_state{name=\"x.socket\",state=\"active\",type=\"\"} 1"));
  CHECK(has(out, "node_systemd_unit_state{name=\"r.service\",state=\"active\",type=\"\"} 0"));
  // Not loaded, or excluded by default (.mount): no unit series.
  CHECK(out.find("gone.service") == std::string::npos);
  CHECK(out.find("home.mount") == std::string::npos);
  CHECK(has(out, "node_systemd_socket_accepted_connections_total{name=\"x.socket\"} 7"));
  CHECK(has(out, "node_systemd_socket_current_connections{name=\"x.socket\"} 1"));
  CHECK(out.find("node_systemd_socket_refused") == std::string::npos);  // no NRefused
  CHECK(has(out, "node_systemd_timer_last_trigger_seconds{name=\"t.timer\"} 1.6000000005e+09"));
  // Behind their flags.
  CHECK(out.find("node_systemd_service_restart_total") == std::string::npos);
  CHECK(out.find("node_systemd_unit_start_time_seconds") == std::string::npos);
  CHECK(out.find("node_systemd_unit_tasks") == std::string::npos);
}

TEST_CASE("systemd collector flags: metrics, include and exclude") {
  Recorded r = manager();
  r.system_state = "degraded";
  HostOptions o;
  o.systemd_restarts_metrics = o.systemd_start_time_metrics = o.systemd_task_metrics = true;
  o.systemd_unit_include = "(ssh|cron|home)\\..+";
  o.systemd_unit_exclude = "cron.*";
  std::string out = run(r, o);
  CHECK(has(out, "node_systemd_system_running 0"));
  CHECK(has(out, "node_systemd_service_restart_total{name=\"ssh.service\"} 3"));
  CHECK(has(out, "node_systemd_unit_start_time_seconds{name=\"ssh.service\"} 1.50000000025e+09"));
  CHECK(has(out, "node_systemd_unit_start_time_seconds{name=\"home.mount\"} 0") == false);  // no timestamp
  CHECK(has(out, "node_systemd_unit_tasks_current{name=\"ssh.service\"} 2"));
  CHECK(out.find("node_systemd_unit_tasks_max") == std::string::npos);  // UINT64_MAX
  CHECK(has(out, "node_systemd_unit_state{name=\"home.mount\",state=\"active\",type=\"ext4\"} 1"));
  CHECK(out.find("cron.service") == std::string::npos);
  CHECK(out.find("x.socket") == std::string::npos);
  // The summary ignores the filters.
  CHECK(has(out, "node_systemd_units{state=\"failed\"} 1"));
}

TEST_CASE("systemd collector: deprecated flag names") {
  HostOptions o;
  o.systemd_unit_blacklist = "a.*";
  REQUIRE(resolve_systemd_flags(o).is_ok());
  CHECK(o.systemd_unit_exclude == "a.*");
  CHECK(resolve_systemd_flags(o).is_ok());  // again (a reload): still fine
  HostOptions both;
  both.systemd_unit_whitelist = "a.*";
  both.systemd_unit_include = "b.*";
  CHECK_FALSE(resolve_systemd_flags(both).is_ok());
}

TEST_CASE("systemd collector: no bus, a failed ListUnits") {
  Recorded r = manager();
  r.reachable = false;
  Status st;
  std::string out = run(r, HostOptions{}, &st);
  CHECK(st.is_error());
  CHECK(st.message().find("couldn't get dbus connection") != std::string::npos);
  CHECK(out.find("node_systemd") == std::string::npos);

  Recorded gone = manager();
  gone.list_ok = false;
  out = run(gone, HostOptions{}, &st);
  CHECK(st.is_error());
  CHECK(gone.resets == 1);  // the connection is dropped, so the next scrape reconnects
  CHECK(has(out, "node_systemd_version{version=\"\"} 0"));  // as node_exporter: written before the failure
}

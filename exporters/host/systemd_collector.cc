#include "exporters/host/systemd_collector.h"

#include <re2/re2.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>

#include "core/flags.h"
#include "core/fs.h"
#include "core/log.h"
#include "core/strconv.h"

namespace vigia::host {

namespace {

// The manager property SystemState and timers' LastTriggerUSec exist from 212 on.
constexpr double kMinVersionSystemState = 212;
constexpr const char* kStates[] = {"activating", "active", "deactivating", "failed", "inactive"};  // sorted

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Go's regexp with node_exporter's "^(?:%s)$" anchoring.
std::string anchored(const std::string& pattern) { return "^(?:" + pattern + ")$"; }

}  // namespace

void add_systemd_flags(FlagSet& fs, HostOptions& o) {
  fs.add_string(
      "collector.systemd.unit-include",
      "Regexp of systemd units to include. Units must both match include and not match exclude to be "
      "included.",
      &o.systemd_unit_include);
  fs.add_string("collector.systemd.unit-whitelist", "DEPRECATED: Use --collector.systemd.unit-include",
                &o.systemd_unit_whitelist);
  fs.add_string(
      "collector.systemd.unit-exclude",
      "Regexp of systemd units to exclude. Units must both match include and not match exclude to be "
      "included.",
      &o.systemd_unit_exclude);
  fs.add_string("collector.systemd.unit-blacklist", "DEPRECATED: Use collector.systemd.unit-exclude",
                &o.systemd_unit_blacklist);
  fs.add_bool("collector.systemd.private",
              "Establish a private, direct connection to systemd without dbus (Strongly discouraged since it "
              "requires root. For testing purposes only).",
              &o.systemd_private);
  fs.add_bool("collector.systemd.enable-task-metrics",
              "Enables service unit tasks metrics unit_tasks_current and unit_tasks_max",
              &o.systemd_task_metrics);
  fs.add_bool("collector.systemd.enable-restarts-metrics",
              "Enables service unit metric service_restart_total", &o.systemd_restarts_metrics);
  fs.add_bool("collector.systemd.enable-start-time-metrics",
              "Enables service unit metric unit_start_time_seconds", &o.systemd_start_time_metrics);
}

Status resolve_systemd_flags(HostOptions& o) {
  const HostOptions defaults;
  struct {
    std::string &old_value, &value;
    const std::string& def;
    const char *old_name, *name;
  } pairs[] = {
      {o.systemd_unit_blacklist, o.systemd_unit_exclude, defaults.systemd_unit_exclude, "unit-blacklist",
       "unit-exclude"},
      {o.systemd_unit_whitelist, o.systemd_unit_include, defaults.systemd_unit_include, "unit-whitelist",
       "unit-include"},
  };
  for (auto& p : pairs) {
    if (p.old_value.empty()) continue;
    if (p.value != p.def)
      return Status::error(std::string("--collector.systemd.") + p.old_name + " and --collector.systemd." +
                           p.name + " are mutually exclusive");
    log::warn(std::string("--collector.systemd.") + p.old_name +
              " is DEPRECATED and will be removed in 2.0.0, use --collector.systemd." + p.name);
    p.value = p.old_value;
    p.old_value.clear();
  }
  return Status::ok();
}

bool parse_systemd_version(std::string_view version, double& out) {
  static const RE2 re("([0-9]{3,}(?:\\.[0-9]+)?)");
  re2::StringPiece match;
  if (!RE2::PartialMatch(re2::StringPiece(version.data(), version.size()), re, &match)) return false;
  return parse_double(std::string_view(match.data(), match.size()), out);
}

SystemdCollector::SystemdCollector(const HostOptions& o, std::unique_ptr<SystemdBus> bus)
    : bus_(bus ? std::move(bus) : make_sd_bus(o.systemd_private)),
      include_("collector.systemd.unit-include", anchored(o.systemd_unit_include)),
      exclude_("collector.systemd.unit-exclude", anchored(o.systemd_unit_exclude)),
      start_time_(o.systemd_start_time_metrics),
      restarts_(o.systemd_restarts_metrics),
      tasks_(o.systemd_task_metrics) {}

Status SystemdCollector::fail(const Status& st) {
  bus_->reset();
  if (!failing_)
    log::warn("systemd collector cannot read the systemd manager over D-Bus (logged once until it recovers)",
              {{"err", st.message()}});
  failing_ = true;
  return st;
}

Status SystemdCollector::collect(const CollectContext& ctx, MetricSink& sink) {
  if (!include_.status().is_ok()) return include_.status();
  if (!exclude_.status().is_ok()) return exclude_.status();
  Status st = bus_->begin(ctx.deadline);
  if (!st.is_ok()) return fail(Status::error("couldn't get dbus connection: " + st.message()));

  // node_exporter quotes the string as Go's Variant.String() does and trims
  // one quote from each end; an unreadable version is 0 with version="".
  std::string raw, label;
  double version = 0;
  if (bus_->manager_string("Version", raw).is_ok()) {
    label = go_quote(raw);
    if (!label.empty() && label.back() == '"') label.pop_back();
    if (!label.empty() && label.front() == '"') label.erase(0, 1);
    if (!parse_systemd_version(label, version)) {
      version = 0;
      label.clear();
    }
  }
  sink.family("node_systemd_version", "Detected systemd version", MetricType::kGauge);
  sink.sample("node_systemd_version", {{"version", label}}, version);

  st = bus_->list_units(all_);
  if (!st.is_ok()) return fail(Status::error("couldn't get units: " + st.message()));
  if (failing_) log::info("systemd collector reads the systemd manager again");
  failing_ = false;
  st = collect_units(sink, version);
  // Past the deadline every call fails at once and its series is skipped:
  // what was written is partial, so the collection fails.
  if (st.is_ok() && Clock::now() >= ctx.deadline)
    st = fail(Status::error("deadline exceeded reading the units"));
  return st;
}

Status SystemdCollector::collect_units(MetricSink& sink, double version) {
  std::sort(all_.begin(), all_.end(),
            [](const SystemdUnit& a, const SystemdUnit& b) { return a.name < b.name; });

  // Every unit counts in the summary, loaded or not, included or not; states
  // beyond the five (reloading, maintenance) get their own series.
  std::map<std::string_view, double> summary;
  for (const char* s : kStates) summary[s] = 0;
  for (const SystemdUnit& u : all_) summary[u.active_state] += 1;
  sink.family("node_systemd_units", "Summary of systemd unit states", MetricType::kGauge);
  for (const auto& [state, n] : summary) sink.sample("node_systemd_units", {{"state", state}}, n);

  units_.clear();
  for (const SystemdUnit& u : all_)
    if (include_.matches(u.name) && !exclude_.matches(u.name) && u.load_state == "loaded")
      units_.push_back(&u);

  fetch_properties(version);
  unit_states(sink);
  if (restarts_) restarts(sink);
  if (start_time_) start_times(sink);
  if (tasks_) tasks(sink);
  if (version >= kMinVersionSystemState) timers(sink);
  sockets(sink);
  if (version < kMinVersionSystemState) return Status::ok();

  std::string state;
  Status st = bus_->manager_string("SystemState", state);
  if (!st.is_ok()) return Status::error("couldn't get system state: " + st.message());
  sink.family("node_systemd_system_running",
              "Whether the system is operational (see 'systemctl is-system-running')", MetricType::kGauge);
  sink.sample("node_systemd_system_running", {}, state == "running" ? 1 : 0);
  return Status::ok();
}

namespace {

std::string property_key(const std::string& unit, std::string_view iface, std::string_view property) {
  std::string key = unit;
  key += '\n';
  key += iface;
  key += '.';
  key += property;
  return key;
}

}  // namespace

void SystemdCollector::fetch_properties(double version) {
  // What the emitters below read, asked for all at once so that the bus can
  // keep several calls in flight.
  props_.clear();
  auto add = [&](const SystemdUnit* u, const char* iface, const char* property, char type) {
    SystemdProperty& p = props_.emplace_back();
    p.unit = u->name;
    p.iface = iface;
    p.property = property;
    p.type = type;
  };
  for (const SystemdUnit* u : units_) {
    if (ends_with(u->name, ".service")) {
      add(u, "Service", "Type", 's');
      if (restarts_) add(u, "Service", "NRestarts", 'u');
      if (tasks_) {
        add(u, "Service", "TasksCurrent", 't');
        add(u, "Service", "TasksMax", 't');
      }
    } else if (ends_with(u->name, ".mount")) {
      add(u, "Mount", "Type", 's');
    } else if (ends_with(u->name, ".timer") && version >= kMinVersionSystemState) {
      add(u, "Timer", "LastTriggerUSec", 't');
    } else if (ends_with(u->name, ".socket")) {
      for (const char* p : {"NAccepted", "NConnections", "NRefused"}) add(u, "Socket", p, 'u');
    }
    if (start_time_ && u->active_state == "active") add(u, "Unit", "ActiveEnterTimestamp", 't');
  }
  bus_->get_unit_properties(props_);
  index_.clear();
  for (size_t i = 0; i < props_.size(); ++i)
    index_[property_key(props_[i].unit, props_[i].iface, props_[i].property)] = i;
}

const SystemdProperty* SystemdCollector::fetched(const std::string& unit, const char* iface,
                                                 const char* property) const {
  auto it = index_.find(property_key(unit, iface, property));
  if (it == index_.end() || !props_[it->second].ok) return nullptr;
  return &props_[it->second];
}

bool SystemdCollector::fetched(const std::string& unit, const char* iface, const char* property,
                               std::string& out) const {
  const SystemdProperty* p = fetched(unit, iface, property);
  if (p) out = p->text;
  return p != nullptr;
}

bool SystemdCollector::fetched(const std::string& unit, const char* iface, const char* property,
                               uint32_t& out) const {
  const SystemdProperty* p = fetched(unit, iface, property);
  if (p) out = static_cast<uint32_t>(p->number);
  return p != nullptr;
}

bool SystemdCollector::fetched(const std::string& unit, const char* iface, const char* property,
                               uint64_t& out) const {
  const SystemdProperty* p = fetched(unit, iface, property);
  if (p) out = p->number;
  return p != nullptr;
}

void SystemdCollector::unit_states(MetricSink& sink) {
  const char* name = "node_systemd_unit_state";
  if (!units_.empty()) sink.family(name, "Systemd unit", MetricType::kGauge);
  std::string type;
  for (const SystemdUnit* u : units_) {
    type.clear();
    if (ends_with(u->name, ".service")) {
      if (!fetched(u->name, "Service", "Type", type)) type.clear();
    } else if (ends_with(u->name, ".mount")) {
      if (!fetched(u->name, "Mount", "Type", type)) type.clear();
    }
    for (const char* s : kStates)
      sink.sample(name, {{"name", u->name}, {"state", s}, {"type", type}}, u->active_state == s ? 1 : 0);
  }
}

void SystemdCollector::restarts(MetricSink& sink) {
  const char* name = "node_systemd_service_restart_total";
  bool begun = false;
  for (const SystemdUnit* u : units_) {
    uint32_t n;
    if (!ends_with(u->name, ".service") || !fetched(u->name, "Service", "NRestarts", n)) continue;
    if (!begun) sink.family(name, "Service unit count of Restart triggers", MetricType::kCounter);
    begun = true;
    sink.sample(name, {{"name", u->name}}, n);
  }
}

void SystemdCollector::start_times(MetricSink& sink) {
  const char* name = "node_systemd_unit_start_time_seconds";
  bool begun = false;
  for (const SystemdUnit* u : units_) {
    uint64_t usec = 0;
    if (u->active_state == "active" && !fetched(u->name, "Unit", "ActiveEnterTimestamp", usec)) continue;
    if (!begun) sink.family(name, "Start time of the unit since unix epoch in seconds.", MetricType::kGauge);
    begun = true;
    sink.sample(name, {{"name", u->name}}, static_cast<double>(usec) / 1e6);
  }
}

void SystemdCollector::tasks(MetricSink& sink) {
  // Two passes, one family each; UINT64_MAX (no limit, no accounting) is no series.
  const struct {
    const char *metric, *property, *help;
  } task_families[] = {
      {"node_systemd_unit_tasks_current", "TasksCurrent", "Current number of tasks per Systemd unit"},
      {"node_systemd_unit_tasks_max", "TasksMax", "Maximum number of tasks per Systemd unit"},
  };
  for (const auto& t : task_families) {
    bool begun = false;
    for (const SystemdUnit* u : units_) {
      uint64_t v;
      if (!ends_with(u->name, ".service") || !fetched(u->name, "Service", t.property, v) ||
          v == std::numeric_limits<uint64_t>::max())
        continue;
      if (!begun) sink.family(t.metric, t.help, MetricType::kGauge);
      begun = true;
      sink.sample(t.metric, {{"name", u->name}}, static_cast<double>(v));
    }
  }
}

void SystemdCollector::timers(MetricSink& sink) {
  const char* name = "node_systemd_timer_last_trigger_seconds";
  bool begun = false;
  for (const SystemdUnit* u : units_) {
    uint64_t usec;
    if (!ends_with(u->name, ".timer") || !fetched(u->name, "Timer", "LastTriggerUSec", usec)) continue;
    if (!begun) sink.family(name, "Seconds since epoch of last trigger.", MetricType::kGauge);
    begun = true;
    sink.sample(name, {{"name", u->name}}, static_cast<double>(usec) / 1e6);
  }
}

void SystemdCollector::sockets(MetricSink& sink) {
  // node_exporter reads NAccepted, then NConnections, then NRefused (systemd
  // 239+) and stops at the first that fails; NRefused is a gauge there.
  struct Socket {
    const SystemdUnit* unit;
    uint32_t v[3];
    int n;
  };
  std::vector<Socket> socks;
  for (const SystemdUnit* u : units_) {
    if (!ends_with(u->name, ".socket")) continue;
    Socket s{u, {0, 0, 0}, 0};
    for (const char* p : {"NAccepted", "NConnections", "NRefused"}) {
      if (!fetched(u->name, "Socket", p, s.v[s.n])) break;
      ++s.n;
    }
    if (s.n > 0) socks.push_back(s);
  }
  const struct {
    const char *metric, *help;
    MetricType type;
  } socket_families[] = {
      {"node_systemd_socket_accepted_connections_total", "Total number of accepted socket connections",
       MetricType::kCounter},
      {"node_systemd_socket_current_connections", "Current number of socket connections", MetricType::kGauge},
      {"node_systemd_socket_refused_connections_total", "Total number of refused socket connections",
       MetricType::kGauge},
  };
  for (int i = 0; i < 3; ++i) {
    bool begun = false;
    for (const Socket& s : socks) {
      if (s.n <= i) continue;
      if (!begun) sink.family(socket_families[i].metric, socket_families[i].help, socket_families[i].type);
      begun = true;
      sink.sample(socket_families[i].metric, {{"name", s.unit->name}}, s.v[i]);
    }
  }
}

}  // namespace vigia::host

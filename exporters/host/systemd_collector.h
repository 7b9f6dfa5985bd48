#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/collector.h"
#include "exporters/host/host.h"
#include "exporters/host/regex_filter.h"
#include "exporters/host/systemd_bus.h"

namespace vigia {
class FlagSet;
}

namespace vigia::host {

// --collector.systemd.* flags into opts (node_exporter 1.5's names and help).
void add_systemd_flags(FlagSet& fs, HostOptions& opts);
// Applies the deprecated unit-whitelist/unit-blacklist (with a warning); an
// error if given with their new names (a new name counts as given when its
// value differs from the default).
Status resolve_systemd_flags(HostOptions& opts);

// node_exporter's version number from systemd's Version property: the first
// run of 3+ digits with an optional ".digits" ("252.38-1~deb12u1" -> 252.38);
// false if there is none.
bool parse_systemd_version(std::string_view version, double& out);

// node_systemd_* from the systemd manager over D-Bus (node_exporter 1.5,
// off by default): unit states, unit counts, version, system state, socket
// and timer metrics; start times, restarts and tasks behind their flags.
// Units listed but whose properties cannot be read are skipped, as
// node_exporter does; no connection, or a failed ListUnits, fails the
// collector (logged once until it recovers).
class SystemdCollector final : public Collector {
 public:
  // bus: null for the real one (make_sd_bus).
  explicit SystemdCollector(const HostOptions& opts, std::unique_ptr<SystemdBus> bus = nullptr);
  std::string_view name() const override { return "systemd"; }
  Status collect(const CollectContext& ctx, MetricSink& sink) override;

 private:
  Status collect_units(MetricSink& sink, double version);
  void unit_states(MetricSink& sink);
  void start_times(MetricSink& sink);
  void restarts(MetricSink& sink);
  void tasks(MetricSink& sink);
  void timers(MetricSink& sink);
  void sockets(MetricSink& sink);
  Status fail(const Status& st);
  void fetch_properties(double version);
  const SystemdProperty* fetched(const std::string& unit, const char* iface, const char* property) const;
  bool fetched(const std::string& unit, const char* iface, const char* property, std::string& out) const;
  bool fetched(const std::string& unit, const char* iface, const char* property, uint32_t& out) const;
  bool fetched(const std::string& unit, const char* iface, const char* property, uint64_t& out) const;

  std::unique_ptr<SystemdBus> bus_;
  RegexFilter include_, exclude_;
  bool start_time_, restarts_, tasks_;
  bool failing_ = false;  // the last failure was logged
  std::vector<SystemdUnit> all_;
  std::vector<const SystemdUnit*> units_;          // loaded, included, not excluded; by name
  std::vector<SystemdProperty> props_;             // this scrape's unit properties
  std::unordered_map<std::string, size_t> index_;  // "unit\niface.property" -> props_
};

}  // namespace vigia::host

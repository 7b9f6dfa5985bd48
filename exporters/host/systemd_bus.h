// The systemd manager over D-Bus, as node_exporter's systemd collector reads
// it (go-systemd's ListUnits and Properties.Get calls). An interface, so the
// collector's logic can be tested on recorded replies; the real one speaks
// sd-bus from libsystemd.so.0, loaded with dlopen on first use (a host-only
// vigia that leaves the collector off never maps it).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/collector.h"
#include "core/status.h"

namespace vigia::host {

// One entry of org.freedesktop.systemd1.Manager.ListUnits (the fields used).
struct SystemdUnit {
  std::string name, load_state, active_state;
};

// One Properties.Get of a unit, for get_unit_properties.
struct SystemdProperty {
  std::string unit;
  const char* iface = "";     // "Service", "Socket"...
  const char* property = "";  // "Type", "NAccepted"...
  char type = 's';            // D-Bus type: 's', 'u' or 't'
  bool ok = false;            // the reply had that type
  std::string text;           // 's'
  uint64_t number = 0;        // 'u', 't'
};

class SystemdBus {
 public:
  virtual ~SystemdBus() = default;
  // Connects if not connected; calls until the next begin() give up at
  // `deadline`. Error: no connection ("couldn't get dbus connection" follows).
  virtual Status begin(Clock::time_point deadline) = 0;
  // Drops the connection (after a failure, so that the next begin() reconnects).
  virtual void reset() = 0;
  // A string property of org.freedesktop.systemd1.Manager (Version, SystemState).
  virtual Status manager_string(const char* property, std::string& out) = 0;
  virtual Status list_units(std::vector<SystemdUnit>& out) = 0;
  // Properties.Get on the unit's object (/org/freedesktop/systemd1/unit/<escaped
  // name>) for interface org.freedesktop.systemd1.<iface>; an error if the
  // property is missing or has another D-Bus type (s, u, t).
  virtual Status unit_string(const std::string& unit, const char* iface, const char* property,
                             std::string& out) = 0;
  virtual Status unit_u32(const std::string& unit, const char* iface, const char* property,
                          uint32_t& out) = 0;
  virtual Status unit_u64(const std::string& unit, const char* iface, const char* property,
                          uint64_t& out) = 0;
  // Reads every property, setting ok, text and number. This one calls the
  // three above in turn; the sd-bus one keeps several calls in flight.
  virtual void get_unit_properties(std::vector<SystemdProperty>& props);
};

// The system bus (DBUS_SYSTEM_BUS_ADDRESS, else /run/dbus/system_bus_socket),
// or with private_socket systemd's own /run/systemd/private (root only), as
// node_exporter's --collector.systemd.private.
std::unique_ptr<SystemdBus> make_sd_bus(bool private_socket);

}  // namespace vigia::host

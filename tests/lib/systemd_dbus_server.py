#!/usr/bin/python3
"""A stand-in for systemd's manager on a D-Bus bus, for the systemd collector's tests (systemd is
not PID 1 in the test containers, and `systemd --user` needs its own dbus.socket unit and a
writable cgroup tree). It answers exactly the calls node_exporter 1.5's systemd collector makes
through go-systemd, with the object paths, interfaces and D-Bus signatures real systemd has:

  /org/freedesktop/systemd1
      org.freedesktop.systemd1.Manager.ListUnits() -> a(ssssssouso)
      org.freedesktop.DBus.Properties.Get("org.freedesktop.systemd1.Manager", Version|SystemState) -> v(s)
  /org/freedesktop/systemd1/unit/<name, bus-escaped: every byte but [A-Za-z0-9] (and a leading
  digit) as _xx>
      org.freedesktop.DBus.Properties.Get(iface, prop) for
        org.freedesktop.systemd1.Unit     ActiveEnterTimestamp t
        org.freedesktop.systemd1.Service  Type s, NRestarts u, TasksCurrent t, TasksMax t
        org.freedesktop.systemd1.Mount    Type s
        org.freedesktop.systemd1.Socket   NAccepted u, NConnections u, NRefused u
        org.freedesktop.systemd1.Timer    LastTriggerUSec t
  and systemd's errors: UnknownObject for a unit that has no object, UnknownProperty (as
  systemd's sd-bus vtable answers) for a property the unit lacks.

Runs under Debian's /usr/bin/python3 with python3-dbus and python3-gi.
  systemd_dbus_server.py BUS_ADDRESS MANAGER_JSON
MANAGER_JSON: {"Version": "...", "SystemState": "...", "units": [{"name", "load", "active",
"sub", "object": bool (default true), "props": {"Service.Type": "simple", ...}}]}; property
values are typed by their name (TYPES below). Prints "ready" once it owns org.freedesktop.systemd1.
"""
import json
import sys

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

MANAGER = "org.freedesktop.systemd1.Manager"
PREFIX = "org.freedesktop.systemd1."
TYPES = {
    "Unit.ActiveEnterTimestamp": dbus.UInt64, "Service.Type": dbus.String,
    "Service.NRestarts": dbus.UInt32, "Service.TasksCurrent": dbus.UInt64,
    "Service.TasksMax": dbus.UInt64, "Mount.Type": dbus.String, "Socket.NAccepted": dbus.UInt32,
    "Socket.NConnections": dbus.UInt32, "Socket.NRefused": dbus.UInt32,
    "Timer.LastTriggerUSec": dbus.UInt64,
}


def bus_escape(name):
    """sd_bus_path_encode's / go-systemd's PathBusEscape label escaping."""
    if not name:
        return "_"
    out = []
    for i, b in enumerate(name.encode()):
        c = chr(b)
        if (c.isascii() and c.isalnum()) and not (i == 0 and c.isdigit()):
            out.append(c)
        else:
            out.append("_%02x" % b)
    return "".join(out)


class UnknownObject(dbus.DBusException):
    _dbus_error_name = "org.freedesktop.DBus.Error.UnknownObject"


class UnknownProperty(dbus.DBusException):
    _dbus_error_name = "org.freedesktop.DBus.Error.UnknownProperty"


class Systemd(dbus.service.FallbackObject):
    """/org/freedesktop/systemd1 and, as a fallback object, every unit object below it."""

    def __init__(self, conn, state):
        super().__init__(conn, "/org/freedesktop/systemd1")
        self.state = state
        self.by_path = {}
        for u in state["units"]:
            if u.get("object", True):
                self.by_path["unit/" + bus_escape(u["name"])] = u

    @dbus.service.method(MANAGER, in_signature="", out_signature="a(ssssssouso)")
    def ListUnits(self):
        return [(u["name"], u.get("description", u["name"]), u["load"], u["active"], u.get("sub", u["active"]),
                 "", dbus.ObjectPath("/org/freedesktop/systemd1/unit/" + bus_escape(u["name"])), dbus.UInt32(0),
                 "", dbus.ObjectPath("/")) for u in self.state["units"]]

    @dbus.service.method("org.freedesktop.DBus.Properties", in_signature="ss", out_signature="v",
                         rel_path_keyword="rel")
    def Get(self, interface, prop, rel=None):
        if rel in (None, "", "/"):
            if interface != MANAGER or prop not in ("Version", "SystemState"):
                raise UnknownProperty("Unknown property or interface.")
            return dbus.String(self.state[prop])
        unit = self.by_path.get(rel.lstrip("/"))
        if unit is None:
            raise UnknownObject("Unknown object '/org/freedesktop/systemd1%s'." % rel)
        if not interface.startswith(PREFIX):
            raise UnknownProperty("Unknown interface %s." % interface)
        key = interface[len(PREFIX):] + "." + prop
        props = unit.get("props", {})
        if key not in props or key not in TYPES:
            raise UnknownProperty("Unknown property or interface.")
        return TYPES[key](props[key])


def main():
    address, path = sys.argv[1], sys.argv[2]
    with open(path) as f:
        state = json.load(f)
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    conn = dbus.bus.BusConnection(address)
    name = dbus.service.BusName("org.freedesktop.systemd1", conn)  # noqa: F841 - keeps the name
    Systemd(conn, state)
    print("ready", flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()

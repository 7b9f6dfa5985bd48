#include "exporters/host/systemd_bus.h"

#include <dlfcn.h>
#include <systemd/sd-bus.h>

#include <cerrno>
#include <cstring>
#include <type_traits>

namespace vigia::host {

namespace {

constexpr const char* kDest = "org.freedesktop.systemd1";
constexpr const char* kManagerPath = "/org/freedesktop/systemd1";
constexpr const char* kUnitPrefix = "/org/freedesktop/systemd1/unit";

// The sd-bus functions used, from libsystemd.so.0 (header: libsystemd-dev).
struct SdBusApi {
  decltype(&sd_bus_open_system) open_system = nullptr;
  decltype(&sd_bus_new) bus_new = nullptr;
  decltype(&sd_bus_set_address) set_address = nullptr;
  decltype(&sd_bus_start) start = nullptr;
  decltype(&sd_bus_close_unref) close_unref = nullptr;
  decltype(&sd_bus_is_open) is_open = nullptr;
  decltype(&sd_bus_is_ready) is_ready = nullptr;
  decltype(&sd_bus_process) process = nullptr;
  decltype(&sd_bus_wait) wait = nullptr;
  decltype(&sd_bus_set_method_call_timeout) set_timeout = nullptr;
  decltype(&sd_bus_call_method) call_method = nullptr;
  decltype(&sd_bus_get_property) get_property = nullptr;
  decltype(&sd_bus_message_enter_container) enter = nullptr;
  decltype(&sd_bus_message_exit_container) exit = nullptr;
  decltype(&sd_bus_message_read) read = nullptr;
  decltype(&sd_bus_message_unref) message_unref = nullptr;
  decltype(&sd_bus_error_free) error_free = nullptr;
  decltype(&sd_bus_path_encode) path_encode = nullptr;
  decltype(&sd_bus_message_new_method_call) new_method_call = nullptr;
  decltype(&sd_bus_message_append) append = nullptr;
  decltype(&sd_bus_call_async) call_async = nullptr;
  decltype(&sd_bus_message_is_method_error) is_method_error = nullptr;
  decltype(&sd_bus_slot_unref) slot_unref = nullptr;
  std::string error;  // set if the library or a function is missing
};

const SdBusApi& sd_bus_api() {
  static SdBusApi api = [] {
    SdBusApi a;
    void* h = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
      const char* e = dlerror();
      a.error = std::string("cannot load libsystemd (package libsystemd0): ") + (e ? e : "unknown error");
      return a;
    }
    bool ok = true;
    auto sym = [&](auto& fn, const char* name) {
      fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(h, name));
      if (!fn) ok = false;
    };
    sym(a.open_system, "sd_bus_open_system");
    sym(a.bus_new, "sd_bus_new");
    sym(a.set_address, "sd_bus_set_address");
    sym(a.start, "sd_bus_start");
    sym(a.close_unref, "sd_bus_close_unref");  // no flush: it could wait on a mute peer
    sym(a.is_open, "sd_bus_is_open");
    sym(a.is_ready, "sd_bus_is_ready");
    sym(a.process, "sd_bus_process");
    sym(a.wait, "sd_bus_wait");
    sym(a.set_timeout, "sd_bus_set_method_call_timeout");
    sym(a.call_method, "sd_bus_call_method");
    sym(a.get_property, "sd_bus_get_property");
    sym(a.enter, "sd_bus_message_enter_container");
    sym(a.exit, "sd_bus_message_exit_container");
    sym(a.read, "sd_bus_message_read");
    sym(a.message_unref, "sd_bus_message_unref");
    sym(a.error_free, "sd_bus_error_free");
    sym(a.path_encode, "sd_bus_path_encode");
    sym(a.new_method_call, "sd_bus_message_new_method_call");
    sym(a.append, "sd_bus_message_append");
    sym(a.call_async, "sd_bus_call_async");
    sym(a.is_method_error, "sd_bus_message_is_method_error");
    sym(a.slot_unref, "sd_bus_slot_unref");
    if (!ok) a.error = "libsystemd.so.0 lacks an sd_bus function (systemd >= 240 needed)";
    return a;
  }();
  return api;
}

// A reply and its error, released on scope exit.
struct Call {
  const SdBusApi& api;
  sd_bus_error err = SD_BUS_ERROR_NULL;
  sd_bus_message* reply = nullptr;
  explicit Call(const SdBusApi& a) : api(a) {}
  ~Call() {
    if (reply) api.message_unref(reply);
    api.error_free(&err);
  }
  Call(const Call&) = delete;
  Call& operator=(const Call&) = delete;
  // The error of a call that returned r < 0.
  Status fail(int r, std::string_view what) const {
    std::string m(what);
    m += ": ";
    m += err.message ? err.message : std::strerror(-r);
    return Status::error(m);
  }
};

class SdBus final : public SystemdBus {
 public:
  explicit SdBus(bool private_socket) : private_(private_socket) {}
  ~SdBus() override { reset(); }

  Status begin(Clock::time_point deadline) override {
    deadline_ = deadline;
    const SdBusApi& api = sd_bus_api();
    if (!api.error.empty()) return Status::error(api.error);
    if (bus_ && api.is_open(bus_) <= 0) reset();
    if (bus_) return Status::ok();
    int r;
    if (private_) {
      r = api.bus_new(&bus_);
      if (r >= 0) r = api.set_address(bus_, "unix:path=/run/systemd/private");
      if (r >= 0) r = api.start(bus_);
    } else {
      r = api.open_system(&bus_);
    }
    // sd-bus would wait for authentication and Hello without a bound on the
    // first call; a bus that accepts and never answers must not hang the
    // scrape, so the handshake is driven here until the deadline.
    while (r >= 0) {
      r = api.is_ready(bus_);
      if (r != 0) break;
      r = api.process(bus_, nullptr);
      if (r != 0) continue;
      auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline_ - Clock::now());
      if (left.count() <= 0) r = -ETIMEDOUT;
      if (r >= 0) r = api.wait(bus_, static_cast<uint64_t>(left.count()));
    }
    if (r < 0) {
      reset();
      return Status::error(std::string(private_ ? "/run/systemd/private" : "system bus") + ": " +
                           std::strerror(-r));
    }
    return Status::ok();
  }

  void reset() override {
    if (bus_) sd_bus_api().close_unref(bus_);
    bus_ = nullptr;
  }

  Status manager_string(const char* property, std::string& out) override {
    return get_string(kManagerPath, "org.freedesktop.systemd1.Manager", property, out);
  }

  Status list_units(std::vector<SystemdUnit>& out) override {
    out.clear();
    const SdBusApi& api = sd_bus_api();
    Status st = arm();
    if (!st.is_ok()) return st;
    Call c(api);
    int r = api.call_method(bus_, kDest, kManagerPath, "org.freedesktop.systemd1.Manager", "ListUnits",
                            &c.err, &c.reply, nullptr);
    if (r < 0) return c.fail(r, "ListUnits");
    r = api.enter(c.reply, 'a', "(ssssssouso)");
    if (r < 0) return c.fail(r, "ListUnits reply");
    for (;;) {
      const char *name, *desc, *load, *active, *sub, *followed, *path, *job_type, *job_path;
      uint32_t job_id;
      r = api.read(c.reply, "(ssssssouso)", &name, &desc, &load, &active, &sub, &followed, &path, &job_id,
                   &job_type, &job_path);
      if (r < 0) return c.fail(r, "ListUnits reply");
      if (r == 0) break;
      out.push_back({name, load, active});
    }
    return Status::ok();
  }

  Status unit_string(const std::string& unit, const char* iface, const char* property,
                     std::string& out) override {
    std::string path, interface;
    Status st = unit_target(unit, iface, path, interface);
    return st.is_ok() ? get_string(path.c_str(), interface.c_str(), property, out) : st;
  }

  Status unit_u32(const std::string& unit, const char* iface, const char* property, uint32_t& out) override {
    return unit_trivial(unit, iface, property, 'u', &out);
  }
  Status unit_u64(const std::string& unit, const char* iface, const char* property, uint64_t& out) override {
    return unit_trivial(unit, iface, property, 't', &out);
  }

  // Up to kWindow calls in flight (the system bus allows 128 pending replies
  // per connection), replies taken as they come, until the deadline.
  void get_unit_properties(std::vector<SystemdProperty>& props) override {
    constexpr size_t kWindow = 64;
    const SdBusApi& api = sd_bus_api();
    if (!bus_) return;
    std::vector<Pending> pending;
    pending.reserve(props.size());  // stable addresses: the callbacks hold them
    std::vector<sd_bus_slot*> slots;
    slots.reserve(props.size());
    size_t next = 0, in_flight = 0;
    std::string path, interface;
    int r = 0;
    while (r >= 0 && (next < props.size() || in_flight > 0)) {
      auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline_ - Clock::now());
      if (left.count() <= 0) break;
      while (r >= 0 && next < props.size() && in_flight < kWindow) {
        SystemdProperty& p = props[next++];
        if (!unit_target(p.unit, p.iface, path, interface).is_ok()) continue;
        sd_bus_message* m = nullptr;
        r = api.new_method_call(bus_, &m, kDest, path.c_str(), "org.freedesktop.DBus.Properties", "Get");
        if (r >= 0) r = api.append(m, "ss", interface.c_str(), p.property);
        sd_bus_slot* slot = nullptr;
        pending.push_back({&p, &in_flight});
        if (r >= 0)
          r = api.call_async(bus_, &slot, m, on_reply, &pending.back(), static_cast<uint64_t>(left.count()));
        if (m) api.message_unref(m);
        if (r < 0) break;
        slots.push_back(slot);
        ++in_flight;
      }
      if (r < 0 || in_flight == 0) continue;
      r = api.process(bus_, nullptr);
      if (r > 0) continue;
      if (r == 0) r = api.wait(bus_, static_cast<uint64_t>(left.count()));
    }
    for (sd_bus_slot* slot : slots) api.slot_unref(slot);  // cancels what is still pending
    if (r < 0) reset();
  }

 private:
  struct Pending {  // one call in flight of get_unit_properties
    SystemdProperty* prop;
    size_t* in_flight;
  };

  static int on_reply(sd_bus_message* m, void* userdata, sd_bus_error*) {
    const SdBusApi& api = sd_bus_api();
    auto* p = static_cast<Pending*>(userdata);
    --*p->in_flight;
    SystemdProperty& prop = *p->prop;
    if (api.is_method_error(m, nullptr) > 0) return 0;
    const char sig[2] = {prop.type, 0};
    if (api.enter(m, 'v', sig) < 0) return 0;
    if (prop.type == 's') {
      const char* s = nullptr;
      if (api.read(m, "s", &s) < 0) return 0;
      prop.text = s ? s : "";
    } else if (prop.type == 'u') {
      uint32_t v = 0;
      if (api.read(m, "u", &v) < 0) return 0;
      prop.number = v;
    } else {
      uint64_t v = 0;
      if (api.read(m, "t", &v) < 0) return 0;
      prop.number = v;
    }
    prop.ok = true;
    return 0;
  }

  // Sets the method call timeout to what is left before the deadline.
  Status arm() {
    if (!bus_) return Status::error("not connected");
    auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline_ - Clock::now());
    if (left.count() <= 0) return Status::error("deadline exceeded");
    sd_bus_api().set_timeout(bus_, static_cast<uint64_t>(left.count()));
    return Status::ok();
  }

  Status unit_target(const std::string& unit, const char* iface, std::string& path, std::string& interface) {
    char* p = nullptr;
    int r = sd_bus_api().path_encode(kUnitPrefix, unit.c_str(), &p);
    if (r < 0) return Status::error("invalid unit name " + unit);
    path = p;
    free(p);
    interface = std::string("org.freedesktop.systemd1.") + iface;
    return Status::ok();
  }

  Status get_string(const char* path, const char* iface, const char* property, std::string& out) {
    const SdBusApi& api = sd_bus_api();
    Status st = arm();
    if (!st.is_ok()) return st;
    Call c(api);
    int r = api.get_property(bus_, kDest, path, iface, property, &c.err, &c.reply, "s");
    if (r < 0) return c.fail(r, property);
    const char* s = nullptr;
    r = api.read(c.reply, "s", &s);
    if (r < 0) return c.fail(r, property);
    out = s ? s : "";
    return Status::ok();
  }

  Status unit_trivial(const std::string& unit, const char* iface, const char* property, char type,
                      void* out) {
    std::string path, interface;
    Status st = unit_target(unit, iface, path, interface);
    if (!st.is_ok()) return st;
    const SdBusApi& api = sd_bus_api();
    st = arm();
    if (!st.is_ok()) return st;
    Call c(api);
    const char sig[2] = {type, 0};
    int r = api.get_property(bus_, kDest, path.c_str(), interface.c_str(), property, &c.err, &c.reply, sig);
    if (r < 0) return c.fail(r, property);
    r = api.read(c.reply, sig, out);
    if (r < 0) return c.fail(r, property);
    return Status::ok();
  }

  bool private_;
  sd_bus* bus_ = nullptr;
  Clock::time_point deadline_ = Clock::time_point::max();
};

}  // namespace

void SystemdBus::get_unit_properties(std::vector<SystemdProperty>& props) {
  for (SystemdProperty& p : props) {
    if (p.type == 's') {
      p.ok = unit_string(p.unit, p.iface, p.property, p.text).is_ok();
    } else if (p.type == 'u') {
      uint32_t v = 0;
      p.ok = unit_u32(p.unit, p.iface, p.property, v).is_ok();
      p.number = v;
    } else {
      p.ok = unit_u64(p.unit, p.iface, p.property, p.number).is_ok();
    }
  }
}

std::unique_ptr<SystemdBus> make_sd_bus(bool private_socket) {
  return std::make_unique<SdBus>(private_socket);
}

}  // namespace vigia::host

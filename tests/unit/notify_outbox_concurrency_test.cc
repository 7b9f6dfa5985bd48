// The outbox's delivery pool (alerting/notify/outbox.h): groups delivered
// concurrently, one group at a time per integration, a bound per integration.
// Orders of events are asserted, never durations.
#include <catch2/catch.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "alerting/notify/outbox.h"

using namespace vigia::notify;

namespace {

// Records "start <group>" and "done <group>"; a group whose key contains
// "Hang" blocks until release() (or 30 s).
class GateIntegration : public Integration {
 public:
  std::string_view kind() const override { return "webhook"; }
  bool send_resolved() const override { return true; }
  DeliveryResult deliver(const Notification& n, const DeliveryContext&) override {
    std::unique_lock lk(mu_);
    events_.push_back("start " + n.group_key);
    cv_.notify_all();
    if (n.group_key.find("Hang") != std::string::npos)
      cv_.wait_for(lk, std::chrono::seconds(30), [&] { return released_; });
    events_.push_back("done " + n.group_key);
    cv_.notify_all();
    return {true, false, "", "200"};
  }
  // Waits (up to 20 s) for the event; false if it did not happen.
  bool wait_for(const std::string& event) {
    std::unique_lock lk(mu_);
    return cv_.wait_for(lk, std::chrono::seconds(20), [&] { return has(event); });
  }
  bool seen(const std::string& event) {
    std::lock_guard lk(mu_);
    return has(event);
  }
  size_t count(const std::string& event) {
    std::lock_guard lk(mu_);
    size_t k = 0;
    for (const auto& e : events_) k += e == event;
    return k;
  }
  std::vector<std::string> events() {
    std::lock_guard lk(mu_);
    return events_;
  }
  void release() {
    std::lock_guard lk(mu_);
    released_ = true;
    cv_.notify_all();
  }

 private:
  bool has(const std::string& event) const {
    for (const auto& e : events_)
      if (e == event) return true;
    return false;
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> events_;
  bool released_ = false;
};

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Notification group(const std::string& receiver, const std::string& name, int64_t now,
                   const char* instance = "a") {
  Notification n;
  n.receiver = receiver;
  n.group_key = "{}:{alertname=\"" + name + "\"}";
  n.group_labels = {{"alertname", name}};
  Alert a;
  a.labels = {{"alertname", name}, {"instance", instance}};
  a.starts_at_ms = now;
  n.alerts.push_back(a);
  n.now_ms = now;
  n.repeat_interval_ms = 4 * 3600 * 1000;
  return n;
}

void wait_empty(Outbox& o) {
  for (int i = 0; i < 3000 && o.pending() > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

const std::string kHang = "start {}:{alertname=\"Hang\"}", kHangDone = "done {}:{alertname=\"Hang\"}";
const std::string kFastDone = "done {}:{alertname=\"Fast\"}";

}  // namespace

TEST_CASE("outbox: a hanging group does not hold the other groups of its integration") {
  Outbox box(Outbox::Options{});
  REQUIRE(box.open().is_ok());
  auto hook = std::make_shared<GateIntegration>();
  box.set_integrations({{"ops", 0, hook}});
  int64_t now = now_ms();
  box.submit(group("ops", "Hang", now), 60000);
  REQUIRE(hook->wait_for(kHang));
  box.submit(group("ops", "Fast", now), 60000);
  REQUIRE(hook->wait_for(kFastDone));
  CHECK_FALSE(hook->seen(kHangDone));  // Fast went while Hang was in flight
  // The outbox records the outcome just after deliver() returns.
  for (int i = 0; i < 2000 && box.recent("ops", 10).empty(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK_FALSE(hook->seen(kHangDone));
  auto rec = box.recent("ops", 10);
  REQUIRE(rec.size() == 1);
  CHECK(rec[0].group_key == "{}:{alertname=\"Fast\"}");
  hook->release();
  REQUIRE(hook->wait_for(kHangDone));
  wait_empty(box);
  // Exactly once each: the same alerts again send nothing.
  box.submit(group("ops", "Hang", now), 60000);
  box.submit(group("ops", "Fast", now), 60000);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(hook->count(kHang) == 1);
  CHECK(hook->count("start {}:{alertname=\"Fast\"}") == 1);
  box.stop();
}

TEST_CASE("outbox: one group's notifications to an integration go one at a time, in order") {
  Outbox box(Outbox::Options{});
  REQUIRE(box.open().is_ok());
  auto hook = std::make_shared<GateIntegration>();
  box.set_integrations({{"ops", 0, hook}});
  int64_t now = now_ms();
  box.submit(group("ops", "Hang", now, "a"), 60000);
  REQUIRE(hook->wait_for(kHang));
  // A newer flush of the same group (another alert) while the first is in flight.
  Notification newer = group("ops", "Hang", now + 1000, "a");
  Alert b = newer.alerts[0];
  b.labels = {{"alertname", "Hang"}, {"instance", "b"}};
  newer.alerts.push_back(b);
  box.submit(newer, 60000);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(hook->count(kHang) == 1);  // waits for the delivery in flight
  hook->release();
  wait_empty(box);
  auto ev = hook->events();
  REQUIRE(ev.size() == 4);
  CHECK(ev == std::vector<std::string>{kHang, kHangDone, kHang, kHangDone});
  box.stop();
}

TEST_CASE("outbox: an integration keeps a delivery thread free for the others") {
  Outbox::Options o;
  o.max_in_flight = 2;  // so an integration has at most 1
  Outbox box(o);
  REQUIRE(box.open().is_ok());
  auto a = std::make_shared<GateIntegration>(), other = std::make_shared<GateIntegration>();
  box.set_integrations({{"a", 0, a}, {"b", 0, other}});
  int64_t now = now_ms();
  box.submit(group("a", "Hang", now), 60000);
  REQUIRE(a->wait_for(kHang));
  box.submit(group("a", "Fast", now), 60000);
  box.submit(group("b", "Fast", now), 60000);
  REQUIRE(other->wait_for(kFastDone));                    // the other integration's delivery went
  CHECK_FALSE(a->seen("start {}:{alertname=\"Fast\"}"));  // a's second waits for its thread
  a->release();
  REQUIRE(a->wait_for(kFastDone));
  wait_empty(box);
  CHECK(box.pending() == 0);
  box.stop();
}

// The notifier's durable state: the journal, silences (Alertmanager's API v2
// rules), alert intake (postableAlerts), the notification log's dedup rule
// and the outbox's delivery, retry and restart behaviour.
#include <sys/stat.h>
#include <unistd.h>

#include <catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>

#include "alerting/notify/alert_json.h"
#include "alerting/notify/journal.h"
#include "alerting/notify/outbox.h"
#include "alerting/notify/silence.h"
#include "core/fs.h"

using namespace vigia;
using namespace vigia::notify;

namespace {

std::string temp_dir() {
  char tmpl[] = "/tmp/vigia-notify-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  return tmpl;
}

constexpr int64_t kT0 = 1764000000000;  // 2025-11-24T16:00:00Z
constexpr int64_t kMin = 60000;

// A receiver integration whose answers the test scripts: each deliver()
// takes the next scripted result (the last one repeats) and records what it
// was given.
class ScriptedIntegration : public Integration {
 public:
  explicit ScriptedIntegration(std::vector<DeliveryResult> script, bool send_resolved = true,
                               std::string kind = "webhook")
      : script_(std::move(script)), send_resolved_(send_resolved), kind_(std::move(kind)) {}
  std::string_view kind() const override { return kind_; }
  bool send_resolved() const override { return send_resolved_; }
  DeliveryResult deliver(const Notification& n, const DeliveryContext& ctx) override {
    std::lock_guard lk(mu_);
    calls_.push_back({n, ctx.idempotency_key});
    DeliveryResult r = script_[std::min(calls_.size() - 1, script_.size() - 1)];
    cv_.notify_all();
    return r;
  }
  size_t wait_calls(size_t n) {
    std::unique_lock lk(mu_);
    cv_.wait_for(lk, std::chrono::seconds(30), [&] { return calls_.size() >= n; });
    return calls_.size();
  }
  std::vector<std::pair<Notification, std::string>> calls() {
    std::lock_guard lk(mu_);
    return calls_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::pair<Notification, std::string>> calls_;
  std::vector<DeliveryResult> script_;
  bool send_resolved_;
  std::string kind_;
};

Alert alert(const char* name, int64_t starts, int64_t ends = 0) {
  Alert a;
  a.labels = {{"alertname", name}, {"instance", "db1"}};
  a.starts_at_ms = starts;
  a.ends_at_ms = ends;
  return a;
}

Notification notification(std::vector<Alert> alerts, int64_t now) {
  Notification n;
  n.receiver = "ops";
  n.group_key = "{}:{alertname=\"X\"}";
  n.group_labels = {{"alertname", "X"}};
  n.alerts = std::move(alerts);
  n.now_ms = now;
  n.repeat_interval_ms = 4 * 60 * kMin;
  return n;
}

// Waits until the outbox has no undelivered item (or 30 s).
void wait_empty(Outbox& o) {
  for (int i = 0; i < 3000 && o.pending() > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

}  // namespace

TEST_CASE("journal: replays puts and erases, drops a torn last line, compacts") {
  std::string dir = temp_dir();
  std::string path = dir + "/sub/j.jsonl";
  {
    Journal j;
    REQUIRE(j.open(path).is_ok());
    REQUIRE(j.put("a", "1").is_ok());
    REQUIRE(j.put("b", "{\"x\":2}").is_ok());
    REQUIRE(j.put("a", "3").is_ok());
    REQUIRE(j.erase("b").is_ok());
  }
  {
    std::ofstream f(path, std::ios::app);
    f << "{\"k\":\"c\",\"v\":";  // a crash in the middle of an append
  }
  Journal j;
  size_t skipped = 0;
  REQUIRE(j.open(path, &skipped).is_ok());
  CHECK(skipped == 1);
  REQUIRE(j.entries().size() == 1);
  CHECK(j.entries().at("a") == "3");
  // The torn line was cut off by a rewrite: the next append is readable.
  REQUIRE(j.put("d", "4").is_ok());
  Journal k;
  REQUIRE(k.open(path, &skipped).is_ok());
  CHECK(skipped == 0);
  CHECK(k.entries().size() == 2);
  // Many updates of one key keep the file small.
  for (int i = 0; i < 3000; ++i) REQUIRE(k.put("a", std::to_string(i)).is_ok());
  std::string text;
  REQUIRE(read_file(path, text).is_ok());
  CHECK(text.size() < 40000);
  Journal l;
  REQUIRE(l.open(path).is_ok());
  CHECK(l.entries().at("a") == "2999");
}

TEST_CASE("journal: a failed write keeps memory and catches up") {
  std::string dir = temp_dir();
  std::string path = dir + "/j.jsonl";
  Journal j;
  REQUIRE(j.open(path).is_ok());
  REQUIRE(j.put("a", "1").is_ok());
  // Take the directory away (permissions do not stop root): a rewrite fails.
  REQUIRE(::unlink(path.c_str()) == 0);
  REQUIRE(::rmdir(dir.c_str()) == 0);
  // The open descriptor still appends to the unlinked file; force a rewrite
  // by many puts past the compaction threshold.
  Status last = Status::ok();
  for (int i = 0; i < 2100 && last.is_ok(); ++i) last = j.put("k" + std::to_string(i % 3), std::to_string(i));
  CHECK_FALSE(last.is_ok());
  CHECK(j.pending());
  CHECK(j.write_errors() >= 1);
  CHECK(j.entries().size() == 4);
  REQUIRE(::mkdir(dir.c_str(), 0700) == 0);
  REQUIRE(j.flush().is_ok());
  CHECK_FALSE(j.pending());
  Journal k;
  REQUIRE(k.open(path).is_ok());
  CHECK(k.entries() == j.entries());
}

TEST_CASE("silences: Alertmanager's validation and messages") {
  Silences s;
  REQUIRE(s.open("").is_ok());
  Silence sil;
  sil.matchers = {{"alertname", "HighLoad", false, true}};
  sil.starts_at_ms = kT0;
  sil.ends_at_ms = kT0 + 60 * kMin;
  sil.created_by = "me";
  sil.comment = "c";
  std::string id, err;
  CHECK(s.set(sil, kT0 + 1, id, err) == 200);
  CHECK(id.size() == 36);
  CHECK(id[14] == '4');

  Silence bad = sil;
  bad.ends_at_ms = bad.starts_at_ms;
  CHECK(s.set(bad, kT0, id, err) == 400);
  CHECK(err == "Failed to create silence: start time must be before end time");
  bad = sil;
  bad.starts_at_ms = kT0 - 120 * kMin;
  bad.ends_at_ms = kT0 - 60 * kMin;
  CHECK(s.set(bad, kT0, id, err) == 400);
  CHECK(err == "Failed to create silence: end time can't be in the past");
  bad = sil;
  bad.matchers = {{"alertname", ".*", true, true}};
  CHECK(s.set(bad, kT0, id, err) == 400);
  CHECK(err == "silence invalid: at least one matcher must not match the empty string");
  bad.matchers = {{"alertname", "(", true, true}};
  CHECK(s.set(bad, kT0, id, err) == 400);
  CHECK(err.find("silence invalid: invalid label matcher 0: invalid regular expression \"(\": error parsing "
                 "regexp: missing closing ): `(`") == 0);
  bad.matchers = {{"0bad", "x", false, true}};
  CHECK(s.set(bad, kT0, id, err) == 400);
  CHECK(err == "silence invalid: invalid label matcher 0: invalid label name \"0bad\"");
  bad = sil;
  bad.id = "no-such-id";
  CHECK(s.set(bad, kT0, id, err) == 404);
}

TEST_CASE("silences: muting, update rules, expiry, order, durability") {
  std::string dir = temp_dir();
  int64_t now = kT0;
  std::string id1, id2, err;
  {
    Silences s;
    REQUIRE(s.open(dir + "/silences.jsonl").is_ok());
    Silence a;
    a.matchers = {{"alertname", "High.*", true, true}, {"env", "dev", false, false}};
    a.starts_at_ms = now;
    a.ends_at_ms = now + 60 * kMin;
    a.created_by = "me";
    a.comment = "maintenance";
    REQUIRE(s.set(a, now, id1, err) == 200);
    CHECK(s.muting({{"alertname", "HighLoad"}, {"env", "prod"}}, now + kMin) ==
          std::vector<std::string>{id1});
    CHECK(s.muting({{"alertname", "HighLoad"}, {"env", "dev"}}, now + kMin).empty());
    CHECK(s.muting({{"alertname", "xHighLoad"}}, now + kMin).empty());      // anchored
    CHECK(s.muting({{"alertname", "HighLoad"}}, now + 61 * kMin).empty());  // ended

    // A pending one, then an update that keeps its id (same matchers, start in the future).
    Silence b = a;
    b.matchers = {{"alertname", "DiskFull", false, true}};
    b.starts_at_ms = now + 30 * kMin;
    b.ends_at_ms = now + 90 * kMin;
    REQUIRE(s.set(b, now, id2, err) == 200);
    CHECK(s.muting({{"alertname", "DiskFull"}}, now).empty());
    b.id = id2;
    b.ends_at_ms = now + 120 * kMin;
    std::string id2b;
    REQUIRE(s.set(b, now + kMin, id2b, err) == 200);
    CHECK(id2b == id2);
    // Changing the matchers of an active silence expires it and makes a new one.
    a.id = id1;
    a.matchers = {{"alertname", "Other", false, true}};
    std::string id3;
    REQUIRE(s.set(a, now + 2 * kMin, id3, err) == 200);
    CHECK(id3 != id1);
    CHECK(silence_state(*s.get(id1), now + 2 * kMin + 1) == SilenceState::kExpired);
    REQUIRE(s.expire(id3, now + 3 * kMin));
    CHECK_FALSE(s.expire("nope", now));
    auto list = s.list(now + 4 * kMin);
    REQUIRE(list.size() == 3);
    CHECK(list[0].id == id2);  // pending first (nothing active)
    CHECK(list[1].id == id3);  // expired, latest end first
    CHECK(list[2].id == id1);
  }
  Silences again;
  REQUIRE(again.open(dir + "/silences.jsonl").is_ok());
  CHECK(again.list(now).size() == 3);
  CHECK(again.get(id2)->ends_at_ms == now + 120 * kMin);
  again.gc(now + 200 * 3600 * 1000LL);
  CHECK(again.list(now).empty());
}

TEST_CASE("postable silence parsing") {
  Silence s;
  std::string err;
  REQUIRE(parse_postable_silence(
      R"({"matchers":[{"name":"a","value":"b","isRegex":false}],"startsAt":"2025-11-24T16:00:00Z",)"
      R"("endsAt":"2025-11-24T17:00:00.5+01:00","createdBy":"x","comment":"y"})",
      s, err));
  CHECK(s.matchers[0].is_equal);
  CHECK(s.ends_at_ms == kT0 + 500);
  Silence t;
  CHECK_FALSE(parse_postable_silence(R"({"matchers":[],"startsAt":"x"})", t, err));
  Silence u;
  CHECK_FALSE(
      parse_postable_silence(R"({"matchers":[{"name":"a","value":"b"}],"startsAt":"2025-11-24T16:00:00Z",)"
                             R"("endsAt":"2025-11-24T17:00:00Z","createdBy":"x","comment":"y"})",
                             u, err));
  CHECK(err == "matchers.0.isRegex in body is required");
  CHECK_FALSE(parse_postable_silence("{", u, err));
}

TEST_CASE("alert intake: Alertmanager's defaults and validation") {
  std::vector<Alert> valid;
  std::string err;
  int64_t now = kT0;
  int64_t rt = 5 * kMin;
  REQUIRE(parse_postable_alerts(R"([{"labels":{"alertname":"A","empty":""}},)"
                                R"({"labels":{"alertname":"B"},"endsAt":"2025-11-24T15:00:00Z"},)"
                                R"({"labels":{"alertname":"C"},"startsAt":"2025-11-24T15:00:00Z",)"
                                R"("endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://p/g"}])",
                                now, rt, valid, err) == 200);
  REQUIRE(valid.size() == 3);
  CHECK(valid[0].labels.size() == 1);  // the empty label dropped
  CHECK(valid[0].starts_at_ms == now);
  CHECK(valid[0].ends_at_ms == now + rt);
  CHECK(valid[0].timeout);
  CHECK(valid[1].starts_at_ms == kT0 - 60 * kMin);  // startsAt from endsAt
  CHECK(valid[1].resolved_at(now));
  CHECK_FALSE(valid[1].timeout);
  CHECK(valid[2].timeout);  // Go's zero time is "not set"
  CHECK(valid[2].generator_url == "http://p/g");

  valid.clear();
  CHECK(parse_postable_alerts(
            R"([{"labels":{"alertname":"A"}},{"labels":{}},)"
            R"({"labels":{"a":"b"},"startsAt":"2025-11-24T16:00:00Z","endsAt":"2025-11-24T15:00:00Z"},)"
            R"({"labels":{"0x":"b"}}])",
            now, rt, valid, err) == 400);
  CHECK(valid.size() == 1);  // the valid one is still taken
  CHECK(err ==
        "at least one label pair required; start time must be before end time; invalid label set: invalid "
        "name \"0x\"");
  valid.clear();
  CHECK(parse_postable_alerts(R"({"labels":{}})", now, rt, valid, err) == 400);
  CHECK(parse_postable_alerts(R"([{"annotations":{}}])", now, rt, valid, err) == 400);
  CHECK(err == "0.labels in body is required");
  CHECK(parse_postable_alerts(R"([{"labels":{"a":1}}])", now, rt, valid, err) == 400);
  CHECK(parse_postable_alerts(R"([{"labels":{"a":"b"},"startsAt":"yesterday"}])", now, rt, valid, err) ==
        400);
  CHECK(err == "0.startsAt in body must be of type date-time");
  CHECK(valid.empty());
  // The type errors name the place; the first offending label in name order.
  CHECK(parse_postable_alerts(R"([{"labels":{"a":"b"}},{"labels":{"z":1,"b":true,"c":"d"}}])", now, rt, valid,
                              err) == 400);
  CHECK(err == "1.labels.b in body must be of type string");
  CHECK(parse_postable_alerts(R"([{"labels":["a"]}])", now, rt, valid, err) == 400);
  CHECK(err == "0.labels in body must be of type object");
  CHECK(parse_postable_alerts(R"([{"labels":{"a":"b"},"generatorURL":7}])", now, rt, valid, err) == 400);
  CHECK(err == "0.generatorURL in body must be of type uri");
  CHECK(parse_postable_alerts(R"([{"labels":{"a":"b"}}, 3])", now, rt, valid, err) == 400);
  CHECK(err == "1 in body must be of type object");
  CHECK(parse_postable_alerts("[{\"labels\":{\"a\":\"\xff\"}}]", now, rt, valid, err) == 400);
  CHECK(err == "parsing alerts body failed: invalid JSON");  // not UTF-8
  CHECK(parse_postable_alerts(R"([{"labels":{"a":"b"}}] x)", now, rt, valid, err) == 400);
  CHECK(err == "parsing alerts body failed: invalid JSON");
  CHECK(valid.empty());
  // A repeated name keeps its last value (a Go map); null labels and times are "not set".
  CHECK(parse_postable_alerts(R"([{"labels":{"b":"1","a":"x","b":"2"},"annotations":null,"endsAt":null,)"
                              R"("generatorURL":null}])",
                              now, rt, valid, err) == 200);
  REQUIRE(valid.size() == 1);
  CHECK(valid[0].labels == notify::Labels{{"a", "x"}, {"b", "2"}});
  CHECK(valid[0].annotations.empty());
  CHECK(valid[0].generator_url.empty());
  CHECK(valid[0].timeout);
}

TEST_CASE("fingerprint as Prometheus's model.LabelSet.Fingerprint") {
  // The fingerprints Alertmanager 0.25 showed in GET /api/v2/alerts for these
  // label sets (the empty set: FNV-1a's offset basis).
  // Both forms: a LabelSet, and the notifier's flat notify::Labels (read in place).
  CHECK(fingerprint_string(fingerprint(LabelSet{})) == "cbf29ce484222325");
  CHECK(fingerprint_string(fingerprint(notify::Labels{})) == "cbf29ce484222325");
  CHECK(fingerprint_string(fingerprint(LabelSet{{"alertname", "HighLoad"}, {"instance", "db1"}})) ==
        "80072eee1eb46de2");
  CHECK(fingerprint_string(fingerprint(notify::Labels{{"instance", "db1"}, {"alertname", "HighLoad"}})) ==
        "80072eee1eb46de2");
  CHECK(fingerprint_string(fingerprint(LabelSet{{"a", "\xc3\xbc"}})) == "ffd1cb2f240bec9b");
  CHECK(fingerprint_string(fingerprint(notify::Labels(LabelSet{{"a", "\xc3\xbc"}}))) == "ffd1cb2f240bec9b");
}

TEST_CASE("notify::Labels: a flat shared label set, equal to the LabelSet it was made of") {
  LabelSet ls{{"alertname", "X"}, {"empty", ""}, {"instance", std::string(300, 'i')}};
  notify::Labels l = ls;
  CHECK(l.size() == 3);
  CHECK(l.set() == ls);
  CHECK(l.get("instance") == ls[2].second);
  CHECK(l.get("empty").empty());
  CHECK(l.has("empty"));
  CHECK_FALSE(l.has("missing"));
  notify::Labels copy = l;  // shared
  CHECK(copy == l);
  CHECK(copy != notify::Labels{{"alertname", "X"}});
  size_t n = 0;
  for (const auto& [k, v] : copy) CHECK(ls[n++] == std::pair<std::string, std::string>(k, v));
  CHECK(n == 3);
  notify::Labels moved = std::move(copy);
  CHECK(moved == l);
  l = notify::Labels{};
  CHECK(l.empty());
  CHECK(moved.size() == 3);
  SharedText t = std::string("http://x/graph?g0.expr=up");
  SharedText u = t;
  CHECK(u == "http://x/graph?g0.expr=up");
  CHECK(SharedText().empty());
}

TEST_CASE("needs_update: Alertmanager's DedupStage") {
  std::set<uint64_t> none, f1{1}, f12{1, 2};
  int64_t rep = 60 * kMin, now = kT0;
  CHECK(needs_update(nullptr, f1, none, true, rep, now));
  CHECK_FALSE(needs_update(nullptr, none, f1, true, rep, now));  // only resolved, never sent
  NflogEntry e{f1, none, now};
  CHECK_FALSE(needs_update(&e, f1, none, true, rep, now + kMin));
  CHECK(needs_update(&e, f12, none, true, rep, now + kMin));  // a new firing alert
  CHECK(needs_update(&e, none, none, true, rep, now));        // no firing alert left: sent once
  CHECK(needs_update(&e, none, f1, false, rep, now + kMin));  // all resolved: sent whatever send_resolved
  NflogEntry e2{f12, none, now};
  CHECK(needs_update(&e2, f1, std::set<uint64_t>{2}, true, rep, now + kMin));         // one resolved
  CHECK_FALSE(needs_update(&e2, f1, std::set<uint64_t>{2}, false, rep, now + kMin));  // ... not for email
  CHECK(needs_update(&e, f1, none, true, rep, now + rep + 1));                        // repeat interval
  NflogEntry empty{none, f1, now};
  CHECK_FALSE(needs_update(&empty, none, f1, true, rep, now + kMin));
}

TEST_CASE("outbox: retries a 5xx, not a 4xx, logs what was delivered, dedups") {
  std::string dir = temp_dir();
  Outbox::Options o;
  o.dir = dir;
  Outbox box(o);
  REQUIRE(box.open().is_ok());
  auto integ = std::make_shared<ScriptedIntegration>(
      std::vector<DeliveryResult>{{false, true, "500 Internal Server Error", ""}, {true, false, "", "200"}});
  box.set_integrations({{"ops", 0, integ}});
  int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  box.submit(notification({alert("X", now)}, now), 1000);
  REQUIRE(integ->wait_calls(2) == 2);
  wait_empty(box);
  CHECK(box.pending() == 0);
  auto calls = integ->calls();
  CHECK(calls[0].second == calls[1].second);  // one idempotency key for the retries
  auto rec = box.recent("ops", 10);
  REQUIRE(rec.size() == 2);
  CHECK(rec[0].status == "delivered");
  CHECK(rec[0].attempts == 2);
  CHECK(rec[1].status == "retrying");
  // The same alerts again: nothing new to send.
  box.submit(notification({alert("X", now)}, now + 1000), 1000);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK(integ->calls().size() == 2);
  // Resolved: sent (send_resolved).
  box.submit(notification({alert("X", now, now + 1)}, now + 2000), 1000);
  REQUIRE(integ->wait_calls(3) == 3);

  auto refuse = std::make_shared<ScriptedIntegration>(
      std::vector<DeliveryResult>{{false, false, "400 Bad Request", ""}});
  box.set_integrations({{"ops", 0, refuse}});
  box.submit(notification({alert("Y", now)}, now), 1000);
  REQUIRE(refuse->wait_calls(1) == 1);
  wait_empty(box);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  CHECK(refuse->calls().size() == 1);  // not retried
  CHECK(box.recent("ops", 1)[0].status == "failed");
}

TEST_CASE("outbox: what was not delivered survives a restart, what was is not sent again") {
  std::string dir = temp_dir();
  int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  Notification n = notification({alert("X", now)}, now);
  {
    Outbox::Options o;
    o.dir = dir;
    Outbox box(o);
    REQUIRE(box.open().is_ok());
    auto down =
        std::make_shared<ScriptedIntegration>(std::vector<DeliveryResult>{{false, true, "refused", ""}});
    box.set_integrations({{"ops", 0, down}});
    box.submit(n, 60000);
    REQUIRE(down->wait_calls(1) >= 1);
    box.stop();  // as if killed: the item stays in the file
  }
  Outbox::Options o;
  o.dir = dir;
  auto up = std::make_shared<ScriptedIntegration>(std::vector<DeliveryResult>{{true, false, "", ""}});
  {
    Outbox box(o);
    REQUIRE(box.open().is_ok());
    CHECK(box.pending() == 1);
    box.set_integrations({{"ops", 0, up}});
    REQUIRE(up->wait_calls(1) == 1);
    wait_empty(box);
    CHECK(up->calls()[0].first.alerts.size() == 1);
    CHECK(up->calls()[0].first.group_key == n.group_key);
  }
  Outbox box(o);
  REQUIRE(box.open().is_ok());
  CHECK(box.pending() == 0);
  box.set_integrations({{"ops", 0, up}});
  box.submit(notification({alert("X", now)}, now + 5000), 60000);  // already delivered
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(up->calls().size() == 1);
}

TEST_CASE("outbox: an exec's outcome goes on to the receiver's other integrations, once per run") {
  int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  std::string dir = temp_dir();
  Outbox::Options o;
  o.dir = dir;
  Outbox box(o);
  REQUIRE(box.open().is_ok());
  auto exec = std::make_shared<ScriptedIntegration>(
      std::vector<DeliveryResult>{
          {true, false, "", "exit status 0; output: restarted postgres"},
          {false, false, "exec sh: exit status 1", "exit status 1; output: no such service"}},
      false, "exec");
  auto mail =
      std::make_shared<ScriptedIntegration>(std::vector<DeliveryResult>{{true, false, "", ""}}, false);
  auto other = std::make_shared<ScriptedIntegration>(std::vector<DeliveryResult>{{true, false, "", ""}});
  box.set_integrations({{"ops", 0, exec}, {"ops", 1, mail}, {"elsewhere", 0, other}});
  box.submit(notification({alert("PostgresDown", now)}, now), 60000);
  // The mail gets the alert itself, then the outcome of the run.
  REQUIRE(exec->wait_calls(1) == 1);
  REQUIRE(mail->wait_calls(2) == 2);
  wait_empty(box);
  auto calls = mail->calls();
  std::vector<std::string> remediation;
  for (const auto& [n, key] : calls) {
    REQUIRE(n.alerts.size() == 1);
    remediation.emplace_back(n.alerts[0].annotations.get("remediation"));
  }
  std::sort(remediation.begin(), remediation.end());  // the two items are delivered in either order
  CHECK(remediation[0].empty());
  CHECK(remediation[1] == "succeeded: exit status 0; output: restarted postgres");
  CHECK(calls[0].second != calls[1].second);  // two notifications, two keys
  CHECK(other->calls().empty());              // another receiver is not told
  // The same alerts again within the repeat interval: no new run, nothing more.
  box.submit(notification({alert("PostgresDown", now)}, now + 1000), 60000);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(exec->calls().size() == 1);
  CHECK(mail->calls().size() == 2);
  // A new alert in the group: a second run, which fails: its outcome too.
  box.submit(notification({alert("PostgresDown", now), alert("PgBouncerDown", now)}, now + 2000), 60000);
  REQUIRE(exec->wait_calls(2) == 2);
  REQUIRE(mail->wait_calls(4) == 4);
  wait_empty(box);
  bool failed_seen = false;
  for (const auto& [n, key] : mail->calls())
    for (const auto& a : n.alerts)
      failed_seen |= a.annotations.get("remediation") == "failed: exit status 1; output: no such service";
  CHECK(failed_seen);
  CHECK(box.recent("ops", 10).size() >= 4);
}

TEST_CASE("outbox: an integration without send_resolved gets only firing alerts") {
  int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  Outbox box(Outbox::Options{});
  REQUIRE(box.open().is_ok());
  auto mail =
      std::make_shared<ScriptedIntegration>(std::vector<DeliveryResult>{{true, false, "", ""}}, false);
  box.set_integrations({{"ops", 0, mail}});
  Alert b = alert("X", now);
  LabelSet bl = b.labels;
  bl[1].second = "db2";
  b.labels = bl;
  box.submit(notification({alert("X", now), b}, now), 1000);
  REQUIRE(mail->wait_calls(1) == 1);
  wait_empty(box);
  // One resolves: nothing sent (email does not send resolved).
  box.submit(notification({alert("X", now, now + 1), b}, now + 1000), 1000);
  // Both resolved: the log is updated, nothing sent.
  box.submit(notification({alert("X", now, now + 1),
                           [&] {
                             Alert c = b;
                             c.ends_at_ms = now + 1;
                             return c;
                           }()},
                          now + 2000),
             1000);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(mail->calls().size() == 1);
  // Fires again: sent, with only the firing alert.
  box.submit(notification({alert("X", now + 3000),
                           [&] {
                             Alert c = b;
                             c.ends_at_ms = now + 1;
                             return c;
                           }()},
                          now + 3000),
             1000);
  REQUIRE(mail->wait_calls(2) == 2);
  CHECK(mail->calls()[1].first.alerts.size() == 1);
}

// Test-only entry point to the notifier's engine, for the differential test
// against amtool (tests/integration/test_notify_engine_amtool.py):
//   notify_engine_tool check FILE    exit 0 if vigia accepts the alertmanager.yml,
//                                    1 with the error on stderr otherwise
//   notify_engine_tool routes FILE   reads label sets, one JSON object per line on
//                                    stdin, and prints each one's receivers joined
//                                    by commas (as `amtool config routes test`)
//   notify_engine_tool groups FILE   reads alerts, one JSON object per line ({"labels":
//                                    {...}, "startsAgoMs": N}), puts them in a Dispatcher
//                                    at one instant and prints each first flush as a JSON
//                                    line: receiver, groupKey, groupLabels, alerts' labels,
//                                    and whether it was due at that instant already
//   notify_engine_tool offsets ZONE  reads Unix times (seconds), one per line on
//                                    stdin, and prints the zone's UTC offset at each
//                                    (seconds east), from vigia's TZif reader
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "alerting/notify/config.h"
#include "alerting/notify/dispatch.h"
#include "alerting/notify/route.h"
#include "alerting/notify/time_interval.h"

using namespace vigia::notify;

namespace {

int run(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: notify_engine_tool check|routes FILE\n";
    return 2;
  }
  std::string cmd = argv[1], file = argv[2];
  if (cmd == "offsets") {
    std::shared_ptr<const Zone> zone;
    std::string error;
    if (!Zone::load(file, zone, error)) {
      std::cerr << error << "\n";
      return 1;
    }
    long long t = 0;
    while (std::cin >> t) std::cout << (zone ? zone->offset_at(t) : 0) << "\n";
    return 0;
  }
  std::ifstream f(file, std::ios::binary);
  if (!f) {
    std::cerr << file << ": cannot read\n";
    return 2;
  }
  std::stringstream ss;
  ss << f.rdbuf();
  NotifyConfig cfg;
  vigia::Status st = parse_notify_config(ss.str(), file, cfg);
  if (!st.is_ok()) {
    std::cerr << st.message() << "\n";
    return 1;
  }
  if (cmd == "check") return 0;
  if (cmd == "groups") {
    std::shared_ptr<const Route> root = Route::build(cfg.route);
    const int64_t now = 1'700'000'000'000;
    Dispatcher d(root, now);
    std::string line;
    while (std::getline(std::cin, line)) {
      if (line.empty()) continue;
      Alert a;
      nlohmann::json j = nlohmann::json::parse(line);
      int64_t ago = j.value("startsAgoMs", int64_t{0});
      LabelSet labels;
      for (auto& [k, v] : j["labels"].items()) labels.emplace_back(k, v.get<std::string>());
      std::sort(labels.begin(), labels.end());
      a.labels = labels;
      a.updated_at_ms = now;
      a.starts_at_ms = now - ago;
      a.ends_at_ms = now + 300'000;
      a.timeout = true;
      d.put(a, now);
    }
    auto to_json = [](const LabelSet& ls) {
      nlohmann::json j = nlohmann::json::object();
      for (const auto& [k, v] : ls) j[k] = v;
      return j;
    };
    std::vector<Flush> flushes = d.due(now);
    size_t immediate = flushes.size();
    for (auto& f : d.due(std::numeric_limits<int64_t>::max() / 2)) flushes.push_back(std::move(f));
    for (size_t i = 0; i < flushes.size(); ++i) {
      const Flush& f = flushes[i];
      nlohmann::json j;
      j["receiver"] = f.notification.receiver;
      j["groupKey"] = f.notification.group_key;
      j["groupLabels"] = to_json(f.notification.group_labels);
      j["alerts"] = nlohmann::json::array();
      for (const auto& a : f.notification.alerts) j["alerts"].push_back(to_json(a.labels));
      j["immediate"] = i < immediate;
      std::cout << j.dump() << "\n";
    }
    return 0;
  }
  if (cmd != "routes") return 2;
  auto root = Route::build(cfg.route);
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line);
    LabelSet ls;
    for (auto& [k, v] : j.items()) ls.emplace_back(k, v.get<std::string>());
    std::sort(ls.begin(), ls.end());
    std::string out;
    for (const Route* r : root->match(ls)) {
      if (!out.empty()) out += ",";
      out += r->opts().receiver;
    }
    std::cout << out << "\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "notify_engine_tool: " << e.what() << "\n";
    return 2;
  }
}
